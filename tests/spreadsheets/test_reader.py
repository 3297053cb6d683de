"""Spreadsheets that would make the parser allocate gigabytes are refused before it runs, with the reason.

Each hostile file is a few hundred bytes built by hand; each is read in a child process
whose memory is capped (tests.spreadsheets.bombs.in_child), so a regression fails the
test instead of crashing the run. Real files from Excel and LibreOffice still read.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from portal.spreadsheets.reader import FileRejected, SpreadsheetLimits, read_sheets
from tests.spreadsheets.bombs import (
    far_cell_across_a_chunk_boundary,
    in_child,
    ods,
    ods_cell,
    ods_row,
    ods_table,
    xlsx,
    xlsx_cells,
)


def read(app, data: bytes, filename: str, profile: str = "SPREADSHEET"):
    """('read', [(sheet, rows)]) or ('refused', code, message), from a capped child process."""

    def attempt():
        with app.test_request_context():
            limits = SpreadsheetLimits.from_config(app.config, profile)
            try:
                return ("read", [(name, len(rows)) for name, rows in read_sheets(data, filename, limits)])
            except FileRejected as rejected:
                return ("refused", rejected.code, rejected.message)

    return in_child(attempt)


def test_an_xlsx_of_1_5_kb_with_cells_at_a1_and_xfd1048576_is_refused_naming_the_far_cell(app):
    bomb = xlsx(xlsx_cells("A1", "XFD1048576"))
    assert len(bomb) < 2000
    outcome, code, message = read(app, bomb, "usulan.xlsx")
    assert (outcome, code) == ("refused", "sheet_too_many_rows")
    assert "1.048.576 baris (sampai sel XFD1048576)" in message and "batas 10.000 baris" in message
    assert "Simpan hanya tabel datanya" in message


def test_an_xlsx_with_a1_and_zz200000_and_no_dimension_is_refused(app):
    outcome, code, message = read(app, xlsx(xlsx_cells("A1", "ZZ200000")), "usulan.xlsx")
    assert (outcome, code) == ("refused", "sheet_too_many_rows")
    assert "200.000 baris (sampai sel ZZ200000)" in message


def test_an_xlsx_whose_far_cell_sits_in_the_second_sheet_is_refused(app):
    bomb = xlsx(xlsx_cells("A1", "B2", dimension="A1:B2"), xlsx_cells("A1", "ZZ200000", dimension="A1:B2"))
    assert read(app, bomb, "usulan.xlsx")[:2] == ("refused", "sheet_too_many_rows")


def test_an_xlsx_declaring_a_huge_dimension_is_refused(app):
    outcome, code, message = read(app, xlsx(xlsx_cells("A1", dimension="A1:XFD1048576")), "usulan.xlsx")
    assert (outcome, code) == ("refused", "sheet_too_many_rows")
    assert "XFD1048576" in message


def test_an_xlsx_far_to_the_right_is_refused_for_its_columns(app):
    outcome, code, message = read(app, xlsx(xlsx_cells("A1", "XFD1")), "usulan.xlsx")
    assert (outcome, code) == ("refused", "sheet_too_many_columns")
    assert "16.384 kolom (sampai sel XFD1)" in message and "batas 256 kolom" in message


def test_an_xlsx_within_the_rows_and_columns_but_too_many_cells_is_refused(app):
    outcome, code, message = read(app, xlsx(xlsx_cells("A1", "IV9000")), "usulan.xlsx")
    assert (outcome, code) == ("refused", "sheet_too_many_cells")
    assert "9.000 baris x 256 kolom" in message and "batas 500.000 sel" in message


@pytest.mark.parametrize(
    "body",
    [
        # A namespace prefix, lower-case references, and cells placed without an r attribute.
        '<x:sheetData xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:row r="200000"><x:c r="A200000"><x:v>1</x:v></x:c></x:row></x:sheetData>',
        '<sheetData><row r="1"><c r="a1"><v>1</v></c><c r="zz200000"><v>1</v></c></row></sheetData>',
        '<sheetData><row r="1"><c><v>1</v></c></row><row r="200000"><c><v>1</v></c><c><v>2</v></c></row></sheetData>',
        # Attribute order and quotes, and a value holding ">".
        "<sheetData><row r='200000'><c t='n' s=\"0\" r = 'B200000'><v>1</v></c></row></sheetData>",
        '<sheetData><row r="1"><c xml:space=">" r="A200000"><v>1</v></c></row></sheetData>',
    ],
    ids=["prefix", "lower-case", "no-r", "quotes", "gt-in-value"],
)
def test_far_cells_written_in_any_valid_xml_spelling_are_found(app, body):
    assert read(app, xlsx(body), "usulan.xlsx")[:2] == ("refused", "sheet_too_many_rows")


def test_a_far_cell_whose_tag_straddles_the_readers_chunks_is_found(app):
    assert read(app, far_cell_across_a_chunk_boundary(), "usulan.xlsx")[:2] == ("refused", "sheet_too_many_rows")


def test_a_cell_tag_the_reader_cannot_parse_is_refused_as_damaged(app):
    body = '<sheetData><row r="1"><c a="<" r="ZZ200000"><v>1</v></c></row></sheetData>'
    assert read(app, xlsx(body), "usulan.xlsx")[:2] == ("refused", "file_corrupt")


def test_an_ods_of_825_bytes_repeating_one_row_100000_times_over_100_columns_is_refused(app):
    bomb = ods(ods_table(ods_row(ods_cell("x", repeat=100), repeat=100_000)))
    assert len(bomb) < 1000
    outcome, code, message = read(app, bomb, "usulan.ods")
    assert (outcome, code) == ("refused", "sheet_too_many_rows")
    assert "100.000 baris (sampai sel CV100000)" in message


def test_an_ods_with_empty_rows_repeated_before_content_is_refused(app):
    bomb = ods(ods_table(ods_row(ods_cell("NIK")), ods_row(ods_cell(None, repeat=1024), repeat=1_000_000), ods_row(ods_cell("x"))))
    outcome, code, message = read(app, bomb, "usulan.ods")
    assert (outcome, code) == ("refused", "sheet_too_many_rows")
    assert "1.000.002 baris" in message


def test_an_ods_with_empty_cells_repeated_before_content_is_refused(app):
    bomb = ods(ods_table(ods_row(ods_cell("NIK")), ods_row(ods_cell(None, repeat=16_000), ods_cell("x"))))
    outcome, code, message = read(app, bomb, "usulan.ods")
    assert (outcome, code) == ("refused", "sheet_too_many_columns")
    assert "16.001 kolom" in message


def test_an_ods_repeating_cells_within_the_rows_but_over_the_cells_is_refused(app):
    bomb = ods(ods_table(ods_row(ods_cell("x", repeat=200), repeat=5_000)))
    assert read(app, bomb, "usulan.ods")[:2] == ("refused", "sheet_too_many_cells")


def test_an_ods_from_libreoffice_ending_in_a_million_empty_rows_is_read(app):
    """LibreOffice ends every sheet with its empty remainder: a row repeated ~1 million times."""
    table = ods_table(
        ods_row(ods_cell("NIK"), ods_cell("Nama"), ods_cell(None, repeat=1022)),
        ods_row(ods_cell("7371011302850001"), ods_cell("Budi"), ods_cell(None, repeat=1022)),
        ods_row(ods_cell(None, repeat=1024), repeat=1_048_574),
    )
    assert read(app, ods(table), "usulan.ods") == ("read", [("Daftar", 2)])


def test_an_xlsx_from_excel_with_its_dimension_is_read(app):
    workbook = Workbook()
    workbook.active.append(["NIK", "Nama"])
    for number in range(300):
        workbook.active.append([f"737101130285{number:04d}", "Budi"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert b'<dimension ref="A1:B301"' in zipfile.ZipFile(buffer).read("xl/worksheets/sheet1.xml")
    assert read(app, buffer.getvalue(), "usulan.xlsx") == ("read", [("Sheet", 301)])


def test_the_bulk_profile_reads_what_an_upload_may_not(app):
    wide = xlsx(xlsx_cells("A1", "B20000"))
    assert read(app, wide, "dtsen.xlsx")[:2] == ("refused", "sheet_too_many_rows")
    assert read(app, wide, "dtsen.xlsx", profile="SPREADSHEET_BULK") == ("read", [("Lembar1", 20_000)])


def test_an_archive_holding_two_formats_is_refused(app):
    """calamine tries the formats in turn: measured as one, it could be parsed as the other."""
    bomb = ods(ods_table(ods_row(ods_cell("x"), repeat=1_000_000)), extra={"xl/workbook.xml": b"<broken"})
    assert read(app, bomb, "usulan.xlsx")[:2] == ("refused", "file_corrupt")


def test_an_xls_file_is_refused_with_the_way_to_save_it(app):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + xlsx(xlsx_cells("A1", "ZZ200000"))
    outcome, code, message = read(app, ole, "usulan.xls")
    assert (outcome, code) == ("refused", "file_type_xls")
    assert "simpan sebagai XLSX" in message


def test_a_csv_wider_than_the_column_limit_is_refused(app):
    wide = ("NIK;Nama" + ";" * 300 + "\n1;2\n").encode()
    assert read(app, wide, "usulan.csv")[:2] == ("refused", "sheet_too_many_columns")


def test_rows_keep_the_spreadsheets_numbers_when_the_table_starts_lower_down(app):
    """python-calamine yields rows from the sheet's first row: row 3 stays row 3 in the findings."""
    workbook = Workbook()
    workbook.active["B3"] = "NIK"
    workbook.active["B4"] = "7371011302850001"
    workbook.active.merge_cells("C4:C5")
    workbook.active["C4"] = "RW 2"
    workbook.active["B5"] = "7371015506900002"
    buffer = io.BytesIO()
    workbook.save(buffer)
    with app.test_request_context():
        ((_name, rows),) = read_sheets(buffer.getvalue(), "usulan.xlsx", SpreadsheetLimits.from_config(app.config))
    numbered = {number: cells for number, cells in rows if any(cells)}
    assert numbered == {3: [None, "NIK", ""], 4: [None, "7371011302850001", "RW 2"], 5: [None, "7371015506900002", "RW 2"]}


def test_a_cell_giving_its_reference_twice_is_refused(app):
    """calamine places a cell by its last r attribute."""
    body = '<sheetData><row r="1"><c r="A1"><v>1</v></c><c r="B1" r="ZZ200000"><v>1</v></c></row></sheetData>'
    assert read(app, xlsx(body), "usulan.xlsx")[:2] == ("refused", "file_corrupt")
