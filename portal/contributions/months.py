"""A year's contribution months side by side: due (the ledger), billed and agreed (BPJS's
bills), paid (the city's payments) and what is still outstanding, with the arrears rule.

The amount to pay for a month is the agreed total of its current bill, or the ledger's due
total before a bill arrives (portal.contributions.bills). A month is payable once it has
ended; it is in arrears when something is still outstanding more than
CONTRIBUTION_ARREARS_WARNING_DAYS days after its last day, and its members' cover is at risk
after CONTRIBUTION_ARREARS_RISK_DAYS (BPJS ends a membership more than three months in
arrears; docs/contributions.md, "Payments").
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, cast, func

from portal.contributions.bills import bill_totals, current_bills
from portal.contributions.ledger import Month, amount_sql, rates_for
from portal.extensions import cache, db
from portal.models import Membership, Payment, PaymentMonth, Person
from portal.programme.budget import due_months_sql


STATE_LABELS = {
    "paid": _l("Lunas"),
    "overpaid": _l("Lebih bayar"),
    "nothing_due": _l("Tidak ada iuran"),
    "running": _l("Bulan berjalan"),
    "unpaid": _l("Belum dibayar"),
    "arrears": _l("Menunggak"),
    "at_risk": _l("Menunggak, perlindungan terancam"),
}


@dataclass(frozen=True)
class MonthFigures:
    """One contribution month: members and rupiah due, billed, agreed, paid."""

    month: Month
    members: int
    due: int
    billed: int | None  # None: no bill reconciled for the month yet
    agreed: int | None
    paid: int

    @property
    def to_pay(self) -> int:
        """The agreed total of the month's current bill, else the ledger's due total."""
        return self.agreed if self.agreed is not None else self.due

    @property
    def outstanding(self) -> int:
        return max(self.to_pay - self.paid, 0)

    @property
    def overpaid(self) -> int:
        return max(self.paid - self.to_pay, 0)

    def days_late(self, today: date) -> int:
        """Days since the month ended (0 or less while it runs)."""
        return (today - self.month.last_day).days

    def state(self, today: date) -> str:
        """overpaid (more paid than due), paid, running (not ended yet), unpaid, arrears (past
        the warning) or at_risk."""
        if self.overpaid:
            return "overpaid"
        if self.to_pay and not self.outstanding:
            return "paid"
        if not self.outstanding:
            return "nothing_due"
        late = self.days_late(today)
        if late <= 0:
            return "running"
        if late > current_app.config["CONTRIBUTION_ARREARS_RISK_DAYS"]:
            return "at_risk"
        if late > current_app.config["CONTRIBUTION_ARREARS_WARNING_DAYS"]:
            return "arrears"
        return "unpaid"


@dataclass(frozen=True)
class YearTotals:
    """A year's months added up: what is outstanding and what was paid in excess are summed
    apart (an overpaid month does not pay another: payments say which months they pay)."""

    due: int
    billed: int
    agreed: int
    paid: int
    outstanding: int
    overpaid: int

    @classmethod
    def of(cls, months: list[MonthFigures]) -> YearTotals:
        return cls(
            due=sum(m.due for m in months),
            billed=sum(m.billed or 0 for m in months),
            agreed=sum(m.agreed or 0 for m in months),
            paid=sum(m.paid for m in months),
            outstanding=sum(m.outstanding for m in months),
            overpaid=sum(m.overpaid for m in months),
        )


def ledger_by_month(year: int, *, cached: bool = False) -> dict[int, tuple[int, int]]:
    """{month: (members, rupiah due)} for the 12 months of `year`, in one aggregate.

    The memberships are grouped by period, income and programmes (as the budget counts
    them), each group's due months spread over the year here: the same figures as
    ledger.month_total month by month, for the price of one query. `cached` keeps them for
    REPORTS_CACHE_SECONDS (the dashboard), as the report's other figures are."""
    if cached:
        from portal.reports.services import GENERATION_KEY

        key = f"contributions:ledger:{cache.get(GENERATION_KEY) or 0}:{year}"
        found = cache.get(key)
        if found is None:
            found = ledger_by_month(year)
            cache.set(key, found, timeout=max(current_app.config["REPORTS_CACHE_SECONDS"], 1))
        return found
    months = {number: (0, 0) for number in range(1, 13)}
    rates = rates_for(year)
    if rates is None:
        return months
    groups = (
        db.select(
            Membership.starts_on, Membership.ends_on, Person.monthly_income,
            Membership.jkk, Membership.jkm, Membership.jht, func.count().label("memberships"),
        )
        .select_from(Membership)
        .join(Person, Membership.person_id == Person.id)
        .where(Membership.starts_on <= date(year, 12, 31), Membership.ends_on >= date(year, 1, 1))
        .group_by(Membership.starts_on, Membership.ends_on, Person.monthly_income, Membership.jkk, Membership.jkm, Membership.jht)
        .subquery()
    )
    first, last = due_months_sql(groups.c.starts_on, groups.c.ends_on)
    amount = amount_sql(rates, groups.c.monthly_income, groups.c.jkk, groups.c.jkm, groups.c.jht)
    query = db.select(cast(first, BigInteger), cast(last, BigInteger), amount, groups.c.memberships)
    members, due = defaultdict(int), defaultdict(int)
    low, high = Month(year, 1).index, Month(year, 12).index
    for first_index, last_index, monthly, count in db.session.execute(query):
        for index in range(max(int(first_index), low), min(int(last_index), high) + 1):
            members[index] += int(count)
            due[index] += int(count) * int(monthly)
    for number in months:
        index = Month(year, number).index
        months[number] = (members[index], due[index])
    return months


