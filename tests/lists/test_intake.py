"""Mistakes real files bring: year-only birth dates, signature lines under the table, and a
corrected file uploaded into a list that already has rows (replace or append)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook

from portal.extensions import db
from portal.models import AuditEvent, EntryState, ListEntry, MemberList, Sex
from tests.factories import make_entry, new_nik
from tests.lists.spreadsheets import HEADER, csv_bytes, ods_bytes, person_row, xlsx_bytes


def entries(app, list_id: int) -> list[ListEntry]:
    with app.app_context():
        found = db.session.scalars(db.select(ListEntry).filter_by(list_id=list_id).order_by(ListEntry.id)).all()
        db.session.expunge_all()
        return found


def finding(entry: ListEntry, code: str) -> dict | None:
    return next((issue for issue in entry.issues if issue["code"] == code), None)


def flashes(head) -> str:
    return head.client.get(head.url).get_data(as_text=True)


# -- a birth date written as a year -------------------------------------------------------------


def _year_only_xlsx(rows: list[list], *, date_format: str | None = None) -> bytes:
    """An XLSX as Excel saves it when '1965' is typed into a birth-date column (optionally formatted as dates)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
        if date_format:
            sheet.cell(row=sheet.max_row, column=3).number_format = date_format
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("filename", "build"),
    [
        ("tahun-teks.xlsx", lambda rows: xlsx_bytes(rows)),
        ("tahun-angka.xlsx", lambda rows: _year_only_xlsx(rows)),
        ("tahun-format-tanggal.xlsx", lambda rows: _year_only_xlsx(rows, date_format="DD/MM/YYYY")),
        ("tahun-format-yyyy.xlsx", lambda rows: _year_only_xlsx(rows, date_format="yyyy")),
        ("tahun.csv", lambda rows: csv_bytes(rows)),
        ("tahun.ods", lambda rows: ods_bytes(rows)),
    ],
)
def test_a_birth_date_holding_only_the_year_takes_the_nik_date_with_a_warning_never_1905(app, head, filename, build):
    born = date(1965, 8, 17)
    hers = new_nik(born, Sex.FEMALE)
    as_text = filename.startswith("tahun-teks") or filename.endswith(".csv")
    year = "1965" if as_text else 1965
    data = build([[hers, "Hasnah", year, "P", 1, 2, "Kader Posyandu dan KB", "081234567890"]])

    assert head.upload(data, filename).status_code == 302

    [entry] = entries(app, head.list_id)
    assert entry.birth_date == born  # the NIK's date (day 57 = 17 + 40 for a woman), not 18/05/1905
    issue = finding(entry, "birth_date_year_only")
    assert issue["severity"] == "warning"
    assert issue["params"] == {"year": 1965, "suggestion": "1965-08-17"}
    assert "hanya berisi tahun (1965)" in issue["message"] and "17/08/1965" in issue["message"]
    assert entry.errors == []


def test_a_year_that_the_nik_contradicts_is_an_error_naming_the_nik_date(app, head):
    nik = new_nik(date(1970, 2, 13))
    data = _year_only_xlsx([[nik, "Baso", 1965, "L", 1, 2, "Kader Posyandu dan KB", ""], [new_nik(), "Andi", 1905, "L", 1, 2, "Kader", ""]])

    assert head.upload(data, "usulan.xlsx").status_code == 302

    first, second = entries(app, head.list_id)
    issue = finding(first, "birth_date_year_only")
    assert issue["severity"] == "error" and issue["params"]["suggestion"] == "1970-02-13"
    assert "13/02/1970" in issue["message"]
    assert first.birth_date is None
    assert finding(second, "birth_date_year_only")["severity"] == "error"  # 1905 exists, but nobody of 121 enrols
    page = flashes(head)
    assert "hanya berisi tahun (1965)" in page and "1905-05-18" not in page and "18/05/1905" not in page


def test_a_year_only_row_with_a_broken_nik_asks_for_the_full_date(app, head):
    data = csv_bytes([["12345", "Baso", "1965", "L", 1, 2, "Kader", ""]])
    assert head.upload(data, "usulan.csv").status_code == 302
    [entry] = entries(app, head.list_id)
    issue = finding(entry, "birth_date_year_only")
    assert issue["severity"] == "error" and "suggestion" not in issue["params"]
    assert "13/02/1965" in issue["message"]  # the example is written in the year given


def test_a_real_birth_date_cell_and_an_excel_serial_are_still_read_as_dates(app, head):
    nik = new_nik(date(1985, 2, 13))
    data = _year_only_xlsx([[nik, "Budi", 31091, "L", 1, 2, "Kader", ""]])  # 31091 = 13/02/1985
    assert head.upload(data, "usulan.xlsx").status_code == 302
    [entry] = entries(app, head.list_id)
    assert entry.birth_date == date(1985, 2, 13) and entry.issues == []


