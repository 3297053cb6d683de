"""Memberships (coverage granted to a person) and the certificates printed for them."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.accounts import User
from portal.models.base import TimestampMixin, enum_column, utcnow
from portal.models.persons import Person
from portal.models.programme import PROGRAMMES


class MembershipStatus(enum.StrEnum):
    ACTIVE = "active"
    ENDED = "ended"  # ended by staff, with a reason
    EXPIRED = "expired"  # the coverage period ran out


class EndReason(enum.StrEnum):
    DECEASED = "deceased"
    MOVED_AWAY = "moved_away"
    EMPLOYER_COVERED = "employer_covered"
    OTHER = "other"


class MembershipNumberSequence(db.Model):
    """The last membership number handed out in a year (MKS-<year>-<number>)."""

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class Membership(TimestampMixin, db.Model):
    __table_args__ = (
        Index("ix_membership_person_status", "person_id", "status"),
        # Never two active memberships of one person in one year, whatever races.
        Index(
            "uq_membership_active_person_year",
            "person_id",
            "year",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        # BPJS gives a participant one KPJ for good: a renewed membership carries it on, so
        # it is unique within a year (portal.renewal), not across the registry.
        Index("uq_membership_kpj_year", "kpj_number", "year", unique=True),
        # Cover ending soon (portal.renewal's expiry warnings on every start page).
        Index("ix_membership_status_ends_on", "status", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    year: Mapped[int] = mapped_column(Integer, index=True)
    jkk: Mapped[bool] = mapped_column(Boolean, default=True)
    jkm: Mapped[bool] = mapped_column(Boolean, default=True)
    jht: Mapped[bool] = mapped_column(Boolean, default=False)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    status: Mapped[MembershipStatus] = mapped_column(
        enum_column(MembershipStatus), default=MembershipStatus.ACTIVE, index=True
    )
    end_reason: Mapped[EndReason | None] = mapped_column(enum_column(EndReason))
    end_note: Mapped[str | None] = mapped_column(Text)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # BPJS Ketenagakerjaan's 11-digit participant number, known after BPJS processed it.
    kpj_number: Mapped[str | None] = mapped_column(String(11))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("list_entry.id"), index=True)

    person: Mapped[Person] = relationship(back_populates="memberships")
    certificates: Mapped[list[Certificate]] = relationship(
        back_populates="membership", order_by="Certificate.issued_at.desc()"
    )

    @property
    def programmes(self) -> list[str]:
        return [p for p, on in zip(PROGRAMMES, (self.jkk, self.jkm, self.jht)) if on]


class Certificate(db.Model):
    """A printed card/certificate; its code is what the QR code points at."""

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id"), index=True)
    # At least 128 random bits, no personal data: see portal.memberships.services.
    code: Mapped[str] = mapped_column(String(43), unique=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_reason: Mapped[str | None] = mapped_column(String(200))

    membership: Mapped[Membership] = relationship(back_populates="certificates")
    issued_by: Mapped[User | None] = relationship()
