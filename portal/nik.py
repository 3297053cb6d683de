"""NIK (Nomor Induk Kependudukan) rules from Dukcapil, as DOMAIN.md sets them out.

16 digits: the 6-digit code of the kecamatan where the NIK was first issued, the birth
date DDMMYY (40 added to the day for women), and a 4-digit serial from 0001. The prefix is
where the NIK was issued, not where the person lives: never scope areas by it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from portal import clock
from portal.models import Sex

NIK_LENGTH = 16
# What people and spreadsheets put in and around a NIK: apostrophes that keep Excel from
# reading it as a number, spaces between digit groups, non-breaking and zero-width spaces.
_INVISIBLE = dict.fromkeys(map(ord, "'\u2018\u2019`\u00a0\u2007\u202f\u200b\u200c\u200d\u2060\ufeff \t\r\n"), None)
_GROUPED = re.compile(r"^[0-9]+([.\-][0-9]+){2,}$")


class NikError(ValueError):
    """A NIK that breaks a rule; `code` is the validator's stable error code."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class NikInfo:
    issuing_kecamatan: str
    birth_date: date
    sex: Sex
    serial: str


def clean_nik(value) -> tuple[str, bool]:
    """The NIK as text, and whether it came from a number cell.

    Strips apostrophes, spaces, non-breaking and zero-width characters; digits grouped
    with dots or dashes (7371.0113.0285.0001) are joined. Scientific notation and decimals
    are left as they are, for the validator to refuse: a rounded NIK is never 'repaired'.
    """
    if value is None:
        return "", False
    if isinstance(value, bool):
        return str(value), False
    if isinstance(value, int):
        return str(value), True
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e17:
            return str(int(value)), True
        return repr(value), True
    text = str(value).translate(_INVISIBLE)
    if _GROUPED.match(text):
        text = re.sub(r"[.\-]", "", text)
    return text, False



def mask_nik(nik: str) -> str:
    """Show only the first 6 and last 4 digits: 737101******0003."""
    if len(nik) != NIK_LENGTH:
        return "*" * len(nik)
    return nik[:6] + "*" * 6 + nik[-4:]


def birth_year(two_digits: int, today: date) -> int:
    """The century that puts the birth year in the past hundred years."""
    year = 2000 + two_digits
    return year if year <= today.year else year - 100


def parse_nik(nik: str, today: date | None = None) -> NikInfo:
    """Check a NIK of digits only and read what it encodes; raise NikError otherwise."""
    today = today or clock.today()
    if not nik.isascii() or not nik.isdigit():
        raise NikError("nik_not_digits")
    if len(nik) != NIK_LENGTH:
        raise NikError("nik_length")
    if nik[0] == "0":
        raise NikError("nik_leading_zero")
    day, month, year2 = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    sex = Sex.MALE
    if day > 40:
        day -= 40
        sex = Sex.FEMALE
    try:
        born = date(birth_year(year2, today), month, day)
    except ValueError:
        raise NikError("nik_bad_date") from None
    if born > today:
        raise NikError("nik_bad_date")
    if nik[12:] == "0000":
        raise NikError("nik_serial_zero")
    return NikInfo(issuing_kecamatan=nik[:6], birth_date=born, sex=sex, serial=nik[12:])


def parse_kk(kk: str, today: date | None = None) -> date:
    """Check a KK number (Nomor Kartu Keluarga) of digits only and return the date it
    encodes; raise NikError with a `kk_` code otherwise.

    A KK number is built like a NIK (the issuing kecamatan, a date DDMMYY, a 4-digit serial
    from 0001), but its date is the day the family card was issued, without the sex offset.
    """
    today = today or clock.today()
    if not kk.isascii() or not kk.isdigit():
        raise NikError("kk_not_digits")
    if len(kk) != NIK_LENGTH:
        raise NikError("kk_length")
    if kk[0] == "0":
        raise NikError("kk_leading_zero")
    try:
        issued = date(birth_year(int(kk[10:12]), today), int(kk[8:10]), int(kk[6:8]))
    except ValueError:
        raise NikError("kk_bad_date") from None
    if issued > today:
        raise NikError("kk_bad_date")
    if kk[12:] == "0000":
        raise NikError("kk_serial_zero")
    return issued


def make_kk(kecamatan_code: str, issued: date, serial: int) -> str:
    """Compose a KK number (used by the demo data and the tests)."""
    return f"{kecamatan_code}{issued.day:02d}{issued.month:02d}{issued.year % 100:02d}{serial:04d}"


def make_nik(kecamatan_code: str, born: date, sex: Sex, serial: int) -> str:
    """Compose a NIK (used by the demo and scale data generators)."""
    day = born.day + (40 if sex == Sex.FEMALE else 0)
    return f"{kecamatan_code}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"
