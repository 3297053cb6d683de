"""Reading the spreadsheets people really send (XLSX, ODS, XLS, CSV) into numbered rows of raw cells.

Every import of an uploaded file goes through here: member lists (portal.lists.reader),
DTSEN desil extracts and BPJS answers (portal.spreadsheets.exchange), each with the limits
of its profile in the configuration (SpreadsheetLimits.from_config). A file's type comes
from its content, not its name; XLSX and ODS are zip archives whose declared and real
uncompressed sizes and entry count are checked, and whose sheets' reach (farthest row and
column, repeated ODS rows and cells) is measured in their XML (portal.spreadsheets.extent),
before any parser sees them; CSV text is decoded (UTF-8, UTF-16, Windows-1252) and its
separator sniffed. Cells keep the type they had (a number cell reads as a float), so
validators can tell Excel's rounding from a NIK typed as text.

What is guaranteed: calamine only ever opens an XLSX or ODS whose every sheet was measured
within the limits, so the grid it allocates is at most `max_cells` cells per sheet; each
sheet's size is checked again once loaded, before its rows are turned into Python lists.
XLS (Excel 97-2003) files are refused: their binary records cannot be measured here, and
calamine would fill up to 65,536 x 256 cells (about half a gigabyte) for two of them.
"""

from __future__ import annotations

import csv
import io
import itertools
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

from flask_babel import format_decimal
from flask_babel import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

from portal.spreadsheets.extent import Extent, MalformedSheet, ods_extents, xlsx_part_extent

# How far below the top of a sheet the header row may sit (titles, logos, notes).
HEADER_SEARCH_ROWS = 30
CSV_DELIMITERS = (";", ",", "\t")
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
EXTENSIONS = {".xlsx": "xlsx", ".xlsm": "xlsx", ".ods": "ods", ".xls": "xls", ".csv": "csv", ".txt": "csv"}
# The part each zip format's reader opens first; calamine tries the formats in turn, so an
# archive holding two of them could be measured as one and parsed as the other.
FORMAT_MARKERS = {"xl/workbook.xml": "xlsx", "xl/workbook.bin": "xlsb", "content.xml": "ods"}

class FileRejected(Exception):
    """The file as a whole cannot be used; `message` tells the user why, in Indonesian."""

    def __init__(self, code: str, message: str):
        super().__init__(code)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class SpreadsheetLimits:
    """What one file may hold: its archive's size and entries, and each sheet's rows, columns and cells."""

    max_uncompressed_bytes: int
    max_entries: int
    max_rows: int
    max_columns: int
    max_cells: int

    @classmethod
    def from_config(cls, config: Mapping, profile: str = "SPREADSHEET") -> SpreadsheetLimits:
        """The limits `<profile>_MAX_...` of the configuration: SPREADSHEET (uploads) or SPREADSHEET_BULK."""
        names = ("UNCOMPRESSED_BYTES", "ENTRIES", "ROWS", "COLUMNS", "CELLS")
        return cls(*(int(config[f"{profile}_MAX_{name}"]) for name in names))


def read_sheets(data: bytes, filename: str, limits: SpreadsheetLimits) -> Iterator[tuple[str, list[tuple[int, list]]]]:
    """Each sheet as (name, numbered rows), once the file's type, archive and sheets' reach are checked; a CSV is one sheet.

    Sheets are read one at a time, as they are asked for. Raises FileRejected when the file
    cannot be used, or when a sheet reaches beyond the limits.
    """
    if not data:
        raise FileRejected("file_empty", _("Berkas kosong."))
    kind = detect_kind(data, filename)
    if kind == "csv":
        yield "CSV", _csv_rows(data, limits)
        return
    if kind == "xls":
        raise FileRejected(
            "file_type_xls",
            _("Berkas XLS (Excel 97-2003) tidak diterima. Buka berkas di Excel atau LibreOffice, simpan sebagai XLSX, lalu unggah lagi."),
        )
    check_archive(data, kind, limits)
    yield from _workbook_sheets(data, limits)


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
            normalised = {name.replace("\\", "/").lower() for name in names}
            formats = {kind for marker, kind in FORMAT_MARKERS.items() if marker in normalised}
            if len(formats) > 1:
                raise FileRejected("file_corrupt", _("Berkas rusak atau tidak lengkap. Simpan ulang lalu unggah lagi."))
            if "xl/workbook.xml" in names:
                return "xlsx"
            if "mimetype" in names and archive.read("mimetype").strip() == ODS_MIMETYPE:
                return "ods"
    except (zipfile.BadZipFile, RuntimeError, ValueError, OSError, EOFError, zlib.error):
        raise FileRejected("file_corrupt", _("Berkas rusak atau tidak lengkap. Simpan ulang lalu unggah lagi.")) from None
    return None


