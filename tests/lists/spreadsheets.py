"""Real spreadsheet files for the tests, built the way people's programs build them."""

from __future__ import annotations

import functools
import io
import zipfile
from datetime import date

from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P
from openpyxl import Workbook

from tests.factories import new_nik

HEADER = ["NIK", "Nama Lengkap", "Tanggal Lahir", "Jenis Kelamin", "RT", "RW", "Kategori", "No HP"]


def person_row(nik: str | None = None, name: str = "Budi Santoso", born: date = date(1985, 2, 13), sex: str = "L", rt=1, rw=2, category="Kader Posyandu dan KB", phone="081234567890") -> list:
    return [nik or new_nik(born), name, born, sex, rt, rw, category, phone]


def xlsx_bytes(rows: list[list], *, header: list[str] = HEADER, titles: list[str] = (), merge_title: bool = False, total_row: bool = False, extra_sheets: list[str] = ()) -> bytes:
    """An XLSX with optional title rows above the header (merged), and a TOTAL row below."""
    workbook = Workbook()
    for name in extra_sheets:
        workbook.create_sheet(name, 0).append(["Catatan", "tidak ada data di sini"])
    sheet = workbook["Sheet"]
    sheet.title = "Data"
    for title in titles:
        sheet.append([title])
        if merge_title:
            sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=len(header))
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    if total_row:
        sheet.append([None, "TOTAL", None, None, None, None, len(rows)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list], *, delimiter: str = ";", encoding: str = "cp1252", bom: bool = False, header: list[str] = HEADER) -> bytes:
    def text(value):
        if isinstance(value, date):
            return value.strftime("%d/%m/%Y")
        return "" if value is None else str(value)

    lines = [delimiter.join(header)] + [delimiter.join(text(v) for v in row) for row in rows]
    data = ("\r\n".join(lines) + "\r\n").encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def ods_bytes(rows: list[list], *, header: list[str] = HEADER, titles: list[str] = ()) -> bytes:
    """An ODS written by odfpy: NIKs as strings or floats as given, dates as date cells."""
    document = OpenDocumentSpreadsheet()
    table = Table(name="Daftar")
    for values in [[t] for t in titles] + [header] + rows:
        row = TableRow()
        for value in values:
            if isinstance(value, date):
                cell = TableCell(valuetype="date", datevalue=value.isoformat())
                cell.addElement(P(text=value.strftime("%d/%m/%Y")))
            elif isinstance(value, (int, float)):
                cell = TableCell(valuetype="float", value=value)
                cell.addElement(P(text=str(value)))
            else:
                cell = TableCell(valuetype="string")
                cell.addElement(P(text="" if value is None else str(value)))
            row.addElement(cell)
        table.addElement(row)
    document.spreadsheet.addElement(table)
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


@functools.cache
def xlsx_bomb(sheet_megabytes: int = 100) -> bytes:
    """A small XLSX whose sheet expands to at least `sheet_megabytes` MB (rows of one long cell).

    Long cells compress best: 200 MB pack into less than 250 KB, below the 500 KB above which
    the test client spools an upload to a temporary file that it never closes.
    """
    base = xlsx_bytes([person_row()])
    source = zipfile.ZipFile(io.BytesIO(base))
    buffer = io.BytesIO()
    row = b'<row><c t="inlineStr"><is><t>' + b"A" * 30_000 + b"</t></is></c></row>"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for item in source.infolist():
            if item.filename == "xl/worksheets/sheet1.xml":
                with bomb.open(item.filename, "w", force_zip64=True) as stream:
                    stream.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
                    chunk = row * 100
                    for _ in range(sheet_megabytes * 1024 * 1024 // len(chunk) + 1):
                        stream.write(chunk)
                    stream.write(b"</sheetData></worksheet>")
            else:
                bomb.writestr(item, source.read(item.filename))
    return buffer.getvalue()
