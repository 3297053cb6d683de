"""Typing rows into a list (with and without htmx), submitting, and fixing returned rows."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event, update

from portal.extensions import db
from portal.models import AuditEvent, EntryState, ListEntry, MemberList, Role
from tests.conftest import csrf_token
from tests.factories import LETTE, make_user, new_nik
from tests.lists.spreadsheets import person_row, xlsx_bytes

HTMX = {"HX-Request": "true"}


def typed(**values) -> dict:
    born = values.pop("born", date(1985, 2, 13))
    return {"nik": new_nik(born), "full_name": "Budi Santoso", "birth_date": born.strftime("%d/%m/%Y"), "sex": "L", "rt": "1", "category": "kader", "phone": "081234567890", **values}


def only_entry(app, list_id: int) -> ListEntry:
    with app.app_context():
        entry = db.session.scalars(db.select(ListEntry).filter_by(list_id=list_id)).one()
        db.session.expunge(entry)
        return entry


def test_a_head_creates_a_list_for_their_rw(app, client, auth):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2, rt=3)
    auth.login("rtrw1")
    token = csrf_token(client, "/daftar/baru")
    assert client.post("/daftar/baru", data={"csrf_token": token, "title": ""}).status_code == 200
    response = client.post("/daftar/baru", data={"csrf_token": token, "title": "Usulan tahap 1", "rt": "9"})
    assert response.status_code == 302
    with app.app_context():
        member_list = db.session.scalars(db.select(MemberList)).one()
        assert (member_list.kelurahan_code, member_list.rw, member_list.rt) == (LETTE, 2, 3)


def test_a_typed_row_is_checked_as_it_is_saved_without_javascript(app, head):
    response = head.post("/baris", typed(nik="7.37101E+15"))
    assert response.status_code == 302
    entry = only_entry(app, head.list_id)
    assert entry.state == EntryState.DRAFT and [i["code"] for i in entry.errors] == ["nik_scientific_notation"]
    page = head.client.get(head.url).get_data(as_text=True)
    assert "Teks" in page and "Perlu diperbaiki" in page


def test_htmx_add_answers_with_the_refreshed_workspace(app, head):
    response = head.post("/baris", typed(), headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="workspace"' in body and "<html" not in body
    assert "Budi Santoso" in body
    assert response.headers["Vary"] == "HX-Request" or "HX-Request" in response.headers["Vary"]


def test_a_row_edits_itself_in_place_with_htmx(app, head):
    head.post("/baris", typed(full_name=""))
    entry = only_entry(app, head.list_id)
    row_url = f"/baris/{entry.id}/ubah"

    form = head.client.get(head.url + row_url, headers=HTMX).get_data(as_text=True)
    assert form.lstrip().startswith("<tr") and 'hx-target="this"' in form and "<form" in form
    assert entry.nik in form  # the head sees the NIK they typed to correct it

    fixed = head.post(row_url, {**typed(), "nik": entry.nik, "full_name": "Budi Santoso"}, headers=HTMX)
    body = fixed.get_data(as_text=True)
    assert fixed.status_code == 200 and body.lstrip().startswith("<tr") and f"/baris/{entry.id}/hapus\"" in body  # Hapus asks first
    assert "Nama belum diisi" not in body
    assert only_entry(app, head.list_id).errors == []


def test_the_edit_page_works_without_javascript(app, head):
    head.post("/baris", typed())
    entry = only_entry(app, head.list_id)
    page = head.client.get(f"{head.url}/baris/{entry.id}/ubah").get_data(as_text=True)
    assert "<html" in page and "Ubah baris" in page
    response = head.post(f"/baris/{entry.id}/ubah", {**typed(), "nik": entry.nik, "full_name": "Budi S."})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#entry-{entry.id}")
    assert only_entry(app, head.list_id).full_name == "Budi S."


def test_deleting_a_row_with_htmx_removes_it(app, head):
    head.post("/baris", typed())
    entry = only_entry(app, head.list_id)
    response = head.post(f"/baris/{entry.id}/hapus", headers=HTMX)
    body = response.get_data(as_text=True).strip()
    # No row comes back; the summary (now listing the deleted row) and submit parts come out of band.
    assert response.status_code == 200 and body.startswith("<template>") and body.endswith("</template>")
    assert 'id="list-summary" aria-labelledby="summary-heading" hx-swap-oob="true"' in body and "Baris yang dihapus (1)" in body
    with app.app_context():
        assert db.session.get(ListEntry, entry.id) is None
        assert db.session.scalar(db.select(AuditEvent).filter_by(action="entry.delete")).details["nik"].count("*") == 6


def test_submit_sends_only_valid_rows_and_asks_to_acknowledge_warnings(app, head):
    born = date(1985, 2, 13)
    rows = [person_row(), person_row(nik="12345"), [new_nik(born), "Ani", "14/02/1985", "P", 1, 2, "Kader", "081234567890"]]
    head.upload(xlsx_bytes(rows), "usulan.xlsx")
    preview = head.client.get(head.url).get_data(as_text=True)
    assert "Kirim 2 orang" in preview and "Dengan peringatan" in preview

    refused = head.post("/kirim")
    assert refused.status_code == 400 and "Centang pernyataan" in refused.get_data(as_text=True)
    assert head.post("/kirim", {"acknowledge_warnings": "y"}).status_code == 302

    with app.app_context():
        saved = db.session.scalars(db.select(ListEntry).order_by(ListEntry.id)).all()
        assert [e.state for e in saved] == [EntryState.PENDING, EntryState.DRAFT, EntryState.PENDING]
        assert all(e.submitted_at for e in saved if e.state == EntryState.PENDING)
        assert db.session.get(MemberList, head.list_id).submitted_at is not None
    drop = head.post("/hapus-bermasalah")
    assert drop.status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ListEntry)) == 2


def test_pending_rows_cannot_be_changed(app, head):
    head.post("/baris", typed())
    head.post("/kirim")
    entry = only_entry(app, head.list_id)
    assert entry.state == EntryState.PENDING
    response = head.post(f"/baris/{entry.id}/ubah", {**typed(), "full_name": "Lain"})
    assert response.status_code == 302
    head.post(f"/baris/{entry.id}/hapus")
    assert only_entry(app, head.list_id).full_name == "Budi Santoso"


def test_a_returned_row_is_fixed_and_sent_again(app, head):
    head.post("/baris", typed(born=date(1985, 2, 13)))
    head.post("/kirim")
    entry = only_entry(app, head.list_id)
    with app.app_context():  # staff return the entry for correction
        returned = db.session.get(ListEntry, entry.id)
        returned.state = EntryState.RETURNED
        returned.reason_code, returned.reason_text = "data_mismatch", "Nama tidak sesuai KTP, mohon diperiksa."
        db.session.commit()

    page = head.client.get(head.url).get_data(as_text=True)
    assert "Nama tidak sesuai KTP" in page and "dikembalikan petugas" in page

    bad = head.post(f"/baris/{entry.id}/ubah", {**typed(), "nik": "7371", "full_name": "Budi Santoso bin Ahmad"}, headers=HTMX)
    assert "NIK harus 16 angka" in bad.get_data(as_text=True)
    head.post("/kirim")
    assert only_entry(app, head.list_id).state == EntryState.RETURNED  # errors keep it back

    head.post(f"/baris/{entry.id}/ubah", {**typed(), "nik": entry.nik, "full_name": "Budi Santoso bin Ahmad"})
    fixed = only_entry(app, head.list_id)
    assert fixed.state == EntryState.RETURNED and fixed.errors == []
    assert head.post("/kirim").status_code == 302
    resent = only_entry(app, head.list_id)
    assert resent.state == EntryState.PENDING and resent.full_name == "Budi Santoso bin Ahmad"
    assert resent.submitted_at is not None


def _changed_by_someone_else_before_the_update(app, entry_id: int):
    """A real second writer: just before the request's UPDATE of the row, another
    connection sends the row (and commits), as a second tab or device would."""
    done = []

    def send_meanwhile(_mapper, connection, target):
        if target.id == entry_id and not done:
            done.append(True)
            with connection.engine.connect() as other:
                other.execute(
                    update(ListEntry).where(ListEntry.id == entry_id).values(version=ListEntry.version + 1, state=EntryState.PENDING)
                )
                other.commit()

    event.listen(ListEntry, "before_update", send_meanwhile)
    return send_meanwhile


def test_a_row_sent_meanwhile_from_another_tab_is_not_overwritten_and_the_head_is_told(app, head):
    head.post("/baris", typed(full_name=""))
    entry = only_entry(app, head.list_id)
    listener = _changed_by_someone_else_before_the_update(app, entry.id)
    try:
        response = head.post(f"/baris/{entry.id}/ubah", {**typed(), "nik": entry.nik, "full_name": "Budi Santoso"}, headers=HTMX)
    finally:
        event.remove(ListEntry, "before_update", listener)
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "baru saja diubah di tempat lain" in body and "belum disimpan" in body
    after = only_entry(app, head.list_id)
    assert after.state == EntryState.PENDING and after.full_name == ""  # the other writer's row, untouched
