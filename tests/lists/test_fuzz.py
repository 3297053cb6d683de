"""Property tests: whatever bytes or cell values arrive, the spreadsheet reader and the row
and NIK validators raise nothing but their own documented errors, and an upload of fuzzed
bytes never answers 500.

Bounded (tens of examples each, no deadline, no example database) so CI stays fast.
"""

from __future__ import annotations

import io
import math
import zipfile
from datetime import date, datetime

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from portal.lists.reader import read_table, records
from portal.nik import NikError, clean_nik, parse_nik
from portal.spreadsheets.reader import FileRejected, SpreadsheetLimits, read_sheets
from portal.validation import Area, RowValidator, parse_date, parse_small_number
from tests.conftest import csrf_token
from portal.models import Role
from tests.factories import LETTE, make_list, make_user
from tests.lists.spreadsheets import HEADER, xlsx_bytes

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
LIMITS = SpreadsheetLimits(max_uncompressed_bytes=2 * 1024 * 1024, max_entries=50, max_rows=10_000, max_columns=256, max_cells=500_000)
NAMES = st.sampled_from(["daftar.xlsx", "daftar.csv", "daftar.ods", "daftar.xls", "daftar.txt", "daftar.xlsm", "daftar.pdf", "", "daftar"])
# What a cell can hold once a reader has parsed it, and what people type.
CELL_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.from_regex(r"[0-9 .,'\-eE+/]{0,24}", fullmatch=True),
    st.dates(),
    st.datetimes(),
)
# Text openpyxl can store (XML 1.0 forbids most control characters) as text: not a formula
# ("=...") nor an error code ("#N/A"), which it would store as such.
XLSX_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30).filter(lambda t: not t.startswith(("=", "#")))
XLSX_CELLS = st.one_of(st.none(), st.integers(min_value=-(10**15), max_value=10**15), st.floats(min_value=-1e307, max_value=1e307), XLSX_TEXT, st.dates(min_value=date(1900, 3, 1)))


def _read_everything(data: bytes, filename: str) -> None:
    """Read the file as an upload does: find the table, then walk every record."""
    try:
        table = read_table(data, filename, LIMITS)
        for _number, _values in records(table, row_limit=5000):
            pass
    except FileRejected as rejected:
        assert rejected.message


@st.composite
def zip_archives(draw) -> bytes:
    """Zips that look like XLSX or ODS to a quick glance: right member names, any content."""
    buffer = io.BytesIO()
    names = draw(st.lists(st.sampled_from(["xl/workbook.xml", "[Content_Types].xml", "xl/worksheets/sheet1.xml", "xl/_rels/workbook.xml.rels", "_rels/.rels", "mimetype", "content.xml", "xl/sharedStrings.xml"]), min_size=1, max_size=6, unique=True))
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            content = b"application/vnd.oasis.opendocument.spreadsheet" if name == "mimetype" and draw(st.booleans()) else draw(st.binary(max_size=200))
            archive.writestr(name, content)
    return buffer.getvalue()


@SETTINGS
@given(data=st.binary(max_size=2048), filename=NAMES)
def test_reader_raises_only_file_rejected_for_any_bytes(data, filename):
    _read_everything(data, filename)


@SETTINGS
@given(data=zip_archives(), filename=st.sampled_from(["daftar.xlsx", "daftar.ods"]))
def test_reader_raises_only_file_rejected_for_xlsx_like_archives(data, filename):
    _read_everything(data, filename)


@SETTINGS
@given(data=st.binary(min_size=1, max_size=4096), cut=st.integers(min_value=0, max_value=4096))
def test_reader_raises_only_file_rejected_for_damaged_real_workbooks(data, cut):
    workbook = bytearray(xlsx_bytes([["7371011302850001", "Budi", "13/02/1985", "L", 1, 2, "kader", "0812"]]))
    start = cut % len(workbook)
    workbook[start:start + len(data)] = data
    _read_everything(bytes(workbook), "daftar.xlsx")


def _comparable(cells: list) -> list:
    """Cells as a reader gives them back: numbers as floats, dates without a time, no trailing empties."""
    values = []
    for cell in cells:
        if cell in (None, ""):
            cell = None
        elif isinstance(cell, datetime) and cell.time() == datetime.min.time():
            cell = cell.date()
        elif isinstance(cell, (int, float)) and not isinstance(cell, bool):
            cell = float(cell)
        values.append(cell)
    while values and values[-1] is None:
        values.pop()
    return values


def _assert_same_rows(read: dict[int, list], written: dict[int, list]) -> None:
    """The same rows at the same numbers; numbers equal to Excel's 15 significant digits."""
    assert read.keys() == written.keys()
    for number, cells in written.items():
        assert len(read[number]) == len(cells), number
        for got, put in zip(read[number], cells):
            if isinstance(put, float):
                assert isinstance(got, float) and math.isclose(got, put, rel_tol=1e-14, abs_tol=1e-300), (number, got, put)
            else:
                assert got == put, (number, got, put)


def _sheet(data: bytes, filename: str) -> dict[int, list]:
    """The only sheet's non-empty rows by number; fails if the reader refuses the file."""
    (_name, rows), = read_sheets(data, filename, LIMITS)
    return {number: _comparable(cells) for number, cells in rows if _comparable(cells)}


