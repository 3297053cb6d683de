"""Exports keep injected formulas as inert text."""

import csv
import io

from openpyxl import load_workbook

from portal.exports import csv_bytes, safe_cell, xlsx_bytes

PAYLOADS = ['=HYPERLINK("http://evil.example","klik")', "+1+2", "-3", "@SUM(A1)", "\tx", "\rx"]


def test_xlsx_cells_that_look_like_formulas_arrive_as_text():
    data = xlsx_bytes(["Nama", "Jumlah"], [[p, 5] for p in PAYLOADS])
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(min_row=2))
    for payload, (name, amount) in zip(PAYLOADS, rows):
        assert name.data_type == "s"
        assert name.value == payload.replace("\r", "\n")  # XML keeps no bare CR
        assert amount.value == 5 and amount.data_type == "n"


def test_csv_cells_that_look_like_formulas_are_prefixed():
    text = csv_bytes(["Nama"], [[p] for p in PAYLOADS]).decode("utf-8-sig")
    values = [row[0] for row in csv.reader(io.StringIO(text, newline=""))][1:]
    assert values == ["'" + p for p in PAYLOADS]
    assert safe_cell(-3) == -3 and safe_cell("Siti") == "Siti"
