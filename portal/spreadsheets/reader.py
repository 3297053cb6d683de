"""Reading the spreadsheets people really send (XLSX, ODS, XLS, CSV) into numbered rows of raw cells.

Every import of an uploaded file goes through here: member lists (portal.lists.reader),
DTSEN desil extracts and BPJS answers (portal.spreadsheets.exchange). A file's type comes
from its content, not its name; XLSX and ODS are zip archives whose declared and real
uncompressed sizes and entry count are checked before any parser sees them; CSV text is
decoded (UTF-8, UTF-16, Windows-1252) and its separator sniffed. Cells keep the type they
had (a number cell reads as a float), so validators can tell Excel's rounding from a NIK
typed as text.
"""

from __future__ import annotations

import csv
import io
import itertools
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import PurePath

from flask_babel import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

# How far below the top of a sheet the header row may sit (titles, logos, notes).
HEADER_SEARCH_ROWS = 30
CSV_DELIMITERS = (";", ",", "\t")
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
EXTENSIONS = {".xlsx": "xlsx", ".xlsm": "xlsx", ".ods": "ods", ".xls": "xls", ".csv": "csv", ".txt": "csv"}

class FileRejected(Exception):
    """The file as a whole cannot be used; `message` tells the user why, in Indonesian."""

    def __init__(self, code: str, message: str):
        super().__init__(code)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ArchiveLimits:
    max_uncompressed_bytes: int
    max_entries: int


def read_sheets(data: bytes, filename: str, limits: ArchiveLimits, max_rows: int | None = None) -> Iterator[tuple[str, list[tuple[int, list]]]]:
    """Each sheet as (name, numbered rows), once the file's type and archive are checked; a CSV is one sheet.

    Sheets are read one at a time, as they are asked for. Raises FileRejected when the file
    cannot be used, or when a sheet has more than `max_rows` rows.
    """
    if not data:
        raise FileRejected("file_empty", _("Berkas kosong."))
    kind = detect_kind(data, filename)
    if kind == "csv":
        yield "CSV", _csv_rows(data, max_rows)
        return
    if kind in ("xlsx", "ods"):
        check_archive(data, limits)
    yield from _workbook_sheets(data, max_rows)


def detect_kind(data: bytes, filename: str) -> str:
    """The file's type from its content; a name that claims another type is refused."""
    claimed = EXTENSIONS.get(PurePath(filename or "").suffix.lower())
    if claimed is None:
        raise FileRejected(
            "file_type_unknown",
            _("Jenis berkas tidak didukung. Unggah berkas XLSX, ODS atau CSV (sebaiknya dari templat)."),
        )
    if data[:4] == b"PK\x03\x04":
        actual = _zip_kind(data)
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        actual = "xls"
    elif b"\x00" not in data[:4096] or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        actual = "csv"
    else:
        actual = None
    if actual == "xls" and claimed == "xlsx":
        # Excel saves a password-protected XLSX inside an OLE container.
        raise FileRejected("file_protected", _("Berkas terkunci kata sandi. Buka kuncinya di Excel, simpan, lalu unggah lagi."))
    if actual != claimed:
        raise FileRejected(
            "file_type_mismatch",
            _("Isi berkas tidak sesuai dengan jenisnya (%(ext)s). Simpan ulang dari program spreadsheet sebagai XLSX, ODS atau CSV.", ext=claimed.upper()),
        )
    return actual


def _zip_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" in names:
                return "xlsx"
            if "mimetype" in names and archive.read("mimetype").strip() == ODS_MIMETYPE:
                return "ods"
    except (zipfile.BadZipFile, RuntimeError, ValueError, OSError, EOFError, zlib.error):
        raise FileRejected("file_corrupt", _("Berkas rusak atau tidak lengkap. Simpan ulang lalu unggah lagi.")) from None
    return None


