"""`flask desil import FILE`: DTSEN extracts as CSV or XLSX, bad rows reported."""

from __future__ import annotations

from datetime import date

from openpyxl import Workbook

from portal.extensions import db
from portal.models import DesilRecord, Role
from tests.factories import make_entry, make_list, make_member, make_user, new_nik


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
