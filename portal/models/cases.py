"""The case desk: work accidents (JKK) and deaths (JKM) followed from the report to the benefit paid."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.accounts import User
from portal.models.base import TimestampMixin, enum_column, utcnow
from portal.models.facilities import PartnerFacility
from portal.models.memberships import Membership
from portal.models.persons import Person


class CaseKind(enum.StrEnum):
    ACCIDENT = "jkk"  # a work accident: Jaminan Kecelakaan Kerja
    DEATH = "jkm"  # a death: Jaminan Kematian


class CaseState(enum.StrEnum):
    REPORTED = "reported"
    STAGE_ONE = "stage_one"  # sent to BPJS: stage I report (within 2x24 hours)
    STAGE_TWO = "stage_two"  # sent to BPJS: stage II, the benefit claim
    DOCUMENTS_COMPLETE = "documents_complete"
    PAID = "paid"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class Case(TimestampMixin, db.Model):
    """One reported accident or death of a registry person; its area is the person's address."""

    __tablename__ = "benefit_case"
    __table_args__ = (
        Index("ix_benefit_case_area", "kelurahan_code", "rw", "rt"),
        Index("ix_benefit_case_state_due", "state", "stage_one_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CaseKind] = mapped_column(enum_column(CaseKind), index=True)
    state: Mapped[CaseState] = mapped_column(enum_column(CaseState), default=CaseState.REPORTED, index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    # Copied from the person when reported: the area that may see the case.
    kelurahan_code: Mapped[str] = mapped_column(ForeignKey("kelurahan.code"))
    rw: Mapped[int] = mapped_column(Integer)
    rt: Mapped[int | None] = mapped_column(Integer)
    # The membership covering the day (None: not covered that day), decided when reported.
    membership_id: Mapped[int | None] = mapped_column(ForeignKey("membership.id"), index=True)
    covered: Mapped[bool] = mapped_column(Boolean, default=False)
    occurred_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200))
    chronology: Mapped[str] = mapped_column(Text)
    contact_phone: Mapped[str] = mapped_column(String(20))
    heir_name: Mapped[str | None] = mapped_column(String(120))
    heir_phone: Mapped[str | None] = mapped_column(String(20))
    # The reporter agreed, for the contact and the heir, to be told by message when the case moves.
    phone_consent: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    treating_facility_id: Mapped[int | None] = mapped_column(ForeignKey("partner_facility.id"), index=True)
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # The facility whose account reported it (hospital accounts see their facility's cases).
    reporter_facility_id: Mapped[int | None] = mapped_column(ForeignKey("partner_facility.id"), index=True)
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    stage_one_due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    # The outcome: the benefit paid, or why BPJS refused.
    paid_on: Mapped[date | None] = mapped_column(Date)
    paid_amount: Mapped[int | None] = mapped_column(BigInteger)
    benefit_kind: Mapped[str | None] = mapped_column(String(40))
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    # Set when staff confirmed the death and the membership was ended through it.
    death_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    person: Mapped[Person] = relationship()
    membership: Mapped[Membership | None] = relationship()
    treating_facility: Mapped[PartnerFacility | None] = relationship(foreign_keys=[treating_facility_id])
    reporter_facility: Mapped[PartnerFacility | None] = relationship(foreign_keys=[reporter_facility_id])
    reported_by: Mapped[User] = relationship(foreign_keys=[reported_by_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan"
    )
    documents: Mapped[list[CaseDocument]] = relationship(
        back_populates="case", order_by="CaseDocument.id", cascade="all, delete-orphan"
    )

    @property
    def reference(self) -> str:
        """The public reference staff and BPJS quote (no personal data)."""
        return f"KS-{self.reported_at:%Y}-{self.id:05d}"


class CaseEvent(db.Model):
    """One line of a case's timeline: reported, a state change, an assignment, a note, a document."""

    __tablename__ = "benefit_case_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("benefit_case.id", ondelete="CASCADE"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_name: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(30))  # a key of portal.cases.services.EVENT_LABELS
    state: Mapped[CaseState | None] = mapped_column(enum_column(CaseState))  # the state it led to
    note: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="events")


class CaseDocumentType(db.Model):
    """One item of a kind's checklist (KTP, KK, death certificate, ...), kept by admins."""

    __tablename__ = "case_document_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_id: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    for_accident: Mapped[bool] = mapped_column(Boolean, default=True)
    for_death: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def label(self, locale: str = "id") -> str:
        return self.name_en if locale == "en" else self.name_id


class CaseDocument(db.Model):
    """An uploaded scan or photo of a case, checked by content; the file is in portal.storage."""

    __tablename__ = "case_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("benefit_case.id", ondelete="CASCADE"), index=True)
    type_id: Mapped[int] = mapped_column(ForeignKey("case_document_type.id"), index=True)
    # "cases/<random>.<ext>": a random name, never the uploaded file's own.
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(BigInteger)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    case: Mapped[Case] = relationship(back_populates="documents")
    document_type: Mapped[CaseDocumentType] = relationship()
    uploaded_by: Mapped[User | None] = relationship()
