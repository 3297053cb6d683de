"""Re-verification ("masih layak?") through HTTP by RT/RW heads and staff, and the expiry list."""

from __future__ import annotations

from datetime import date, timedelta

from portal import clock
from portal.extensions import db
from portal.models import (
    AuditEvent,
    EndReason,
    Membership,
    MembershipStatus,
    Reverification,
    ReverificationAnswer,
    Role,
)
from portal.renewal.reverification import window
from tests.conftest import csrf_token
from tests.factories import PABAENG, make_member, make_user

YEAR = clock.today().year


def setup_area(app):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW)
        _p, mine = make_member("Siti Aminah", year=YEAR)
        _p, other = make_member("Andi Baso", year=YEAR, kelurahan_code=PABAENG, rw=5)
        return mine.id, other.id


def post_answer(client, membership_id: int, **data):
    token = csrf_token(client, "/masih-layak")
    return client.post(f"/masih-layak/{membership_id}", data={"csrf_token": token, **data})


def test_an_rt_rw_head_sees_only_the_members_of_their_own_area(app, client, auth):
    setup_area(app)
    auth.login("rtrw1")
    page = client.get("/masih-layak").get_data(as_text=True)
    assert "Siti Aminah" in page
    assert "Andi Baso" not in page
    assert "Semua masih layak (1)" in page


def test_an_rt_rw_head_confirms_a_member_and_it_is_audited(app, client, auth):
    mine, _other = setup_area(app)
    auth.login("rtrw1")
    response = post_answer(client, mine, answer="confirmed")
    assert response.status_code == 302
    with app.app_context():
        record = db.session.scalar(db.select(Reverification).filter_by(membership_id=mine))
        assert record.answer == ReverificationAnswer.CONFIRMED
        assert record.answered_by.username == "rtrw1"
        event = db.session.scalar(db.select(AuditEvent).filter_by(action="reverification.answer", target_id=str(mine)))
        assert event.details["answer"] == "confirmed"
    card = 'class="member-name">Siti Aminah'
    assert card not in client.get("/masih-layak").get_data(as_text=True)  # answered: off the default list
    assert card in client.get("/masih-layak?tampil=semua").get_data(as_text=True)


def test_a_reported_death_ends_the_membership_with_reason_and_date(app, client, auth):
    mine, _other = setup_area(app)
    auth.login("rtrw1")
    died = clock.today() - timedelta(days=3)
    response = post_answer(client, mine, answer="deceased", event_date=died.isoformat())
    assert response.status_code == 302
    with app.app_context():
        membership = db.session.get(Membership, mine)
        assert membership.status == MembershipStatus.ENDED
        assert (membership.end_reason, membership.ends_on) == (EndReason.DECEASED, died)
        assert membership.ended_at is not None


def test_a_reported_move_without_a_date_is_refused_and_changes_nothing(app, client, auth):
    mine, _other = setup_area(app)
    auth.login("rtrw1")
    response = post_answer(client, mine, answer="moved_away")
    assert response.status_code == 302
    assert "Isi tanggalnya" in client.get("/masih-layak").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Membership, mine).status == MembershipStatus.ACTIVE
        assert db.session.scalar(db.select(Reverification).filter_by(membership_id=mine)) is None


def test_an_htmx_answer_re_renders_only_the_members_card(app, client, auth):
    mine, _other = setup_area(app)
    auth.login("rtrw1")
    token = csrf_token(client, "/masih-layak")
    response = client.post(f"/masih-layak/{mine}", data={"answer": "employer_covered"},
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith("<article") and "Pemberi kerja" in body
    with app.app_context():
        assert db.session.get(Membership, mine).end_reason == EndReason.EMPLOYER_COVERED


def test_answering_for_a_member_of_another_area_is_404(app, client, auth):
    _mine, other = setup_area(app)
    auth.login("rtrw1")
    assert post_answer(client, other, answer="confirmed").status_code == 404
    with app.app_context():
        assert db.session.scalar(db.select(Reverification).filter_by(membership_id=other)) is None


def test_semua_masih_layak_shows_the_count_and_confirms_exactly_that_many(app, client, auth):
    setup_area(app)
    with app.app_context():
        make_member("Budi Santoso", year=YEAR)
    auth.login("rtrw1")
    page = client.get("/masih-layak/semua").get_data(as_text=True)
    assert "Ya, konfirmasi 2 anggota" in page
    token = csrf_token(client, "/masih-layak/semua")
    stale = client.post("/masih-layak/semua", data={"csrf_token": token, "expected": "3"})
    assert "berubah (sekarang 2)" in stale.get_data(as_text=True)
    response = client.post("/masih-layak/semua", data={"csrf_token": token, "expected": "2"})
    assert response.status_code == 302
    with app.app_context():
        answers = db.session.scalars(db.select(Reverification.answer)).all()
        assert answers == [ReverificationAnswer.CONFIRMED] * 2  # the other area's member untouched
        assert db.session.scalar(
            db.select(db.func.count()).select_from(AuditEvent).where(AuditEvent.action == "reverification.answer")
        ) == 2


def test_staff_see_the_unanswered_members_of_the_whole_city_and_decide(app, client, auth):
    _mine, other = setup_area(app)
    with app.app_context():
        make_user("staff1", Role.STAFF)
    auth.login("staff1")
    page = client.get("/masih-layak").get_data(as_text=True)
    assert "Siti Aminah" in page and "Andi Baso" in page
    response = post_answer(client, other, answer="other", note="Tidak dikenal di RW ini")
    assert response.status_code == 302
    with app.app_context():
        membership = db.session.get(Membership, other)
        assert (membership.status, membership.end_reason) == (MembershipStatus.ENDED, EndReason.OTHER)


def test_other_from_an_rt_rw_head_leaves_the_decision_to_staff(app, client, auth):
    mine, _other = setup_area(app)
    auth.login("rtrw1")
    assert post_answer(client, mine, answer="other").status_code == 302  # a note is required
    with app.app_context():
        assert db.session.scalar(db.select(Reverification).filter_by(membership_id=mine)) is None
    post_answer(client, mine, answer="other", note="Sering ke luar kota")
    with app.app_context():
        assert db.session.get(Membership, mine).status == MembershipStatus.ACTIVE


def test_the_list_is_paged(app, client, auth):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW)
        for n in range(30):
            make_member(f"Anggota {n:02d}", year=YEAR)
    auth.login("rtrw1")
    first = client.get("/masih-layak").get_data(as_text=True)
    assert "Halaman 1 dari 2" in first
    second = client.get("/masih-layak?halaman=2").get_data(as_text=True)
    assert "Anggota 29" in second and "Anggota 00" not in second