def test_fixing_a_year_only_row_by_typing_the_full_date_clears_the_finding(app, head):
    nik = new_nik(date(1970, 2, 13))
    head.upload(_year_only_xlsx([[nik, "Baso", 1965, "L", 1, 2, "Kader", ""]]), "usulan.xlsx")
    [entry] = entries(app, head.list_id)

    response = head.post(f"/baris/{entry.id}/ubah", {"nik": nik, "full_name": "Baso", "birth_date": "13/02/1970", "sex": "L", "rt": "1", "category": "kader"})

    assert response.status_code == 302
    [fixed] = entries(app, head.list_id)
    assert fixed.birth_date == date(1970, 2, 13) and finding(fixed, "birth_date_year_only") is None and fixed.errors == []


# -- signature and note lines under the table ------------------------------------------------------


def _list_with_footer(*, missing_nik_inside: bool = False, missing_nik_last: bool = False) -> bytes:
    rows = [person_row(new_nik(), "Budi Santoso"), person_row(new_nik(), "Siti Aminah", sex="L")]
    if missing_nik_inside:
        rows.insert(1, [None, "Nurhaeda", date(1980, 5, 17), "P", 1, 2, "Kader Posyandu dan KB", "081234567890"])
    if missing_nik_last:
        rows.append(["", "Daeng Ngalle", date(1975, 8, 17), "L", 3, 2, "Ketua RT/RW", ""])
    footer = [
        [None] * 8,
        ["-", None, "-", None, None, None, None, None],  # a border line drawn with dashes
        [None, "Mengetahui,", None, None, None, "Makassar, 12 Januari 2026"],
        [None, "Lurah Lette", None, None, None, "Ketua RW 002"],
        [None] * 8,
        [None, "(H. Muh. Said, S.E.)", None, None, None, "(Abd. Rahman)"],
        [None, "NIP. 19650213 199003 1 005"],
        [None, "Hasanuddin"],  # a name with no NIK and nothing else
    ]
    return xlsx_bytes(rows + footer, titles=["DAFTAR USULAN RW 002"])


def test_signature_lines_under_the_table_are_skipped_with_a_note(app, head):
    response = head.upload(_list_with_footer(), "usulan.xlsx")

    assert response.status_code == 302
    saved = entries(app, head.list_id)
    assert [e.full_name for e in saved] == ["Budi Santoso", "Siti Aminah"]
    page = flashes(head)
    assert "2 baris dibaca" in page
    assert "5 baris di bawah tabel dilewati: tanda tangan/keterangan (baris 7\u20138, 10\u201312)" in page
    with app.app_context():
        event = db.session.scalars(db.select(AuditEvent).filter_by(action="list.upload")).one()
        assert event.details["footer_rows"] == 5


def test_a_member_row_missing_its_nik_inside_the_table_is_still_an_error(app, head):
    head.upload(_list_with_footer(missing_nik_inside=True), "usulan.xlsx")
    saved = entries(app, head.list_id)
    assert [e.full_name for e in saved] == ["Budi Santoso", "Nurhaeda", "Siti Aminah"]
    assert [i["code"] for i in saved[1].errors] == ["nik_missing"]


def test_a_member_row_missing_its_nik_at_the_end_of_the_table_is_still_an_error(app, head):
    head.upload(_list_with_footer(missing_nik_last=True), "usulan.xlsx")
    saved = entries(app, head.list_id)
    assert [e.full_name for e in saved] == ["Budi Santoso", "Siti Aminah", "Daeng Ngalle"]
    assert "nik_missing" in [i["code"] for i in saved[2].errors]
    assert "5 baris di bawah tabel dilewati" in flashes(head)


def test_signature_lines_in_a_csv_are_skipped_too(app, head):
    rows = [person_row(new_nik(), "Budi Santoso"), [None] * 8, ["", "Mengetahui,", "", "", "", "", "Ketua RT 001 / RW 002", ""], ["", "Baso Daeng", "", "", "", "", "", ""]]
    head.upload(csv_bytes(rows), "usulan.csv")
    assert [e.full_name for e in entries(app, head.list_id)] == ["Budi Santoso"]
    assert "2 baris di bawah tabel dilewati" in flashes(head)


# -- a corrected file into a list that already has rows ------------------------------------------------


@pytest.fixture
def filled(app, head):
    """The head's list with a draft, a returned, an approved, a rejected and a pending row."""
    with app.app_context():
        member_list = db.session.get(MemberList, head.list_id)
        ids = {
            state: make_entry(member_list, state=state, full_name=f"Orang {state.value}").id
            for state in (EntryState.DRAFT, EntryState.RETURNED, EntryState.APPROVED, EntryState.REJECTED, EntryState.PENDING)
        }
    return ids


def test_uploading_into_a_list_with_rows_asks_first_and_changes_nothing_until_chosen(app, head, filled):
    data = xlsx_bytes([person_row(new_nik(), "Budi Baru"), person_row(new_nik(), "Siti Baru")] + [[None, "Mengetahui,"]])

    response = head.upload(data, "perbaikan.xlsx")

    assert response.status_code == 302 and response.headers["Location"].endswith(f"/daftar/{head.list_id}/unggah/pilih")
    assert len(entries(app, head.list_id)) == 5
    page = head.client.get(f"{head.url}/unggah/pilih").get_data(as_text=True)
    assert "Ganti baris yang ada atau tambahkan?" in page
    assert 'type="radio"' in page and 'value="ganti"' in page and 'value="tambah"' in page
    assert "Ganti: 1 draf dihapus dan 2 baris dari berkas ditambahkan; 4 baris" in page
    assert "1 baris di bawah tabel dilewati" in page

    refused = head.post("/unggah/pilih", {})
    assert refused.status_code == 400 and "Pilih ganti atau tambahkan." in refused.get_data(as_text=True)
    assert len(entries(app, head.list_id)) == 5


