"""Duplicates across NIKs: a reviewer's verdict on a pair, and the NIKs a person is also known by."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.accounts import User
from portal.models.base import enum_column, utcnow
from portal.models.persons import Person


class DuplicateVerdict(enum.StrEnum):
    SAME = "same"  # one person under two NIKs: one entry rejected, the NIKs become aliases
    DIFFERENT = "different"  # two people: the pair is never flagged again


class DuplicatePair(db.Model):
    """A reviewer's verdict on two NIKs found to be possibly one person (portal.duplicates).

    The NIKs are stored in order (`nik_low` < `nik_high`), so a pair has one row whichever
    side was looked at.
    """

    __table_args__ = (UniqueConstraint("nik_low", "nik_high"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nik_low: Mapped[str] = mapped_column(String(16))
    nik_high: Mapped[str] = mapped_column(String(16), index=True)
    verdict: Mapped[DuplicateVerdict] = mapped_column(enum_column(DuplicateVerdict))
    # Why the finder flagged the pair (its reason codes), and why the reviewer decided so.
    reasons: Mapped[str] = mapped_column(String(200), default="")
    reason_text: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    decided_by: Mapped[User] = relationship()


class PersonNikAlias(db.Model):
    """Another NIK of a registry person (a "same person" verdict): look-ups by it find them."""

    id: Mapped[int] = mapped_column(primary_key=True)
    nik: Mapped[str] = mapped_column(String(16), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("duplicate_pair.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    person: Mapped[Person] = relationship()
