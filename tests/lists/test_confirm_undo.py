"""Deletes and submitting ask first with the counts; deletions can be undone until the list is sent."""

from __future__ import annotations

import re
from datetime import date

from portal.extensions import db
from portal.models import EntryState, ListEntry, Role
from portal.models.base import utcnow
from portal.models.lists import INCLUDE_DELETED
from tests.citizen.test_status import NOT_FOUND, answer_of, post_status
from tests.factories import make_entry, make_list, make_user
from tests.lists.test_inline import only_entry, typed

ROW = re.compile(r'<tr id="entry-(\d+)"')


def _all_entries(app, list_id: int) -> list[ListEntry]:
    """Every row of the list, soft-deleted ones too."""
    with app.app_context():
        rows = db.session.scalars(
            db.select(ListEntry).filter_by(list_id=list_id).order_by(ListEntry.id).execution_options(**{INCLUDE_DELETED: True})
        ).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def test_deleting_a_row_asks_first_and_changes_nothing_until_confirmed(app, head):
    head.post("/baris", typed(full_name="Siti Aminah"))
    entry = only_entry(app, head.list_id)
    page = head.client.get(f"{head.url}/baris/{entry.id}/hapus")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Hapus orang ini dari daftar?" in body
    assert "Siti Aminah" in body and "1 orang dihapus" in body and "Urungkan" in body
    assert entry.nik not in body  # only the masked NIK
    assert only_entry(app, head.list_id).deleted_at is None


def test_a_deleted_row_leaves_the_list_and_comes_back_with_undo(app, head):
    head.post("/baris", typed(full_name="Siti Aminah"))
    entry = only_entry(app, head.list_id)
    assert head.post(f"/baris/{entry.id}/hapus").status_code == 302
    page = head.client.get(head.url).get_data(as_text=True)
    assert ROW.findall(page) == [] and "Baris yang dihapus (1)" in page
    assert "Kirim 1 orang" not in page  # counts leave it out
    with app.app_context():
        assert db.session.get(ListEntry, entry.id) is None  # invisible to ordinary queries

    assert head.post("/dihapus/urungkan", {"entry_id": entry.id}).status_code == 302
    page = head.client.get(head.url).get_data(as_text=True)
    assert ROW.findall(page) == [str(entry.id)] and "Baris yang dihapus (" not in page and "Kirim 1 orang" in page


def test_a_deleted_row_leaves_the_lists_page_count_and_the_access_record(app, head):
    head.post("/baris", typed(full_name="Siti Aminah"))
    head.post("/baris", typed(full_name="Rani"))
    gone = _all_entries(app, head.list_id)[0]
    head.post(f"/baris/{gone.id}/hapus")
    lists = head.client.get("/daftar/").get_data(as_text=True)
    counts = re.findall(r"Usulan RW 002</a></td>\s*<td>[^<]*</td>\s*<td>(\d+)</td>", lists)
    assert counts == ["1"]
    head.client.get(head.url)
    with app.app_context():
        from portal.models import AuditEvent

        view = db.session.scalars(
            db.select(AuditEvent).filter_by(action="list.view", target_id=str(head.list_id)).order_by(AuditEvent.id.desc())
        ).first()
        assert view.details["entries"] == 1


def test_dropping_problem_rows_asks_with_the_count_and_can_be_undone_all_at_once(app, head):
    for name in ("", "Rani", ""):
        head.post("/baris", typed(full_name=name))
    confirm = head.client.get(f"{head.url}/hapus-bermasalah").get_data(as_text=True)
    assert "Hapus semua baris bermasalah?" in confirm and "2 orang dengan kesalahan dihapus" in confirm and "Ya, hapus 2 orang" in confirm
    assert all(e.deleted_at is None for e in _all_entries(app, head.list_id))

    head.post("/hapus-bermasalah")
    assert [e.full_name for e in _all_entries(app, head.list_id) if e.deleted_at is None] == ["Rani"]
    page = head.client.get(head.url).get_data(as_text=True)
    assert "Urungkan semua (2 orang)" in page
    head.post("/dihapus/urungkan")
    assert all(e.deleted_at is None for e in _all_entries(app, head.list_id))


def test_submitting_asks_first_with_what_goes_stays_and_is_deleted_for_good(app, head):
    head.post("/baris", typed(full_name="Rani"))
    head.post("/baris", typed(full_name=""))
    head.post("/baris", typed(full_name="Dihapus"))
    gone = _all_entries(app, head.list_id)[2]
    head.post(f"/baris/{gone.id}/hapus")

    confirm = head.client.get(f"{head.url}/kirim").get_data(as_text=True)
    assert "Kirim daftar untuk verifikasi?" in confirm and "Ya, kirim 1 orang" in confirm
    assert re.search(r"Dikirim ke petugas</dt><dd>1<", confirm) and re.search(r"masih bermasalah\)</dt><dd>1<", confirm)
    assert "1 baris yang Anda hapus dihapus untuk selamanya" in confirm
    assert [e.state for e in _all_entries(app, head.list_id)] == [EntryState.DRAFT] * 3  # nothing sent yet

    assert head.post("/kirim").status_code == 302
    rows = _all_entries(app, head.list_id)
    assert [(e.full_name, e.state) for e in rows] == [("Rani", EntryState.PENDING), ("", EntryState.DRAFT)]  # the deleted row purged


def test_a_sent_row_cannot_be_deleted_from_the_confirm_page(app, head):
    head.post("/baris", typed())
    head.post("/kirim")
    entry = only_entry(app, head.list_id)
    assert head.client.get(f"{head.url}/baris/{entry.id}/hapus").status_code == 302
    assert only_entry(app, head.list_id).state == EntryState.PENDING


def test_a_soft_deleted_row_is_not_in_the_review_queue(app, client, auth):
    with app.app_context():
        head = make_user("rtrw1", Role.RT_RW)
        make_user("staff1", Role.STAFF)
        member_list = make_list(head)
        kept = make_entry(member_list, full_name="Tetap Ada")
        hidden = make_entry(member_list, full_name="Sudah Dihapus", deleted_at=utcnow())
        db.session.commit()
        kept_id, hidden_id = kept.id, hidden.id
    auth.login("staff1")
    page = client.get("/verifikasi/").get_data(as_text=True)
    assert ROW.findall(page) == [str(kept_id)] and str(hidden_id) not in ROW.findall(page)
    assert "Menunggu verifikasi: 1" in page and "Sudah Dihapus" not in page


def test_cek_status_does_not_answer_from_a_soft_deleted_row(app, client):
    with app.app_context():
        head = make_user("rtrw1", Role.RT_RW)
        entry = make_entry(
            make_list(head), state=EntryState.RETURNED, full_name="Siti Aminah", birth_date=date(1985, 2, 13),
            reason_code="data_mismatch", reason_text="Data tidak sesuai dengan KTP atau KK.",
        )
        db.session.commit()
        nik = entry.nik
    assert "Dikembalikan" in answer_of(post_status(client, nik, "Siti Aminah").get_data(as_text=True))
    with app.app_context():
        db.session.get(ListEntry, entry.id).deleted_at = utcnow()
        db.session.commit()
    assert NOT_FOUND in answer_of(post_status(client, nik, "Siti Aminah", address="127.0.0.2").get_data(as_text=True))
