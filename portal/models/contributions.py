"""Contributions the city owes BPJS Ketenagakerjaan: BPJS's monthly bills checked against the
registry, the differences found and how staff resolved them, and the city's payments.

What is due is never stored: portal.contributions.ledger derives it from the memberships
(coverage start to end, the budget year's rates). What is stored is what came from outside
(a bill, a payment) and what staff decided about it.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import false as sa_false
from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.accounts import User
from portal.models.base import enum_column, utcnow


class BillStatus(enum.StrEnum):
    """A bill upload's reconciliation, which runs in the background."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class DifferenceKind(enum.StrEnum):
    """What a bill line and the ledger disagree about (issue 20's kinds)."""

    NOT_A_MEMBER = "not_a_member"  # billed, but the person was not a member that month
    NOT_BILLED = "not_billed"  # a member due that month whom the bill leaves out
    AMOUNT = "amount"  # billed and due, for a different amount
    AFTER_END = "after_end"  # billed for a month after the member's death or exit
    BILLED_TWICE = "billed_twice"  # the same person on two or more lines of the bill
    UNKNOWN_KPJ = "unknown_kpj"  # a KPJ (and NIK) the registry does not know


class Resolution(enum.StrEnum):
    """What staff decided about a difference."""

    OPEN = "open"
    ACCEPTED = "accepted"  # the bill is right as it stands for this line
    DISPUTED = "disputed"  # raised with BPJS: not paid until BPJS corrects its bill
    CORRECTED = "corrected"  # the registry was wrong and has been corrected


class Bill(db.Model):
    """One version of BPJS's bill (or participant list) for a month, and its reconciliation.

    A corrected bill for the same month is a new version; the newest finished one is the
    month's current reconciliation, older ones stay for the record."""

    __table_args__ = (UniqueConstraint("year", "month", "version", name="uq_bill_month_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(SmallInteger)  # 1..12
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[BillStatus] = mapped_column(enum_column(BillStatus), default=BillStatus.QUEUED)
    # The uploaded file in portal.storage (a random key), and its name as uploaded.
    file_key: Mapped[str | None] = mapped_column(String(200))
    file_name: Mapped[str] = mapped_column(String(200), default="")
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(String(200))  # a code, never file content
    # Totals in rupiah, written when the reconciliation is done.
    billed_lines: Mapped[int] = mapped_column(Integer, default=0)
    billed_total: Mapped[int] = mapped_column(BigInteger, default=0)
    expected_members: Mapped[int] = mapped_column(Integer, default=0)
    expected_total: Mapped[int] = mapped_column(BigInteger, default=0)

    uploaded_by: Mapped[User | None] = relationship()
    lines: Mapped[list[BillLine]] = relationship(back_populates="bill", cascade="all, delete-orphan", passive_deletes=True)
    differences: Mapped[list[BillDifference]] = relationship(
        back_populates="bill", cascade="all, delete-orphan", passive_deletes=True
    )


class BillLine(db.Model):
    """One line of a bill as read, and the registry membership it was matched to."""

    __table_args__ = (Index("ix_bill_line_membership", "membership_id", "bill_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bill.id", ondelete="CASCADE"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)  # the spreadsheet row, for staff
    kpj_number: Mapped[str | None] = mapped_column(String(11))
    nik: Mapped[str | None] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(120), default="")
    jkk: Mapped[bool | None] = mapped_column()
    jkm: Mapped[bool | None] = mapped_column()
    jht: Mapped[bool | None] = mapped_column()
    amount: Mapped[int] = mapped_column(BigInteger, default=0)
    membership_id: Mapped[int | None] = mapped_column(ForeignKey("membership.id"))
    # Set only for a line matched to a person but no membership; a matched line's person is
    # its membership's (one foreign-key check fewer per line when a city's bill is written).
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)

    bill: Mapped[Bill] = relationship(back_populates="lines")


class BillDifference(db.Model):
    """A difference between a bill and the ledger, and what staff decided about it."""

    __table_args__ = (Index("ix_bill_difference_bill_kind", "bill_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bill.id", ondelete="CASCADE"))
    kind: Mapped[DifferenceKind] = mapped_column(enum_column(DifferenceKind))
    bill_line_id: Mapped[int | None] = mapped_column(ForeignKey("bill_line.id", ondelete="CASCADE"), index=True)
    membership_id: Mapped[int | None] = mapped_column(ForeignKey("membership.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    billed_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    expected_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    resolution: Mapped[Resolution] = mapped_column(enum_column(Resolution), default=Resolution.OPEN)
    note: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The resolution was carried over from the same difference in the month's previous
    # bill version (same kind, membership or KPJ/NIK, amounts), not decided on this one.
    carried: Mapped[bool] = mapped_column(default=False, server_default=sa_false())

    bill: Mapped[Bill] = relationship(back_populates="differences")
    bill_line: Mapped[BillLine | None] = relationship()
    resolved_by: Mapped[User | None] = relationship()


class Payment(db.Model):
    """A payment the city made to BPJS (a payment order, SP2D), for one or more months."""

    id: Mapped[int] = mapped_column(primary_key=True)
    paid_on: Mapped[date] = mapped_column(Date, index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    order_number: Mapped[str] = mapped_column(String(60), unique=True)  # the SP2D number
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    # An admin's void (a payment entered by mistake, or returned): it stays for the record
    # and counts for nothing. portal.contributions.payments.void_payment.
    voided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    void_reason: Mapped[str | None] = mapped_column(Text)

    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    voided_by: Mapped[User | None] = relationship(foreign_keys=[voided_by_id])
    months: Mapped[list[PaymentMonth]] = relationship(
        back_populates="payment", cascade="all, delete-orphan", order_by="(PaymentMonth.year, PaymentMonth.month)"
    )


class PaymentMonth(db.Model):
    """The part of a payment that pays for one contribution month."""

    __table_args__ = (Index("ix_payment_month_month", "year", "month"),)

    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    month: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    amount: Mapped[int] = mapped_column(BigInteger)

    payment: Mapped[Payment] = relationship(back_populates="months")
