"""Finding the member table in the spreadsheets RT/RW heads really send.

Real lists have titles above the header, merged cells, blank and TOTAL rows, several
sheets, headers written in a dozen ways. The file itself is read by
portal.spreadsheets.reader (type from content, archive checks, decoding); this module
finds the table in its sheets and hands the validator raw cell values.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask_babel import gettext as _

from portal.names import name_key
from portal.spreadsheets.reader import (
    HEADER_SEARCH_ROWS,
    FileRejected,
    SpreadsheetLimits,
    column_letter,
    read_sheets,
    too_many_rows,
)

__all__ = ["FileRejected", "SpreadsheetLimits", "Table", "column_letter", "footer_rows", "read_table", "records"]

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
    "phone_consent": (
        "setuju dihubungi", "setuju dihubungi ya tidak", "setuju di hubungi", "bersedia dihubungi", "persetujuan dihubungi",
        "setuju wa sms", "setuju menerima kabar",
    ),
    "kk_number": ("no kk", "nomor kk", "kk", "nkk", "no kartu keluarga", "nomor kartu keluarga", "kartu keluarga"),
    "category": ("kategori", "kategori pekerjaan", "segmen", "kelompok"),
    "occupation": ("pekerjaan", "jenis pekerjaan", "profesi"),
    "monthly_income": ("penghasilan", "penghasilan per bulan", "penghasilan bulanan", "pendapatan", "pendapatan per bulan", "gaji"),
}
REQUIRED_COLUMNS = ("nik", "full_name")
_TOTAL_WORDS = ("total", "jumlah", "grand total", "sub total", "subtotal")
# What heads write under the table: who made and who acknowledged the list, the place and
# date of signing, the signers' names in brackets and their NIP. Matched on whole words.
_FOOTER_WORDS = (
    "mengetahui", "menyetujui", "diketahui", "disetujui", "dibuat oleh", "yang membuat", "hormat kami", "tanda tangan",
    "ttd", "ketua", "lurah", "camat", "sekretaris", "bendahara", "kepala", "plt", "an", "a n", "nip", "agen perisai",
    "catatan", "keterangan", "ket",
)
_FOOTER_START = re.compile(r"^(?:" + "|".join(re.escape(w) for w in _FOOTER_WORDS) + r")(?: |$)")
# 'Makassar, 12 Januari 2026', 'Makassar, 12-01-2026' (folded: 'makassar 12 januari 2026').
_PLACE_DATE = re.compile(r"^[a-z]+(?: [a-z]+)? \d{1,2} (?:[a-z]+|\d{1,2}) \d{4}$")
# A footer row holds at most this many filled cells unless each one reads as a footer.
FOOTER_MAX_CELLS = 2


@dataclass
class Table:
    """The rows of one sheet below its header; row numbers are the spreadsheet's own (from 1)."""

    sheet_name: str
    header_row: int
    headers: list[str]
    rows: list[tuple[int, list]]
    mapping: dict[str, int] = field(default_factory=dict)
    required: tuple[str, ...] = REQUIRED_COLUMNS

    @property
    def needs_mapping(self) -> bool:
        return any(name not in self.mapping for name in self.required)

    def column_choices(self) -> list[tuple[int, str]]:
        """(index, label) for every column, labelled as the spreadsheet shows them: 'B: Nama'."""
        return [(i, f"{column_letter(i)}: {h}".rstrip(": ")) for i, h in enumerate(self.headers)]


def read_table(
    data: bytes,
    filename: str,
    limits: SpreadsheetLimits,
    *,
    names: dict[str, tuple[str, ...]] = COLUMN_NAMES,
    required: tuple[str, ...] = REQUIRED_COLUMNS,
) -> Table:
    """Find the member table in a file; raise FileRejected when the file cannot be used.

    `names` and `required` describe another kind of table read the same way (the sheet of
    accounts to create, portal.admin.bulk).
    """
    best: Table | None = None
    for name, rows in read_sheets(data, filename, limits):
        table = _find_table(name, rows, names, required)
        if table is not None and not table.needs_mapping:
            return table
        best = best or table
    if best is None:
        raise FileRejected("no_rows", _("Berkas tidak berisi baris data."))
    return best


def match_column(header, columns: dict[str, tuple[str, ...]] = COLUMN_NAMES) -> str | None:
    """The field a header names ('No. KTP' -> 'nik'), or None."""
    key = name_key(str(header)) if header not in (None, "") else ""
    if not key:
        return None
    for column, names in columns.items():
        if key in names:
            return column
    for column, names in columns.items():
        # 'NIK (16 digit)', 'Nama Lengkap sesuai KTP', 'Tanggal Lahir (dd/mm/yyyy)'
        if any(key.startswith(name + " ") for name in names if len(name) > 2):
            return column
    return None


