"""Spreadsheet exports (XLSX and CSV) that a spreadsheet program can never run as formulas.

Every text cell is also made storable: control characters that XML cannot hold are removed
here, whatever the database holds (rows stored before the input rule existed included), so
an export never fails on one stray character.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from portal.text import xml_safe

# A cell starting with one of these is a formula (or a DDE payload) to Excel and LibreOffice.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text without characters XML forbids, prefixed with an apostrophe if it would start a formula; numbers stay numbers."""
    if isinstance(value, str):
        value = xml_safe(value)
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence], title: str = "Data") -> bytes:
    """An XLSX workbook of one sheet; every string cell is stored as text, never a formula."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append([_cell(sheet, value) for value in headers])
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(sheet, value):
    """openpyxl stores a str starting with "=" as a formula; force such cells to plain text."""
    if isinstance(value, str):
        value = xml_safe(value)
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 CSV with a BOM (so Excel reads it right), formula triggers neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([xml_safe(h) if isinstance(h, str) else h for h in headers])
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")




def csv_stream(headers: Sequence[str], rows: Iterable[Sequence], batch: int = 500) -> Iterator[bytes]:
    """csv_bytes as a stream of UTF-8 chunks (BOM first), `batch` rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([xml_safe(h) if isinstance(h, str) else h for h in headers])
    for count, row in enumerate(rows, 1):
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
        if count % batch == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def xlsx_stream(headers: Sequence[str], rows: Iterable[Sequence], title: str = "Data", chunk: int = 256 * 1024) -> Iterator[bytes]:
    """xlsx_bytes as a stream of chunks. A workbook is a zip that is whole only at the end, so
    the rows go to disk as they are read (openpyxl's write-only mode), the finished file to a
    temporary file, and the answer is sent from it: memory stays flat at any size."""
    import tempfile

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append([_cell(sheet, value) for value in headers])
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    with tempfile.TemporaryFile() as file:
        workbook.save(file)
        file.seek(0)
        while data := file.read(chunk):
            yield data
