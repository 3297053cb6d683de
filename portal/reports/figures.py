"""The figures a report holds: plain, picklable values (they live in the cache).

How they are counted is in portal.reports.services.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

PIPELINE_WEEKS_SHOWN = 13


@dataclass(frozen=True)
class ReportFilters:
    """What a report covers: a year, optionally one kecamatan, one category, one month."""

    year: int
    kecamatan_code: str | None = None
    category_code: str | None = None
    month: int | None = None  # the monthly report: figures as of the month's last day

    @property
    def period(self) -> tuple[date, date]:
        """First day and the day after the last day the pipeline and certificates cover."""
        if self.month:
            start = date(self.year, self.month, 1)
            return start, start + timedelta(days=calendar.monthrange(self.year, self.month)[1])
        return date(self.year, 1, 1), date(self.year + 1, 1, 1)

    @property
    def as_of(self) -> date | None:
        return self.period[1] - timedelta(days=1) if self.month else None

    @property
    def is_filtered(self) -> bool:
        return bool(self.kecamatan_code or self.category_code)

    def query_args(self) -> dict:
        """The filters as URL query parameters (no personal data)."""
        args = {"year": self.year, "kecamatan": self.kecamatan_code, "category": self.category_code}
        return {key: value for key, value in args.items() if value}


@dataclass(frozen=True)
class CoverageRow:
    """Members of one category or kecamatan against its target population."""

    code: str
    name: str
    name_en: str
    members: int
    target: int | None

    def label(self, language: str = "id") -> str:
        return self.name_en if language == "en" else self.name

    @property
    def percent(self) -> float | None:
        return 100 * self.members / self.target if self.target else None


@dataclass(frozen=True)
class PipelineWeek:
    week_start: date
    submitted: int = 0
    approved: int = 0
    rejected: int = 0
    returned: int = 0


@dataclass(frozen=True)
class MonthCount:
    month: date
    count: int


@dataclass(frozen=True)
class WaitingList:
    list_id: int
    title: str
    kelurahan: str
    kecamatan: str
    rw: int
    pending: int
    oldest_submitted_at: datetime

    def days_waiting(self, now: datetime) -> int:
        oldest = self.oldest_submitted_at
        if oldest.tzinfo is None:  # SQLite hands back naive UTC
            oldest = oldest.replace(tzinfo=timezone.utc)
        return max((now - oldest).days, 0)


@dataclass(frozen=True)
class BudgetRow:
    """The monthly premiums of one category's members, per programme, in rupiah."""

    code: str
    name: str
    name_en: str
    memberships: int
    jkk_jkm_monthly: int
    jht_monthly: int

    def label(self, language: str = "id") -> str:
        return self.name_en if language == "en" else self.name

    @property
    def monthly(self) -> int:
        return self.jkk_jkm_monthly + self.jht_monthly


@dataclass(frozen=True)
class Budget:
    rows: list[BudgetRow]
    coverage_months: int
    ceiling: int | None

    @property
    def memberships(self) -> int:
        return sum(r.memberships for r in self.rows)

    @property
    def jkk_jkm_monthly(self) -> int:
        return sum(r.jkk_jkm_monthly for r in self.rows)

    @property
    def jht_monthly(self) -> int:
        return sum(r.jht_monthly for r in self.rows)

    @property
    def monthly(self) -> int:
        return self.jkk_jkm_monthly + self.jht_monthly

    @property
    def jkk_jkm_yearly(self) -> int:
        return self.jkk_jkm_monthly * self.coverage_months

    @property
    def jht_yearly(self) -> int:
        return self.jht_monthly * self.coverage_months

    @property
    def yearly(self) -> int:
        return self.monthly * self.coverage_months


@dataclass(frozen=True)
class Report:
    filters: ReportFilters
    computed_at: datetime
    by_category: list[CoverageRow]
    by_kecamatan: list[CoverageRow]
    # All members against the one target total: the headline and both tables' total rows.
    total: CoverageRow
    pipeline: list[PipelineWeek]
    certificates_by_month: list[MonthCount]
    waiting_lists: list[WaitingList]
    budget: Budget | None
    cache_seconds: int = 0

    @property
    def certificates(self) -> int:
        return sum(m.count for m in self.certificates_by_month)

    @property
    def recent_pipeline(self) -> list[PipelineWeek]:
        return self.pipeline[-PIPELINE_WEEKS_SHOWN:]

    @property
    def pipeline_totals(self) -> PipelineWeek:
        return PipelineWeek(
            week_start=self.filters.period[0],
            submitted=sum(w.submitted for w in self.pipeline),
            approved=sum(w.approved for w in self.pipeline),
            rejected=sum(w.rejected for w in self.pipeline),
            returned=sum(w.returned for w in self.pipeline),
        )


@dataclass(frozen=True)
class PeriodCounts:
    """A year's heavy counts in fine groups (or a month's, members as of its last day), from
    which the report of any kecamatan and category is added up without touching the
    registry again.

    Kecamatan are Kemendagri codes; weeks start on Monday and months on their first day,
    both in the portal's time zone.
    """

    year: int
    month: int | None
    computed_at: datetime
    # (category, kecamatan, persons with a counted membership)
    coverage: tuple[tuple[str, str, int], ...]
    # (category, kecamatan, declared monthly income, jht, counted memberships)
    memberships: tuple[tuple[str, str, int | None, bool, int], ...]
    # (week start, kecamatan, category, entries submitted)
    submitted: tuple[tuple[date, str, str, int], ...]
    # (week start, state, kecamatan, category, entries decided)
    decided: tuple[tuple[date, str, str, str, int], ...]
    # (month, kecamatan, category, certificates issued)
    certificates: tuple[tuple[date, str, str, int], ...]
