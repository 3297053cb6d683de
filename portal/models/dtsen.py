"""DTSEN refreshes: every desil an extract gave a NIK (the history), and members flagged for
staff review when a new extract puts their household out of the programme's target."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.accounts import User
from portal.models.base import enum_column, utcnow
from portal.models.memberships import Membership
from portal.models.persons import Person


class DesilHistory(db.Model):
    """One desil an extract gave a NIK; DesilRecord holds only the latest of them."""

    __table_args__ = (Index("ix_desil_history_nik_date", "nik", "source_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nik: Mapped[str] = mapped_column(String(16))
    desil: Mapped[int] = mapped_column(SmallInteger)
    source_date: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(100), default="")  # the extract's file name
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DtsenFlagReason(enum.StrEnum):
    ABOVE_CUTOFF = "above_cutoff"  # the household's desil is now above the year's cut-off
    NOT_IN_DTSEN = "not_in_dtsen"  # the extract no longer lists the NIK


class DtsenFlagStatus(enum.StrEnum):
    OPEN = "open"  # waiting for staff
    KEPT = "kept"  # staff keep the member until the year's end (with a note)
    ENDED = "ended"  # staff ended the membership
    CLEARED = "cleared"  # a later extract put the household back under the cut-off


class DtsenFlag(db.Model):
    """A member "keluar dari sasaran" after an extract: staff decide, cover never ends by itself."""

    __table_args__ = (
        # One undecided flag per membership, whatever races.
        Index(
            "uq_dtsen_flag_open_membership",
            "membership_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    reason: Mapped[DtsenFlagReason] = mapped_column(enum_column(DtsenFlagReason))
    desil: Mapped[int | None] = mapped_column(SmallInteger)  # the extract's desil, none when absent
    source_date: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[DtsenFlagStatus] = mapped_column(
        enum_column(DtsenFlagStatus), default=DtsenFlagStatus.OPEN, index=True
    )
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str | None] = mapped_column(Text)

    membership: Mapped[Membership] = relationship()
    person: Mapped[Person] = relationship()
    decided_by: Mapped[User | None] = relationship()
