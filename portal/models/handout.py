"""Printed cards handed to their members by the RT/RW head or agent of the member's RW."""

from __future__ import annotations

import enum
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.accounts import User
from portal.models.base import TimestampMixin, enum_column
from portal.models.memberships import Certificate


class Receiver(enum.StrEnum):
    MEMBER = "member"  # the member in person, showing their KTP
    FAMILY = "family"  # a member of the household, named on the record

    @property
    def label(self) -> str:
        return str(_RECEIVER_LABELS[self])


_RECEIVER_LABELS = {
    Receiver.MEMBER: _l("Peserta sendiri"),
    Receiver.FAMILY: _l("Anggota keluarga"),
}


class CardHandover(TimestampMixin, db.Model):
    """The hand-over of one printed card (a certificate) to its member; corrected in place, audited."""

    __tablename__ = "card_handover"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One hand-over per card: a replacement card (new certificate) is handed over anew.
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"), unique=True)
    handed_over_on: Mapped[date] = mapped_column(Date, index=True)
    receiver: Mapped[Receiver] = mapped_column(enum_column(Receiver))
    # Only for a family member: the member's own name is on the card.
    receiver_name: Mapped[str | None] = mapped_column(String(120))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    corrections: Mapped[int] = mapped_column(Integer, default=0)

    certificate: Mapped[Certificate] = relationship()
    recorded_by: Mapped[User | None] = relationship()