def test_the_window_opens_the_set_number_of_days_before_the_year_ends(app):
    with app.app_context():
        opens = window(date(YEAR, 6, 1))
        assert opens.opens_on == date(YEAR, 12, 31) - timedelta(days=42)
        assert not opens.is_open(date(YEAR, 6, 1))
        assert opens.is_open(date(YEAR, 12, 1))


def test_expiry_list_shows_members_ending_within_60_days_and_what_they_need(app, client, auth):
    today = clock.today()
    with app.app_context():
        make_user("rtrw1", Role.RT_RW)
        _p, soon = make_member("Akan Habis", year=YEAR)
        soon.ends_on = today + timedelta(days=20)
        _p, later = make_member("Masih Lama", year=YEAR)
        later.ends_on = today + timedelta(days=200)
        _p, elsewhere = make_member("Wilayah Lain", year=YEAR, kelurahan_code=PABAENG, rw=5)
        elsewhere.ends_on = today + timedelta(days=20)
        db.session.commit()
    auth.login("rtrw1")
    page = client.get("/akan-berakhir").get_data(as_text=True)
    assert "Akan Habis" in page
    assert "Masih Lama" not in page and "Wilayah Lain" not in page
    assert "usulkan lagi melalui daftar usulan" in page  # ends before the year does: not carried over
    assert "/masih-layak" in page


def test_what_an_expiring_member_needs_follows_their_answer_and_the_renewal(app):
    from portal.models import RenewalDecision, RenewalOutcome
    from portal.renewal.reverification import renewal_need

    with app.app_context():
        _p, membership = make_member("Akhir Tahun", year=YEAR)
        assert "Jawab" in renewal_need(membership, None, None)
        confirmed = Reverification(membership_id=membership.id, answer=ReverificationAnswer.CONFIRMED)
        assert "Sudah dikonfirmasi" in renewal_need(membership, confirmed, None)
        other = Reverification(membership_id=membership.id, answer=ReverificationAnswer.OTHER)
        assert "keputusan petugas" in renewal_need(membership, other, None)
        refused = RenewalDecision(membership_id=membership.id, to_year=YEAR + 1, outcome=RenewalOutcome.NOT_RENEWED, reason_code="age_out_of_range")
        assert "Usia pada 1 Januari" in renewal_need(membership, confirmed, refused)


def test_the_start_page_warns_about_cover_ending_soon(app, client, auth):
    mine, _other = setup_area(app)
    with app.app_context():
        db.session.get(Membership, mine).ends_on = clock.today() + timedelta(days=10)
        db.session.commit()
    auth.login("rtrw1")
    page = client.get("/beranda").get_data(as_text=True)
    assert "1 anggota berakhir dalam 60 hari" in page
    assert "/akan-berakhir" in page


def test_a_date_that_is_not_a_date_is_refused_with_a_clear_message(app, client, auth):
    mine, _other = setup_area(app)
    auth.login("rtrw1")
    response = post_answer(client, mine, answer="deceased", event_date="32/13/2026")
    assert response.status_code == 302
    page = client.get("/masih-layak").get_data(as_text=True)
    assert "Tanggal tidak terbaca" in page
    with app.app_context():
        assert db.session.get(Membership, mine).status == MembershipStatus.ACTIVE
