"""Targets the coverage reports measure against, beyond the per-category ones."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.regions import Kecamatan


class KecamatanTarget(db.Model):
    """How many people of one kecamatan the programme aims to cover in a year (admin setting)."""

    year: Mapped[int] = mapped_column(ForeignKey("programme_year.year"), primary_key=True)
    kecamatan_code: Mapped[str] = mapped_column(ForeignKey("kecamatan.code"), primary_key=True)
    target_population: Mapped[int] = mapped_column(Integer, default=0)

    kecamatan: Mapped[Kecamatan] = relationship()
