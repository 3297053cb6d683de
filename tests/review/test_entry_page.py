"""The reviewer's entry page: the whole proposal, its history and duplicates, the NIK reveal."""

from __future__ import annotations

from datetime import date, timedelta

from portal.extensions import db
from portal.models import AuditEvent, DesilRecord, EntryState, ListEntry, Role, User
from portal.models.base import utcnow
from portal.names import canonical_name
from tests.factories import make_entry, make_list, make_member, make_user
from tests.review.helpers import pending_entries, post


def _events(action: str) -> list[AuditEvent]:
    return db.session.scalars(db.select(AuditEvent).filter_by(action=action)).all()


def test_entry_page_shows_the_full_proposal_its_proposer_and_waiting_time(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        (entry_id,) = pending_entries(
            full_name="Andi Wijaya", street="Jl. Kakatua 7", phone="081234567890", occupation="Tukang parkir",
            monthly_income=1_500_000, rt=4,
        )
        entry = db.session.get(ListEntry, entry_id)
        nik = entry.nik
        db.session.add(DesilRecord(nik=nik, desil=2, source_date=date(2026, 1, 31)))
        entry.submitted_at = utcnow() - timedelta(days=3, hours=2)
        db.session.commit()
    auth.login("staff1")
    page = client.get(f"/verifikasi/{entry_id}").get_data(as_text=True)
    for text in ("Andi Wijaya", "Jl. Kakatua 7", "RT 004", "RW 002", "081234567890", "Tukang parkir", "1.500.000", "Rtrw1"):
        assert text in page, text
    assert "31 Jan 2026" in page  # the desil's source date
    assert "Menunggu" in page and "3 hari" in page
    assert nik not in page
    assert nik[:6] + "******" + nik[-4:] in page


def test_revealing_the_nik_is_a_post_that_enters_the_access_history(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        (entry_id,) = pending_entries()
        nik = db.session.get(ListEntry, entry_id).nik
    auth.login("staff1")
    assert client.get(f"/verifikasi/{entry_id}/nik").status_code == 405
    response = post(client, f"/verifikasi/{entry_id}/nik", page=f"/verifikasi/{entry_id}", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert nik in body and "<html" not in body
    assert nik not in response.headers.get("HX-Push-Url", "") and nik not in response.headers.get("Location", "")
    without_js = post(client, f"/verifikasi/{entry_id}/nik", page=f"/verifikasi/{entry_id}")
    assert without_js.status_code == 200 and "<html" in without_js.get_data(as_text=True)
    assert nik in without_js.get_data(as_text=True)
    with app.app_context():
        events = _events("entry.nik_reveal")
        assert len(events) == 2
        assert events[0].actor_name == "staff1" and events[0].target_id == str(entry_id)
        assert nik not in str(events[0].details)


def test_revealing_the_nik_without_the_page_token_changes_nothing(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        (entry_id,) = pending_entries()
        nik = db.session.get(ListEntry, entry_id).nik
    auth.login("staff1")
    response = client.post(f"/verifikasi/{entry_id}/nik", data={})
    assert response.status_code == 400
    assert nik not in response.get_data(as_text=True)
    with app.app_context():
        assert _events("entry.nik_reveal") == []


def test_entry_page_lists_duplicates_side_by_side_with_what_matches(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        born = date(1979, 8, 21)
        (entry_id,) = pending_entries(full_name="Hj. Siti Aminah, S.Pd.", birth_date=born)
        entry = db.session.get(ListEntry, entry_id)
        same_nik, _membership = make_member("Siti Aminah Binti Ali", nik=entry.nik, birth_date=date(1979, 8, 22))
        same_name, _other = make_member("SITI AMINAH", birth_date=born)
        head = db.session.scalar(db.select(User).filter_by(username="rtrw1"))
        other_entry = make_entry(make_list(head), full_name="Siti  Aminah", birth_date=born, state=EntryState.DRAFT)
        make_entry(make_list(head), full_name="Siti Aminah", birth_date=date(1990, 1, 1))  # another birth date: not a duplicate
        ids = same_nik.id, same_name.id, other_entry.id
        assert canonical_name("Hj. Siti Aminah, S.Pd.") == canonical_name("SITI AMINAH")
    auth.login("staff1")
    page = client.get(f"/verifikasi/{entry_id}").get_data(as_text=True)
    assert "Kemungkinan ganda (3)" in page
    assert f'href="/anggota/{ids[0]}"' in page and f'href="/anggota/{ids[1]}"' in page
    assert f'href="/verifikasi/{ids[2]}"' in page
    assert page.count("NIK sama") == 1
    assert page.count("Nama (bentuk kanonik) dan tanggal lahir sama") == 2
    assert 'class="match"' in page


def test_entry_page_shows_the_persons_memberships_and_earlier_decisions(app, client, auth):
    with app.app_context():
        staff = make_user("staff1", Role.STAFF)
        person, membership = make_member("Budi Santoso")
        head = make_user("rtrw1", Role.RT_RW)
        earlier = make_entry(make_list(head, title="Usulan lama"), nik=person.nik, full_name="Budi Santoso",
                             state=EntryState.REJECTED, reason_text="Data tidak lengkap", decided_by_id=staff.id)
        (entry_id,) = pending_entries(nik=person.nik, full_name="Budi Santoso")
        number, earlier_id = membership.number, earlier.id
    auth.login("staff1")
    page = client.get(f"/verifikasi/{entry_id}").get_data(as_text=True)
    assert number in page
    assert f'href="/verifikasi/{earlier_id}"' in page and "Usulan lama" in page
    assert "Data tidak lengkap" in page and "Ditolak" in page


def test_decisions_on_the_entry_page_are_buttons_and_reject_without_reason_says_why(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        (entry_id,) = pending_entries()
    auth.login("staff1")
    page = client.get(f"/verifikasi/{entry_id}").get_data(as_text=True)
    assert page.count('type="submit" class="button') >= 4  # reveal, approve, reject, return
    response = post(client, f"/verifikasi/{entry_id}/tolak", {"reason_code": "", "next": f"/verifikasi/{entry_id}"},
                    page=f"/verifikasi/{entry_id}", follow_redirects=True)
    body = response.get_data(as_text=True)
    assert response.request.path == f"/verifikasi/{entry_id}"
    assert "Pilih alasan penolakan." in body
    response = post(client, f"/verifikasi/{entry_id}/kembalikan", {"reason_text": "  ", "next": f"/verifikasi/{entry_id}"},
                    page=f"/verifikasi/{entry_id}", follow_redirects=True)
    assert "Tuliskan apa yang harus diperbaiki." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ListEntry, entry_id).state == EntryState.PENDING
    response = post(client, f"/verifikasi/{entry_id}/tolak",
                    {"reason_code": "not_resident", "next": f"/verifikasi/{entry_id}"}, page=f"/verifikasi/{entry_id}",
                    follow_redirects=True)
    assert response.request.path == f"/verifikasi/{entry_id}"
    assert "Usulan ditolak." in response.get_data(as_text=True)
