"""Editing a row: the file's bad value is kept and marked, and a save sends the summary out of band."""

from __future__ import annotations

import re
from datetime import date

from portal.extensions import db
from portal.models import AuditEvent
from tests.factories import new_nik
from tests.lists.spreadsheets import person_row, xlsx_bytes
from tests.lists.test_inline import HTMX, only_entry, typed


def _upload_bad_date(head) -> None:
    row = person_row(nik=new_nik(date(1992, 2, 1)), name="Siti Aminah")
    row[2] = "31/02/1992"  # a date that does not exist
    head.upload(xlsx_bytes([row]), "usulan.xlsx")


def test_the_file_s_bad_value_is_kept_and_shown_marked_in_the_edit_form(app, head):
    _upload_bad_date(head)
    entry = only_entry(app, head.list_id)
    assert entry.birth_date is None and entry.raw_values == {"birth_date": "31/02/1992"}
    form = head.client.get(f"{head.url}/baris/{entry.id}/ubah", headers=HTMX).get_data(as_text=True)
    field = re.search(r'<input[^>]*id="birth_date"[^>]*>', form).group(0)
    assert 'value="31/02/1992"' in field and 'aria-invalid="true"' in field and 'aria-describedby="birth_date-hint birth_date-error"' in field
    assert 'id="birth_date-error"' in form and "Isi di berkas: 31/02/1992" in form
    assert form.index("findings-first") < form.index('id="nik"')  # what is wrong comes first


def test_the_staff_note_comes_before_the_fields_when_editing_a_returned_row(app, head):
    from portal.models import EntryState, ListEntry

    head.post("/baris", typed())
    entry = only_entry(app, head.list_id)
    with app.app_context():
        returned = db.session.get(ListEntry, entry.id)
        returned.state, returned.reason_text = EntryState.RETURNED, "Alamat kurang lengkap."
        db.session.commit()
    form = head.client.get(f"{head.url}/baris/{entry.id}/ubah", headers=HTMX).get_data(as_text=True)
    assert form.index("Catatan petugas: Alamat kurang lengkap.") < form.index('id="nik"')


def test_saving_a_row_sends_the_summary_and_submit_button_out_of_band_without_a_list_view_event(app, head):
    _upload_bad_date(head)
    entry = only_entry(app, head.list_id)
    token = head.token()  # (opening the list to get it is a view; the save after it is not)
    with app.app_context():
        views = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent).filter_by(action="list.view"))
    fixed = head.client.post(
        f"{head.url}/baris/{entry.id}/ubah",
        data={"csrf_token": token, **typed(born=date(1992, 2, 1)), "nik": entry.nik, "full_name": "Siti Aminah"}, headers=HTMX,
    )
    body = fixed.get_data(as_text=True)
    assert fixed.status_code == 200 and body.lstrip().startswith(f'<tr id="entry-{entry.id}"')
    template = body[body.index("<template>"):body.index("</template>")]
    assert '<section id="list-summary" aria-labelledby="summary-heading" hx-swap-oob="true">' in template
    assert '<section id="list-submit" class="card" aria-labelledby="submit-heading" hx-swap-oob="true">' in template
    assert "Kirim 1 orang" in template
    assert "HX-Trigger" not in fixed.headers
    assert only_entry(app, head.list_id).raw_values is None  # saved without errors: nothing raw left
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent).filter_by(action="list.view")) == views
