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


def _upload_unmatched_choices(head) -> None:
    row = person_row(nik=new_nik(date(1985, 2, 13)), name="Siti Aminah")
    row[3], row[6] = "X", "Tukang Sapu Jalan"  # a sex and a category no drop-down offers
    head.upload(xlsx_bytes([row]), "usulan.xlsx")


def test_a_drop_down_s_unmatched_file_value_is_shown_beside_it_marked_with_the_problem(app, head):
    _upload_unmatched_choices(head)
    entry = only_entry(app, head.list_id)
    assert entry.sex is None and entry.category_code is None
    assert entry.raw_values == {"sex": "X", "category": "Tukang Sapu Jalan"}
    form = head.client.get(f"{head.url}/baris/{entry.id}/ubah", headers=HTMX).get_data(as_text=True)
    for name, text, problem in (
        ("sex", "X", "Jenis kelamin tidak dikenal."),
        ("category", "Tukang Sapu Jalan", "Kategori pekerjaan tidak dikenal."),
    ):
        select = re.search(rf'<select[^>]*id="{name}"[^>]*>', form).group(0)
        assert 'aria-invalid="true"' in select and f'aria-describedby="{name}-hint {name}-error"' in select
        hint = re.search(rf'<p class="hint" id="{name}-hint">([^<]*)</p>', form).group(1)
        assert hint == f"Di berkas: «{text}», tidak ada di pilihan. Pilih yang sesuai."
        assert problem in re.search(rf'<p class="error" id="{name}-error">([^<]*)</p>', form).group(1)


def test_the_row_s_card_and_table_show_the_file_s_unmatched_values_until_saved(app, head):
    _upload_unmatched_choices(head)
    entry = only_entry(app, head.list_id)
    page = head.client.get(head.url).get_data(as_text=True)
    row = page[page.index(f'<tr id="entry-{entry.id}"'):]
    row = row[:row.index("</tr>")]
    # One markup for both layouts (CSS makes it a card below ~600 px): each cell says what the file held.
    assert re.search(r'<td class="entry-sex"[^>]*><span class="raw-value">Di berkas: «X»</span></td>', row)
    assert re.search(r'<td class="entry-category"[^>]*><span class="raw-value">Di berkas: «Tukang Sapu Jalan»</span></td>', row)

    saved = head.client.post(
        f"{head.url}/baris/{entry.id}/ubah",
        data={"csrf_token": head.token(), **typed(), "nik": entry.nik, "full_name": "Siti Aminah"}, headers=HTMX,
    ).get_data(as_text=True)
    assert "raw-value" not in saved[:saved.index("</tr>")] and "Kader Posyandu dan KB" in saved
    assert only_entry(app, head.list_id).raw_values is None
