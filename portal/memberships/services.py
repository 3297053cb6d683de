"""Granting coverage: membership numbers, coverage periods and certificate codes; marking
memberships whose period ran out as expired."""

from __future__ import annotations

import calendar
import secrets
from datetime import date, timedelta
from typing import NamedTuple

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal import audit
from portal.extensions import db
from portal.programme.budget import premium_months
from portal.templating import format_day
from portal.notifications import events as notification_events
from portal.models import (
    Certificate,
    CategorySetting,
    CoverageMode,
    CoverageStart,
    EndReason,
    Membership,
    MembershipNumberSequence,
    MembershipStatus,
    Person,
    ProgrammeYear,
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
    return starts_on, add_months(starts_on, months) - timedelta(days=1)


COVERAGE_MODE_LABELS = {
    CoverageMode.TO_YEAR_END: _l("Sampai akhir tahun anggaran (31 Desember)"),
    CoverageMode.FIXED_MONTHS: _l("Sejumlah bulan tetap sejak mulai berlaku"),
}
COVERAGE_START_LABELS = {
    CoverageStart.APPROVAL_DATE: _l("Pada tanggal persetujuan"),
    CoverageStart.FIRST_OF_NEXT_MONTH: _l("Pada tanggal 1 bulan berikutnya"),
}


def period_rule(programme_year: ProgrammeYear) -> str:
    """The year's period rule in one sentence, for the pages where staff decide."""
    if programme_year.coverage_mode == CoverageMode.FIXED_MONTHS:
        length = _("berlaku %(months)d bulan (dapat melewati tahun anggaran)", months=programme_year.coverage_months)
    else:
        length = _("berlaku sampai 31 Desember tahun anggaran")
    if programme_year.coverage_start == CoverageStart.FIRST_OF_NEXT_MONTH:
        start = _("mulai tanggal 1 bulan berikutnya")
    else:
        start = _("mulai pada tanggal persetujuan")
    return _("Aturan masa perlindungan %(year)d: %(start)s, %(length)s.", year=programme_year.year, start=start, length=length)


def period_of_approval_today(programme_year: ProgrammeYear, today: date) -> str:
    """The rule and the period an approval today gets, in words (approval pages)."""
    period = membership_period(programme_year, today)
    return _(
        "%(rule)s Disetujui hari ini: %(starts)s – %(ends)s.",
        rule=period_rule(programme_year), starts=format_day(period.starts_on), ends=format_day(period.ends_on),
    )


def premium_months_by_year(membership: Membership) -> list[tuple[int, int]]:
    """(budget year, months it pays for) of a membership's period (portal.programme.budget's rule)."""
    years = range(membership.starts_on.year, membership.ends_on.year + 1)
    return [(year, premium_months(membership.starts_on, membership.ends_on, year)) for year in years]


class Period(NamedTuple):
    """A membership's cover: the budget year it belongs to (the year of its start) and its days."""

    year: int
    starts_on: date
    ends_on: date


def membership_period(programme_year: ProgrammeYear, day: date, *, renewing: bool = False) -> Period:
    """The period of a membership granted under a year's settings on `day` (the approval date).

    The start rule: the approval date, or the first of the next month (so an approval in
    December with that rule starts on 1 January and belongs to next year's budget). A
    renewal (`renewing`) starts on `day` itself, the day after the old cover, so no day is
    lost. The length: to 31 December of the year the cover starts in (to_year_end), or
    `coverage_months` from the start, running into the next budget year (fixed_months).
    Every place that creates memberships (approvals, renewal, demo data) uses this.
    """
    starts_on = day
    if not renewing and programme_year.coverage_start == CoverageStart.FIRST_OF_NEXT_MONTH:
        starts_on = add_months(day.replace(day=1), 1)
    if programme_year.coverage_mode == CoverageMode.FIXED_MONTHS:
        _, ends_on = coverage_period(starts_on, programme_year.coverage_months)
    else:
        ends_on = date(starts_on.year, 12, 31)
    return Period(starts_on.year, starts_on, ends_on)


def grant_membership(
    person: Person,
    setting: CategorySetting,
    day: date,
    *,
    entry_id: int | None = None,
    number: str | None = None,
    renewing: bool = False,
) -> Membership:
    """Create an active membership with the programmes the category gets in that year,
    for the period the year's settings give an approval on `day` (membership_period).

    `number` is one reserved beforehand with reserve_membership_numbers (bulk approvals)
    for the period's year.
    """
    period = membership_period(setting.programme_year, day, renewing=renewing)
    membership = Membership(
        number=number or next_membership_number(period.year),
        person=person,
        year=period.year,
        jkk=setting.jkk,
        jkm=setting.jkm,
        jht=setting.jht,
        starts_on=period.starts_on,
        ends_on=period.ends_on,
        entry_id=entry_id,
    )
    db.session.add(membership)
    return membership


def end_membership(membership: Membership, reason: EndReason, day: date, note: str = "") -> None:
    """End cover on `day` (a death, a move, employer cover, another reason) and the renewals
    that already carried the member into a later year.

    The last day of cover becomes `day` (never later than the period's own end), so the
    contribution ledger and the budget count the months up to it and no further
    (portal.contributions.ledger). A renewal whose cover had not started by `day` ends with
    no day of cover at all: its last day is the day before its first. The reason is kept for
    the de-registration file. The caller audits the membership it ended; the renewals
    ended with it are audited here."""
    from portal.renewal.services import renewal_chain

    for ending in renewal_chain(membership):
        if ending.status != MembershipStatus.ACTIVE:
            continue
        ending.status = MembershipStatus.ENDED
        ending.end_reason = reason
        ending.end_note = note or None
        ending.ended_at = utcnow()
        ending.ends_on = min(ending.ends_on, day) if day >= ending.starts_on else ending.starts_on - timedelta(days=1)
        notification_events.membership_ended(ending)
        if ending is not membership:
            audit.record("membership.end", "membership", ending.id, person_id=ending.person_id,
                         number=ending.number, reason=reason.value, via="renewal_chain")


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
