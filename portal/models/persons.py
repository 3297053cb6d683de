"""People in the registry, and the DTSEN welfare decile extracts the city receives."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import TimestampMixin, enum_column, utcnow
from portal.models.programme import Category
from portal.models.regions import Kelurahan


class Sex(enum.StrEnum):
    MALE = "L"  # laki-laki
    FEMALE = "P"  # perempuan


class DesilRecord(db.Model):
    """One NIK's welfare decile from a DTSEN extract (1 very poor ... 10)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    nik: Mapped[str] = mapped_column(String(16), unique=True)
    desil: Mapped[int] = mapped_column(SmallInteger)
    source_date: Mapped[date] = mapped_column(Date)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Person(TimestampMixin, db.Model):
    """A worker known to the registry (created when an entry is first approved)."""

    __table_args__ = (
        Index("ix_person_area", "kelurahan_code", "rw", "rt"),
        # The reviewer's duplicate look-up: the same canonical name and birth date.
        Index("ix_person_name_birth", "name_canonical", "birth_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    nik: Mapped[str] = mapped_column(String(16), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    # Name folded for matching (case, spaces, punctuation): see portal.names.
    name_key: Mapped[str] = mapped_column(String(120), index=True)
    # The name's canonical form (titles and degrees dropped, abbreviations expanded), which
    # Cek Status, the duplicate checks and the registry search compare: portal.names.
    name_canonical: Mapped[str] = mapped_column(String(160), default="", server_default="")
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[Sex] = mapped_column(enum_column(Sex, length=1))
    kelurahan_code: Mapped[str] = mapped_column(ForeignKey("kelurahan.code"))
    rw: Mapped[int] = mapped_column(Integer)
    rt: Mapped[int | None] = mapped_column(Integer)
    street: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str | None] = mapped_column(String(20))
    # Agreement to get messages on that phone, from the approved entry (portal.notifications).
    phone_consent: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # The family card (Kartu Keluarga) number: persons sharing it are one household.
    kk_number: Mapped[str | None] = mapped_column(String(16), index=True)
    category_code: Mapped[str] = mapped_column(ForeignKey("category.code"), index=True)
    occupation: Mapped[str] = mapped_column(String(120), default="")
    monthly_income: Mapped[int | None] = mapped_column(Integer)

    kelurahan: Mapped[Kelurahan] = relationship()
    category: Mapped[Category] = relationship()
    # The desil is never copied onto the person: the latest DTSEN extract is the truth.
    desil_record: Mapped[DesilRecord | None] = relationship(
        primaryjoin="Person.nik == foreign(DesilRecord.nik)", viewonly=True, uselist=False
    )
    memberships: Mapped[list[Membership]] = relationship(  # noqa: F821
        back_populates="person", order_by="Membership.starts_on.desc()"
    )

    @property
    def desil(self) -> int | None:
        return self.desil_record.desil if self.desil_record else None
