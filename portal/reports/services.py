"""Coverage, pipeline, certificate and budget figures: aggregated in SQL, cached briefly.

Every report is added up from one count in fine groups (category x kecamatan x week or
month, see PeriodCounts): the dashboard, /stats and the exports from the year's counts,
which `flask reports refresh` recounts every few minutes, the monthly PDF from the same
count taken as of the month's end. There is no second way to count a figure.

Definitions the reports use everywhere (dashboard, /stats, exports, the monthly PDF):
- a member of year Y is a person with a membership of year Y that staff did not end
  (active, or expired after its period ran out); ended memberships (deceased, moved away,
  covered by an employer) are left out;
- certificates issued are Certificate rows (every print or reprint is one row);
- the pipeline counts entries by the day they were submitted and by the day they were
  decided, in the state they are in now;
- premiums come from the year's settings (ProgrammeYear.monthly_premium), per person at
  the income they declared; a year's cost is the monthly cost times the coverage months.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from flask import after_this_request, current_app, has_request_context
from sqlalchemy import Date, cast, func, text

from portal import clock
from portal.extensions import cache, db
from portal.reports.figures import (
    Budget,
    BudgetRow,
    CoverageRow,
    MonthCount,
    PipelineWeek,
    Report,
    ReportFilters,
    PeriodCounts,
    WaitingList,
)
from portal.models import (
    Category,
    CategorySetting,
    Certificate,
    EntryState,
    Kecamatan,
    KecamatanTarget,
    Kelurahan,
    ListEntry,
    MemberList,
    Membership,
    MembershipStatus,
    Person,
    ProgrammeYear,
)

# Cells with fewer people than this are not published on the public page.
SMALL_CELL = 5
WAITING_LISTS_SHOWN = 10
REPORT_WORK_MEM = "64MB"
DECISION_STATES = (EntryState.APPROVED, EntryState.REJECTED, EntryState.RETURNED)


def report_timezone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


# --- the years and choices reports can offer -------------------------------------------


def report_years() -> list[int]:
    """Years that have programme settings, newest first."""
    return list(db.session.scalars(db.select(ProgrammeYear.year).order_by(ProgrammeYear.year.desc())))


def default_year(years: list[int]) -> int:
    today = clock.today().year
    return today if today in years or not years else years[0]


# --- cached entry point ----------------------------------------------------------------

GENERATION_KEY = "reports:generation"


def invalidate_reports() -> None:
    """Make every cached report stale at once (after targets or the ceiling change)."""
    cache.set(GENERATION_KEY, time.time_ns(), timeout=0)


def report_cache_key(filters: ReportFilters) -> str:
    """Where the counts `filters` are added up from are cached: the year's (or the month's)
    counts, shared by every kecamatan and category."""
    scope = f"month:{filters.year}-{filters.month:02d}" if filters.month else f"year:{filters.year}"
    # v2: memberships carry their JKK and JKM flags (the budget prices each category's programmes).
    return f"reports:counts:v2:{cache.get(GENERATION_KEY) or 0}:{scope}"


def build_report(filters: ReportFilters) -> Report:
    """The report for `filters`, from counts never older than REPORTS_CACHE_SECONDS.

    The year's counts (a month's, for the monthly report) are kept in fine groups, so any
    kecamatan and category is added up from them in milliseconds. `flask reports refresh`, run every few minutes, recounts
    them, so pages do not wait for the count itself (about a second at 200,000 members).
    Without the job, past half the maximum age cached counts are still served and recounted
    once the response has gone out; past the full age they are recounted before answering.
    """
    max_age = current_app.config["REPORTS_CACHE_SECONDS"]
    counts = _cached_or_counted(report_cache_key(filters), lambda: count_period(filters.year, filters.month), max_age)
    return report_from_counts(filters, counts, max_age)


def refresh_year_counts(year: int) -> PeriodCounts:
    """Recount the year's figures now and cache them (the job behind `flask reports refresh`),
    the dashboard's budget figures (`year_budget`) and the case figures (`report_cases`) with them."""
    max_age = current_app.config["REPORTS_CACHE_SECONDS"]
    counts = _count_and_store(report_cache_key(ReportFilters(year)), lambda: count_period(year), max(max_age, 1))
    year_budget(year, recount=True)
    _count_and_store(cases_cache_key(ReportFilters(year)), lambda: _count_cases(ReportFilters(year)), max(max_age, 1))
    return counts


