"""Institutional lists loaded by staff through the browser (portal.institutional): the
import with its preview and background run, and the rows still waiting for an area."""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.accounts import User
from portal.models.base import TimestampMixin, enum_column
from portal.models.persons import Sex
from portal.models.programme import Category


class ImportStatus(enum.StrEnum):
    """Where an institutional import is: its preview, staff's confirmation, its run."""

    PREVIEW_QUEUED = "preview_queued"
    PREVIEWING = "previewing"
    READY = "ready"  # previewed: waiting for staff to confirm
    QUEUED = "queued"  # confirmed: waiting for the worker
    IMPORTING = "importing"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return _IMPORT_STATUS_LABELS[self]

    @property
    def working(self) -> bool:
        """The background worker has (or will take) this import: the page polls."""
        return self in (ImportStatus.PREVIEW_QUEUED, ImportStatus.PREVIEWING, ImportStatus.QUEUED, ImportStatus.IMPORTING)


_IMPORT_STATUS_LABELS = {
    ImportStatus.PREVIEW_QUEUED: _l("Menunggu pemeriksaan"),
    ImportStatus.PREVIEWING: _l("Sedang diperiksa"),
    ImportStatus.READY: _l("Siap dikonfirmasi"),
    ImportStatus.QUEUED: _l("Menunggu giliran impor"),
    ImportStatus.IMPORTING: _l("Sedang diimpor"),
    ImportStatus.DONE: _l("Selesai"),
    ImportStatus.FAILED: _l("Gagal"),
    ImportStatus.CANCELLED: _l("Dibatalkan"),
}


class InstitutionalImport(TimestampMixin, db.Model):
    """One city-wide file (an institution's list: KPU, the personnel office, ...) loaded by staff.

    The file waits in portal.storage under a random key until it is imported or given up;
    the preview's counts and examples are kept in `summary`, its rejected rows as an XLSX.
    An import adds everything or nothing: until it is DONE it has no lists and no entries.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(120))  # who sent the list, e.g. "KPU Kota Makassar"
    category_code: Mapped[str] = mapped_column(ForeignKey("category.code"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    status: Mapped[ImportStatus] = mapped_column(enum_column(ImportStatus), default=ImportStatus.PREVIEW_QUEUED)
    file_key: Mapped[str | None] = mapped_column(String(120))  # the uploaded file, until imported
    rejected_key: Mapped[str | None] = mapped_column(String(120))  # the rejected rows' XLSX
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)  # rows with an area, to be added
    needs_area: Mapped[int] = mapped_column(Integer, default=0)  # valid rows without an address
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    added: Mapped[int] = mapped_column(Integer, default=0)  # entries written by the run
    # {"codes": [{"code", "severity", "count", "message", "examples": [{"row", "nik", "name", "message"}]}]}
    summary: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(200))  # a code or an exception type
    error_message: Mapped[str | None] = mapped_column(Text)  # the reader's own words for a refused file
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    category: Mapped[Category] = relationship()
    created_by: Mapped[User] = relationship()

    @property
    def to_add(self) -> int:
        """What a confirmation adds: entries for review, and rows that wait for an area."""
        return self.accepted + self.needs_area


class UnplacedEntry(TimestampMixin, db.Model):
    """A valid row of an institutional list whose address was missing ("perlu wilayah").

    It is in no list, so in no RT/RW head's area; staff give it a kelurahan and RW (portal.
    institutional.services.place_entry): it then becomes a pending entry for review and
    this row goes.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("institutional_import.id"), index=True)
    row_number: Mapped[int | None] = mapped_column(Integer)
    nik: Mapped[str] = mapped_column(String(40), index=True)
    full_name: Mapped[str] = mapped_column(String(120), default="")
    name_canonical: Mapped[str] = mapped_column(String(160), default="")
    birth_date: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[Sex | None] = mapped_column(enum_column(Sex, length=1))
    street: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str | None] = mapped_column(String(20))
    kk_number: Mapped[str | None] = mapped_column(String(16))
    category_code: Mapped[str | None] = mapped_column(ForeignKey("category.code"))
    occupation: Mapped[str] = mapped_column(String(120), default="")
    monthly_income: Mapped[int | None] = mapped_column(Integer)
    issues: Mapped[list] = mapped_column(JSON, default=list)  # warnings found on import

    institutional_import: Mapped[InstitutionalImport] = relationship()
