"""Kecamatan and kelurahan of Kota Makassar with their Kemendagri codes.

RW and RT have no official codes: they are numbers stored beside a kelurahan code on the
records that need them (users, persons, lists, entries).
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db

# RW and RT are numbered 001, 002, ... within their parent, written with up to three digits.
AREA_NUMBER_MAX = 999


class Kecamatan(db.Model):
    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))

    kelurahan: Mapped[list[Kelurahan]] = relationship(
        back_populates="kecamatan", order_by="Kelurahan.name"
    )


class Kelurahan(db.Model):
    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    kecamatan_code: Mapped[str] = mapped_column(ForeignKey("kecamatan.code"), index=True)

    kecamatan: Mapped[Kecamatan] = relationship(back_populates="kelurahan")

    @property
    def label(self) -> str:
        return f"{self.name}, {self.kecamatan.name}"
