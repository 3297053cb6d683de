"""The budget ceiling of a programme year: premiums committed, remaining, forecast.

The rule every figure here follows (docs/budget.md says the same to operators):

- A membership's premium is due once a month, on the day its cover started and the same day
  of each following month, up to the end of its period. A budget year pays for the due
  dates that fall inside it: a membership from 15 March 2026 for 12 months has 10 months in
  2026 (March to December) and 2 in 2027. (A period that ends on the last day of a short
  month counts that month only when the day of the month reaches the start day.)
- A month costs the monthly premium of the membership's programmes at the budget year's
  rates and the person's declared income (at least the income floor): JKK at its rate,
  JKM flat, JHT at its rate, rounded down to the rupiah as ProgrammeYear.monthly_premium.
- Committed for year Y = the sum, over every membership, of its months in Y times its
  monthly premium: the contribution ledger's months of Y (portal.contributions.ledger). A
  membership that ended (a death, a move, employer cover) has its last day of cover set to
  the day it ended (portal.memberships.services.end_membership), so its months up to then
  count and the months after it do not: the city stops paying for it.
- Remaining = ceiling - committed. Forecast to year end = committed + what the entries
  waiting for review would add if they were approved today.
- A year without a ceiling is unlimited: nothing is refused.

Everything is summed in SQL (one aggregate per figure), never in a Python loop over
members. Approvals and renewals call `ensure_fits` with the premiums they add, under
`lock_programme_year`, before they change anything.

Speed: a full count groups the memberships by period, income and programmes first and
computes months and premium once per group (about 140 ms at 100,000 members on PostgreSQL,
a third of the per-member sum), still far more than the 5 ms a single approval may spend on
the check (issue 19). So the check reads `committed_now`: a recount kept in the cache for
BUDGET_SNAPSHOT_SECONDS, up to a membership id (the last one older than
BUDGET_SETTLE_SECONDS, so no open transaction can add one below it), plus the memberships
above that id, found through the primary key. A membership ended or a person's income
changed since the recount shows at the next recount; until then the check counts what was
committed then. Changed rates make the recount stale at once. The dashboard and renewal use
`committed`. The check reads and locks the paying years that have a ceiling in one
statement, then per year one statement sums what the entries add and what was granted
above the recount. That statement is compiled to SQL text once per year, rates and database
(_check_statement): SQLAlchemy would otherwise walk its CASE expressions at every execution
to compute its cache key, which cost more than the database takes to run it.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import BigInteger, Boolean, Integer, and_, bindparam, case, cast, extract, func, literal_column, text, true, update

from flask import current_app

from portal import clock
from portal.extensions import cache, db
from portal.models.base import utcnow
from portal.models import CategorySetting, EntryState, ListEntry, Membership, Person, ProgrammeYear

BASIS = 10_000  # rates are kept with 4 decimals (0.0100): premiums are summed in 1/10,000 rupiah


class BudgetExceeded(ValueError):
    """The premiums an approval or renewal adds do not fit in the year's ceiling."""


@dataclass(frozen=True)
class BudgetStatus:
    """A budget year's ceiling against what is committed, in rupiah."""

    year: int
    ceiling: int | None
    committed: int
    pending: int  # what the entries waiting for review would add if approved today

    @property
    def unlimited(self) -> bool:
        return self.ceiling is None

    @property
    def remaining(self) -> int | None:
        return None if self.ceiling is None else self.ceiling - self.committed

    @property
    def forecast(self) -> int:
        return self.committed + self.pending

    @property
    def committed_percent(self) -> float | None:
        return 100 * self.committed / self.ceiling if self.ceiling else None


def rupiah(value: int) -> str:
    """Rp 1.234.567 in Indonesian, Rp 1,234,567 in English (as the reports show it)."""
    return "Rp " + format_decimal(value, "#,##0")


def ceiling_of(programme_year: ProgrammeYear) -> int | None:
    return int(programme_year.budget_ceiling) if programme_year.budget_ceiling else None


def premium_months(starts_on: date, ends_on: date, year: int) -> int:
    """The monthly due dates of a period that fall inside budget `year` (see the module rule)."""
    first = starts_on.year * 12 + starts_on.month - 1
    last = ends_on.year * 12 + ends_on.month - 1 - (1 if ends_on.day < starts_on.day else 0)
    return max(0, min(last, year * 12 + 11) - max(first, year * 12) + 1)


def _int(value: int):
    """An integer written into the SQL text rather than bound: the check's statement then
    stays short and with few parameters, so psycopg keeps its parsed form instead of parsing
    it again at every execution (it does for queries over 4,096 bytes or 50 parameters)."""
    return literal_column(str(int(value)), Integer)


