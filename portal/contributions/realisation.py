"""The budget's realisation month by month (docs/contributions.md, "Realisation").

Per month of the year: committed (what the ledger says is due for it: the year's months add
up to the budget's committed premiums, portal.programme.budget.committed), billed (the
month's current bill), paid (the payments' shares of it), and the ceiling left once what was
paid so far is taken off. The year's remaining ceiling is the ceiling less everything
committed to the year's end, as the budget page says it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _

from portal.contributions.months import MonthFigures, year_figures
from portal.extensions import db
from portal.models import ProgrammeYear
from portal.reports.charts import GroupedBarChart, grouped_bar_chart

MILLION = 1_000_000
THOUSAND = 1_000


@dataclass(frozen=True)
class RealisationMonth:
    figures: MonthFigures
    paid_to_date: int  # paid for this month and the months before it
    ceiling_left: int | None  # the ceiling less paid_to_date

    @property
    def month(self):
        return self.figures.month


@dataclass(frozen=True)
class Realisation:
    """A year's committed, billed, paid and remaining, per month and in all."""

    year: int
    ceiling: int | None
    months: list[RealisationMonth]

    @property
    def committed(self) -> int:
        return sum(m.figures.due for m in self.months)

    @property
    def billed(self) -> int:
        return sum(m.figures.billed or 0 for m in self.months)

    @property
    def paid(self) -> int:
        return sum(m.figures.paid for m in self.months)

    @property
    def outstanding(self) -> int:
        return sum(m.figures.outstanding for m in self.months)

    @property
    def remaining(self) -> int | None:
        """The ceiling less everything committed to the year's end."""
        return None if self.ceiling is None else self.ceiling - self.committed

    @property
    def ceiling_unpaid(self) -> int | None:
        """The ceiling less what was paid so far."""
        return None if self.ceiling is None else self.ceiling - self.paid


def realisation(year: int, *, cached_ledger: bool = False, figures: list[MonthFigures] | None = None) -> Realisation | None:
    """The year's realisation, or None for a year without settings (`figures`: the year's
    months when the caller counted them already)."""
    programme_year = db.session.get(ProgrammeYear, year)
    if programme_year is None:
        return None
    ceiling = int(programme_year.budget_ceiling) if programme_year.budget_ceiling else None
    months, paid_to_date = [], 0
    for month in figures or year_figures(year, cached_ledger=cached_ledger):
        paid_to_date += month.paid
        months.append(RealisationMonth(month, paid_to_date, None if ceiling is None else ceiling - paid_to_date))
    return Realisation(year, ceiling, months)


def chart_unit(result: Realisation) -> int:
    """Millions of rupiah for a city's year, thousands for a small one (a demo, a new year)."""
    largest = max([m.figures.due for m in result.months] + [m.figures.billed or 0 for m in result.months] + [0])
    return MILLION if largest >= 10 * MILLION else THOUSAND


def realisation_chart(result: Realisation) -> GroupedBarChart:
    """Committed, billed and paid per month in chart_unit rupiah (the table has the rupiah)."""
    unit = chart_unit(result)
    groups = [
        (
            format_date(date(result.year, m.month.month, 1), "MMM"),
            [round(m.figures.due / unit), round((m.figures.billed or 0) / unit), round(m.figures.paid / unit)],
        )
        for m in result.months
    ]
    series = [("committed", _("Terutang")), ("billed", _("Ditagih")), ("paid", _("Dibayar"))]
    return grouped_bar_chart(groups, series)


def chart_title(result: Realisation) -> str:
    if chart_unit(result) == MILLION:
        return _("Realisasi iuran %(year)d per bulan (juta rupiah)", year=result.year)
    return _("Realisasi iuran %(year)d per bulan (ribu rupiah)", year=result.year)
