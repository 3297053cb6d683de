"""`flask lists import`: staff bulk import, its JSON report and exit codes."""

from __future__ import annotations

import json
from datetime import date

import pytest

from portal.extensions import db
from portal.models import EntryState, ListEntry, ListSource, MemberList, Role
from tests.factories import LETTE, PABAENG, make_user, new_nik
from tests.lists.spreadsheets import HEADER, csv_bytes, person_row, xlsx_bomb, xlsx_bytes
from tests.review.helpers import post
from tests.spreadsheets.bombs import in_child_of_app, three_bombs

CITY_HEADER = ["NIK", "Nama", "Tgl Lahir", "L/P", "Kelurahan", "RW", "RT", "Kategori"]


@pytest.fixture
def staff(app):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    return "staff1"


def run_import(runner, path, *args):
    return runner.invoke(args=["lists", "import", str(path), *args])


def entries(app):
    with app.app_context():
        found = db.session.scalars(db.select(ListEntry).order_by(ListEntry.id)).all()
        db.session.expunge_all()
        return found


def test_json_report_names_the_spreadsheets_rows_and_imports_accepted_rows(app, runner, staff, tmp_path):
    good = new_nik(date(1980, 1, 1))
    rows = [
        [good, "Andi", date(1980, 1, 1), "L", "Lette", 2, 1, "Penyelenggara pemilu"],
        ["7.37101E+15", "Badu", "01/01/1980", "L", LETTE, 2, 1, "KPPS"],
        [new_nik(), "Cici", "13/02/1985", "P", "Pa'baeng-Baeng", "005", 1, "PPS"],
    ]
    path = tmp_path / "pemilu.xlsx"
    path.write_bytes(xlsx_bytes(rows, header=CITY_HEADER, titles=["PENYELENGGARA PEMILU 2029"]))

    result = run_import(runner, path, "--by", staff, "--json")

    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["rows_read"], report["accepted"], report["rejected"]) == (3, 2, 1)
    issues = {(i["row"], i["code"]) for i in report["issues"]}
    assert (4, "nik_scientific_notation") in issues
    assert (5, "sex_mismatch") in issues
    first = next(i for i in report["issues"] if i["code"] == "nik_scientific_notation")
    assert first == {"row": 4, "column": "nik", "severity": "error", "code": "nik_scientific_notation", "message": first["message"]}
    saved = entries(app)
    assert [e.nik for e in saved][0] == good
    assert {e.state for e in saved} == {EntryState.PENDING}
    with app.app_context():
        lists = db.session.scalars(db.select(MemberList).order_by(MemberList.kelurahan_code)).all()
        assert [(m.kelurahan_code, m.rw, m.source) for m in lists] == [(LETTE, 2, ListSource.IMPORT), (PABAENG, 5, ListSource.IMPORT)]


def test_dry_run_reads_and_checks_but_adds_nothing(app, runner, staff, tmp_path):
    path = tmp_path / "usulan.csv"
    path.write_bytes(csv_bytes([person_row(), person_row(nik="123")], delimiter=";"))
    result = run_import(runner, path, "--by", staff, "--kelurahan", LETTE, "--rw", "2", "--dry-run", "--json")
    assert result.exit_code == 0
    report = json.loads(result.output)
    assert (report["rows_read"], report["accepted"], report["rejected"]) == (2, 1, 1)
    assert [i["code"] for i in report["issues"] if i["severity"] == "error"] == ["nik_length"]
    assert entries(app) == []