def _months_sql(starts_on, ends_on, year: int):
    """premium_months as a SQL expression (SQLite and PostgreSQL)."""
    return _months_in_year_sql(*due_months_sql(starts_on, ends_on), year)


def due_months_sql(starts_on, ends_on):
    """The first and last monthly due dates of a period, as month numbers (year x 12 + month - 1)."""
    one, twelve = _int(1), _int(12)
    first = extract("year", starts_on) * twelve + extract("month", starts_on) - one
    last = (
        extract("year", ends_on) * twelve
        + extract("month", ends_on)
        - one
        - case((extract("day", ends_on) < extract("day", starts_on), one), else_=_int(0))
    )
    return first, last


def _months_in_year_sql(first, last, year: int):
    """How many of the month numbers first..last fall inside budget `year`."""
    one = _int(1)
    low, high = _int(year * 12), _int(year * 12 + 11)
    first_in = case((first > low, first), else_=low)
    last_in = case((last < high, last), else_=high)
    return case((last_in >= first_in, last_in - first_in + one), else_=_int(0))


@dataclass(frozen=True)
class Rates:
    """The settings a budget year's premiums are computed from (hashable: the check's
    statements are built once per year and rates, see _check_statement)."""

    year: int
    income_floor: int
    jkk_rate: Decimal
    jkm_monthly: int
    jht_rate: Decimal

    @classmethod
    def of(cls, programme_year: ProgrammeYear) -> Rates:
        return cls(
            programme_year.year,
            int(programme_year.income_floor),
            Decimal(programme_year.jkk_rate),
            int(programme_year.jkm_monthly),
            Decimal(programme_year.jht_rate),
        )