def paid_by_month(year: int, *, excluding_payment: int | None = None) -> dict[int, int]:
    """{month: rupiah paid} of `year`'s months by payments not voided (one aggregate)."""
    query = (
        db.select(PaymentMonth.month, func.sum(PaymentMonth.amount))
        .join(Payment, Payment.id == PaymentMonth.payment_id)
        .where(PaymentMonth.year == year, Payment.voided_at.is_(None))
        .group_by(PaymentMonth.month)
    )
    if excluding_payment is not None:
        query = query.where(Payment.id != excluding_payment)
    return {int(month): int(total) for month, total in db.session.execute(query)}


def year_figures(year: int, *, cached_ledger: bool = False, excluding_payment: int | None = None) -> list[MonthFigures]:
    """The 12 months of `year`: ledger, bills, payments (a few aggregates, none per member)."""
    ledger = ledger_by_month(year, cached=cached_ledger)
    bills = current_bills(year)
    paid = paid_by_month(year, excluding_payment=excluding_payment)
    figures = []
    for number in range(1, 13):
        members, due = ledger[number]
        bill = bills.get(number)
        billed = agreed = None
        if bill is not None:
            totals = bill_totals(bill)
            billed, agreed = totals.billed, totals.agreed
        figures.append(MonthFigures(Month(year, number), members, due, billed, agreed, paid.get(number, 0)))
    return figures


def month_figures(month: Month, members: int, due: int) -> MonthFigures:
    """One month's figures when its ledger total is known already (the statement counted it)."""
    from portal.contributions.bills import current_bill

    bill = current_bill(month.year, month.month)
    billed = agreed = None
    if bill is not None:
        totals = bill_totals(bill)
        billed, agreed = totals.billed, totals.agreed
    return MonthFigures(month, members, due, billed, agreed, paid_by_month(month.year).get(month.month, 0))


@dataclass(frozen=True)
class Arrears:
    """The months in arrears on a day: the oldest first."""

    months: list[MonthFigures]
    today: date

    @property
    def amount(self) -> int:
        return sum(m.outstanding for m in self.months)

    @property
    def at_risk(self) -> list[MonthFigures]:
        return [m for m in self.months if m.state(self.today) == "at_risk"]

    def __bool__(self) -> bool:
        return bool(self.months)


def arrears(today: date, *, cached_ledger: bool = False, known: dict[int, list[MonthFigures]] | None = None) -> Arrears:
    """The months of this year and last year still unpaid past the warning (with amounts);
    `known` holds the figures of years the caller counted already."""
    found = []
    known = known or {}
    for year in (today.year - 1, today.year):
        for figures in known.get(year) or year_figures(year, cached_ledger=cached_ledger):
            if figures.state(today) in ("arrears", "at_risk"):
                found.append(figures)
    return Arrears(found, today)
