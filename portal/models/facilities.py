"""Partner health facilities (PLKK) that treat JKK participants, kept by admins."""

from __future__ import annotations

import enum

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import TimestampMixin, enum_column


class FacilityKind(enum.StrEnum):
    HOSPITAL = "rumah_sakit"
    PUSKESMAS = "puskesmas"
    CLINIC = "klinik"


class PartnerFacility(TimestampMixin, db.Model):
    """A hospital, puskesmas or clinic under agreement; inactive ones are kept for the history."""

    __tablename__ = "partner_facility"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[FacilityKind] = mapped_column(enum_column(FacilityKind), default=FacilityKind.HOSPITAL)
    # Empty until an admin fills it from a confirmed source (the seed invents none).
    address: Mapped[str] = mapped_column(String(255), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
