"""Demo data of the contributions: the demo year's months paid up to one month that is in
arrears (more than CONTRIBUTION_ARREARS_WARNING_DAYS after its end), the months after it
not paid yet, so /iuran and the dashboard show payments, outstanding months and the warning."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app

from portal import clock
from portal.contributions.ledger import Month
from portal.contributions.months import year_figures
from portal.contributions.payments import record_payment
from portal.extensions import db
from portal.models import Payment, User


def arrears_month(today: date) -> Month | None:
    """The demo's month in arrears: the latest month of this year past the warning."""
    warning = timedelta(days=current_app.config["CONTRIBUTION_ARREARS_WARNING_DAYS"])
    ended = [m for m in (Month(today.year, n) for n in range(1, 13)) if m.last_day + warning < today]
    return ended[-1] if ended else None


def seed_contributions_demo(today: date | None = None) -> None:
    """Record the demo year's payments once (called from seed_demo when the demo is first created)."""
    today = today or clock.today()
    if db.session.scalar(db.select(Payment.id).limit(1)) is not None:
        return
    unpaid = arrears_month(today)
    if unpaid is None:  # early in the year: no month is past the warning yet
        return
    staff = db.session.scalar(db.select(User).filter_by(username="staff1"))
    figures = {f.month: f for f in year_figures(today.year)}
    paid_months = [m for m in figures if m < unpaid and figures[m].to_pay > 0]
    # A quarter at a time, each paid three weeks after its last month ended.
    for start in range(0, len(paid_months), 3):
        months = paid_months[start:start + 3]
        amount = sum(figures[m].to_pay for m in months)
        paid_on = min(months[-1].last_day + timedelta(days=21), today)
        number = f"SP2D/{today.year}/DISNAKER/{start // 3 + 1:03d}"
        record_payment(paid_on, amount, number, months, "Pembayaran iuran triwulan (data demo).", staff)
    db.session.flush()
