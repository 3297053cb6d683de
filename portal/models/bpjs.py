"""Registration files handed to BPJS Ketenagakerjaan, in numbered batches."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.accounts import User
from portal.models.base import enum_column, utcnow
from portal.models.memberships import Membership
from portal.models.renewal import RenewalRunStatus


class BpjsBatch(db.Model):
    """One registration file sent to BPJS: the memberships it carried, numbered 1, 2, ..."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    member_count: Mapped[int] = mapped_column(Integer, default=0)
    file_format: Mapped[str] = mapped_column(String(4), default="xlsx")

    created_by: Mapped[User | None] = relationship()
    items: Mapped[list[BpjsBatchItem]] = relationship(
        back_populates="batch", order_by="BpjsBatchItem.id", cascade="all, delete-orphan"
    )


class BpjsBatchItem(db.Model):
    """A membership sent in a batch; each membership is sent once."""

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("bpjs_batch.id"), index=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id"), unique=True)

    batch: Mapped[BpjsBatch] = relationship(back_populates="items")
    membership: Mapped[Membership] = relationship()


class BpjsDeregBatch(db.Model):
    """One de-registration file sent to BPJS: memberships that ended, numbered 1, 2, ...

    Its own series, beside the registration batches' (file names say which kind). A batch
    is made in the background (portal.bpjs.jobs): until it is done it has no number and no
    items, and a failed one keeps none (all or nothing), only the reason it failed."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int | None] = mapped_column(Integer, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    member_count: Mapped[int] = mapped_column(Integer, default=0)
    # The background job's state (the renewal runs' statuses: one worker runs both).
    status: Mapped[RenewalRunStatus] = mapped_column(
        enum_column(RenewalRunStatus), default=RenewalRunStatus.DONE, server_default=RenewalRunStatus.DONE.value
    )
    expected_count: Mapped[int | None] = mapped_column(Integer)  # the count staff confirmed
    error: Mapped[str | None] = mapped_column(String(200))  # a DeregError code or a type name
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    file_key: Mapped[str | None] = mapped_column(String(120))  # its XLSX in portal.storage

    created_by: Mapped[User | None] = relationship()
    items: Mapped[list[BpjsDeregItem]] = relationship(
        back_populates="batch", order_by="BpjsDeregItem.id", cascade="all, delete-orphan"
    )


class BpjsDeregItem(db.Model):
    """A membership reported ended in a de-registration batch; each membership is reported once.

    The end date and reason are kept as sent, so the file reads the same when downloaded again."""

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("bpjs_dereg_batch.id"), index=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id"), unique=True)
    ended_on: Mapped[date] = mapped_column(Date)
    reason_code: Mapped[str] = mapped_column(String(40))

    batch: Mapped[BpjsDeregBatch] = relationship(back_populates="items")
    membership: Mapped[Membership] = relationship()