def monthly_premium_sql(rates: Rates, income, jkk, jkm, jht):
    """The monthly premium in 1/BASIS rupiah, rounded down to the rupiah, as SQL."""
    floor, zero, basis = _int(rates.income_floor), _int(0), _int(BASIS)
    base = cast(case((func.coalesce(income, zero) > floor, income), else_=floor), BigInteger)
    jkk_rate = _int(rates.jkk_rate * BASIS)
    jht_rate = _int(rates.jht_rate * BASIS)
    rated = case((jkk, base * jkk_rate), else_=zero) + case((jht, base * jht_rate), else_=zero)
    # Integer division on both databases: rounds down like int() in monthly_premium.
    return (rated // basis + case((jkm, _int(rates.jkm_monthly)), else_=zero)) * basis


def _committed_select(rates: Rates, *where):
    """The committed premiums in 1/BASIS rupiah of the memberships matching `where`, as a
    one-row select.

    The months and the premium are computed once per group of memberships sharing a period,
    declared income and programmes (a few hundred groups for a hundred thousand members,
    since approvals on one day get one period), not once per membership."""
    year = rates.year
    groups = (
        db.select(
            Membership.starts_on,
            Membership.ends_on,
            Person.monthly_income,
            Membership.jkk,
            Membership.jkm,
            Membership.jht,
            func.count().label("memberships"),
        )
        .select_from(Membership)
        .join(Person, Membership.person_id == Person.id)
        .where(
            Membership.starts_on <= date(year, 12, 31),
            Membership.ends_on >= date(year, 1, 1),
            *where,
        )
        .group_by(
            Membership.starts_on, Membership.ends_on, Person.monthly_income, Membership.jkk, Membership.jkm, Membership.jht
        )
        .subquery()
    )
    # The due months as columns of their own: the SQL names them instead of repeating them.
    first, last = due_months_sql(groups.c.starts_on, groups.c.ends_on)
    spans = db.select(
        first.label("first_month"), last.label("last_month"), *(c for c in groups.c if c.key not in ("starts_on", "ends_on"))
    ).subquery()
    months = _months_in_year_sql(spans.c.first_month, spans.c.last_month, year)
    premium = monthly_premium_sql(rates, spans.c.monthly_income, spans.c.jkk, spans.c.jkm, spans.c.jht)
    return db.select(func.sum(cast(months, BigInteger) * premium * spans.c.memberships).label("raw"))


def _committed_raw(programme_year: ProgrammeYear, *where) -> int:
    """The committed premiums in 1/BASIS rupiah of the memberships matching `where`."""
    return int(db.session.scalar(_committed_select(Rates.of(programme_year), *where)) or 0)


def committed(programme_year: ProgrammeYear) -> int:
    """The premiums the year's budget pays for memberships granted so far (rupiah)."""
    return _committed_raw(programme_year) // BASIS


def _snapshot(programme_year: ProgrammeYear) -> dict:
    """The cached recount of the year's committed premiums up to a membership id (taken
    again when older than BUDGET_SNAPSHOT_SECONDS or when the rates changed)."""
    key = f"budget:committed:{programme_year.year}"
    snapshot = cache.get(key)
    max_age = current_app.config["BUDGET_SNAPSHOT_SECONDS"]
    rates = Rates.of(programme_year)
    if not snapshot or snapshot["rates"] != rates or time.time() - snapshot["at"] > max_age:
        settled = utcnow() - timedelta(seconds=current_app.config["BUDGET_SETTLE_SECONDS"])
        watermark = db.session.scalar(db.select(func.max(Membership.id)).where(Membership.created_at <= settled)) or 0
        snapshot = {
            "watermark": watermark,
            "raw": _committed_raw(programme_year, Membership.id <= watermark),
            "rates": rates,
            "at": time.time(),
        }
        cache.set(key, snapshot, timeout=max_age)
    return snapshot


def committed_now(programme_year: ProgrammeYear) -> int:
    """`committed` for the budget check: a recent recount plus the memberships granted since
    (see the module docstring); one primary-key range query when the recount is fresh."""
    snapshot = _snapshot(programme_year)
    return (snapshot["raw"] + _committed_raw(programme_year, Membership.id > snapshot["watermark"])) // BASIS


def _entries_select(rates: Rates, programmes_year: int, *where):
    """(people, premium of one month in 1/BASIS rupiah) of the pending entries matching `where`."""
    premium = monthly_premium_sql(rates, ListEntry.monthly_income, CategorySetting.jkk, CategorySetting.jkm, CategorySetting.jht)
    return (
        db.select(func.count(func.distinct(ListEntry.nik)).label("people"), func.sum(premium).label("premium"))
        .select_from(ListEntry)
        .join(
            CategorySetting,
            and_(CategorySetting.category_code == ListEntry.category_code, CategorySetting.year == programmes_year),
        )
        .where(ListEntry.state == EntryState.PENDING, *where)
    )


def entries_premium(
    programme_year: ProgrammeYear, months: int, entry_ids: list[int] | None = None, *, programmes_year: int | None = None
) -> tuple[int, int]:
    """(people, rupiah) that approving pending entries would add to the year: each for
    `months` months at its category's programmes (those of `programmes_year`, the year whose
    settings grant the membership; default the same year) and declared income. All pending
    entries when `entry_ids` is None."""
    where = [] if entry_ids is None else [ListEntry.id.in_(entry_ids)]
    query = _entries_select(Rates.of(programme_year), programmes_year or programme_year.year, *where)
    people, total = db.session.execute(query).one()
    return int(people or 0), int(total or 0) // BASIS * months


@functools.lru_cache(maxsize=32)
def _check_statement(rates: Rates, programmes_year: int, dialect_name: str):
    """One statement for the check of one paying year: what the entries (`entry_ids`) add
    per month and what the memberships above the year's recount (`watermark`) commit.

    Compiled to SQL text once per year, rates and database, with its constants written in:
    a select of this size costs SQLAlchemy about a millisecond per execution just to compute
    its cache key (a walk over its ~240 CASE and arithmetic elements), more than the database
    takes to run it; a text statement's key is its string. The text also stays under
    psycopg's 4,096 bytes, so psycopg keeps it parsed and prepared (see _int)."""
    entry_ids = literal_column(f"{ListEntry.__tablename__}.id IN :entry_ids", Boolean)
    entries = _entries_select(rates, programmes_year, entry_ids).subquery()
    granted = _committed_select(rates, Membership.id > literal_column(":watermark", Integer)).subquery()
    select = db.select(entries.c.people, entries.c.premium, granted.c.raw).select_from(entries.join(granted, true()))
    sql = str(select.compile(dialect=db.session.get_bind().dialect, compile_kwargs={"literal_binds": True}))
    statement = text(sql).bindparams(bindparam("entry_ids", expanding=True), bindparam("watermark", type_=Integer))
    if set(statement._bindparams) != {"entry_ids", "watermark"}:  # a colon in a constant would be read as one
        raise RuntimeError(f"budget check statement: unexpected parameters {sorted(statement._bindparams)}")
    return statement


@functools.lru_cache(maxsize=8)
def _ceilinged_years_statement(years: tuple[int, ...], lock: bool):
    query = (
        db.select(ProgrammeYear)
        .where(ProgrammeYear.year.in_(years), ProgrammeYear.budget_ceiling.is_not(None))
        .order_by(ProgrammeYear.year)
        .execution_options(populate_existing=True)
    )
    return query.with_for_update(key_share=True) if lock else query


def _ceilinged_years(years: tuple[int, ...], lock: bool) -> list[ProgrammeYear]:
    """The settings of those years that have a ceiling, read again, and with `lock` locked
    in year order (one statement on PostgreSQL): years without one are neither read nor
    locked, they refuse nothing."""
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    found = list(db.session.scalars(_ceilinged_years_statement(years, lock and postgresql)))
    found = [programme_year for programme_year in found if ceiling_of(programme_year) is not None]
    if lock and not postgresql:
        for programme_year in found:
            lock_programme_year(programme_year.year)
    return found


def new_membership_months(programme_year: ProgrammeYear, today: date) -> int:
    """The months of the budget year a membership approved today pays for."""
    from portal.memberships.services import membership_period

    period = membership_period(programme_year, today)
    return premium_months(period.starts_on, period.ends_on, programme_year.year)


def check_entries(programme_year: ProgrammeYear, entry_ids: list[int], today: date, *, lock: bool = True) -> None:
    """Raise BudgetExceeded when approving these entries today exceeds a ceiling.

    A membership approved today can run into the next budget year (a fixed 12 months from 3
    December pays 1 month of this year and 11 of the next; a December approval that starts on
    the first of the next month pays only next year's): every budget year the period (the
    year's settings, portal.memberships.services.membership_period) touches that has a
    ceiling is checked for its own months, at its own rates. A membership that would belong
    to a year without settings (that December approval, before next year's settings exist)
    is refused. With `lock`, each such year's row is locked first (in year order, so two
    approvals never deadlock)."""
    from portal.memberships.services import membership_period

    year, starts_on, ends_on = membership_period(programme_year, today)
    if year != programme_year.year and db.session.get(ProgrammeYear, year) is None:
        # The membership would belong to a budget year that has no settings: no rates to
        # price its months with and no ceiling to check them against (docs/budget.md).
        raise BudgetExceeded(
            _(
                "Pengaturan program %(year)d belum ada: yang disetujui hari ini terlindungi mulai 1 Januari "
                "%(year)d dan dibayar anggaran %(year)d, jadi pagunya belum bisa diperiksa. Buat dulu pengaturan "
                "%(year)d (Administrasi → Pengaturan program → Buat pengaturan tahun berikutnya). Tidak ada yang diubah.",
                year=year,
            )
        )
    months = {year: premium_months(starts_on, ends_on, year) for year in range(starts_on.year, ends_on.year + 1)}
    paying = _ceilinged_years(tuple(year for year, n in months.items() if n), lock)
    if not paying:
        return
    for year_settings in paying:
        snapshot = _snapshot(year_settings)
        statement = _check_statement(Rates.of(year_settings), programme_year.year, db.session.get_bind().dialect.name)
        people, premium, granted = db.session.connection().execute(
            statement,
            {"entry_ids": list(entry_ids), "watermark": snapshot["watermark"]},
        ).one()
        spent = (snapshot["raw"] + int(granted or 0)) // BASIS
        added = int(premium or 0) // BASIS * months[year_settings.year]
        ensure_fits(year_settings, int(people or 0), added, spent=spent)


def budget_status(programme_year: ProgrammeYear, today: date | None = None) -> BudgetStatus:
    """Ceiling, committed and forecast of the year (two aggregates)."""
    today = today or clock.today()
    _people, pending = entries_premium(programme_year, new_membership_months(programme_year, today))
    return BudgetStatus(programme_year.year, ceiling_of(programme_year), committed(programme_year), pending)


def lock_programme_year(year: int) -> None:
    """Hold the year's settings row until commit, so two approvals check the budget one after
    the other (FOR NO KEY UPDATE on PostgreSQL: FK checks from other tables still pass)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            db.select(ProgrammeYear.year).where(ProgrammeYear.year == year).with_for_update(key_share=True)
        ).all()
    else:
        # SQLite has no row locks: a write takes the database's write lock until commit, and
        # the transaction's reads start after it, so they see the approval that went first.
        table = ProgrammeYear.__table__
        db.session.execute(update(table).where(table.c.year == year).values(year=table.c.year))


def ensure_fits(
    programme_year: ProgrammeYear, people: int, added: int, *, spent: int | None = None
) -> BudgetStatus | None:
    """Raise BudgetExceeded naming the amounts when `added` rupiah do not fit in the ceiling.

    Call it under lock_programme_year; a year without a ceiling never refuses (and costs no
    query). `spent` is the year's committed premiums when the caller has just counted them."""
    ceiling = ceiling_of(programme_year)
    if ceiling is None or added <= 0:
        return None
    spent = committed_now(programme_year) if spent is None else spent
    if spent + added > ceiling:
        raise BudgetExceeded(
            _(
                "Pagu anggaran %(year)d terlampaui: %(people)d orang menambah premi %(added)s, "
                "sisa pagu %(remaining)s (pagu %(ceiling)s, sudah terpakai %(committed)s). Tidak ada yang diubah.",
                year=programme_year.year,
                people=people,
                added=rupiah(added),
                remaining=rupiah(max(ceiling - spent, 0)),
                ceiling=rupiah(ceiling),
                committed=rupiah(spent),
            )
        )
    return BudgetStatus(programme_year.year, ceiling, spent, 0)
