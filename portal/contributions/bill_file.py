"""Reading BPJS's monthly bill (or participant list) into bill lines.

No public format of BPJS's bill exists (docs/contributions.md): its columns are found as a
member list's are, by the ways people write their headers (KPJ, NIK, name, period,
programmes, amount, or one amount column per programme). The file goes through
portal.spreadsheets.reader like every upload: type from content, archive size and entry
count and the sheets' reach checked before any parser sees it, with the bulk limits (a
city's bill runs to a hundred thousand rows).

A file is used whole or not at all: a row that cannot be read (a KPJ that is not 11 digits,
a NIK Excel rounded, an unreadable amount, a period other than the month chosen) refuses
the file with the row's number, so staff fix the file rather than reconcile half of it.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _

from portal.contributions.ledger import Month
from portal.lists.reader import COLUMN_NAMES
from portal.names import name_key
from portal.nik import clean_nik
from portal.spreadsheets.exchange import cell_text
from portal.spreadsheets.reader import HEADER_SEARCH_ROWS, FileRejected, SpreadsheetLimits, read_sheets

# The columns a bill may have, with the ways their headers are written (folded by
# portal.names.name_key: 'No. KPJ' -> 'no kpj').
BILL_COLUMNS: dict[str, tuple[str, ...]] = {
    "kpj": ("kpj", "no kpj", "nomor kpj", "no kpj peserta", "nomor kpj peserta", "kpj number", "no peserta", "nomor peserta",
            "no kartu peserta", "nomor kartu peserta"),
    "nik": COLUMN_NAMES["nik"],
    "name": COLUMN_NAMES["full_name"] + ("nama tenaga kerja", "nama tk"),
    "period": ("periode", "periode iuran", "periode tagihan", "bulan", "bulan iuran", "bulan tagihan", "masa iuran", "bulan tahun", "bln thn"),
    "programmes": ("program", "program jaminan", "jenis program", "programs"),
    "amount": ("iuran", "iuran rp", "jumlah iuran", "jumlah iuran rp", "total iuran", "total iuran rp", "nominal", "nominal iuran",
               "tagihan", "jumlah tagihan", "total tagihan", "total", "jumlah", "amount", "iuran per bulan"),
    "jkk": ("jkk", "iuran jkk", "jkk rp"),
    "jkm": ("jkm", "iuran jkm", "jkm rp"),
    "jht": ("jht", "iuran jht", "jht rp"),
}
PROGRAMMES = ("jkk", "jkm", "jht")
KPJ_PATTERN = re.compile(r"^\d{11}$")
NIK_PATTERN = re.compile(r"^\d{16}$")
_MONTH_NAMES = {
    "januari": 1, "jan": 1, "january": 1, "februari": 2, "feb": 2, "pebruari": 2, "february": 2, "maret": 3, "mar": 3, "march": 3,
    "april": 4, "apr": 4, "mei": 5, "may": 5, "juni": 6, "jun": 6, "june": 6, "juli": 7, "jul": 7, "july": 7,
    "agustus": 8, "agu": 8, "agt": 8, "aug": 8, "august": 8, "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10,
    "oct": 10, "october": 10, "november": 11, "nov": 11, "nopember": 11, "desember": 12, "des": 12, "dec": 12, "december": 12,
}
# Row problems named in the refusal; the rest are counted.
SHOWN_PROBLEMS = 5


class BillFileRejected(FileRejected):
    """The bill cannot be used as sent; `message` says why (and which rows), in Indonesian."""


def read_bill(filename: str, data: bytes, month: Month) -> list[dict]:
    """The bill's lines as dicts (row_number, kpj_number, nik, name, jkk, jkm, jht, amount),
    or BillFileRejected (the reader's refusals included) when the file cannot be used whole."""
    limits = SpreadsheetLimits.from_config(current_app.config, "SPREADSHEET_BULK")
    for _sheet, rows in read_sheets(data, filename, limits):
        found = _find_header(rows)
        if found is None:
            continue
        index, columns = found
        lines = _lines(rows[index + 1 :], columns, month)
        if not lines:
            raise BillFileRejected("no_rows", _("Tagihan tidak berisi baris peserta di bawah judul kolomnya."))
        return lines
    raise BillFileRejected(
        "header_not_found",
        _("Judul kolom tagihan tidak ditemukan. Tagihan perlu kolom nomor KPJ atau NIK dan kolom jumlah iuran "
          "(atau kolom iuran JKK, JKM, JHT) pada salah satu dari %(n)d baris teratas.", n=HEADER_SEARCH_ROWS),
    )


def match_column(header) -> str | None:
    """The bill column a header names ('No. KPJ' -> 'kpj'), or None."""
    key = name_key(str(header)) if header not in (None, "") else ""
    if not key:
        return None
    for column, names in BILL_COLUMNS.items():
        if key in names:
            return column
    for column, names in BILL_COLUMNS.items():
        # 'NIK (16 digit)', 'Iuran JKK (Rp)', 'Nama sesuai KTP'
        if any(key.startswith(name + " ") for name in names if len(name) > 2):
            return column
    return None


def _find_header(rows: list[tuple[int, list]]) -> tuple[int, dict[str, int]] | None:
    """The header row's position and its columns: the first of the top rows naming a KPJ or
    NIK column and an amount (a total or one per programme), with the most columns."""
    best = None
    for index, (_number, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns: dict[str, int] = {}
        for position, header in enumerate(cells):
            column = match_column(header)
            if column and column not in columns:
                columns[column] = position
        usable = ("kpj" in columns or "nik" in columns) and ("amount" in columns or any(p in columns for p in PROGRAMMES))
        if usable and (best is None or len(columns) > len(best[1])):
            best = (index, columns)
    return best


def _lines(rows: list[tuple[int, list]], columns: dict[str, int], month: Month) -> list[dict]:
    lines, problems = [], []
    for row_number, cells in rows:
        try:
            line = _line(row_number, cells, columns, month)
        except ValueError as problem:
            problems.append(str(problem))
            continue
        if line is not None:
            lines.append(line)
    if problems:
        shown = "; ".join(problems[:SHOWN_PROBLEMS])
        more = len(problems) - SHOWN_PROBLEMS
        message = _("Tagihan tidak dapat dipakai: %(problems)s.", problems=shown)
        if more > 0:
            message += " " + _("Masih ada %(n)d baris lain yang bermasalah.", n=more)
        raise BillFileRejected("bad_rows", message + " " + _("Perbaiki berkasnya lalu unggah lagi; belum ada yang disimpan."))
    return lines


def _cell(cells: list, columns: dict[str, int], column: str):
    position = columns.get(column)
    return cells[position] if position is not None and position < len(cells) else None


def _line(row_number: int, cells: list, columns: dict[str, int], month: Month) -> dict | None:
    """One bill line, None for a row that is not a person's (blank, a total, a signature)."""
    kpj = _identifier(_cell(cells, columns, "kpj"), 11)
    nik, nik_numeric = _nik(_cell(cells, columns, "nik"))
    raw_name = _cell(cells, columns, "name")
    name = raw_name.strip() if isinstance(raw_name, str) and raw_name.isprintable() else cell_text(raw_name)[0]
    if not kpj and not nik:
        return None  # a blank row, a total or the signatures under the table
    if kpj and not KPJ_PATTERN.match(kpj):
        raise ValueError(_("baris %(row)d: nomor KPJ harus 11 digit", row=row_number))
    if nik and nik_numeric:
        raise ValueError(_("baris %(row)d: NIK tersimpan sebagai angka (Excel dapat membulatkannya); simpan kolom NIK sebagai teks", row=row_number))
    if nik and not NIK_PATTERN.match(nik):
        raise ValueError(_("baris %(row)d: NIK harus 16 digit", row=row_number))
    period = _cell(cells, columns, "period")
    if period not in (None, ""):
        billed_month = _period_of(period)
        if billed_month is None:
            raise ValueError(_("baris %(row)d: periode tidak terbaca (tulis mis. 2026-05 atau Mei 2026)", row=row_number))
        if billed_month != month:
            raise ValueError(_("baris %(row)d: periode %(period)s, bukan bulan yang dipilih (%(month)s)", row=row_number, period=str(billed_month), month=str(month)))
    programmes = {p: None for p in PROGRAMMES}
    if "programmes" in columns:
        programmes = dict(zip(PROGRAMMES, _programmes_in(str(_cell(cells, columns, "programmes") or ""))))
    parts = {}
    for programme in PROGRAMMES:
        if programme in columns:
            value = _cell(cells, columns, programme)
            parts[programme] = _amount(value, row_number, allow_mark=True)
            programmes[programme] = bool(parts[programme]) or _is_mark(value)
    if "amount" in columns:
        amount = _amount(_cell(cells, columns, "amount"), row_number)
    else:
        amount = sum(parts.values())
    return {
        "row_number": row_number,
        "kpj_number": kpj or None,
        "nik": nik or None,
        "name": name[:120],
        "jkk": programmes["jkk"],
        "jkm": programmes["jkm"],
        "jht": programmes["jht"],
        "amount": amount,
    }


def _identifier(value, length: int) -> str:
    """A KPJ as text: digits kept as they are (the usual case, read without more work), else
    cleaned of spaces, dots and dashes."""
    if isinstance(value, str) and len(value) == length and value.isdigit():
        return value
    text, _numeric = cell_text(value)
    return text.replace(" ", "").replace(".", "").replace("-", "")


def _nik(value) -> tuple[str, bool]:
    """A NIK as text and whether it came from a number cell (portal.nik.clean_nik's rule)."""
    if isinstance(value, str) and len(value) == 16 and value.isdigit():
        return value, False
    nik, numeric = clean_nik(value)
    return nik.strip().replace(" ", ""), numeric


def _is_mark(value) -> bool:
    """A programme column ticked rather than priced: 'v', 'ya', 'x', '1'."""
    return isinstance(value, str) and value.strip().lower() in ("v", "ya", "y", "x", "√", "✓", "yes")


def _amount(value, row_number: int, *, allow_mark: bool = False) -> int:
    """A rupiah amount: a number cell, or text such as 'Rp 16.800', '16,800' or '16800.00'."""
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise ValueError(_("baris %(row)d: jumlah iuran tidak terbaca", row=row_number))
    if isinstance(value, (int, float)):
        if value < 0 or value != value:  # negative or NaN
            raise ValueError(_("baris %(row)d: jumlah iuran tidak boleh negatif", row=row_number))
        return int(round(value))
    if allow_mark and _is_mark(value):
        return 0
    text = str(value).lower().replace("rp", "").replace(" ", "").replace("\u00a0", "").strip()
    if re.fullmatch(r"\d{1,3}([.,]\d{3})+", text):
        return int(re.sub(r"[.,]", "", text))
    if re.fullmatch(r"\d+([.,]0{1,2})?", text):
        return int(re.split(r"[.,]", text)[0])
    if text.startswith("-"):
        raise ValueError(_("baris %(row)d: jumlah iuran tidak boleh negatif", row=row_number))
    raise ValueError(_("baris %(row)d: jumlah iuran tidak terbaca", row=row_number))


@functools.lru_cache(maxsize=256)
def _period_of(value) -> Month | None:
    return parse_period(value)


@functools.lru_cache(maxsize=256)
def _programmes_in(text: str) -> tuple[bool, bool, bool]:
    folded = text.lower()
    return tuple(programme in folded for programme in PROGRAMMES)


def parse_period(value) -> Month | None:
    """The month a period cell names: a date, 2026-05, 05/2026, 202605, 01/05/2026, Mei 2026."""
    if isinstance(value, (datetime, date)):
        return Month(value.year, value.month)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(int(value)) if float(value).is_integer() else str(value)
    text = " ".join(str(value).lower().replace(",", " ").split())
    patterns = (
        (r"(\d{4})[-/.](\d{1,2})", lambda m: (int(m[1]), int(m[2]))),
        (r"(\d{1,2})[-/.](\d{4})", lambda m: (int(m[2]), int(m[1]))),
        (r"(\d{4})(\d{2})", lambda m: (int(m[1]), int(m[2]))),
        (r"\d{1,2}[-/.](\d{1,2})[-/.](\d{4})", lambda m: (int(m[2]), int(m[1]))),
        (r"(\d{4})[-/.](\d{1,2})[-/.]\d{1,2}(?:[ t].*)?", lambda m: (int(m[1]), int(m[2]))),
        (r"([a-z]+)[ -/]?(\d{4})", lambda m: (int(m[2]), _MONTH_NAMES.get(m[1], 0))),
    )
    for pattern, parts in patterns:
        match = re.fullmatch(pattern, text)
        if match:
            year, month = parts(match)
            if 1 <= month <= 12 and 2000 <= year <= 2100:
                return Month(year, month)
            return None
    return None
