"""Bulk reject and bulk return with one reason, after a confirmation with the count."""

from __future__ import annotations

from portal.extensions import db
from portal.models import AuditEvent, EntryState, ListEntry, Role
from portal.models.base import utcnow
from tests.factories import make_user
from tests.review.helpers import pending_entries, post


def _states(app, ids):
    with app.app_context():
        return [db.session.get(ListEntry, i).state for i in ids]


def test_bulk_reject_confirms_the_count_and_reason_then_rejects_with_audit_events(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        ids = pending_entries(4)
    auth.login("staff1")
    chosen = ids[:3]
    page = post(client, "/verifikasi/massal/periksa",
                {"mode": "reject_selected", "entry_ids": chosen, "reason_code": "not_resident", "reason_text": "Pindah"})
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "3 usulan akan ditolak" in body and "Bukan warga wilayah ini" in body and "Ya, tolak 3 usulan" in body
    assert _states(app, ids) == [EntryState.PENDING] * 4  # the confirmation changes nothing
    response = post(client, "/verifikasi/massal/tutup",
                    {"mode": "reject_selected", "entry_ids": chosen, "reason_code": "not_resident", "reason_text": "Pindah"},
                    follow_redirects=True)
    assert "3 usulan ditolak." in response.get_data(as_text=True)
    assert _states(app, ids) == [EntryState.REJECTED] * 3 + [EntryState.PENDING]
    with app.app_context():
        entry = db.session.get(ListEntry, ids[0])
        assert (entry.reason_code, entry.reason_text, entry.decided_by.username) == ("not_resident", "Pindah", "staff1")
        events = db.session.scalars(db.select(AuditEvent).filter_by(action="entry.reject")).all()
        assert sorted(int(e.target_id) for e in events) == chosen
        assert all(e.details["reason"] == "not_resident" and e.actor_name == "staff1" for e in events)


def test_bulk_reject_without_a_reason_and_bulk_return_without_text_say_why_and_change_nothing(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        ids = pending_entries(2)
    auth.login("staff1")
    for path in ("/verifikasi/massal/periksa", "/verifikasi/massal/tutup"):
        response = post(client, path, {"mode": "reject_selected", "entry_ids": ids, "reason_code": ""}, follow_redirects=True)
        assert "Pilih alasan penolakan." in response.get_data(as_text=True)
        response = post(client, path, {"mode": "reject_selected", "entry_ids": ids, "reason_code": "other"}, follow_redirects=True)
        assert "Tuliskan alasan penolakan." in response.get_data(as_text=True)
        response = post(client, path, {"mode": "return_selected", "entry_ids": ids, "return_text": "  "}, follow_redirects=True)
        assert "Tuliskan apa yang harus diperbaiki." in response.get_data(as_text=True)
        response = post(client, path, {"mode": "return_selected", "return_text": "Periksa"}, follow_redirects=True)
        assert "Centang dulu usulan yang akan ditolak atau dikembalikan." in response.get_data(as_text=True)
    assert _states(app, ids) == [EntryState.PENDING] * 2


def test_bulk_return_sends_the_note_to_each_head_and_skips_what_was_decided_or_taken(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        staff2 = make_user("staff2", Role.STAFF)
        ids = pending_entries(4)
        db.session.execute(db.update(ListEntry).where(ListEntry.id == ids[2]).values(held_by_id=staff2.id, held_at=utcnow()))
        db.session.execute(db.update(ListEntry).where(ListEntry.id == ids[3]).values(state=EntryState.APPROVED, decided_by_id=staff2.id))
        db.session.commit()
    auth.login("staff1")
    data = {"mode": "return_selected", "entry_ids": ids, "return_text": "Tanggal lahir tidak sesuai KTP"}
    body = post(client, "/verifikasi/massal/periksa", data).get_data(as_text=True)
    assert "2 usulan akan dikembalikan ke pengusul" in body and "Dilewati" in body
    response = post(client, "/verifikasi/massal/tutup", data, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "2 usulan dikembalikan untuk perbaikan." in body
    assert "2 usulan dilewati" in body and "sedang ditinjau oleh staff2" in body
    assert _states(app, ids) == [EntryState.RETURNED, EntryState.RETURNED, EntryState.PENDING, EntryState.APPROVED]
    with app.app_context():
        assert db.session.get(ListEntry, ids[0]).reason_text == "Tanggal lahir tidak sesuai KTP"
    auth.logout()
    auth.login("rtrw1")
    page = client.get("/beranda/perlu-tindakan?tampil=dikembalikan").get_data(as_text=True)
    assert "Tanggal lahir tidak sesuai KTP" in page