def match_columns(headers: list, columns: dict[str, tuple[str, ...]] = COLUMN_NAMES) -> dict[str, int]:
    """Fields to column indexes, first match wins; 'Pekerjaan' alone stands for the category."""
    mapping: dict[str, int] = {}
    for index, header in enumerate(headers):
        column = match_column(header, columns)
        if column and column not in mapping:
            mapping[column] = index
    if "category" not in mapping and "occupation" in mapping:
        mapping["category"] = mapping["occupation"]
    return mapping


def _find_table(
    sheet_name: str, rows: list[tuple[int, list]], names=COLUMN_NAMES, required=REQUIRED_COLUMNS
) -> Table | None:
    best_index, best_mapping = None, {}
    for index, (_number, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        mapping = match_columns(cells, names)
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
    return Table(sheet_name, header_number, headers, rows[best_index + 1:], best_mapping, required)


def _filled(cell) -> bool:
    """A cell that says something: a number, a date, or text with a letter or digit ('-' and '.' do not)."""
    if cell is None:
        return False
    if isinstance(cell, str):
        return any(ch.isalnum() for ch in cell)
    return True


def _is_blank(cells: list) -> bool:
    return not any(_filled(c) for c in cells)


def _fold(text: str) -> str:
    """Lower-case words and digits only. Not portal.names.name_key: that one is for matching
    names and may expand or drop titles; a footer is told by its plain words and digits."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


def _nik_like(value) -> bool:
    """A NIK cell with a number in it (even a wrong one): the row is a person's."""
    if value is None or isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    text = str(value)
    return sum(ch.isdigit() for ch in text) >= 6 and not _fold(text).startswith("nip")


def _reads_as_footer(cell) -> bool:
    if not isinstance(cell, str):
        return False
    text = cell.strip()
    folded = _fold(text)
    return bool(_FOOTER_START.match(folded) or _PLACE_DATE.match(folded) or (text.startswith("(") and text.endswith(")")))


def footer_rows(table: Table) -> list[int]:
    """Row numbers of the signature and note lines under the table, to skip (with a note).

    Only rows below the last row with a NIK-like value can be a footer, so a person whose
    NIK is missing in the middle of the list is still read (and reported). Below it, a row
    without a NIK is a footer when it holds at most FOOTER_MAX_CELLS filled cells ('Mengetahui,',
    'Makassar, 12 Januari 2026', a signer's name) or when every filled cell reads as one
    (signature words, a place and date, a name in brackets). A row with a person's details
    but no NIK is not: it is read and reported as missing its NIK.
    """
    nik_index = table.mapping.get("nik")
    if nik_index is None:
        return []
    last = len(table.rows) - 1
    while last >= 0 and not _nik_like(_cell(table.rows[last][1], nik_index)):
        last -= 1
    found = []
    for number, cells in table.rows[last + 1:]:
        filled = [c for c in cells if _filled(c)]
        if not filled or _is_total(cells, nik_index):
            continue
        if len(filled) <= FOOTER_MAX_CELLS or all(_reads_as_footer(c) for c in filled):
            found.append(number)
    return found


def _cell(cells: list, index: int):
    return cells[index] if index < len(cells) else None


def _is_total(cells: list, nik_index: int | None) -> bool:
    nik = cells[nik_index] if nik_index is not None and nik_index < len(cells) else None
    if nik not in (None, "") and any(ch.isdigit() for ch in str(nik)):
        return False
    return any(isinstance(c, str) and name_key(c).startswith(_TOTAL_WORDS) for c in cells)


def records(table: Table, row_limit: int | None = None) -> Iterator[tuple[int, dict]]:
    """(row number, {field: raw value}) for each data row; blank, TOTAL and footer rows are skipped.

    Raises FileRejected when more than `row_limit` data rows are found.
    """
    nik_index = table.mapping.get("nik")
    footer = set(footer_rows(table))
    count = 0
    for number, cells in table.rows:
        if number in footer or _is_blank(cells) or _is_total(cells, nik_index):
            continue
        count += 1
        if row_limit is not None and count > row_limit:
            raise too_many_rows(row_limit)
        yield number, {name: (cells[i] if i < len(cells) else None) for name, i in table.mapping.items()}
