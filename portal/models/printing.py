"""Printing cards and certificates: background print jobs, the print log and scan counts."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.accounts import User
from portal.models.base import TimestampMixin, enum_column, utcnow
from portal.models.memberships import Certificate
from portal.models.programme import Category
from portal.models.regions import Kelurahan


class PrintDocument(enum.StrEnum):
    CARD = "card"  # ID-1 card, front and back
    CERTIFICATE = "certificate"  # A4 "Sertifikat Kepesertaan"


class PrintJobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class PrintJob(TimestampMixin, db.Model):
    """A batch of cards or certificates rendered in the background into one PDF."""

    id: Mapped[int] = mapped_column(primary_key=True)
    document: Mapped[PrintDocument] = mapped_column(enum_column(PrintDocument))
    kelurahan_code: Mapped[str] = mapped_column(ForeignKey("kelurahan.code"))
    rw: Mapped[int | None] = mapped_column(Integer)
    category_code: Mapped[str | None] = mapped_column(ForeignKey("category.code"))
    never_printed: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[PrintJobStatus] = mapped_column(
        enum_column(PrintJobStatus), default=PrintJobStatus.QUEUED, index=True
    )
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    # A short, generic message: never personal data.
    error: Mapped[str | None] = mapped_column(String(200))
    # The PDF's name in portal/storage, under "prints/" (random, nothing personal).
    file_name: Mapped[str | None] = mapped_column(String(80))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    kelurahan: Mapped[Kelurahan] = relationship()
    category: Mapped[Category | None] = relationship()
    requested_by: Mapped[User | None] = relationship()

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


class PrintRecord(db.Model):
    """One print of a certificate's card or A4 certificate: the print log."""

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"), index=True)
    document: Mapped[PrintDocument] = mapped_column(enum_column(PrintDocument))
    printed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    printed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("print_job.id"), index=True)

    certificate: Mapped[Certificate] = relationship()
    printed_by: Mapped[User | None] = relationship()


class CertificateScan(db.Model):
    """How often a certificate's QR code was looked up on the public verify page."""

    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("certificate.id"), primary_key=True, autoincrement=False
    )
    scans: Mapped[int] = mapped_column(Integer, default=0)
    last_scanned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
