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
- Committed for year Y = the sum, over every membership staff did not end (active, or
  expired after its period ran out), of its months in Y times its monthly premium. Ended
  memberships (deceased, moved away, covered by an employer) are left out: the city stops
  paying for them.
- Remaining = ceiling - committed. Forecast to year end = committed + what the entries
  waiting for review would add if they were approved today.
- A year without a ceiling is unlimited: nothing is refused.

Everything is summed in SQL (one aggregate per figure), never in a Python loop over
members. Approvals and renewals call `ensure_fits` with the premiums they add, under
`lock_programme_year`, before they change anything.

Speed: summing 100,000 memberships costs PostgreSQL a few hundred milliseconds, far more
than the 5 ms a single approval may spend on the check (issue 19). So the check reads
`committed_now`: a recount kept in the cache for BUDGET_SNAPSHOT_SECONDS, up to a
membership id (the last one older than BUDGET_SETTLE_SECONDS, so no open transaction can
add one below it), plus the memberships above that id, found through the primary key. A
membership ended or a person's income changed since the recount shows at the next recount;
until then the check counts what was committed then, which errs on the side of refusing.
Changed rates make the recount stale at once. The dashboard and renewal use `committed`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import BigInteger, and_, case, cast, extract, func, update

from flask import current_app

from portal import clock
from portal.extensions import cache, db
from portal.models.base import utcnow
from portal.models import CategorySetting, EntryState, ListEntry, Membership, MembershipStatus, Person, ProgrammeYear

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


def _months_sql(starts_on, ends_on, year: int):
    """premium_months as a SQL expression (SQLite and PostgreSQL)."""
    first = extract("year", starts_on) * 12 + extract("month", starts_on) - 1
    last = (
        extract("year", ends_on) * 12
        + extract("month", ends_on)
        - 1
        - case((extract("day", ends_on) < extract("day", starts_on), 1), else_=0)
    )
    low, high = year * 12, year * 12 + 11
    first_in = case((first > low, first), else_=low)
    last_in = case((last < high, last), else_=high)
    return case((last_in >= first_in, last_in - first_in + 1), else_=0)


def _monthly_premium_sql(programme_year: ProgrammeYear, income, jkk, jkm, jht):
    """The monthly premium in 1/BASIS rupiah, rounded down to the rupiah, as SQL."""
    floor = programme_year.income_floor
    base = cast(case((func.coalesce(income, 0) > floor, income), else_=floor), BigInteger)
    jkk_rate = int(programme_year.jkk_rate * BASIS)
    jht_rate = int(programme_year.jht_rate * BASIS)
    rated = case((jkk, base * jkk_rate), else_=0) + case((jht, base * jht_rate), else_=0)
    # Integer division on both databases: rounds down like int() in monthly_premium.
    return (rated // BASIS + case((jkm, programme_year.jkm_monthly), else_=0)) * BASIS


def _committed_raw(programme_year: ProgrammeYear, *where) -> int:
    """The committed premiums in 1/BASIS rupiah of the memberships matching `where`."""
    year = programme_year.year
    months = _months_sql(Membership.starts_on, Membership.ends_on, year)
    premium = _monthly_premium_sql(programme_year, Person.monthly_income, Membership.jkk, Membership.jkm, Membership.jht)
    total = db.session.scalar(
        db.select(func.sum(cast(months, BigInteger) * premium))
        .select_from(Membership)
        .join(Person, Membership.person_id == Person.id)
        .where(
            Membership.status != MembershipStatus.ENDED,
            Membership.starts_on <= date(year, 12, 31),
            Membership.ends_on >= date(year, 1, 1),
            *where,
        )
    )
    return int(total or 0)


def committed(programme_year: ProgrammeYear) -> int:
    """The premiums the year's budget pays for memberships granted so far (rupiah)."""
    return _committed_raw(programme_year) // BASIS


def _rates(programme_year: ProgrammeYear) -> str:
    return f"{programme_year.income_floor}:{programme_year.jkk_rate}:{programme_year.jkm_monthly}:{programme_year.jht_rate}"


def committed_now(programme_year: ProgrammeYear) -> int:
    """`committed` for the budget check: a recent recount plus the memberships granted since
    (see the module docstring); one primary-key range query when the recount is fresh."""
    key = f"budget:committed:{programme_year.year}"
    snapshot = cache.get(key)
    max_age = current_app.config["BUDGET_SNAPSHOT_SECONDS"]
    if not snapshot or snapshot["rates"] != _rates(programme_year) or time.time() - snapshot["at"] > max_age:
        settled = utcnow() - timedelta(seconds=current_app.config["BUDGET_SETTLE_SECONDS"])
        watermark = db.session.scalar(db.select(func.max(Membership.id)).where(Membership.created_at <= settled)) or 0
        snapshot = {
            "watermark": watermark,
            "raw": _committed_raw(programme_year, Membership.id <= watermark),
            "rates": _rates(programme_year),
            "at": time.time(),
        }
        cache.set(key, snapshot, timeout=max_age)
    return (snapshot["raw"] + _committed_raw(programme_year, Membership.id > snapshot["watermark"])) // BASIS


def entries_premium(
    programme_year: ProgrammeYear, months: int, entry_ids: list[int] | None = None, *, programmes_year: int | None = None
) -> tuple[int, int]:
    """(people, rupiah) that approving pending entries would add to the year: each for
    `months` months at its category's programmes (those of `programmes_year`, the year whose
    settings grant the membership; default the same year) and declared income. All pending
    entries when `entry_ids` is None."""
    programmes_year = programmes_year or programme_year.year
    premium = _monthly_premium_sql(
        programme_year, ListEntry.monthly_income, CategorySetting.jkk, CategorySetting.jkm, CategorySetting.jht
    )
    query = (
        db.select(func.count(func.distinct(ListEntry.nik)), func.sum(premium))
        .select_from(ListEntry)
        .join(
            CategorySetting,
            and_(CategorySetting.category_code == ListEntry.category_code, CategorySetting.year == programmes_year),
        )
        .where(ListEntry.state == EntryState.PENDING)
    )
    if entry_ids is not None:
        query = query.where(ListEntry.id.in_(entry_ids))
    people, total = db.session.execute(query).one()
    return int(people or 0), int(total or 0) // BASIS * months


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
    ceiling is checked for its own months, at its own rates. With `lock`, each such year's
    row is locked first (in year order, so two approvals never deadlock)."""
    from portal.memberships.services import membership_period

    _year, starts_on, ends_on = membership_period(programme_year, today)
    for year in range(starts_on.year, ends_on.year + 1):
        paying = programme_year if year == programme_year.year else db.session.get(ProgrammeYear, year)
        months = premium_months(starts_on, ends_on, year)
        if paying is None or ceiling_of(paying) is None or not months:
            continue
        if lock:
            lock_programme_year(year)
        people, added = entries_premium(paying, months, entry_ids, programmes_year=programme_year.year)
        ensure_fits(paying, people, added)


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


def ensure_fits(programme_year: ProgrammeYear, people: int, added: int) -> BudgetStatus | None:
    """Raise BudgetExceeded naming the amounts when `added` rupiah do not fit in the ceiling.

    Call it under lock_programme_year; a year without a ceiling never refuses (and costs no
    query)."""
    ceiling = ceiling_of(programme_year)
    if ceiling is None or added <= 0:
        return None
    spent = committed_now(programme_year)
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
