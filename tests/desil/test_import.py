"""`flask desil import FILE`: DTSEN extracts as CSV, XLSX or ODS, checked as member lists are; bad rows reported."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import Workbook

from portal.config import Config
from portal.extensions import db
from portal.models import DesilRecord, Role
from tests.factories import make_entry, make_list, make_member, make_user, new_nik
from tests.lists.spreadsheets import csv_bytes, ods_bytes, xlsx_bomb, xlsx_bytes
from tests.spreadsheets.bombs import in_child_of_app, three_bombs


def _records() -> dict[str, tuple[int, date]]:
    return {r.nik: (r.desil, r.source_date) for r in db.session.scalars(db.select(DesilRecord))}


def test_csv_extract_with_bad_rows_reports_them_and_imports_nothing(app, runner, tmp_path):
    good, other = new_nik(), new_nik()
    path = tmp_path / "dtsen.csv"
    path.write_text(
        "Ekstrak DTSEN Kota Makassar\n"
        "NIK;Desil;Tanggal sumber\n"
        f"{good};2;2026-01-31\n"
        "7371015302850000;3;2026-01-31\n"
        f"{other};11;31/01/2026\n"
        f"{new_nik()};4;kemarin\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["desil", "import", str(path)])
    assert result.exit_code != 0
    assert "Row 4:" in result.output and "tidak sah" in result.output
    assert "Row 5:" in result.output and "1-10" in result.output
    assert "Row 6:" in result.output
    assert "7371015302850000" not in result.output
    assert "nothing imported" in result.output
    with app.app_context():
        assert _records() == {}
    result = runner.invoke(args=["desil", "import", str(path), "--skip-bad"])
    assert result.exit_code == 0, result.output
    assert "1 new" in result.output
    with app.app_context():
        assert _records() == {good: (2, date(2026, 1, 31))}


def test_xlsx_extract_upserts_and_newer_source_dates_win(app, runner, tmp_path):
    first, second = new_nik(), new_nik()
    with app.app_context():
        db.session.add(DesilRecord(nik=first, desil=5, source_date=date(2025, 6, 1)))
        db.session.add(DesilRecord(nik=second, desil=1, source_date=date(2026, 3, 1)))
        db.session.commit()
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["NIK", "Desil", "Tanggal sumber"])
    sheet.append([first, 3, date(2026, 1, 31)])
    sheet.append([second, 4, date(2025, 1, 1)])  # older than what we hold: ignored
    path = tmp_path / "dtsen.xlsx"
    workbook.save(path)
    result = runner.invoke(args=["desil", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 updated" in result.output and "1 unchanged" in result.output
    with app.app_context():
        assert _records() == {first: (3, date(2026, 1, 31)), second: (1, date(2026, 3, 1))}


def test_xlsx_nik_stored_as_a_number_is_a_bad_row(app, runner, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["NIK", "Desil", "Tanggal sumber"])
    sheet.append([7371011302850001, 2, "2026-01-31"])
    path = tmp_path / "dtsen.xlsx"
    workbook.save(path)
    result = runner.invoke(args=["desil", "import", str(path)])
    assert result.exit_code != 0
    assert "sebagai angka" in result.output


def test_desil_shows_on_queue_entries_and_member_pages(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        head = make_user("rtrw1", Role.RT_RW)
        entry = make_entry(make_list(head), submitted_at=date(2026, 1, 2))
        person, _membership = make_member("Siti Aminah")
        db.session.add(DesilRecord(nik=entry.nik, desil=3, source_date=date(2026, 1, 31)))
        db.session.add(DesilRecord(nik=person.nik, desil=4, source_date=date(2026, 1, 31)))
        db.session.commit()
        person_id = person.id
    auth.login("staff1")
    queue = client.get("/verifikasi/").get_data(as_text=True)
    assert "<td>3</td>" in queue
    member = client.get(f"/anggota/{person_id}").get_data(as_text=True)
    assert "<dd>4 (" in member


EXTRACT_HEADER = ["NIK", "Desil", "Tanggal sumber", "Catatan"]


@pytest.mark.parametrize(("delimiter", "encoding"), [(";", "cp1252"), ("\t", "utf-16")])
def test_csv_from_excel_in_windows_1252_or_utf_16_is_read(app, runner, tmp_path, delimiter, encoding):
    nik = new_nik()
    path = tmp_path / "dtsen.csv"
    # "–" and "’" are single bytes in Windows-1252 that UTF-8 cannot decode.
    path.write_bytes(csv_bytes([[nik, 2, date(2026, 1, 31), "Lorong 3 – rumah Daeng Ngai’"]], delimiter=delimiter, encoding=encoding, header=EXTRACT_HEADER))
    result = runner.invoke(args=["desil", "import", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert _records() == {nik: (2, date(2026, 1, 31))}


def test_ods_extract_is_read(app, runner, tmp_path):
    nik = new_nik()
    path = tmp_path / "dtsen.ods"
    path.write_bytes(ods_bytes([[nik, 7, date(2026, 1, 31), None]], header=EXTRACT_HEADER))
    result = runner.invoke(args=["desil", "import", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert _records() == {nik: (7, date(2026, 1, 31))}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("dtsen.xlsx", b"NIK;Desil;Tanggal sumber\n", "Isi berkas tidak sesuai dengan jenisnya (XLSX)"),
        ("dtsen.csv", xlsx_bytes([], header=EXTRACT_HEADER), "Isi berkas tidak sesuai dengan jenisnya (CSV)"),
        ("dtsen.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "terkunci kata sandi"),
        ("dtsen.xls", xlsx_bytes([], header=EXTRACT_HEADER), "harus berformat .csv, .xlsx atau .ods"),
    ],
)
def test_a_file_whose_content_is_not_its_type_is_refused_and_imports_nothing(app, runner, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    result = runner.invoke(args=["desil", "import", str(path)])
    assert result.exit_code != 0
    assert message in result.output
    with app.app_context():
        assert _records() == {}


def test_a_zip_bomb_is_refused_before_parsing(app, runner, tmp_path):
    path = tmp_path / "dtsen.xlsx"
    path.write_bytes(xlsx_bomb(Config.SPREADSHEET_BULK_MAX_UNCOMPRESSED_BYTES // (1024 * 1024) + 10))
    result = runner.invoke(args=["desil", "import", str(path)])
    assert result.exit_code != 0
    assert "terlalu besar setelah dibuka" in result.output
    with app.app_context():
        assert _records() == {}


@pytest.mark.parametrize(("filename", "bomb", "says"), three_bombs(), ids=["xfd1048576", "ods-repeats", "zz200000"])
def test_a_tiny_spreadsheet_bomb_is_refused_with_the_reason(app, runner, tmp_path, filename, bomb, says):
    """Read in a memory-capped child: a regression kills the child, not the test run."""
    path = tmp_path / filename.replace("usulan", "dtsen")
    path.write_bytes(bomb)

    def run():
        result = runner.invoke(args=["desil", "import", str(path)])
        return result.exit_code, result.output

    exit_code, output = in_child_of_app(app, run)
    assert exit_code != 0
    assert "Simpan hanya tabel datanya" in output
    with app.app_context():
        assert _records() == {}


def test_an_extract_longer_than_the_row_limit_is_refused(app_factory, tmp_path):
    app = app_factory(SPREADSHEET_BULK_MAX_ROWS=3)
    runner = app.test_cli_runner()
    path = tmp_path / "dtsen.csv"
    path.write_bytes(csv_bytes([[new_nik(), 2, date(2026, 1, 31), ""] for _ in range(3)], header=EXTRACT_HEADER))
    result = runner.invoke(args=["desil", "import", str(path)])
    assert result.exit_code != 0
    assert "lebih dari 3 baris" in result.output
    with app.app_context():
        assert _records() == {}
