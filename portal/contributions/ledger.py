"""The contribution ledger: for each member and month, the programmes covered and the amount
due, derived from the memberships and the budget year's settings, never typed in.

The rule is the budget's (portal.programme.budget, docs/budget.md), so the ledger's months of a
year add up to the year's committed premiums:

- A membership's contribution falls due once a month, on the day its cover started and the
  same day of each following month up to its last day of cover. The month of a due date is
  the contribution month it pays for: cover from 15 March to 31 December is due for March to
  December; cover that ended on 10 May (a death) is due for March and April only, since the
  May due date (15 May) falls after it.
- The last day of cover is the period's end (31 December, or the fixed months), or the day
  the membership ended (a death, a move, employer cover): ending a membership sets it
  (portal.memberships.services.end_membership). The ledger counts every membership, ended
  or not, up to that day.
- The amount is the monthly premium of the membership's programmes (JKK, JKM, JHT as granted)
  at the rates of the budget year the month falls in and the person's declared income, at
  least the income floor (ProgrammeYear.monthly_premium). A month of a year without settings
  is priced at the latest earlier year's rates.

Everything is computed in SQL, one statement per question, never in a loop over members.
"""

from __future__ import annotations

import calendar
import dataclasses
from datetime import date
from typing import NamedTuple

from sqlalchemy import BigInteger, cast, extract, func, literal_column, or_

from portal.extensions import db
from portal.models import Membership, Person, ProgrammeYear
from portal.programme.budget import BASIS, Rates, monthly_premium_sql


class Month(NamedTuple):
    """A contribution month."""

    year: int
    month: int

    @property
    def index(self) -> int:
        """The month's number (year x 12 + month - 1): consecutive months differ by one."""
        return self.year * 12 + self.month - 1

    @classmethod
    def of_index(cls, index: int) -> Month:
        return cls(index // 12, index % 12 + 1)

    @classmethod
    def of_day(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"


def due_month_span(starts_on: date, ends_on: date) -> tuple[int, int]:
    """The first and last contribution months of a period, as month indexes (last < first
    when no due date falls inside it: a membership ended before its cover started)."""
    first = starts_on.year * 12 + starts_on.month - 1
    last = ends_on.year * 12 + ends_on.month - 1 - (1 if ends_on.day < starts_on.day else 0)
    return first, last


def due_months(starts_on: date, ends_on: date) -> list[Month]:
    """The contribution months of a period (for one membership's page; SQL does the rest)."""
    first, last = due_month_span(starts_on, ends_on)
    return [Month.of_index(index) for index in range(first, last + 1)]


def rates_for(year: int) -> Rates | None:
    """The rates months of `year` are priced at: that year's settings, else the latest
    earlier year's; None when no year up to it has settings."""
    programme_year = db.session.scalar(
        db.select(ProgrammeYear).where(ProgrammeYear.year <= year).order_by(ProgrammeYear.year.desc()).limit(1)
    )
    if programme_year is None:
        return None
    return dataclasses.replace(Rates.of(programme_year), year=year)


def _literal(value: int):
    return literal_column(str(int(value)), BigInteger)


def amount_sql(rates: Rates, income, jkk, jkm, jht):
    """One month's contribution in rupiah as SQL (ProgrammeYear.monthly_premium's rule)."""
    return cast(monthly_premium_sql(rates, income, jkk, jkm, jht), BigInteger) // _literal(BASIS)


def due_in_month(month: Month):
    """WHERE clauses: the memberships with a contribution due in `month`.

    The due-month span's rule (due_month_span) in date comparisons: the cover started in or
    before the month, and ends after it, or ends inside it on or after the day of the month
    it started. Only the memberships ending inside the month compare days, so PostgreSQL
    does not compute EXTRACT's numerics for every row (most of the filter's time at 100,000
    members), and an index on the period serves the dates."""
    return (
        Membership.starts_on <= month.last_day,
        Membership.ends_on >= month.first_day,
        or_(
            Membership.ends_on > month.last_day,
            extract("day", Membership.ends_on) >= extract("day", Membership.starts_on),
        ),
    )


def kecamatan_code_sql(kelurahan_code):
    """A kelurahan's Kemendagri code is its kecamatan's code plus four digits."""
    return func.substr(kelurahan_code, 1, 6)


def member_rows(month: Month, rates: Rates, *where):
    """A select of one row per membership due in `month`: membership id, number, KPJ, person
    id, NIK, category, kecamatan code, programmes, status, end reason, last day of cover and
    `amount` (rupiah). The caller adds ordering, paging or grouping."""
    return (
        db.select(
            Membership.id.label("membership_id"),
            Membership.number,
            Membership.kpj_number,
            Membership.person_id,
            Person.nik,
            Person.category_code,
            kecamatan_code_sql(Person.kelurahan_code).label("kecamatan_code"),
            Membership.jkk,
            Membership.jkm,
            Membership.jht,
            Membership.status,
            Membership.end_reason,
            Membership.ends_on,
            amount_sql(rates, Person.monthly_income, Membership.jkk, Membership.jkm, Membership.jht).label("amount"),
        )
        .select_from(Membership)
        .join(Person, Membership.person_id == Person.id)
        .where(*due_in_month(month), *where)
    )


def month_total(month: Month) -> tuple[int, int]:
    """(members, rupiah) due in `month`: the ledger's total for the month."""
    rates = rates_for(month.year)
    if rates is None:
        return 0, 0
    rows = member_rows(month, rates).subquery()
    members, total = db.session.execute(db.select(func.count(), func.coalesce(func.sum(rows.c.amount), 0))).one()
    return int(members), int(total)
