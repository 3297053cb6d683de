"""Reading the rows of an exchange file (CSV or XLSX) safely, every cell as it was stored.

Used by the DTSEN desil import and the BPJS answer import. XLSX archives are checked for
their declared uncompressed size before any parser sees them (zip bombs), and reading
stops after a row limit.
"""

from __future__ import annotations

import csv
import io
import zipfile

from flask_babel import gettext as _
from python_calamine import CalamineWorkbook

MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_ROWS = 500_000


class TabularError(ValueError):
    """A file that cannot be read as a table; the message is for the user."""


def read_rows(filename: str, data: bytes, max_rows: int = MAX_ROWS) -> list[list]:
    """All rows of the first sheet (XLSX) or of the file (CSV), cells untouched."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _xlsx_rows(data, max_rows)
    if name.endswith(".csv"):
        return _csv_rows(data, max_rows)
    raise TabularError(_("Berkas harus berformat .csv atau .xlsx."))


def _xlsx_rows(data: bytes, max_rows: int) -> list[list]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            declared = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise TabularError(_("Berkas XLSX rusak atau bukan XLSX.")) from None
    if declared > MAX_UNCOMPRESSED_BYTES:
        raise TabularError(_("Isi berkas XLSX terlalu besar."))
    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False, nrows=max_rows + 1)
    except Exception:  # calamine raises its own error types for every kind of damage
        raise TabularError(_("Berkas XLSX tidak dapat dibaca.")) from None
    if len(rows) > max_rows:
        raise TabularError(_("Berkas melebihi %(n)d baris.", n=max_rows))
    return rows


def _csv_rows(data: bytes, max_rows: int) -> list[list]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    # Indonesian Excel writes ";" (the comma is the decimal separator); a title line may come first.
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    rows = []
    for row in csv.reader(io.StringIO(text), delimiter=delimiter):
        rows.append(row)
        if len(rows) > max_rows:
            raise TabularError(_("Berkas melebihi %(n)d baris.", n=max_rows))
    return rows


def header_index(rows: list[list], wanted: dict[str, tuple[str, ...]]) -> tuple[int, dict[str, int]]:
    """Find the header row (the first naming every wanted column); return its index and columns.

    `wanted` maps a column key to the header names accepted for it (lower case).
    """
    for index, row in enumerate(rows[:20]):
        names = [str(cell).strip().lower() if cell is not None else "" for cell in row]
        columns = {}
        for key, accepted in wanted.items():
            position = next((i for i, n in enumerate(names) if n in accepted), None)
            if position is not None:
                columns[key] = position
        if len(columns) == len(wanted):
            return index, columns
    raise TabularError(
        _("Baris judul kolom tidak ditemukan; kolom yang diperlukan: %(cols)s.", cols=", ".join(v[0] for v in wanted.values()))
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
