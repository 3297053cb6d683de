"""Stored files of the database storage backend (portal/storage): one row per file, its
content in rows of at most STORAGE_CHUNK_BYTES, so no single value and no read holds a
whole batch PDF."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import utcnow


class StoredFile(db.Model):
    """A file kept for the portal: a batch PDF, an upload waiting for its column mapping."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # "prints/<random>.pdf", "uploads/<random>.upload": random names, never personal data.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class StoredFileChunk(db.Model):
    """One piece of a stored file's content, in order of `seq`."""

    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