def _cached_or_counted(key: str, count, max_age: int):
    """What `count` counted (anything with a computed_at), cached under `key` for `max_age`."""
    if max_age <= 0:
        return count()
    counts = cache.get(key)
    age = (datetime.now(timezone.utc) - counts.computed_at).total_seconds() if counts else None
    if counts is None or age >= max_age:
        return _count_and_store(key, count, max_age)
    if age >= max_age / 2 and has_request_context() and cache.add(f"{key}:recounting", 1, timeout=60):
        _recount_after_response(key, count, max_age)
    return counts


def _count_and_store(key: str, count, max_age: int) -> PeriodCounts:
    counts = count()
    cache.set(key, counts, timeout=max_age)
    return counts


def _recount_after_response(key: str, count, max_age: int) -> None:
    app = current_app._get_current_object()

    def recount() -> None:
        with app.app_context():
            try:
                _count_and_store(key, count, max_age)
            except Exception:  # the visitor has their page; log and let the next one recount
                app.logger.exception("Recounting report figures %s failed", key)
            finally:
                cache.delete(f"{key}:recounting")

    @after_this_request
    def recount_on_close(response):
        response.call_on_close(recount)
        return response


# --- the count -------------------------------------------------------------------------


def count_period(year: int, month: int | None = None) -> PeriodCounts:
    """Count the year's members, premiums, pipeline and certificates in fine groups; with
    `month`, members as of the month's end and the pipeline and certificates of that month."""
    if db.session.get_bind().dialect.name == "postgresql":
        # A few hundred thousand narrow rows hashed in memory rather than in temporary
        # files (the default 4 MB spills at 200,000 members); this transaction only.
        db.session.execute(text(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'"))
    filters = ReportFilters(year, month=month)
    start, end = _utc_bounds(filters)
    has_membership = (
        db.select(Membership.id)
        .where(Membership.person_id == Person.id, *_counted_memberships(filters))
        .exists()
    )
    person_kecamatan = _kecamatan_code(Person.kelurahan_code)
    coverage = db.session.execute(
        db.select(Person.category_code, person_kecamatan, func.count())
        .where(has_membership)
        .group_by(Person.category_code, person_kecamatan)
    ).all()
    memberships = db.session.execute(
        db.select(
            Person.category_code, person_kecamatan, Person.monthly_income, Membership.jkk, Membership.jkm, Membership.jht, func.count()
        )
        .select_from(Membership)
        .join(Person, Membership.person_id == Person.id)
        .where(*_counted_memberships(filters))
        .group_by(Person.category_code, person_kecamatan, Person.monthly_income, Membership.jkk, Membership.jkm, Membership.jht)
    ).all()
    entry_kecamatan = _kecamatan_code(ListEntry.kelurahan_code)
    submitted_week = _local_period_start(ListEntry.submitted_at, "week")
    submitted = db.session.execute(
        db.select(submitted_week, entry_kecamatan, ListEntry.category_code, func.count())
        .where(ListEntry.submitted_at >= start, ListEntry.submitted_at < end)
        .group_by(submitted_week, entry_kecamatan, ListEntry.category_code)
    ).all()
    decided_week = _local_period_start(ListEntry.decided_at, "week")
    decided = db.session.execute(
        db.select(decided_week, ListEntry.state, entry_kecamatan, ListEntry.category_code, func.count())
        .where(ListEntry.decided_at >= start, ListEntry.decided_at < end, ListEntry.state.in_(DECISION_STATES))
        .group_by(decided_week, ListEntry.state, entry_kecamatan, ListEntry.category_code)
    ).all()
    issued_month = _local_period_start(Certificate.issued_at, "month")
    certificates = db.session.execute(
        db.select(issued_month, person_kecamatan, Person.category_code, func.count(Certificate.id))
        .join(Membership, Certificate.membership_id == Membership.id)
        .join(Person, Membership.person_id == Person.id)
        .where(Certificate.issued_at >= start, Certificate.issued_at < end)
        .group_by(issued_month, person_kecamatan, Person.category_code)
    ).all()
    return PeriodCounts(
        year=year,
        month=month,
        computed_at=datetime.now(timezone.utc),
        coverage=tuple(tuple(row) for row in coverage),
        memberships=tuple(
            (c, k, income, bool(jkk), bool(jkm), bool(jht), n) for c, k, income, jkk, jkm, jht, n in memberships
        ),
        submitted=tuple((_as_date(w), k, c, n) for w, k, c, n in submitted),
        decided=tuple((_as_date(w), EntryState(state).value, k, c, n) for w, state, k, c, n in decided),
        certificates=tuple((_as_date(m), k, c, n) for m, k, c, n in certificates),
    )


def _counted_memberships(filters: ReportFilters):
    """WHERE clauses for the memberships of the year that count (see the module docstring)."""
    clauses = [Membership.year == filters.year, Membership.status != MembershipStatus.ENDED]
    if filters.as_of:
        clauses.append(Membership.starts_on <= filters.as_of)
    return clauses


def _kecamatan_code(kelurahan_code_column):
    """A kelurahan's Kemendagri code is its kecamatan's code plus four digits."""
    return func.substr(kelurahan_code_column, 1, 6)


def _local_period_start(column, unit: str):
    """The Monday ("week") or first day ("month") of a timestamp's day in the city's time."""
    zone = report_timezone()
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.date_trunc(unit, func.timezone(zone.key, column)), Date)
    hours = int(datetime.now(zone).utcoffset().total_seconds() // 3600)
    if unit == "week":
        return func.date(column, f"{hours:+d} hours", "-6 days", "weekday 1")
    return func.date(column, f"{hours:+d} hours", "start of month")


def _utc_bounds(filters: ReportFilters) -> tuple[datetime, datetime]:
    zone = report_timezone()
    start, end = filters.period
    return tuple(
        datetime(d.year, d.month, d.day, tzinfo=zone).astimezone(timezone.utc) for d in (start, end)
    )


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


# --- reports added up from the counts ----------------------------------------------------


def report_from_counts(filters: ReportFilters, counts: PeriodCounts, cache_seconds: int = 0) -> Report:
    """The report for a kecamatan and category, added up from the period's counts; only
    the targets, the settings and the lists waiting now are read from the database."""

    def wanted(kecamatan_code: str, category_code: str) -> bool:
        return (not filters.kecamatan_code or kecamatan_code == filters.kecamatan_code) and (
            not filters.category_code or category_code == filters.category_code
        )

    per_category: dict[str, int] = defaultdict(int)
    per_kecamatan: dict[str, int] = defaultdict(int)
    for category_code, kecamatan_code, persons in counts.coverage:
        if wanted(kecamatan_code, category_code):
            per_category[category_code] += persons
            per_kecamatan[kecamatan_code] += persons
    by_category, by_kecamatan, total = _coverage_rows(filters, per_category, per_kecamatan)
    weeks: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for week, kecamatan_code, category_code, n in counts.submitted:
        if wanted(kecamatan_code, category_code):
            weeks[week]["submitted"] += n
    for week, state, kecamatan_code, category_code, n in counts.decided:
        if wanted(kecamatan_code, category_code):
            weeks[week][state] += n
    months: dict[date, int] = defaultdict(int)
    for month, kecamatan_code, category_code, n in counts.certificates:
        if wanted(kecamatan_code, category_code):
            months[month] += n
    budget_groups: dict[tuple, int] = defaultdict(int)
    for category_code, kecamatan_code, income, jkk, jkm, jht, n in counts.memberships:
        if wanted(kecamatan_code, category_code):
            budget_groups[category_code, income, jkk, jkm, jht] += n
    programme_year = db.session.get(ProgrammeYear, filters.year)
    return Report(
        filters=filters,
        computed_at=counts.computed_at,
        by_category=by_category,
        by_kecamatan=by_kecamatan,
        total=total,
        pipeline=[PipelineWeek(week, **n) for week, n in sorted(weeks.items())],
        certificates_by_month=[MonthCount(month, n) for month, n in sorted(months.items())],
        waiting_lists=_waiting_lists(filters),
        budget=(
            _budget_rows([(*key, n) for key, n in budget_groups.items()], programme_year)
            if programme_year
            else None
        ),
        cache_seconds=cache_seconds,
    )


def _coverage_rows(
    filters: ReportFilters, per_category: dict[str, int], per_kecamatan: dict[str, int]
) -> tuple[list[CoverageRow], list[CoverageRow], CoverageRow]:
    """Members per category and kecamatan against the year's targets, and the total."""
    # Category targets are city-wide and kecamatan targets cover every category: a target
    # applies only while the report is not narrowed along the other dimension.
    category_targets = dict(
        db.session.execute(
            db.select(CategorySetting.category_code, CategorySetting.target_population).filter_by(
                year=filters.year
            )
        ).all()
    )
    kecamatan_targets = dict(
        db.session.execute(
            db.select(KecamatanTarget.kecamatan_code, KecamatanTarget.target_population).filter_by(
                year=filters.year
            )
        ).all()
    )
    categories = db.session.scalars(db.select(Category).order_by(Category.sort_order)).all()
    by_category = [
        CoverageRow(
            c.code,
            c.name_id,
            c.name_en,
            per_category.get(c.code, 0),
            None if filters.kecamatan_code else category_targets.get(c.code),
        )
        for c in categories
        if (not filters.category_code or c.code == filters.category_code)
        and (c.code in category_targets or c.code in per_category)
    ]
    kecamatan = db.session.scalars(db.select(Kecamatan).order_by(Kecamatan.code)).all()
    by_kecamatan = [
        CoverageRow(
            k.code,
            k.name,
            k.name,
            per_kecamatan.get(k.code, 0),
            None if filters.category_code else kecamatan_targets.get(k.code),
        )
        for k in kecamatan
        if not filters.kecamatan_code or k.code == filters.kecamatan_code
    ]
    # One target total, taken once: the category targets (the programme's own figures) for
    # the city or a category, the kecamatan's target when narrowed to one. The headline and
    # both tables' total rows show it; the targets form keeps the kecamatan targets adding
    # up to the city's, so each table's rows add up to it too.
    target = sum(r.target or 0 for r in (by_kecamatan if filters.kecamatan_code else by_category)) or None
    total = CoverageRow("total", "Jumlah", "Total", sum(per_category.values()), target)
    return by_category, by_kecamatan, total


def _waiting_lists(filters: ReportFilters) -> list[WaitingList]:
    """Lists whose pending entries have waited longest for a decision (now, not per year)."""
    oldest = func.min(ListEntry.submitted_at)
    query = (
        db.select(
            MemberList.id,
            MemberList.title,
            Kelurahan.name,
            Kecamatan.name,
            MemberList.rw,
            func.count(ListEntry.id),
            oldest,
        )
        .select_from(ListEntry)
        .join(MemberList, ListEntry.list_id == MemberList.id)
        .join(Kelurahan, MemberList.kelurahan_code == Kelurahan.code)
        .join(Kecamatan, Kelurahan.kecamatan_code == Kecamatan.code)
        .where(ListEntry.state == EntryState.PENDING, ListEntry.submitted_at.is_not(None))
        .group_by(MemberList.id, MemberList.title, Kelurahan.name, Kecamatan.name, MemberList.rw)
        .order_by(oldest, MemberList.id)
        .limit(WAITING_LISTS_SHOWN)
    )
    if filters.kecamatan_code:
        query = query.where(Kelurahan.kecamatan_code == filters.kecamatan_code)
    if filters.category_code:
        query = query.where(ListEntry.category_code == filters.category_code)
    return [WaitingList(*row) for row in db.session.execute(query)]


def _budget_rows(groups, programme_year: ProgrammeYear) -> Budget:
    """The budget from (category, declared income, jkk, jkm, jht, memberships) groups: each
    group priced for its own programmes (ProgrammeYear.monthly_premium)."""
    per_category: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for category_code, income, jkk, jkm, jht, count in groups:
        jkk_jkm = programme_year.monthly_premium(income, jkk=jkk, jkm=jkm, jht=False)
        totals = per_category[category_code]
        totals[0] += count
        totals[1] += jkk_jkm * count
        if jht:
            totals[2] += (programme_year.monthly_premium(income, jkk=jkk, jkm=jkm, jht=True) - jkk_jkm) * count
    categories = db.session.scalars(db.select(Category).order_by(Category.sort_order)).all()
    rows = [
        BudgetRow(c.code, c.name_id, c.name_en, *per_category[c.code])
        for c in categories
        if c.code in per_category
    ]
    ceiling = int(programme_year.budget_ceiling) if programme_year.budget_ceiling else None
    return Budget(rows, programme_year.term_months, ceiling)


def cases_cache_key(filters: ReportFilters) -> str:
    """Where a year's (or a month's) case figures are cached, shared by every kecamatan."""
    scope = f"month:{filters.year}-{filters.month:02d}" if filters.month else f"year:{filters.year}"
    return f"reports:cases:v1:{cache.get(GENERATION_KEY) or 0}:{scope}"


def _count_cases(filters: ReportFilters):
    from portal.cases.services import case_figures

    return case_figures(filters.year, through=filters.as_of)


def report_cases(filters: ReportFilters):
    """The case desk's figures for a report (portal.cases.services.case_figures): the year's,
    up to the month's end for the monthly report, narrowed to the report's kecamatan.

    Counted once per year (or month) for the whole city, kept like the coverage counts
    (REPORTS_CACHE_SECONDS, recounted by `flask reports refresh`), and narrowed from there,
    so no kecamatan waits for a count. Cases carry no category: that filter does not apply.
    """
    max_age = current_app.config["REPORTS_CACHE_SECONDS"]
    figures = _cached_or_counted(cases_cache_key(filters), lambda: _count_cases(filters), max_age)
    return figures.narrowed(filters.kecamatan_code)


def year_budget(year: int, recount: bool = False):
    """The year's ceiling, committed, remaining and forecast (portal.programme.budget), city-wide;
    kept as long as the report counts, recounted by the refresh job (`recount`, so no page
    waits for the sum: about 300 ms at 200,000 members) and when the settings change."""
    from portal.programme.budget import budget_status

    programme_year = db.session.get(ProgrammeYear, year)
    if programme_year is None:
        return None
    key = f"reports:budget:{cache.get(GENERATION_KEY) or 0}:{year}"
    status = None if recount else cache.get(key)
    if status is None:
        status = budget_status(programme_year)
        cache.set(key, status, timeout=max(current_app.config["REPORTS_CACHE_SECONDS"], 1))
    return status


# --- targets -----------------------------------------------------------------------------


def target_fields(programme_year: ProgrammeYear) -> tuple[list[Category], list[Kecamatan], dict[str, int]]:
    """What a year's targets form asks for: the year's categories in their order, every
    kecamatan by name, and the kecamatan targets saved so far (code -> population)."""
    settings = {s.category_code for s in programme_year.categories}
    categories = [
        c for c in db.session.scalars(db.select(Category).order_by(Category.sort_order)) if c.code in settings
    ]
    kecamatan = list(db.session.scalars(db.select(Kecamatan).order_by(Kecamatan.name)))
    saved = dict(
        db.session.execute(
            db.select(KecamatanTarget.kecamatan_code, KecamatanTarget.target_population).filter_by(
                year=programme_year.year
            )
        ).all()
    )
    return categories, kecamatan, saved


def save_targets(
    programme_year: ProgrammeYear,
    budget_ceiling: int | None,
    category_targets: dict[str, int],
    kecamatan_targets: dict[str, int],
) -> list[str]:
    """Set a year's ceiling and targets; returns the names of the settings that changed."""
    changes = []
    if (budget_ceiling or None) != (int(programme_year.budget_ceiling or 0) or None):
        programme_year.budget_ceiling = budget_ceiling or None
        changes.append("budget_ceiling")
    settings = {s.category_code: s for s in programme_year.categories}
    for code, value in category_targets.items():
        if settings[code].target_population != value:
            settings[code].target_population = value
            changes.append(f"category:{code}")
    saved = {
        t.kecamatan_code: t
        for t in db.session.scalars(db.select(KecamatanTarget).filter_by(year=programme_year.year))
    }
    for code, value in kecamatan_targets.items():
        target = saved.get(code)
        if target is None:
            target = KecamatanTarget(year=programme_year.year, kecamatan_code=code, target_population=0)
            db.session.add(target)
        if target.target_population != value:
            target.target_population = value
            changes.append(f"kecamatan:{code}")
    return changes


def apportion(total: int, weights: Mapping[str, int]) -> dict[str, int]:
    """`total` people shared out in proportion to `weights`, in whole people adding up to
    `total` exactly (largest remainder: every share rounded down, the people left over go
    one each to the largest remainders), so a table of shares adds up to its total row."""
    weight_sum = sum(weights.values())
    if not weight_sum:
        return dict.fromkeys(weights, 0)
    shares = {key: total * weight // weight_sum for key, weight in weights.items()}
    left_over = total - sum(shares.values())
    largest_remainders = sorted(weights, key=lambda key: (-(total * weights[key] % weight_sum), key))
    for key in largest_remainders[:left_over]:
        shares[key] += 1
    return shares


# --- the public page -------------------------------------------------------------------


SMALL = f"<{SMALL_CELL}"
NOT_SMALL = f"≥{SMALL_CELL}"


def suppress_small_total(values: list[int], published: list[int | str]) -> int | str:
    """A table's total, safe to publish beside its cells as `suppress_small_cells` published them.

    A total under 5 is hidden like a cell ("<5"); so is one that would give away the only hidden
    cell (the others all published), as "≥5". Tables of cases are small: their totals need it.
    """
    total = sum(values)
    if 0 < total < SMALL_CELL:
        return SMALL
    if sum(1 for cell in published if isinstance(cell, str)) == 1:
        return NOT_SMALL
    return total


def suppress_small_cells(values: list[int]) -> list[int | str]:
    """Counts safe to publish: "<5" where a cell holds 1-4 people.

    Zero reveals nobody and is shown. When only one cell of a table would be hidden, the
    next smallest is hidden too (as "≥5"), so the published total cannot give the small
    one away by subtraction.
    """
    published: list[int | str] = [SMALL if 0 < v < SMALL_CELL else v for v in values]
    if published.count(SMALL) == 1:
        others = sorted((v, i) for i, v in enumerate(values) if v >= SMALL_CELL)
        if others:
            published[others[0][1]] = NOT_SMALL
    return published
