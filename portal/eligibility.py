"""Eligibility rules of a programme year, shared by every place that judges a person.

The list-row validator (intake), the staff review and the citizens' self-check all call
`check_eligibility`, so one rule never reads two ways. Rules come from the year's
settings (ProgrammeYear and CategorySetting), never from constants.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

from flask_babel import gettext as _

from portal import clock
from portal.extensions import db
from portal.models import CategorySetting, ProgrammeYear

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One rule's verdict on a value: a stable code, its severity and a message for people."""

    code: str
    severity: str
    message: str
    column: str | None = None
    params: dict = field(default_factory=dict)

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def as_dict(self) -> dict:
        return asdict(self)


def age_on(born: date, today: date) -> int:
    """Completed years of age on `today`."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def programme_year_for(day: date) -> ProgrammeYear | None:
    """The settings in force on `day`: that year's, else the latest earlier year's."""
    return db.session.scalar(
        db.select(ProgrammeYear)
        .where(ProgrammeYear.year <= day.year)
        .order_by(ProgrammeYear.year.desc())
        .limit(1)
    )


def category_setting(programme_year: ProgrammeYear, category_code: str | None) -> CategorySetting | None:
    return next(
        (s for s in programme_year.categories if s.category_code == category_code), None
    )


def check_eligibility(
    programme_year: ProgrammeYear,
    *,
    birth_date: date | None,
    category_code: str | None,
    desil: int | None = None,
    employer_covered: bool = False,
    civil_servant: bool = False,
    today: date | None = None,
) -> list[Finding]:
    """Every rule of the year the person breaks (errors) or should look at (warnings)."""
    today = today or clock.today()
    findings: list[Finding] = []
    if birth_date is not None:
        age = age_on(birth_date, today)
        low, high = programme_year.min_age, programme_year.max_age
        if not low <= age <= high:
            findings.append(
                Finding(
                    "age_out_of_range",
                    ERROR,
                    _("Usia %(age)d tahun di luar batas program (%(low)d-%(high)d tahun).", age=age, low=low, high=high),
                    "birth_date",
                    {"age": age, "min": low, "max": high},
                )
            )
    setting = category_setting(programme_year, category_code)
    if setting is None:
        findings.append(
            Finding("category_unknown", ERROR, _("Kategori pekerjaan tidak dikenal."), "category")
        )
    elif not setting.eligible:
        findings.append(
            Finding(
                "category_not_eligible",
                ERROR,
                _("Kategori ini tidak termasuk program tahun %(year)d.", year=programme_year.year),
                "category",
            )
        )
    elif setting.requires_desil:
        if desil is None:
            findings.append(
                Finding(
                    "desil_unknown",
                    WARNING,
                    _("Desil DTSEN belum diketahui; kategori ini ditujukan bagi rumah tangga desil 1-%(max)d.", max=programme_year.desil_max),
                    "desil",
                )
            )
        elif desil > programme_year.desil_max:
            findings.append(
                Finding(
                    "desil_above_cutoff",
                    ERROR,
                    _("Desil DTSEN %(desil)d di atas batas program (desil 1-%(max)d).", desil=desil, max=programme_year.desil_max),
                    "desil",
                    {"desil": desil, "max": programme_year.desil_max},
                )
            )
    if employer_covered:
        findings.append(
            Finding(
                "employer_covered",
                ERROR,
                _("Sudah didaftarkan pemberi kerja: perlindungan dibayar oleh pemberi kerja, bukan APBD."),
                "employer_covered",
            )
        )
    if civil_servant:
        findings.append(
            Finding(
                "civil_servant",
                ERROR,
                _("Aparatur sipil negara (ASN) dilindungi oleh program lain."),
                "civil_servant",
            )
        )
    return findings
