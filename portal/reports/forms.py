"""Report filters (GET, no personal data), the monthly report choice, and the targets form."""

from __future__ import annotations

from datetime import date

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional

from portal import clock
from portal.extensions import db
from portal.forms import PortalForm
from portal.models import Category, Kecamatan
from portal.reports.figures import ReportFilters
from portal.reports.services import default_year, report_years

MAX_TARGET = 10_000_000
MAX_CEILING = 10**15


class _GetForm(PortalForm):
    """A form read from the query string: it changes nothing, so it needs no CSRF token."""

    class Meta:
        csrf = False

    # Set when the query string held values the form does not offer (hand-edited URLs).
    was_reset = False

    def reset(self) -> None:
        """Show the defaults again, with one clear message instead of the fields' errors."""
        self.was_reset = True
        for f in self:
            f.errors = []
            f.data = f.default
        self.year.data = default_year(self.years)

    def __init__(self, formdata, **kwargs):
        super().__init__(formdata=formdata, **kwargs)
        self.years = report_years()
        self.year.choices = [(y, str(y)) for y in self.years] or [(clock.today().year, str(clock.today().year))]
        if self.year.data is None or not formdata or "year" not in formdata:
            self.year.data = default_year(self.years)


class ReportFilterForm(_GetForm):
    """Narrow the dashboard to a year, a kecamatan and a category."""

    year = SelectField(_l("Tahun"), coerce=int)
    kecamatan = SelectField(_l("Kecamatan"), default="")
    category = SelectField(_l("Kategori"), default="")

    def __init__(self, formdata, language: str = "id", **kwargs):
        super().__init__(formdata, **kwargs)
        self.kecamatan.choices = [("", _l("Semua kecamatan"))] + [
            (k.code, k.name) for k in db.session.scalars(db.select(Kecamatan).order_by(Kecamatan.name))
        ]
        self.category.choices = [("", _l("Semua kategori"))] + [
            (c.code, c.label(language))
            for c in db.session.scalars(db.select(Category).order_by(Category.sort_order))
        ]

    def filters(self) -> ReportFilters:
        """The filters asked for; anything invalid falls back to the whole city this year."""
        if not self.validate():
            self.reset()
            return ReportFilters(year=default_year(self.years))
        return ReportFilters(
            year=self.year.data,
            kecamatan_code=self.kecamatan.data or None,
            category_code=self.category.data or None,
        )


class PublicStatsForm(_GetForm):
    """The public page offers the year only: narrower tables would hold too few people."""

    year = SelectField(_l("Tahun"), coerce=int)

    def filters(self) -> ReportFilters:
        if not self.validate():
            self.reset()
        return ReportFilters(year=self.year.data)


class MonthlyReportForm(_GetForm):
    """Which month the printed report for the mayor's office covers."""

    year = SelectField(_l("Tahun"), coerce=int)
    month = SelectField(_l("Bulan"), coerce=int)

    def __init__(self, formdata, **kwargs):
        super().__init__(formdata, **kwargs)
        self.month.choices = [(m, format_date(date(2000, m, 1), "MMMM")) for m in range(1, 13)]
        if not formdata or "month" not in formdata:
            self.month.data = clock.today().month


def targets_form(categories, kecamatan, **kwargs) -> PortalForm:
    """The year's targets: one field per category and kecamatan, and the budget ceiling."""

    class TargetsForm(PortalForm):
        budget_ceiling = IntegerField(
            _l("Pagu anggaran iuran setahun (Rp)"),
            validators=[
                Optional(),
                NumberRange(min=0, max=MAX_CEILING, message=_l("Pagu harus angka rupiah 0 atau lebih.")),
            ],
        )

        def validate(self, extra_validators=None) -> bool:
            """The kecamatan targets share out the city's target (the category targets' sum)
            or are all 0 (not set yet): reports show one target total, which both tables'
            rows must add up to."""
            if not super().validate(extra_validators):
                return False
            city = sum(self[f"category_{code}"].data for code, _label in categories)
            shared_out = sum(self[f"kecamatan_{code}"].data for code, _label in kecamatan)
            if shared_out and shared_out != city:
                self.form_errors.append(
                    _(
                        "Jumlah target kecamatan (%(shared_out)s) harus sama dengan jumlah target kategori "
                        "(%(city)s), atau 0 di semua kecamatan bila pembagiannya belum ada.",
                        shared_out=format_decimal(shared_out),
                        city=format_decimal(city),
                    )
                )
                return False
            return True

    target_validators = [
        InputRequired(message=_l("Isi target (0 jika belum ada).")),
        NumberRange(min=0, max=MAX_TARGET, message=_l("Target harus antara 0 dan 10.000.000 orang.")),
    ]
    for code, label in categories:
        setattr(TargetsForm, f"category_{code}", IntegerField(label, validators=target_validators))
    for code, label in kecamatan:
        setattr(TargetsForm, f"kecamatan_{code}", IntegerField(label, validators=target_validators))
    return TargetsForm(**kwargs)