def check_archive(data: bytes, limits: ArchiveLimits) -> None:
    """Refuse a zip that expands beyond the limits, before any parser touches it.

    The declared sizes are checked first (cheap); each member is then inflated in chunks
    up to the same budget. An entry larger than it declares cannot slip through either:
    zipfile stops at the declared size and the entry then fails its CRC check (refused as
    damaged), and calamine refuses it the same way.
    """
    too_big = FileRejected(
        "archive_too_large",
        _("Isi berkas terlalu besar setelah dibuka (lebih dari %(mb)d MB). Bagi data menjadi beberapa berkas.", mb=limits.max_uncompressed_bytes // (1024 * 1024)),
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > limits.max_entries:
                raise FileRejected(
                    "archive_too_many_entries",
                    _("Berkas berisi terlalu banyak bagian (%(count)d). Simpan ulang sebagai XLSX biasa.", count=len(members)),
                )
            if sum(m.file_size for m in members) > limits.max_uncompressed_bytes:
                raise too_big
            budget = limits.max_uncompressed_bytes
            for member in members:
                with archive.open(member) as stream:
                    while chunk := stream.read(1 << 20):
                        budget -= len(chunk)
                        if budget < 0:
                            raise too_big
    except FileRejected:
        raise
    except (zipfile.BadZipFile, RuntimeError, ValueError, OSError, EOFError, zlib.error):
        raise FileRejected("file_corrupt", _("Berkas rusak, terkunci kata sandi atau tidak lengkap. Simpan ulang lalu unggah lagi.")) from None


def _workbook_sheets(data: bytes, max_rows: int | None) -> Iterator[tuple[str, list[tuple[int, list]]]]:
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        for index, name in enumerate(workbook.sheet_names):
            sheet = workbook.get_sheet_by_index(index)
            yield name, _sheet_rows(sheet, max_rows)
    except CalamineError:
        raise FileRejected("file_corrupt", _("Berkas rusak, terkunci kata sandi atau tidak lengkap. Simpan ulang lalu unggah lagi.")) from None


def _sheet_rows(sheet, max_rows: int | None) -> list[tuple[int, list]]:
    """The sheet's rows with their 1-based numbers; merged cells repeat their value."""
    start_row, start_col = sheet.start or (0, 0)
    rows = [(start_row + i + 1, [None] * start_col + list(values)) for i, values in enumerate(_capped(sheet.iter_rows(), max_rows))]
    for (top, left), (bottom, right) in sheet.merged_cell_ranges or ():
        # A merged RW or RT cell spanning several people belongs to each of them.
        first = top - start_row
        if not 0 <= first < len(rows) or left >= len(rows[first][1]):
            continue
        value = rows[first][1][left]
        for r in range(first, min(bottom - start_row, len(rows) - 1) + 1):
            cells = rows[r][1]
            for c in range(left, min(right, len(cells) - 1) + 1):
                if cells[c] in ("", None):
                    cells[c] = value
    return rows


def _csv_rows(data: bytes, max_rows: int | None) -> list[tuple[int, list]]:
    text = _decode(data)
    lines = text.splitlines()
    sample = "\n".join(lines[:HEADER_SEARCH_ROWS])
    delimiter = max(CSV_DELIMITERS, key=sample.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        return list(enumerate(_capped(reader, max_rows), start=1))
    except csv.Error:
        raise FileRejected("file_corrupt", _("Berkas CSV tidak dapat dibaca. Simpan ulang sebagai CSV lalu unggah lagi.")) from None


def _capped(rows: Iterable, max_rows: int | None) -> list:
    """All rows, reading no further than one past `max_rows`: a file longer than that is refused."""
    kept = list(itertools.islice(rows, None if max_rows is None else max_rows + 1))
    if max_rows is not None and len(kept) > max_rows:
        raise too_many_rows(max_rows)
    return kept


def too_many_rows(limit: int) -> FileRejected:
    return FileRejected(
        "too_many_rows",
        _("Berkas berisi lebih dari %(limit)d baris data. Bagi menjadi beberapa berkas.", limit=limit),
    )


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252 as Excel writes it."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")