@SETTINGS
@given(rows=st.lists(st.lists(XLSX_CELLS, max_size=9), max_size=8), header=st.booleans())
def test_reader_reads_workbooks_of_arbitrary_cells(rows, header):
    data = xlsx_bytes(rows, header=HEADER if header else [])
    expected = {number: _comparable(row) for number, row in enumerate([HEADER if header else [], *rows], start=1) if _comparable(row)}
    _assert_same_rows(_sheet(data, "daftar.xlsx"), expected)
    _read_everything(data, "daftar.xlsx")


# Cell text a CSV holds without quoting, in every encoding tried: never a separator, a quote or
# a line break, and, for Windows-1252, no two letters whose bytes would also read as UTF-8.
CSV_TEXT = st.text(alphabet=st.sampled_from("abcXYZ019 .'-/()éñü"), max_size=12)


@SETTINGS
@given(rows=st.lists(st.lists(CSV_TEXT, max_size=9), max_size=8), delimiter=st.sampled_from([";", ",", "\t"]), encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
def test_reader_reads_csv_text_in_any_encoding(rows, delimiter, encoding):
    lines = [delimiter.join(HEADER)] + [delimiter.join(row) for row in rows]
    data = "\r\n".join(lines).encode(encoding)
    expected = {number: _comparable(row) for number, row in enumerate([HEADER, *rows], start=1) if _comparable(row)}
    assert _sheet(data, "daftar.csv") == expected
    _read_everything(data, "daftar.csv")


@SETTINGS
@given(value=CELL_VALUES)
def test_nik_cleaning_and_parsing_raise_only_nik_error(value):
    text, _from_number = clean_nik(value)
    assert isinstance(text, str)
    try:
        info = parse_nik(text, today=date(2026, 11, 21))
    except NikError as error:
        assert error.code.startswith("nik_")
    else:
        assert len(text) == 16 and text.isdigit() and info.birth_date <= date(2026, 11, 21)


@SETTINGS
@given(value=CELL_VALUES)
def test_date_and_number_parsers_never_raise(value):
    assert parse_date(value) is None or isinstance(parse_date(value), date)
    assert parse_small_number(value) in (None, False) or isinstance(parse_small_number(value), int)
    assert not isinstance(parse_date(value), datetime)


ROW_FIELDS = ("nik", "full_name", "birth_date", "sex", "kelurahan", "rw", "rt", "street", "phone", "category", "occupation", "monthly_income")


@SETTINGS
@given(raw=st.fixed_dictionaries({}, optional={name: CELL_VALUES for name in ROW_FIELDS}))
@example(raw={"monthly_income": float("nan")})  # found by this test once: a cell holding #NUM!
@example(raw={"monthly_income": float("inf")})
def test_row_validator_turns_any_cell_values_into_findings_never_exceptions(app, raw):
    with app.app_context():
        validator = RowValidator(Area(LETTE, 2))
        (row,) = validator.validate([(3, raw)])
        assert all(finding.column for finding in row.findings)
        assert isinstance(row.values.get("nik"), str)


@settings(SETTINGS, max_examples=40)
@given(data=st.one_of(st.binary(max_size=2048), zip_archives()), filename=NAMES)
def test_uploading_fuzzed_bytes_never_answers_500(app, client, auth, data, filename):
    with app.app_context():
        from portal.extensions import db
        from portal.models import MemberList, User

        head = db.session.scalar(db.select(User).filter_by(username="rtrw1")) or make_user("rtrw1", Role.RT_RW)
        list_id = db.session.scalar(db.select(MemberList.id).limit(1)) or make_list(head).id
    if not client.get_cookie("portal_session"):
        auth.login("rtrw1")
    response = client.post(
        f"/daftar/{list_id}/unggah",
        data={"csrf_token": csrf_token(client, f"/daftar/{list_id}"), "spreadsheet": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )
    assert response.status_code in (302, 400), response.status_code


def _workbook_with_a_broken_deflate_stream() -> bytes:
    """A real XLSX whose first member's compressed bytes are damaged (a truncated download)."""
    workbook = bytearray(xlsx_bytes([["7371011302850001", "Budi", "13/02/1985", "L", 1, 2, "kader", "0812"]]))
    with zipfile.ZipFile(io.BytesIO(bytes(workbook))) as archive:
        first = archive.infolist()[0]
    start = first.header_offset + 30 + len(first.filename.encode())
    workbook[start:start + 8] = b"\xff" * 8
    return bytes(workbook)


def test_a_workbook_with_a_broken_deflate_stream_is_refused_not_a_500(app, client, auth):
    """Found by the property tests: zlib's own error used to escape the archive check."""
    with app.app_context():
        list_id = make_list(make_user("rtrw1", Role.RT_RW)).id
    auth.login("rtrw1")
    response = client.post(
        f"/daftar/{list_id}/unggah",
        data={"csrf_token": csrf_token(client, f"/daftar/{list_id}"), "spreadsheet": (io.BytesIO(_workbook_with_a_broken_deflate_stream()), "daftar.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "rusak" in response.get_data(as_text=True)