def test_replace_removes_the_drafts_and_keeps_the_rows_staff_hold_or_decided(app, head, filled):
    head.upload(xlsx_bytes([person_row(new_nik(), "Budi Baru"), person_row(new_nik(), "Siti Baru")]), "perbaikan.xlsx")

    response = head.post("/unggah/pilih", {"mode": "ganti"})

    assert response.status_code == 302
    saved = entries(app, head.list_id)
    assert filled[EntryState.DRAFT] not in {e.id for e in saved}
    kept = {e.id for e in saved} - {e.id for e in saved if e.full_name.endswith("Baru")}
    assert kept == {filled[s] for s in (EntryState.RETURNED, EntryState.APPROVED, EntryState.REJECTED, EntryState.PENDING)}
    assert sorted(e.full_name for e in saved if e.state == EntryState.DRAFT) == ["Budi Baru", "Siti Baru"]
    page = flashes(head)
    assert "1 baris draf lama diganti" in page and "2 baris dibaca" in page
    with app.app_context():
        upload = db.session.scalars(db.select(AuditEvent).filter_by(action="list.upload")).one()
        assert upload.details["mode"] == "ganti" and upload.details["removed"] == 1
        deleted = db.session.scalars(db.select(AuditEvent).filter_by(action="entry.delete")).all()
        assert [e.target_id for e in deleted] == [str(filled[EntryState.DRAFT])]
    assert head.client.get(f"{head.url}/unggah/pilih").status_code == 302  # the held file is gone


def test_append_adds_the_rows_and_marks_niks_already_on_the_list(app, head, filled):
    with app.app_context():
        draft_nik = db.session.get(ListEntry, filled[EntryState.DRAFT]).nik
    head.upload(xlsx_bytes([person_row(new_nik(), "Budi Baru"), person_row(draft_nik, "Orang draft")]), "tambahan.xlsx")

    assert head.post("/unggah/pilih", {"mode": "tambah"}).status_code == 302

    saved = entries(app, head.list_id)
    assert len(saved) == 7
    assert "duplicate_in_file" in [i["code"] for i in saved[-1].errors]
    with app.app_context():
        assert db.session.scalars(db.select(AuditEvent).filter_by(action="list.upload")).one().details["mode"] == "tambah"


def test_a_file_that_cannot_be_used_is_refused_before_the_choice_and_nothing_changes(app, head, filled):
    response = head.upload(xlsx_bytes([]), "kosong.xlsx")
    assert response.status_code == 400 and "Berkas tidak berisi baris data." in response.get_data(as_text=True)
    response = head.upload(b"PK\x03\x04 rusak", "rusak.xlsx")
    assert response.status_code == 400
    assert len(entries(app, head.list_id)) == 5
    assert head.client.get(f"{head.url}/unggah/pilih").status_code == 302


def test_replace_is_all_or_nothing_when_the_import_fails(app, head, filled):
    head.upload(xlsx_bytes([person_row(new_nik(), "Budi Baru")]), "perbaikan.xlsx")
    app.config["UPLOAD_ROW_LIMIT"] = 0  # the file now fails as it is imported: too many rows

    response = head.post("/unggah/pilih", {"mode": "ganti"}, follow_redirects=True)

    assert "lebih dari 0 baris" in response.get_data(as_text=True)
    saved = entries(app, head.list_id)
    assert sorted(e.id for e in saved) == sorted(filled.values())
    with app.app_context():
        assert db.session.scalars(db.select(AuditEvent).filter(AuditEvent.action.in_(("list.upload", "entry.delete")))).all() == []


def test_a_file_whose_columns_need_mapping_asks_the_choice_after_the_mapping(app, head, filled):
    data = xlsx_bytes([[new_nik(), "Budi Baru", "13/02/1985"]], header=["Kolom 1", "Kolom 2", "Kolom 3"])
    assert head.upload(data, "usulan.xlsx").headers["Location"].endswith("/kolom")

    response = head.post("/kolom", {"nik": 0, "full_name": 1, "birth_date": 2})

    assert response.status_code == 302 and response.headers["Location"].endswith("/unggah/pilih")
    assert head.post("/unggah/pilih", {"mode": "ganti"}).status_code == 302
    names = sorted(e.full_name for e in entries(app, head.list_id) if e.state == EntryState.DRAFT)
    assert names == ["Budi Baru"]


def test_an_empty_list_takes_the_upload_without_asking(app, head):
    response = head.upload(xlsx_bytes([person_row(new_nik())]), "usulan.xlsx")
    assert response.headers["Location"].endswith(f"/daftar/{head.list_id}")
    assert len(entries(app, head.list_id)) == 1
