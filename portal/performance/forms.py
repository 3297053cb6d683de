"""The filters of the Kinerja pages (GET forms)."""

from __future__ import annotations


from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField
from wtforms.validators import NumberRange, Optional

from portal import clock
from portal.forms import PortalPlainForm, kecamatan_choices, select_choices
from portal.performance.services import MONTH_NAMES, Grouping, Period


class PeriodForm(PortalPlainForm):
    """A year, and optionally one month of it."""

    tahun = IntegerField(_l("Tahun"), validators=[Optional(), NumberRange(2000, 2100)], default=lambda: clock.today().year)
    bulan = SelectField(_l("Bulan"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.bulan.choices = select_choices([("", _l("Sepanjang tahun"))] + [(str(n), name) for n, name in enumerate(MONTH_NAMES, 1)])

    @property
    def period(self) -> Period:
        """The chosen period; anything invalid falls back to this year (the form shows why)."""
        year = self.tahun.data if self.tahun.data and not self.tahun.errors else clock.today().year
        month = int(self.bulan.data) if self.bulan.data and not self.bulan.errors else None
        return Period(year, month)


class StaffFiguresForm(PeriodForm):
    """The staff's Kinerja filters: how to group, a year or month, and a kecamatan."""

    per = SelectField(_l("Tampilkan"), validators=[Optional()])
    kecamatan = SelectField(_l("Kecamatan"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.per.choices = select_choices([(g.value, g.label) for g in Grouping])
        self.kecamatan.choices = kecamatan_choices(_l("Semua kecamatan"))

    @property
    def grouping(self) -> Grouping:
        return Grouping(self.per.data) if self.per.data and not self.per.errors else Grouping.RW

    @property
    def kecamatan_code(self) -> str | None:
        return self.kecamatan.data or None if not self.kecamatan.errors else None

    def query_args(self) -> dict:
        return {
            "per": self.grouping.value, "tahun": self.period.year, "bulan": self.period.month or "",
            "kecamatan": self.kecamatan_code or "",
        }
