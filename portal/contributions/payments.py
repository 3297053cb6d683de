"""The city's payments to BPJS (a payment order, SP2D) and how each is shared among the months
it covers (docs/contributions.md, "Payments").

The allocation rule: the months a payment covers are filled oldest first, each up to what is
still outstanding for it (its amount to pay less what other payments already paid); what is
left after the last month's outstanding goes to the last month (an overpayment shows there).
Every month chosen must receive something: a payment too small to reach a month is refused,
naming the month, rather than recorded as covering it.

Services change and flush; the view that called them commits. Every change is an audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func

from portal import audit
from portal.contributions.ledger import Month
from portal.contributions.months import paid_by_month, year_figures
from portal.extensions import db
from portal.models import Payment, PaymentMonth, User
from portal.models.base import utcnow
from portal.paging import NumberedPage, numbered_page

PAGE_SIZE = 25


class PaymentRefused(ValueError):
    """A payment that cannot be recorded as given; nothing was changed."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Share:
    """The part of a payment allocated to one month, and that month's figures before it."""

    month: Month
    to_pay: int
    paid_before: int
    amount: int

    @property
    def outstanding_after(self) -> int:
        return max(self.to_pay - self.paid_before - self.amount, 0)


def month_label(month) -> str:
    """March 2026 in the page's language, of a Month or anything with a year and a month."""
    return format_date(Month(month.year, month.month).first_day, "MMMM yyyy")


def allocate(amount: int, months: list[Month], *, excluding_payment: int | None = None) -> list[Share]:
    """Share `amount` among `months` by the module's rule; raise PaymentRefused if it cannot."""
    if amount <= 0:
        raise PaymentRefused(_("Jumlah pembayaran harus lebih dari nol."), "amount")
    if not months:
        raise PaymentRefused(_("Pilih paling sedikit satu bulan yang dibayar."), "months")
    months = sorted(set(months))
    figures = {}
    for year in {m.year for m in months}:
        for item in year_figures(year, excluding_payment=excluding_payment):
            figures[item.month] = item
    left = amount
    shares = []
    for position, month in enumerate(months):
        item = figures[month]
        outstanding = max(item.to_pay - item.paid, 0)
        part = left if position == len(months) - 1 else min(left, outstanding)
        if part <= 0:
            raise PaymentRefused(
                _(
                    "Pembayaran ini tidak sampai ke bulan %(month)s: jumlahnya habis untuk bulan-bulan sebelumnya. "
                    "Hapus bulan itu atau periksa jumlahnya.",
                    month=month_label(month),
                ),
                "months",
            )
        shares.append(Share(month, item.to_pay, item.paid, part))
        left -= part
    return shares


def order_number_taken(order_number: str, *, excluding_payment: int | None = None) -> bool:
    """Whether another payment already has this SP2D number (letter case ignored)."""
    query = db.select(Payment.id).where(func.lower(Payment.order_number) == order_number.lower())
    if excluding_payment is not None:
        query = query.where(Payment.id != excluding_payment)
    return db.session.scalar(query.limit(1)) is not None


def _check_order_number(order_number: str, excluding_payment: int | None = None) -> None:
    if order_number_taken(order_number, excluding_payment=excluding_payment):
        raise PaymentRefused(
            _("Nomor SP2D %(number)s sudah dicatat untuk pembayaran lain.", number=order_number), "order_number"
        )


def _details(payment: Payment, shares: list[Share]) -> dict:
    return {
        "order_number": payment.order_number,
        "paid_on": payment.paid_on.isoformat(),
        "amount": int(payment.amount),
        "months": {str(s.month): s.amount for s in shares},
    }


def record_payment(
    paid_on: date, amount: int, order_number: str, months: list[Month], note: str | None, user: User
) -> Payment:
    """Record a payment with its allocation to months (flushed, audited; the caller commits)."""
    _check_order_number(order_number)
    shares = allocate(amount, months)
    payment = Payment(paid_on=paid_on, amount=amount, order_number=order_number, note=note or None, recorded_by=user)
    payment.months = [PaymentMonth(year=s.month.year, month=s.month.month, amount=s.amount) for s in shares]
    db.session.add(payment)
    db.session.flush()
    audit.record("payment.record", "payment", payment.id, actor=user, **_details(payment, shares))
    return payment


def correct_payment(
    payment: Payment, paid_on: date, amount: int, order_number: str, months: list[Month], note: str | None,
    reason: str, user: User,
) -> Payment:
    """Change a payment's date, amount, number, months or note, allocated again (admin, with a reason)."""
    if payment.voided_at is not None:
        raise PaymentRefused(_("Pembayaran yang dibatalkan tidak dapat dikoreksi."))
    _check_order_number(order_number, excluding_payment=payment.id)
    shares = allocate(amount, months, excluding_payment=payment.id)
    before = {
        "order_number": payment.order_number,
        "paid_on": payment.paid_on.isoformat(),
        "amount": int(payment.amount),
        "months": {f"{m.year}-{m.month:02d}": int(m.amount) for m in payment.months},
    }
    payment.months.clear()
    db.session.flush()
    payment.paid_on, payment.amount, payment.order_number, payment.note = paid_on, amount, order_number, note or None
    payment.months = [PaymentMonth(year=s.month.year, month=s.month.month, amount=s.amount) for s in shares]
    db.session.flush()
    audit.record("payment.correct", "payment", payment.id, actor=user, reason=reason, before=before, **_details(payment, shares))
    return payment


def void_payment(payment: Payment, reason: str, user: User) -> None:
    """Void a payment (admin, with a reason): kept for the record, it counts for nothing."""
    if payment.voided_at is not None:
        raise PaymentRefused(_("Pembayaran ini sudah dibatalkan."))
    payment.voided_at, payment.voided_by, payment.void_reason = utcnow(), user, reason
    db.session.flush()
    audit.record("payment.void", "payment", payment.id, actor=user, reason=reason, order_number=payment.order_number,
                 amount=int(payment.amount))


def list_payments(page: int, year: int | None = None) -> NumberedPage:
    """Payments newest first, a page at a time (paged in SQL); only those covering `year` if given."""
    query = db.select(Payment).order_by(Payment.paid_on.desc(), Payment.id.desc())
    if year is not None:
        query = query.where(Payment.id.in_(db.select(PaymentMonth.payment_id).where(PaymentMonth.year == year)))
    return numbered_page(query, page, PAGE_SIZE)


def paid_total(year: int) -> int:
    return sum(paid_by_month(year).values())
