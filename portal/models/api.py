"""Keys of the programs that call the portal's JSON API (the city's super-app)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import utcnow


class ApiKey(db.Model):
    """One client's key; only its SHA-256 is stored, the key itself is shown once."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    # Random 256-bit keys need no slow hash: SHA-256 cannot be reversed or guessed.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the key, so an operator can tell keys apart in a list.
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A partner facility's key (portal.hospital) answers only the facility's cover look-up;
    # the city's keys (none) answer only the status check.
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("partner_facility.id"), index=True)

    facility: Mapped[PartnerFacility | None] = relationship()  # noqa: F821 (portal.models.facilities)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
