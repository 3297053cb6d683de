"""Demo data of the bill reconciliation: last month's BPJS bill reconciled, with a few
differences of several kinds (two members left out, two amounts that differ, ended members
billed after their end, one person billed twice, one unknown KPJ), one of them disputed and
one accepted; the month paid, and one member reported dead after it, so the owed-back list
has a line."""

from __future__ import annotations

from datetime import date, timedelta

from portal import clock
from portal.contributions import ledger, reconciliation
from portal.contributions.ledger import Month
from portal.extensions import db
from portal.memberships.services import end_membership
from portal.seed.demo_renewal import MID_YEAR_JOINER
from portal.models import Bill, DifferenceKind, EndReason, Membership, Payment, PaymentMonth, Person, Resolution, User


def seed_bills_demo(today: date | None = None) -> None:
    """Add the bill demo once (called from seed_demo when the demo is first created)."""
    today = today or clock.today()
    month = Month.of_index(Month.of_day(today).index - 1)
    staff = db.session.scalar(db.select(User).filter_by(username="staff1"))
    rates = ledger.rates_for(month.year)
    if staff is None or rates is None or db.session.scalar(db.select(Bill.id).limit(1)) is not None:
        return
    due = db.session.execute(ledger.member_rows(month, rates).order_by(Membership.id)).all()
    if len(due) < 8:
        return
    rows = []
    for index, row in enumerate(due[2:]):  # the first two are left out of the bill
        amount = row.amount + 20_000 if index < 2 else row.amount  # JHT billed for two who have none
        rows.append((row.kpj_number or "", row.nik, f"Peserta {row.number}", str(month), "JKK, JKM", amount))
    ended = db.session.execute(
        db.select(Membership.kpj_number, Person.nik, Person.full_name).join(Person, Membership.person_id == Person.id)
        .where(Membership.end_reason.is_not(None), Membership.ends_on < month.first_day).order_by(Membership.id).limit(2)
    ).all()
    rows += [(kpj or "", nik, name.upper(), str(month), "JKK, JKM", 16_800) for kpj, nik, name in ended]
    rows.append(rows[-1] if ended else rows[3])  # billed twice
    rows.append(("29999999999", "", "TIDAK DIKENAL", str(month), "JKK, JKM", 16_800))
    header = "No. KPJ;NIK;Nama Peserta;Periode;Program;Iuran (Rp)"
    data = "\n".join([header] + [";".join(str(cell) for cell in row) for row in rows]).encode("utf-8")
    bill = reconciliation.queue_bill(month, f"tagihan-bpjs-{month}.csv", data, staff)
    counts = reconciliation.reconcile(bill)
    reconciliation.reconcile_finished(bill, counts, staff)
    db.session.flush()
    _resolve_two(bill, staff)
    _paid_then_a_late_death(bill, month, due, staff)


def _resolve_two(bill: Bill, staff: User) -> None:
    """One difference disputed with BPJS (the berita acara's annex), one accepted."""
    from portal.models import BillDifference

    first = {}
    for difference in db.session.scalars(db.select(BillDifference).filter_by(bill_id=bill.id).order_by(BillDifference.id)):
        first.setdefault(difference.kind, difference)
    disputed = first.get(DifferenceKind.AFTER_END) or first.get(DifferenceKind.UNKNOWN_KPJ)
    if disputed is not None:
        reconciliation.resolve(bill, [disputed.id], Resolution.DISPUTED, "Kepesertaan sudah berakhir sebelum bulan tagihan; mohon dikoreksi.", staff)
    accepted = first.get(DifferenceKind.AMOUNT)
    if accepted is not None:
        reconciliation.resolve(bill, [accepted.id], Resolution.ACCEPTED, "Peserta meminta JHT sendiri.", staff)


def _paid_then_a_late_death(bill: Bill, month: Month, due: list, staff: User) -> None:
    """The month's agreed amount paid, then a member billed that month reported dead before it."""
    if db.session.scalar(db.select(PaymentMonth.payment_id).filter_by(year=month.year, month=month.month).limit(1)) is None:
        from portal.contributions.bills import bill_totals

        amount = bill_totals(bill).agreed
        payment = Payment(paid_on=month.last_day + timedelta(days=1), amount=amount, order_number=f"DEMO-SP2D-{month}",
                          note="Data demo.", recorded_by_id=staff.id)
        payment.months.append(PaymentMonth(year=month.year, month=month.month, amount=amount))
        db.session.add(payment)
    # The last member billed that month, but not the renewal demo's mid-year joiner, whose
    # months to 31 December that demo shows.
    joiner = db.session.scalar(db.select(Person.id).filter_by(full_name=MID_YEAR_JOINER[0]))
    late = next((db.session.get(Membership, row.membership_id) for row in reversed(due) if row.person_id != joiner), None)
    if late is not None and late.status.value == "active":
        end_membership(late, EndReason.DECEASED, month.first_day - timedelta(days=5), "Dilaporkan ahli waris setelah tagihan dibayar.")
    db.session.flush()