def test_area_options_make_rows_elsewhere_errors(app, runner, staff, tmp_path):
    path = tmp_path / "usulan.xlsx"
    path.write_bytes(xlsx_bytes([person_row(rw=2), person_row(rw=7)], header=HEADER))
    result = run_import(runner, path, "--by", staff, "--kelurahan", LETTE, "--rw", "2")
    assert result.exit_code == 0
    assert "row 3 rw error outside_area" in result.output
    assert "2 rows read: 1 accepted" in result.output
    assert len(entries(app)) == 1


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (b"", "kosong.xlsx", "file_empty"),
        (b"bukan zip", "rusak.xlsx", "file_type_mismatch"),
        (b"PK\x03\x04 terpotong", "rusak.xlsx", "file_corrupt"),
        (None, "bom.xlsx", "archive_too_large"),  # beyond the bulk profile's 200 MB
        (b"Kolom1;Kolom2\n1;2\n", "tanpa-judul.csv", "columns_unclear"),
        (b"%PDF-1.7", "surat.pdf", "file_type_unknown"),
    ],
)
def test_an_unusable_file_exits_2_with_the_reason_and_imports_nothing(app, runner, staff, tmp_path, content, name, code):
    path = tmp_path / name
    path.write_bytes(xlsx_bomb(210) if content is None else content)
    result = run_import(runner, path, "--by", staff, "--json")
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["error"] == code and report["message"]
    assert "Error:" in result.stderr
    assert entries(app) == []


@pytest.mark.parametrize(("filename", "bomb", "says"), three_bombs(), ids=["xfd1048576", "ods-repeats", "zz200000"])
def test_a_tiny_spreadsheet_bomb_exits_2_with_the_reason(app, runner, staff, tmp_path, filename, bomb, says):
    """The bulk profile's limits (500,000 rows) still refuse the issue's bombs, in a memory-capped child."""
    path = tmp_path / filename
    path.write_bytes(bomb)

    def run():
        result = run_import(runner, path, "--by", staff, "--json")
        return result.exit_code, result.stdout

    exit_code, stdout = in_child_of_app(app, run)
    report = json.loads(stdout)
    assert exit_code == 2 and report["error"].startswith("sheet_too_many_")
    assert "Simpan hanya tabel datanya" in report["message"]
    assert entries(app) == []


def test_only_staff_may_import(app, runner, tmp_path):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW)
    path = tmp_path / "usulan.xlsx"
    path.write_bytes(xlsx_bytes([person_row()]))
    result = run_import(runner, path, "--by", "rtrw1")
    assert result.exit_code == 2 and "not an active staff" in result.output
    assert run_import(runner, path, "--by", "nobody").exit_code == 2


def test_imported_rows_with_warnings_are_left_out_of_warning_free_bulk_approval(app, runner, client, auth, staff, tmp_path):
    born = date(1985, 2, 13)
    clean, warned = new_nik(born), new_nik(born)
    # The second row's sex contradicts its NIK: a warning, so the row is imported for review.
    path = tmp_path / "usulan.xlsx"
    path.write_bytes(xlsx_bytes([person_row(nik=clean, born=born), person_row(nik=warned, born=born, sex="P")]))
    assert run_import(runner, path, "--by", staff, "--kelurahan", LETTE, "--rw", "2").exit_code == 0
    with app.app_context():
        by_nik = {e.nik: e for e in db.session.scalars(db.select(ListEntry))}
        assert [i["code"] for i in by_nik[warned].warnings] == ["sex_mismatch"]

    auth.login(staff)
    response = post(client, "/verifikasi/massal", {"mode": "warning_free"})

    assert response.status_code == 302
    with app.app_context():
        states = {e.nik: e.state for e in db.session.scalars(db.select(ListEntry))}
    assert states == {clean: EntryState.APPROVED, warned: EntryState.PENDING}


def test_signature_lines_under_the_table_are_skipped_and_reported(app, runner, staff, tmp_path):
    rows = [[new_nik(date(1980, 1, 1)), "Andi", date(1980, 1, 1), "L", "Lette", 2, 1, "Penyelenggara pemilu"], [], [None, "Mengetahui,"], [None, "Camat Mariso"]]
    path = tmp_path / "pemilu.xlsx"
    path.write_bytes(xlsx_bytes(rows, header=CITY_HEADER))

    report = json.loads(run_import(runner, path, "--by", staff, "--json", "--dry-run").output)
    assert (report["rows_read"], report["footer_rows"]) == (1, [4, 5])
    text = run_import(runner, path, "--by", staff, "--dry-run").output
    assert "2 rows under the table skipped as signatures/notes: 4, 5." in text
