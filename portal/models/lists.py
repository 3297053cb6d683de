"""Member lists proposed by an area (RT/RW head or agent) and their entries."""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, relationship, with_loader_criteria

from portal.extensions import db
from portal.models.accounts import User
from portal.models.base import TimestampMixin, enum_column
from portal.models.persons import Person, Sex
from portal.models.regions import Kelurahan


class ListSource(enum.StrEnum):
    INLINE = "inline"
    UPLOAD = "upload"
    IMPORT = "import"  # staff bulk import from the command line or the browser (institutional lists)


class EntryState(enum.StrEnum):
    DRAFT = "draft"  # still being prepared by the area
    PENDING = "pending"  # submitted, waiting for staff review
    APPROVED = "approved"
    REJECTED = "rejected"
    RETURNED = "returned"  # sent back to the area for correction

    @property
    def label(self) -> str:
        """What the state is called on every page and in exports."""
        return _ENTRY_STATE_LABELS[self]


_ENTRY_STATE_LABELS = {
    EntryState.DRAFT: _l("Draf"),
    EntryState.PENDING: _l("Menunggu verifikasi"),
    EntryState.APPROVED: _l("Disetujui"),
    EntryState.REJECTED: _l("Ditolak"),
    EntryState.RETURNED: _l("Dikembalikan untuk perbaikan"),
}


class MemberList(TimestampMixin, db.Model):
    __table_args__ = (Index("ix_member_list_area", "kelurahan_code", "rw", "rt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kelurahan_code: Mapped[str] = mapped_column(ForeignKey("kelurahan.code"))
    rw: Mapped[int] = mapped_column(Integer)
    rt: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[ListSource] = mapped_column(enum_column(ListSource))
    source_filename: Mapped[str | None] = mapped_column(String(255))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The staff import through the browser that made this list (portal.institutional), if any.
    institutional_import_id: Mapped[int | None] = mapped_column(ForeignKey("institutional_import.id"), index=True)

    kelurahan: Mapped[Kelurahan] = relationship()
    created_by: Mapped[User] = relationship()
    entries: Mapped[list[ListEntry]] = relationship(
        back_populates="member_list",
        order_by="ListEntry.id",
        cascade="all, delete-orphan",
    )


class ListEntry(TimestampMixin, db.Model):
    """One proposed person on a list, as the area typed it, and its review state.

    Fields are nullable because a draft row may still hold errors to fix; only valid rows
    leave the draft state.
    """

    __table_args__ = (
        Index("ix_list_entry_state_submitted", "state", "submitted_at"),
        Index("ix_list_entry_area", "kelurahan_code", "rw", "rt"),
        # The staff review queue: pending entries oldest first, by each of its filters.
        Index("ix_list_entry_queue", "state", "submitted_at", "id"),
        Index("ix_list_entry_queue_area", "state", "kelurahan_code", "rw", "submitted_at", "id"),
        Index("ix_list_entry_queue_category", "state", "category_code", "submitted_at", "id"),
        Index("ix_list_entry_queue_list", "state", "list_id", "submitted_at", "id"),
        Index("ix_list_entry_queue_warnings", "state", "has_warnings", "submitted_at", "id"),
        Index("ix_list_entry_queue_duplicate", "state", "possible_duplicate", "submitted_at", "id"),
        # The reviewer's duplicate look-up: the same canonical name and birth date.
        Index("ix_list_entry_name_birth", "name_canonical", "birth_date"),
        # The duplicate finder's block by KK number (portal.duplicates).
        Index("ix_list_entry_kk_number", "kk_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("member_list.id"), index=True)
    row_number: Mapped[int | None] = mapped_column(Integer)  # the spreadsheet's own row
    nik: Mapped[str] = mapped_column(String(40), index=True)
    full_name: Mapped[str] = mapped_column(String(120), default="")
    # Set where the row is validated (portal.validation), as Person.name_canonical.
    name_canonical: Mapped[str] = mapped_column(String(160), default="", server_default="")
    birth_date: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[Sex | None] = mapped_column(enum_column(Sex, length=1))
    kelurahan_code: Mapped[str | None] = mapped_column(ForeignKey("kelurahan.code"))
    rw: Mapped[int | None] = mapped_column(Integer)
    rt: Mapped[int | None] = mapped_column(Integer)
    street: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str | None] = mapped_column(String(20))
    # The person (or the head for them) agreed to get messages on that phone; carried to
    # the registry person when approved (portal.notifications).
    phone_consent: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    kk_number: Mapped[str | None] = mapped_column(String(16))  # optional; see portal.nik.parse_kk
    category_code: Mapped[str | None] = mapped_column(ForeignKey("category.code"))
    occupation: Mapped[str] = mapped_column(String(120), default="")
    monthly_income: Mapped[int | None] = mapped_column(Integer)
    # Validator findings: [{"code", "severity", "column", "message"}], refreshed on save.
    issues: Mapped[list] = mapped_column(JSON, default=list)
    # Derived from `issues` where the row is validated (portal.validation.issue_columns), so
    # the review queue filters on an index.
    has_warnings: Mapped[bool] = mapped_column(Boolean, default=False)
    possible_duplicate: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[EntryState] = mapped_column(enum_column(EntryState), default=EntryState.DRAFT)
    reason_code: Mapped[str | None] = mapped_column(String(40))
    reason_text: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    # A reviewer who took the entry in a batch (portal.review.holds): others see "sedang
    # ditinjau oleh ..." and cannot decide it while the holder was active within
    # REVIEW_HOLD_IDLE_MINUTES (each of the holder's review requests renews `held_at`).
    held_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    held_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Optimistic locking: a decision on a stale row is detected, never silently lost.
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Set when the head deletes a draft or returned row: it can be undone until the list is
    # submitted (then the row is purged). Such rows are invisible to every query (see below).
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The file's own cell text of fields that failed to parse (e.g. {"birth_date": "31/02/1992"}),
    # shown in the edit form so the head sees what to correct; cleared when the row is saved.
    raw_values: Mapped[dict | None] = mapped_column(JSON)

    __mapper_args__ = {"version_id_col": version}

    member_list: Mapped[MemberList] = relationship(back_populates="entries")
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    held_by: Mapped[User | None] = relationship(foreign_keys=[held_by_id])
    kelurahan: Mapped[Kelurahan | None] = relationship()
    person: Mapped[Person | None] = relationship()

    @property
    def errors(self) -> list[dict]:
        return [i for i in self.issues or [] if i.get("severity") == "error"]

    @property
    def warnings(self) -> list[dict]:
        return [i for i in self.issues or [] if i.get("severity") == "warning"]


INCLUDE_DELETED = "include_deleted"


@event.listens_for(Session, "do_orm_execute")
def _hide_deleted_entries(state: ORMExecuteState) -> None:
    """Soft-deleted list entries are seen by no ORM query (counts, review queue, Cek Status,
    exports, duplicate checks) unless it asks with execution_options(include_deleted=True)."""
    if (
        state.is_select
        and not state.is_column_load
        and not state.is_relationship_load
        and not state.execution_options.get(INCLUDE_DELETED, False)
    ):
        state.statement = state.statement.options(
            with_loader_criteria(ListEntry, lambda cls: cls.deleted_at.is_(None), include_aliases=True)
        )
