"""Turning the programme over into the next budget year: re-verification answers of RT/RW
heads and agents, renewal runs (previews and real runs) and each membership's outcome."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.accounts import User
from portal.models.base import TimestampMixin, enum_column, utcnow
from portal.models.memberships import Membership


class ReverificationAnswer(enum.StrEnum):
    """The "masih layak?" answer for one member, given by their RT/RW head, agent or staff."""

    CONFIRMED = "confirmed"  # still lives here and still does this work
    DECEASED = "deceased"
    MOVED_AWAY = "moved_away"
    EMPLOYER_COVERED = "employer_covered"
    OTHER = "other"  # staff decide


class Reverification(db.Model):
    """The re-verification answer for a membership before its year ends (one per membership)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id"), unique=True)
    answer: Mapped[ReverificationAnswer] = mapped_column(enum_column(ReverificationAnswer))
    # The day of the death or move as reported (when cover ends).
    event_date: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    membership: Mapped[Membership] = relationship()
    answered_by: Mapped[User | None] = relationship()


class RenewalRunStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class RenewalRun(TimestampMixin, db.Model):
    """One renewal of a year's members into the next year, or a preview of it (dry run)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    from_year: Mapped[int] = mapped_column(Integer)
    to_year: Mapped[int] = mapped_column(Integer)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[RenewalRunStatus] = mapped_column(
        enum_column(RenewalRunStatus), default=RenewalRunStatus.QUEUED, index=True
    )
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    # Counts per outcome, reason, kecamatan and category, and the projected premiums.
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(String(200))  # a type name, never personal data
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    requested_by: Mapped[User | None] = relationship()

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


class RenewalOutcome(enum.StrEnum):
    RENEWED = "renewed"
    NEEDS_CONFIRMATION = "needs_confirmation"
    NOT_RENEWED = "not_renewed"


class RenewalDecision(db.Model):
    """What a real renewal run decided for one membership of the year it renews from."""

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id"), unique=True)
    to_year: Mapped[int] = mapped_column(Integer, index=True)
    outcome: Mapped[RenewalOutcome] = mapped_column(enum_column(RenewalOutcome), index=True)
    # A reason code people may read on Cek Status (portal.citizen.services.REASON_LABELS).
    reason_code: Mapped[str | None] = mapped_column(String(40))
    new_membership_id: Mapped[int | None] = mapped_column(ForeignKey("membership.id"), unique=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("renewal_run.id"), index=True)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    membership: Mapped[Membership] = relationship(foreign_keys=[membership_id])
    new_membership: Mapped[Membership | None] = relationship(foreign_keys=[new_membership_id])
