"""The public request desk: complaints, objections, corrections and data-subject requests
raised by anyone (no account), each with a tracking code and a deadline (issue #22)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.accounts import User
from portal.models.api import ApiKey
from portal.models.base import TimestampMixin, enum_column, utcnow
from portal.models.cases import Case
from portal.models.lists import ListEntry
from portal.models.persons import Person


class RequestKind(enum.StrEnum):
    SHOULD_BE_COVERED = "should_be_covered"  # I (or someone I propose) should be covered
    REJECTED = "rejected"  # I was rejected and disagree
    DATA_WRONG = "data_wrong"  # my data is wrong (a correction)
    CARD_MISSING = "card_missing"  # my card has not arrived
    DIED_OR_MOVED = "died_or_moved"  # a covered person has died or moved away
    OBJECTION = "objection"  # someone covered should not be (may be anonymous)
    PERSONAL_DATA = "personal_data"  # UU PDP: see, correct or delete my personal data
    OTHER = "other"


class PersonalDataAction(enum.StrEnum):
    SEE = "see"  # the access history and the data held (UU PDP art. 7, 3x24 hours to acknowledge)
    CORRECT = "correct"
    DELETE = "delete"


class RequestState(enum.StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"  # assigned to, or opened by, a staff member
    WAITING_AREA = "waiting_area"  # staff asked the area's RT/RW head
    ESCALATED = "escalated"  # to a supervisor (admin)
    ANSWERED = "answered"  # the public answer is given; closing records the outcome
    CLOSED = "closed"


class RequestOutcome(enum.StrEnum):
    ACCEPTED = "accepted"  # the request was right: the change is made (or the case/draft opened)
    REJECTED = "rejected"  # checked, and the registry stands
    INFORMATION = "information"  # answered with information; nothing to change
    DUPLICATE = "duplicate"  # the same as an earlier request
    WITHDRAWN = "withdrawn"


class PublicRequest(TimestampMixin, db.Model):
    """One request from the public. Its area (kelurahan, RW) is where the person it is about
    lives, as the requester gave it: the RT/RW head of that RW may see and answer it."""

    __tablename__ = "public_request"
    __table_args__ = (
        Index("ix_public_request_area", "kelurahan_code", "rw"),
        Index("ix_public_request_state_due", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 (hex) of the normalised tracking code: the code itself is shown once, to the
    # requester, and is a bearer secret, so the table never holds it.
    code_digest: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[RequestKind] = mapped_column(enum_column(RequestKind), index=True)
    data_action: Mapped[PersonalDataAction | None] = mapped_column(enum_column(PersonalDataAction))
    state: Mapped[RequestState] = mapped_column(enum_column(RequestState), default=RequestState.NEW, index=True)
    outcome: Mapped[RequestOutcome | None] = mapped_column(enum_column(RequestOutcome))
    # The person the request is about, as typed (NIK checked like Cek Status); the registry
    # person when the NIK and name matched one. Empty for "other" and some objections.
    subject_nik: Mapped[str | None] = mapped_column(String(16), index=True)
    subject_name: Mapped[str | None] = mapped_column(String(120))
    subject_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    # The requester is the subject (personal kinds: tracking asks for the NIK as well).
    requester_is_subject: Mapped[bool] = mapped_column(Boolean, default=False)
    # None for an anonymous objection.
    requester_name: Mapped[str | None] = mapped_column(String(120))
    requester_phone: Mapped[str | None] = mapped_column(String(20))
    locale: Mapped[str] = mapped_column(String(5), default="id")  # the language the requester chose
    kelurahan_code: Mapped[str | None] = mapped_column(ForeignKey("kelurahan.code"))
    rw: Mapped[int | None] = mapped_column(Integer)
    rt: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    # A correction request: the fields the requester says are wrong and what they should be.
    proposed_changes: Mapped[dict | None] = mapped_column(JSON)
    # An optional photo, checked by content; the file is in portal.storage ("requests/<random>.<ext>").
    photo_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    photo_content_type: Mapped[str | None] = mapped_column(String(40))
    photo_size: Mapped[int | None] = mapped_column(BigInteger)
    # "web" or "api" (the super-app, with its key).
    channel: Mapped[str] = mapped_column(String(10), default="web")
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_key.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    # Deadlines, set when received from the kind's settings: acknowledging (UU PDP's 3x24
    # hours for personal-data requests) and answering.
    acknowledge_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The answer in the words the public sees on the tracking page.
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    # What handling it created: a death case, a draft entry for the area's head.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("benefit_case.id"), index=True)
    list_entry_id: Mapped[int | None] = mapped_column(ForeignKey("list_entry.id"), index=True)

    subject_person: Mapped[Person | None] = relationship()
    assignee: Mapped[User | None] = relationship()
    api_key: Mapped[ApiKey | None] = relationship()
    case: Mapped[Case | None] = relationship()
    list_entry: Mapped[ListEntry | None] = relationship()
    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", order_by="RequestEvent.id", cascade="all, delete-orphan"
    )

    @property
    def reference(self) -> str:
        """The reference staff quote among themselves (not the tracking code, which is secret)."""
        return f"PM-{self.received_at:%Y}-{self.id:05d}"


class RequestEvent(db.Model):
    """One line of a request's timeline: received, assigned, asked the area, escalated, a note,
    answered, closed. `public` lines are shown to the requester on the tracking page."""

    __tablename__ = "public_request_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("public_request.id", ondelete="CASCADE"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_name: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(30))
    state: Mapped[RequestState | None] = mapped_column(enum_column(RequestState))  # the state it led to
    note: Mapped[str | None] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(Boolean, default=False)

    request: Mapped[PublicRequest] = relationship(back_populates="events")
