"""The staff queue: kind, area, age and deadline; filters, search by reference, paging, the
empty state; overdue (past the answer deadline, or a personal-data request not acknowledged
within 3x24 hours) with a fixed clock."""

from __future__ import annotations

from datetime import timedelta

from portal.extensions import db
from portal.models import RequestKind, Role
from portal.public_requests import handling
from tests.factories import LETTE, PABAENG, make_user
from tests.public_requests.staff_helpers import RECEIVED, receive


def test_a_card_request_is_overdue_only_after_its_answer_deadline(app):
    app.config["REQUEST_ANSWER_DAYS_CARD_MISSING"] = 7
    with app.app_context():
        card = receive(RequestKind.CARD_MISSING)
        assert not handling.is_overdue(card, now=RECEIVED + timedelta(days=6, hours=23))
        assert handling.is_overdue(card, now=RECEIVED + timedelta(days=7, minutes=1))
        at = RECEIVED + timedelta(days=7, minutes=1)
        assert db.session.scalar(db.select(db.func.count()).where(handling.overdue_clause(at))) == 1


def test_a_personal_data_request_is_overdue_when_not_acknowledged_within_72_hours(app):
    app.config["REQUEST_ACKNOWLEDGE_HOURS_PERSONAL_DATA"] = 72
    with app.app_context():
        staff = make_user("staff1", Role.STAFF)
        personal = receive(RequestKind.PERSONAL_DATA)
        late = RECEIVED + timedelta(hours=72, minutes=1)
        assert not handling.is_overdue(personal, now=RECEIVED + timedelta(hours=71))
        assert handling.is_overdue(personal, now=late) and handling.acknowledgement_overdue(personal, now=late)
        assert db.session.scalar(db.select(db.func.count()).where(handling.overdue_clause(late))) == 1
        handling.acknowledge(personal, staff, now=RECEIVED + timedelta(hours=70))
        db.session.commit()
        assert not handling.is_overdue(personal, now=late)
        assert db.session.scalar(db.select(db.func.count()).where(handling.overdue_clause(late))) == 0


def test_an_answered_request_is_never_overdue(app):
    with app.app_context():
        staff = make_user("staff1", Role.STAFF)
        objection = receive(RequestKind.OBJECTION)
        handling.answer(objection, "Sudah kami periksa bersama ketua RT.", staff, now=RECEIVED + timedelta(days=20))
        db.session.commit()
        assert not handling.is_overdue(objection, now=RECEIVED + timedelta(days=30))


def test_staff_see_the_queue_with_kind_area_deadline_and_overdue_marks(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        old = receive(RequestKind.OBJECTION, description="Tetangga saya sudah bekerja di pabrik.")
        ref = old.reference
    auth.login("staff1")
    page = client.get("/meja-permintaan/").get_data(as_text=True)
    assert ref in page and "Seseorang yang terlindungi seharusnya tidak (sanggahan)" in page
    assert "Lette, Mariso RW 002" in page and "terlambat" in page
    with app.app_context():
        assert f"{handling.age_days(old)} hari" in page and handling.age_days(old, now=RECEIVED + timedelta(days=3, hours=1)) == 3
    assert "Permintaan yang terlambat: 1." in page
    # The queue is no place for what a requester wrote or their phone.
    assert "pabrik" not in page and "081234567890" not in page


def test_staff_filter_by_kind_state_area_overdue_and_reference(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        card = receive(RequestKind.CARD_MISSING)
        fresh = receive(RequestKind.OBJECTION, now=handling.utcnow(), kelurahan_code=PABAENG, rw=5)
        refs = card.reference, fresh.reference
    auth.login("staff1")

    def shown(query: str) -> set[str]:
        page = client.get(f"/meja-permintaan/?{query}").get_data(as_text=True)
        return {ref for ref in refs if ref in page}

    assert shown("") == set(refs)
    assert shown("jenis=card_missing") == {refs[0]}
    assert shown("status=new") == set(refs)
    assert shown("status=closed") == set()
    assert shown("kecamatan=737110") == {refs[1]}
    assert shown(f"kelurahan={LETTE}") == {refs[0]}
    assert shown("terlambat=y") == {refs[0]}
    assert shown(f"nomor={refs[1]}") == {refs[1]}
    assert shown(f"nomor={refs[1].lower().replace('pm-', '')}") == {refs[1]}


def test_a_reference_that_is_none_says_how_to_write_one_and_an_empty_queue_says_so(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    auth.login("staff1")
    page = client.get("/meja-permintaan/").get_data(as_text=True)
    assert "Tidak ada permintaan yang cocok." in page
    bad = client.get("/meja-permintaan/?nomor=abc%27--")
    assert bad.status_code == 200
    assert "Nomor permintaan ditulis seperti PM-2026-00012." in bad.get_data(as_text=True)


def test_the_queue_pages_in_sql_twenty_five_at_a_time(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        made = [receive(RequestKind.OTHER, now=RECEIVED + timedelta(minutes=i)) for i in range(27)]
        last = made[-1].reference
    auth.login("staff1")
    first = client.get("/meja-permintaan/").get_data(as_text=True)
    assert "Halaman 1 dari 2" in first and last not in first
    second = client.get("/meja-permintaan/?halaman=2").get_data(as_text=True)
    assert last in second and "Jumlah permintaan: 27" in second


def test_htmx_filtering_answers_the_results_fragment(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        receive(RequestKind.OTHER)
    auth.login("staff1")
    response = client.get("/meja-permintaan/?jenis=other", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="request-results">') and "<html" not in body
    assert "HX-Request" in response.headers["Vary"]


def test_agents_and_hospital_accounts_cannot_open_the_desk(app, client, auth):
    with app.app_context():
        make_user("agent1", Role.AGENT)
        request_id = receive().id
    auth.login("agent1")
    assert client.get("/meja-permintaan/").status_code == 404
    assert client.get(f"/meja-permintaan/{request_id}").status_code == 404