def check_archive(data: bytes, kind: str, limits: SpreadsheetLimits) -> None:
    """Refuse a zip that expands beyond the limits, or whose sheets reach beyond them, before any parser touches it.

    The declared sizes are checked first (cheap); each member is then inflated in chunks
    up to the same budget, and the sheets' XML measured on the way (every part of an XLSX,
    content.xml of an ODS). An entry larger than it declares cannot slip through either:
    zipfile stops at the declared size and the entry then fails its CRC check (refused as
    damaged), and calamine refuses it the same way.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > limits.max_entries:
                raise FileRejected(
                    "archive_too_many_entries",
                    _("Berkas berisi terlalu banyak bagian (%(count)d). Simpan ulang sebagai XLSX biasa.", count=len(members)),
                )
            if sum(m.file_size for m in members) > limits.max_uncompressed_bytes:
                raise _too_big(limits)
            budget = _Budget(limits)
            for member in members:
                with archive.open(member) as raw:
                    stream = budget.stream(raw)
                    if kind == "xlsx":
                        check_extent(xlsx_part_extent(stream, reopen=lambda member=member: archive.open(member)), limits)
                    elif member.filename == "content.xml":
                        for extent in ods_extents(stream):
                            check_extent(extent, limits)
                    while stream.read(1 << 20):
                        pass
    except FileRejected:
        raise
    except MalformedSheet:
        raise FileRejected("file_corrupt", _("Berkas rusak atau tidak lengkap. Simpan ulang lalu unggah lagi.")) from None
    except (zipfile.BadZipFile, RuntimeError, ValueError, OSError, EOFError, zlib.error):
        raise FileRejected("file_corrupt", _("Berkas rusak, terkunci kata sandi atau tidak lengkap. Simpan ulang lalu unggah lagi.")) from None


class _Budget:
    """The uncompressed bytes an archive may still expand to, shared by all its members."""

    def __init__(self, limits: SpreadsheetLimits):
        self.limits = limits
        self.left = limits.max_uncompressed_bytes

    def stream(self, raw: IO[bytes]) -> _BudgetedStream:
        return _BudgetedStream(raw, self)


class _BudgetedStream:
    def __init__(self, raw: IO[bytes], budget: _Budget):
        self.raw = raw
        self.budget = budget

    def read(self, size: int) -> bytes:
        chunk = self.raw.read(size)
        self.budget.left -= len(chunk)
        if self.budget.left < 0:
            raise _too_big(self.budget.limits)
        return chunk


def _too_big(limits: SpreadsheetLimits) -> FileRejected:
    return FileRejected(
        "archive_too_large",
        _("Isi berkas terlalu besar setelah dibuka (lebih dari %(mb)d MB). Bagi data menjadi beberapa berkas.", mb=limits.max_uncompressed_bytes // (1024 * 1024)),
    )


def check_extent(extent: Extent, limits: SpreadsheetLimits, *, grid: bool = True) -> None:
    """Refuse a sheet that reaches beyond the limits, naming how far it reaches and the farthest cell.

    `grid`: the sheet is held as a grid of rows x columns (a workbook), not as rows of their own lengths (CSV).
    """
    corner = f"{column_letter(max(extent.columns, 1) - 1)}{max(extent.rows, 1)}"
    if extent.rows > limits.max_rows:
        raise FileRejected(
            "sheet_too_many_rows",
            _(
                "Sebuah lembar di berkas ini mencakup %(rows)s baris (sampai sel %(cell)s), lebih dari batas %(limit)s baris. "
                "Simpan hanya tabel datanya (hapus isi dan format sel jauh di bawah tabel), lalu unggah lagi.",
                rows=format_decimal(extent.rows), cell=corner, limit=format_decimal(limits.max_rows),
            ),
        )
    if extent.columns > limits.max_columns:
        raise FileRejected(
            "sheet_too_many_columns",
            _(
                "Sebuah lembar di berkas ini mencakup %(columns)s kolom (sampai sel %(cell)s), lebih dari batas %(limit)s kolom. "
                "Simpan hanya tabel datanya (hapus isi dan format sel jauh di kanan tabel), lalu unggah lagi.",
                columns=format_decimal(extent.columns), cell=corner, limit=format_decimal(limits.max_columns),
            ),
        )
    if max(extent.area if grid else 0, extent.cells) > limits.max_cells:
        raise FileRejected(
            "sheet_too_many_cells",
            _(
                "Sebuah lembar di berkas ini mencakup %(rows)s baris x %(columns)s kolom (sampai sel %(cell)s), lebih dari batas %(limit)s sel. "
                "Simpan hanya tabel datanya, atau bagi data menjadi beberapa berkas, lalu unggah lagi.",
                rows=format_decimal(extent.rows), columns=format_decimal(extent.columns), cell=corner, limit=format_decimal(limits.max_cells),
            ),
        )


def column_letter(index: int) -> str:
    """The spreadsheet's name of a 0-based column: 0 -> 'A', 16383 -> 'XFD'."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _workbook_sheets(data: bytes, limits: SpreadsheetLimits) -> Iterator[tuple[str, list[tuple[int, list]]]]:
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        for index, name in enumerate(workbook.sheet_names):
            sheet = workbook.get_sheet_by_index(index)
            # Measured before parsing already; checked again on what calamine holds, before
            # its rows become Python lists.
            start_row, start_col = sheet.start or (0, 0)
            check_extent(Extent(rows=start_row + sheet.height, columns=start_col + sheet.width), limits)
            yield name, _sheet_rows(sheet, limits)
    except CalamineError:
        raise FileRejected("file_corrupt", _("Berkas rusak, terkunci kata sandi atau tidak lengkap. Simpan ulang lalu unggah lagi.")) from None


