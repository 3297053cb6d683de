"""Granting coverage: membership numbers, coverage periods and certificate codes; marking
memberships whose period ran out as expired."""

from __future__ import annotations

import calendar
import secrets
from datetime import date

from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal import audit
from portal.extensions import db
from portal.models import (
    Certificate,
    CategorySetting,
    Membership,
    MembershipNumberSequence,
    MembershipStatus,
    Person,
    User,
)
from portal.models.base import utcnow


def reserve_membership_numbers(year: int, count: int = 1) -> list[str]:
    """`count` consecutive numbers of `year` (MKS-2026-000123), unique under concurrency.

    One UPDATE reserves the whole block (bulk approvals). It takes a row lock on
    PostgreSQL that is held until the approving transaction commits, so two approvals
    never read the same value; SQLite serialises writers anyway.
    """
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(MembershipNumberSequence)
        .values(year=year, last_value=0)
        .on_conflict_do_nothing(index_elements=["year"])
    )
    last = db.session.execute(
        update(MembershipNumberSequence)
        .where(MembershipNumberSequence.year == year)
        .values(last_value=MembershipNumberSequence.last_value + count)
        .returning(MembershipNumberSequence.last_value)
    ).scalar_one()
    return [f"MKS-{year}-{value:06d}" for value in range(last - count + 1, last + 1)]


def next_membership_number(year: int) -> str:
    """The next membership number of `year`."""
    return reserve_membership_numbers(year, 1)[0]


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def coverage_period(starts_on: date, months: int) -> tuple[date, date]:
    """Cover starts on the given day and ends the day before the same day `months` later."""
    return starts_on, date.fromordinal(add_months(starts_on, months).toordinal() - 1)


def grant_membership(
    person: Person,
    setting: CategorySetting,
    starts_on: date,
    *,
    entry_id: int | None = None,
    number: str | None = None,
) -> Membership:
    """Create an active membership with the programmes the category gets in that year.

    `number` is one reserved beforehand with reserve_membership_numbers (bulk approvals).
    """
    start, end = coverage_period(starts_on, setting.programme_year.coverage_months)
    membership = Membership(
        number=number or next_membership_number(setting.year),
        person=person,
        year=setting.year,
        jkk=setting.jkk,
        jkm=setting.jkm,
        jht=setting.jht,
        starts_on=start,
        ends_on=end,
        entry_id=entry_id,
    )
    db.session.add(membership)
    return membership


def new_verification_code() -> str:
    """A public code for a certificate's QR: 128 random bits, nothing personal."""
    return secrets.token_urlsafe(16)


def issue_certificate(membership: Membership, issued_by: User | None = None) -> Certificate:
    certificate = Certificate(
        membership=membership, code=new_verification_code(), issued_by=issued_by
    )
    db.session.add(certificate)
    return certificate


def _ran_out(today: date):
    """Active memberships whose last day of cover is before `today` (a Makassar day)."""
    return (Membership.status == MembershipStatus.ACTIVE, Membership.ends_on < today)


def expired_count(today: date) -> int:
    """How many active memberships ran out before `today` and are not marked expired yet."""
    return db.session.scalar(db.select(func.count(Membership.id)).where(*_ran_out(today)))


def expire_memberships(today: date, *, actor_name: str) -> int:
    """Mark every active membership whose period ended before `today` as expired, with one
    audit event for the run (the count and the day); idempotent: a second run finds none.

    Pages judge cover by its dates already; this makes the stored state say the same (the
    registry's state column, exports, the hospital look-up by KPJ). A renewed member keeps
    their new year's membership, which is active in its own right. The caller commits.
    Returns how many were marked.
    """
    count = expired_count(today)
    if not count:
        return 0
    db.session.execute(
        update(Membership)
        .where(*_ran_out(today))
        .values(status=MembershipStatus.EXPIRED, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    audit.record("membership.expire", "membership", None, actor_name=actor_name, memberships=count, ended_before=today.isoformat())
    # The update went round the identity map: loaded memberships must read the new state.
    db.session.expire_all()
    return count
