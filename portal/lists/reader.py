"""Reading member lists from the spreadsheets RT/RW heads really send (XLSX, ODS, XLS, CSV).

Real lists have titles above the header, merged cells, blank and TOTAL rows, several
sheets, headers written in a dozen ways, CSV files in Windows-1252 with semicolons. This
module finds the table in all that and hands the validator raw cell values: NIKs keep the
type their cell had (a number cell reads as a float), so the validator can tell Excel's
rounding from a NIK typed as text.

XLSX and ODS are zip archives: their declared and real uncompressed sizes and their entry
count are checked before any parser sees them. `read_sheets` gives the other imports
(DTSEN desil extracts and BPJS answers, through portal.tabular) the same checks, decoding
and sheet reading.
"""

from __future__ import annotations

import csv
import io
import itertools
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePath

from flask_babel import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

from portal.names import name_key

# How far below the top of a sheet the header row may sit (titles, logos, notes).
HEADER_SEARCH_ROWS = 30
CSV_DELIMITERS = (";", ",", "\t")
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
EXTENSIONS = {".xlsx": "xlsx", ".xlsm": "xlsx", ".ods": "ods", ".xls": "xls", ".csv": "csv", ".txt": "csv"}

# The columns a list may have, with the ways people write their headers (folded by
# portal.names.name_key). "pekerjaan" is a category when no "kategori" column exists.
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "nik": ("nik", "no nik", "nomor nik", "nik ktp", "no ktp", "nomor ktp", "ktp", "no induk kependudukan", "nomor induk kependudukan"),
    "full_name": ("nama", "nama lengkap", "nama peserta", "nama sesuai ktp", "nama anggota", "nama pekerja"),
    "birth_date": ("tgl lahir", "tanggal lahir", "tgl lhr", "tgl lahir dd mm yyyy", "tanggal lahir dd mm yyyy", "lahir"),
    "sex": ("jenis kelamin", "jenis kelamin l p", "l p", "jk", "kelamin", "sex", "gender"),
    "kelurahan": ("kelurahan", "kode kelurahan", "nama kelurahan", "kel", "desa kelurahan"),
    "rw": ("rw", "no rw", "nomor rw"),
    "rt": ("rt", "no rt", "nomor rt"),
    "street": ("alamat", "alamat jalan", "alamat lengkap", "jalan"),
    "phone": ("no hp", "nomor hp", "hp", "no hp wa", "no wa", "whatsapp", "telepon", "no telepon", "nomor telepon", "telp", "no telp", "no handphone", "handphone"),
    "category": ("kategori", "kategori pekerjaan", "segmen", "kelompok"),
    "occupation": ("pekerjaan", "jenis pekerjaan", "profesi"),
    "monthly_income": ("penghasilan", "penghasilan per bulan", "penghasilan bulanan", "pendapatan", "pendapatan per bulan", "gaji"),
}
REQUIRED_COLUMNS = ("nik", "full_name")
_TOTAL_WORDS = ("total", "jumlah", "grand total", "sub total", "subtotal")


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


@dataclass
class Table:
    """The rows of one sheet below its header; row numbers are the spreadsheet's own (from 1)."""

    sheet_name: str
    header_row: int
    headers: list[str]
    rows: list[tuple[int, list]]
    mapping: dict[str, int] = field(default_factory=dict)

    @property
    def needs_mapping(self) -> bool:
        return any(name not in self.mapping for name in REQUIRED_COLUMNS)

    def column_choices(self) -> list[tuple[int, str]]:
        """(index, label) for every column, labelled as the spreadsheet shows them: 'B: Nama'."""
        return [(i, f"{column_letter(i)}: {h}".rstrip(": ")) for i, h in enumerate(self.headers)]


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_table(data: bytes, filename: str, limits: ArchiveLimits) -> Table:
    """Find the member table in a file; raise FileRejected when the file cannot be used."""
    best: Table | None = None
    for name, rows in read_sheets(data, filename, limits):
        table = _find_table(name, rows)
        if table is not None and not table.needs_mapping:
            return table
        best = best or table
    if best is None:
        raise FileRejected("no_rows", _("Berkas tidak berisi baris data."))
    return best


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
        raise _too_many_rows(max_rows)
    return kept


def _too_many_rows(limit: int) -> FileRejected:
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


def match_column(header) -> str | None:
    """The field a header names ('No. KTP' -> 'nik'), or None."""
    key = name_key(str(header)) if header not in (None, "") else ""
    if not key:
        return None
    for column, names in COLUMN_NAMES.items():
        if key in names:
            return column
    for column, names in COLUMN_NAMES.items():
        # 'NIK (16 digit)', 'Nama Lengkap sesuai KTP', 'Tanggal Lahir (dd/mm/yyyy)'
        if any(key.startswith(name + " ") for name in names if len(name) > 2):
            return column
    return None


def match_columns(headers: list) -> dict[str, int]:
    """Fields to column indexes, first match wins; 'Pekerjaan' alone stands for the category."""
    mapping: dict[str, int] = {}
    for index, header in enumerate(headers):
        column = match_column(header)
        if column and column not in mapping:
            mapping[column] = index
    if "category" not in mapping and "occupation" in mapping:
        mapping["category"] = mapping["occupation"]
    return mapping


def _find_table(sheet_name: str, rows: list[tuple[int, list]]) -> Table | None:
    best_index, best_mapping = None, {}
    for index, (_number, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        mapping = match_columns(cells)
        if len(mapping) >= 2 and len(mapping) > len(best_mapping):
            best_index, best_mapping = index, mapping
    if best_index is None:
        # No header we recognise: guess the first row of several text cells and ask the user.
        best_index = next(
            (i for i, (_n, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]) if sum(isinstance(c, str) and c.strip() != "" for c in cells) >= 2),
            None,
        )
        if best_index is None:
            return None
    header_number, header_cells = rows[best_index]
    headers = ["" if c is None else str(c).strip() for c in header_cells]
    return Table(sheet_name, header_number, headers, rows[best_index + 1:], best_mapping)


def _is_blank(cells: list) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _is_total(cells: list, nik_index: int | None) -> bool:
    nik = cells[nik_index] if nik_index is not None and nik_index < len(cells) else None
    if nik not in (None, "") and any(ch.isdigit() for ch in str(nik)):
        return False
    return any(isinstance(c, str) and name_key(c).startswith(_TOTAL_WORDS) for c in cells)


def records(table: Table, row_limit: int | None = None) -> Iterator[tuple[int, dict]]:
    """(row number, {field: raw value}) for each data row; blank and TOTAL rows are skipped.

    Raises FileRejected when more than `row_limit` data rows are found.
    """
    nik_index = table.mapping.get("nik")
    count = 0
    for number, cells in table.rows:
        if _is_blank(cells) or _is_total(cells, nik_index):
            continue
        count += 1
        if row_limit is not None and count > row_limit:
            raise _too_many_rows(row_limit)
        yield number, {name: (cells[i] if i < len(cells) else None) for name, i in table.mapping.items()}