def _sheet_rows(sheet, limits: SpreadsheetLimits) -> list[tuple[int, list]]:
    """The sheet's rows with their 1-based numbers; merged cells repeat their value."""
    start_row, start_col = sheet.start or (0, 0)
    values = _capped(sheet.iter_rows(), limits.max_rows)
    # python-calamine 0.9 yields rows from the sheet's first row, not from its first used
    # one (columns do start at the first used column): number them as they come either way.
    skipped = start_row if len(values) == sheet.height else 0
    rows = [(skipped + i + 1, [None] * start_col + list(cells)) for i, cells in enumerate(values)]
    # Merged ranges are a list of their own in the file: thousands of them over the whole
    # table would cost rows x columns each. They may cover the sheet's cells about once.
    budget = limits.max_cells
    for (top, left), (bottom, right) in sheet.merged_cell_ranges or ():
        # A merged RW or RT cell spanning several people belongs to each of them.
        first = top - skipped
        if not 0 <= first < len(rows) or left >= len(rows[first][1]):
            continue
        last = min(bottom - skipped, len(rows) - 1)
        budget -= (last - first + 1) * (min(right, len(rows[first][1]) - 1) - left + 1)
        if budget < 0:
            raise FileRejected("sheet_too_many_merged_cells", _("Berkas berisi terlalu banyak sel gabungan. Simpan hanya tabel datanya, lalu unggah lagi."))
        value = rows[first][1][left]
        for r in range(first, last + 1):
            cells = rows[r][1]
            for c in range(left, min(right, len(cells) - 1) + 1):
                if cells[c] in ("", None):
                    cells[c] = value
    return rows


def _csv_rows(data: bytes, limits: SpreadsheetLimits) -> list[tuple[int, list]]:
    text = _decode(data)
    lines = text.splitlines()
    sample = "\n".join(lines[:HEADER_SEARCH_ROWS])
    delimiter = max(CSV_DELIMITERS, key=sample.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        rows = list(enumerate(_capped(reader, limits.max_rows), start=1))
    except csv.Error:
        raise FileRejected("file_corrupt", _("Berkas CSV tidak dapat dibaca. Simpan ulang sebagai CSV lalu unggah lagi.")) from None
    extent = Extent(rows=len(rows), columns=max((len(cells) for _number, cells in rows), default=0))
    extent.cells = sum(len(cells) for _number, cells in rows)
    check_extent(extent, limits, grid=False)
    return rows


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
