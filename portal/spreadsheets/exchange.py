"""Exchange files (DTSEN desil extracts, BPJS answers): their rows, header and cells.

The file itself is read by portal.spreadsheets.reader, as member lists are: its type comes from
its content, XLSX and ODS archives are checked for size and entry count before any parser
sees them, and CSV text is decoded and its separator sniffed. What is specific to exchange
files lives here: which types they may be, their limits, and finding a fixed header.
"""

from __future__ import annotations

from pathlib import PurePath

from flask import current_app
from flask_babel import gettext as _

from portal.spreadsheets.reader import (
    HEADER_SEARCH_ROWS,
    FileRejected,
    SpreadsheetLimits,
    read_sheets,
)

SUFFIXES = (".csv", ".xlsx", ".ods")


def read_rows(filename: str, data: bytes) -> list[tuple[int, list]]:
    """The first sheet's rows, numbered as the spreadsheet numbers them, cells untouched.

    An extract of the whole city runs to hundreds of thousands of rows: the bulk limits
    apply (SPREADSHEET_BULK_MAX_...). Raises FileRejected, with the reason for the user,
    when the file cannot be used.
    """
    if PurePath(filename).suffix.lower() not in SUFFIXES:
        raise FileRejected("file_type_unknown", _("Berkas harus berformat .csv, .xlsx atau .ods."))
    limits = SpreadsheetLimits.from_config(current_app.config, "SPREADSHEET_BULK")
    first_sheet = next(read_sheets(data, filename, limits), None)
    if first_sheet is None:
        raise FileRejected("no_rows", _("Berkas tidak berisi baris data."))
    return first_sheet[1]


def header_index(rows: list[tuple[int, list]], wanted: dict[str, tuple[str, ...]]) -> tuple[int, dict[str, int]]:
    """Find the header row (the first naming every wanted column); return its position in `rows` and the columns.

    `wanted` maps a column key to the header names accepted for it (lower case).
    """
    for index, (_number, row) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        names = [str(cell).strip().lower() if cell is not None else "" for cell in row]
        columns = {}
        for key, accepted in wanted.items():
            position = next((i for i, n in enumerate(names) if n in accepted), None)
            if position is not None:
                columns[key] = position
        if len(columns) == len(wanted):
            return index, columns
    raise FileRejected(
        "header_not_found",
        _("Baris judul kolom tidak ditemukan; kolom yang diperlukan: %(cols)s.", cols=", ".join(v[0] for v in wanted.values())),
    )


def cell_text(value) -> tuple[str, bool]:
    """A cell as stripped text, and whether it came from a number (NIKs must not)."""
    if value is None:
        return "", False
    if isinstance(value, bool):
        return str(value), False
    if isinstance(value, (int, float)):
        return (str(int(value)) if float(value).is_integer() else str(value)), True
    text = str(value)
    for invisible in ("\u00a0", "\u200b", "\u200c", "\u200d", "\ufeff"):
        text = text.replace(invisible, "")
    return text.strip().lstrip("'").strip(), False
