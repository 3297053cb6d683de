"""The optional KK number (family card) on list rows: the template, the reader, the CLI and the row form."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from portal.extensions import db
from portal.models import ListEntry, Role, Sex
from portal.nik import make_kk
from tests.factories import LETTE, make_user, new_nik
from tests.lists.spreadsheets import HEADER, person_row, xlsx_bytes

KK = make_kk("737101", date(2015, 3, 9), 12)


def entries(app, list_id: int | None = None) -> list[ListEntry]:
    with app.app_context():
        query = db.select(ListEntry).order_by(ListEntry.id)
        if list_id is not None:
            query = query.filter_by(list_id=list_id)
        found = db.session.scalars(query).all()
        db.session.expunge_all()
        return found


def test_the_downloadable_template_has_a_no_kk_column_formatted_as_text(app, head):
    response = head.client.get("/daftar/templat.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data))["Daftar"]
    headers = [cell.value for cell in sheet[1]]
    assert "No. KK" in headers
    column = headers.index("No. KK") + 1
    assert sheet.cell(row=2, column=column).number_format == "@"


def test_an_uploaded_no_kk_column_is_stored_and_a_broken_kk_is_an_error_on_its_row(app, head):
    rows = [person_row(name="Budi Santoso") + [KK], person_row(name="Siti Aminah", sex="P", born=date(1990, 6, 1)) + ["7371013213150012"],
            person_row(name="Andi Wijaya") + [None]]
    rows[1][0] = new_nik(date(1990, 6, 1), Sex.FEMALE)
    response = head.upload(xlsx_bytes(rows, header=HEADER + ["No. KK"]), "usulan.xlsx")
    assert response.status_code == 302
    saved = entries(app, head.list_id)
    assert [e.kk_number for e in saved] == [KK, None, None]
    assert saved[0].issues == [] and saved[2].issues == []
    (finding,) = [i for i in saved[1].issues if i["column"] == "kk_number"]
    assert finding["code"] == "kk_bad_date" and finding["severity"] == "error"
    assert "No. KK" in finding["message"]
    page = head.client.get(head.url).get_data(as_text=True)
    assert "No. KK" in page and KK not in page


def test_a_typed_row_takes_an_optional_kk_and_refuses_a_short_one_with_a_message(app, head):
    nik = new_nik()
    head.post("/baris", {"nik": nik, "full_name": "Budi Santoso", "birth_date": "13/02/1985", "sex": "L", "rt": "1",
                         "category": "kader", "kk_number": "7371 0109 0315 0012"})
    (saved,) = entries(app, head.list_id)
    assert saved.kk_number == KK and saved.errors == []
    head.post("/baris", {"nik": new_nik(), "full_name": "Andi", "birth_date": "13/02/1985", "sex": "L", "rt": "1",
                         "category": "kader", "kk_number": "73710109"})
    second = entries(app, head.list_id)[1]
    assert [i["code"] for i in second.errors] == ["kk_length"]
    assert second.kk_number is None


def test_the_cli_import_reads_a_no_kk_column(app, runner, tmp_path):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    rows = [[new_nik(date(1980, 1, 1)), "Andi", date(1980, 1, 1), "L", "Lette", 2, 1, "Penyelenggara pemilu", KK]]
    path = tmp_path / "pemilu.xlsx"
    path.write_bytes(xlsx_bytes(rows, header=["NIK", "Nama", "Tgl Lahir", "L/P", "Kelurahan", "RW", "RT", "Kategori", "Nomor KK"]))
    result = runner.invoke(args=["lists", "import", str(path), "--by", "staff1"])
    assert result.exit_code == 0, result.output
    (saved,) = entries(app)
    assert saved.kk_number == KK and saved.kelurahan_code == LETTE
