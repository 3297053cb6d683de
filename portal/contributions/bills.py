"""BPJS's bills as the rest of the portal reads them: a month's current reconciled bill and
its totals. (Reading, matching and resolving a bill: portal.contributions.reconciliation.)

The totals' rule (docs/contributions.md):

- billed: the bill's total as BPJS sent it; expected: the ledger's total for the month.
- A difference's amount at stake is what the bill says minus what the ledger says
  (billed_amount - expected_amount): the whole billed amount for a line the ledger does not
  owe (not a member, after the end, billed twice, unknown KPJ), the excess (or shortfall)
  for an amount that differs, and minus the expected amount for a member not billed.
- agreed: the billed total less the amounts at stake of the differences staff disputed
  with BPJS, except members not billed (the city cannot pay what was not billed; disputing
  them asks BPJS to add them). Open differences are counted in `open_amount` and are not
  agreed yet; accepted and corrected ones are agreed as billed.
- The amount to pay for a month is the agreed total of its current bill; before a bill
  arrives, the ledger's expected total.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func

from portal.extensions import db
from portal.models import Bill, BillDifference, BillStatus, DifferenceKind, Resolution


def current_bill(year: int, month: int) -> Bill | None:
    """The month's newest finished bill version, or None."""
    return db.session.scalar(
        db.select(Bill)
        .where(Bill.year == year, Bill.month == month, Bill.status == BillStatus.DONE)
        .order_by(Bill.version.desc())
        .limit(1)
    )


def current_bills(year: int) -> dict[int, Bill]:
    """{month: its newest finished bill version} of a year's months that have one."""
    newest = (
        db.select(Bill.month, func.max(Bill.version).label("version"))
        .where(Bill.year == year, Bill.status == BillStatus.DONE)
        .group_by(Bill.month)
        .subquery()
    )
    bills = db.session.scalars(
        db.select(Bill).join(newest, (Bill.month == newest.c.month) & (Bill.version == newest.c.version)).where(Bill.year == year)
    )
    return {bill.month: bill for bill in bills}


def current_bill_ids():
    """A select of the ids of every month's newest finished bill version (for IN (...))."""
    newest = (
        db.select(Bill.year, Bill.month, func.max(Bill.version).label("version"))
        .where(Bill.status == BillStatus.DONE)
        .group_by(Bill.year, Bill.month)
        .subquery()
    )
    return db.select(Bill.id).join(
        newest, (Bill.year == newest.c.year) & (Bill.month == newest.c.month) & (Bill.version == newest.c.version)
    )


@dataclass(frozen=True)
class BillTotals:
    """A bill's totals in rupiah (see the module rule)."""

    billed: int
    expected: int
    disputed: int  # at stake in disputed differences (members not billed left out)
    open_amount: int  # at stake in differences nobody resolved yet (members not billed left out)
    open_count: int

    @property
    def agreed(self) -> int:
        return self.billed - self.disputed - self.open_amount


def bill_totals(bill: Bill) -> BillTotals:
    """The bill's billed, expected, disputed, open and agreed totals (one aggregate)."""
    at_stake = case((BillDifference.kind == DifferenceKind.NOT_BILLED, 0), else_=BillDifference.billed_amount - BillDifference.expected_amount)
    disputed, open_amount, open_count = db.session.execute(
        db.select(
            func.coalesce(func.sum(case((BillDifference.resolution == Resolution.DISPUTED, at_stake), else_=0)), 0),
            func.coalesce(func.sum(case((BillDifference.resolution == Resolution.OPEN, at_stake), else_=0)), 0),
            func.count().filter(BillDifference.resolution == Resolution.OPEN),
        ).where(BillDifference.bill_id == bill.id)
    ).one()
    return BillTotals(int(bill.billed_total), int(bill.expected_total), int(disputed), int(open_amount), int(open_count))
