"""From a report to what pages draw: localised chart geometry and the public, suppressed tables."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _

from portal.reports.charts import grouped_bar_chart, hbar_chart
from portal.reports.figures import CoverageRow, Report
from portal.reports.services import suppress_small_cells, suppress_small_total

def _coverage_chart(rows: list[CoverageRow], language: str, published: list[int | str] | None = None):
    """Percent of target when every row has one, else the member counts."""
    counts = published if published is not None else [r.members for r in rows]
    with_targets = bool(rows) and all(r.target for r in rows)
    items = []
    for row, count in zip(rows, counts):
        if isinstance(count, str):  # suppressed on the public page
            items.append((row.label(language), None, count))
        elif with_targets:
            percent = 100 * count / row.target
            items.append((row.label(language), percent, f"{format_decimal(percent, '#,##0.0')} % ({format_decimal(count)})"))
        else:
            items.append((row.label(language), count, format_decimal(count)))
    if with_targets:
        return hbar_chart(items, scale_max=100, marker=100, marker_label=_("target"))
    return hbar_chart(items)


def _pipeline_chart(report: Report):
    weeks = report.recent_pipeline
    return grouped_bar_chart(
        [
            (format_date(w.week_start, "d/M"), [w.submitted, w.approved, w.rejected, w.returned])
            for w in weeks
        ],
        [
            ("submitted", _("Dikirim")),
            ("approved", _("Disetujui")),
            ("rejected", _("Ditolak")),
            ("returned", _("Dikembalikan")),
        ],
    )


def _budget_chart(report: Report):
    budget = report.budget
    items = [
        (_("JKK + JKM setahun"), budget.jkk_jkm_yearly, "Rp " + format_decimal(budget.jkk_jkm_yearly)),
        (_("JHT setahun"), budget.jht_yearly, "Rp " + format_decimal(budget.jht_yearly)),
        (_("Jumlah setahun"), budget.yearly, "Rp " + format_decimal(budget.yearly)),
    ]
    # No ceiling marker: what the year's budget pays is budget.py's committed (the ceiling
    # block beside this chart), not a year of today's monthly premiums.
    return hbar_chart(items)


def charts(report: Report, language: str) -> dict:
    """Every chart of the staff dashboard and the monthly report."""
    drawn = {
        "category": _coverage_chart(report.by_category, language),
        "kecamatan": _coverage_chart(report.by_kecamatan, language),
        "pipeline": _pipeline_chart(report),
    }
    if report.budget:
        drawn["budget"] = _budget_chart(report)
    return drawn


@dataclass(frozen=True)
class PublicRow:
    row: CoverageRow
    members: int | str  # "<5" or "≥5" where the count is not published

    @property
    def percent(self) -> float | None:
        if isinstance(self.members, str) or not self.row.target:
            return None
        return 100 * self.members / self.row.target


def _published(rows: list[CoverageRow]) -> list[PublicRow]:
    counts = suppress_small_cells([r.members for r in rows])
    return [PublicRow(row, count) for row, count in zip(rows, counts)]


def public_tables(report: Report) -> dict[str, list[PublicRow]]:
    """The coverage tables with small cells hidden (the city total is large and stays)."""
    return {"category": _published(report.by_category), "kecamatan": _published(report.by_kecamatan)}


def public_charts(report: Report, language: str) -> dict:
    tables = public_tables(report)
    return {
        name: _coverage_chart([p.row for p in rows], language, [p.members for p in rows])
        for name, rows in tables.items()
    }


@dataclass(frozen=True)
class PublicCaseColumn:
    """One column of the public case table: its cells (per kecamatan) and its total, suppressed."""

    cells: list[int | str]
    total: int | str


@dataclass(frozen=True)
class PublicCases:
    """Cases reported and benefits paid per kecamatan and kind, safe to publish.

    Every count column is suppressed on its own (suppress_small_cells) with its total
    (suppress_small_total); a rupiah cell or total is shown only where its count is, so a
    hidden count's benefit cannot be read off. No column adds up the kinds of a row, so no
    row total can give a hidden cell away either.
    """

    kecamatan: list[CoverageRow]
    kinds: list
    reported: dict  # kind -> PublicCaseColumn
    paid: dict  # kind -> PublicCaseColumn
    amount: dict  # kind -> PublicCaseColumn

    def rows(self):
        """(kecamatan row, [(reported, paid, rupiah) per kind]) for the template."""
        for i, row in enumerate(self.kecamatan):
            yield row, [(self.reported[k].cells[i], self.paid[k].cells[i], self.amount[k].cells[i]) for k in self.kinds]

    def totals(self):
        return [(self.reported[k].total, self.paid[k].total, self.amount[k].total) for k in self.kinds]


def _column(values: list[int]) -> PublicCaseColumn:
    published = suppress_small_cells(values)
    return PublicCaseColumn(published, suppress_small_total(values, published))


def _amounts(values: list[int], counts: PublicCaseColumn) -> PublicCaseColumn:
    cells = [amount if isinstance(count, int) else None for amount, count in zip(values, counts.cells)]
    return PublicCaseColumn(cells, sum(values) if isinstance(counts.total, int) else None)


def public_cases(figures, kecamatan: list[CoverageRow], kinds: list) -> PublicCases:
    """The case desk's year figures per kecamatan and kind, with small cells hidden."""
    reported, paid, amount = {}, {}, {}
    for kind in kinds:
        reported[kind] = _column([figures.reported_in(row.code, kind) for row in kecamatan])
        paid_cells = [figures.paid_in(row.code, kind) for row in kecamatan]
        paid[kind] = _column([count for count, _ in paid_cells])
        amount[kind] = _amounts([rupiah for _, rupiah in paid_cells], paid[kind])
    return PublicCases(kecamatan, list(kinds), reported, paid, amount)
