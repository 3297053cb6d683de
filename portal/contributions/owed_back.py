"""Contributions BPJS owes back: money the city paid for months after a member's death or
exit (docs/contributions.md, "Owed back").

A line of a month's current bill is owed back when its membership was ended (a death, a
move, employer cover, another reason) and the month falls after its last month due (the
ledger's rule: the last due date inside the cover), and the city has paid for the month (any
payment covers it). It is read from the registry as it stands, so a death reported late
turns the months already billed and paid after it into money owed back.
"""

from __future__ import annotations

from sqlalchemy import exists, func, literal_column, select

from portal.contributions.bills import current_bill_ids
from portal.exports import xlsx_bytes
from portal.extensions import db
from portal.models import Bill, BillLine, Membership, PaymentMonth, Person
from portal.nik import mask_nik
from portal.paging import NumberedPage, numbered_page
from portal.programme.budget import due_months_sql

PAGE_SIZE = 50
XLSX_HEADERS = ("Nama", "NIK", "No. KPJ", "Nomor keanggotaan", "Bulan", "Berakhir", "Alasan", "Jumlah (Rp)")


def owed_back_query(*where):
    """A select of the owed-back lines (line, person, membership, month, amount), oldest month first."""
    _first, last_due = due_months_sql(Membership.starts_on, Membership.ends_on)
    month_index = Bill.year * literal_column("12") + Bill.month - literal_column("1")
    paid = exists().where(PaymentMonth.year == Bill.year, PaymentMonth.month == Bill.month)
    return (
        select(
            BillLine.id, BillLine.amount, BillLine.kpj_number, Bill.year, Bill.month, Person.id.label("person_id"),
            Person.full_name, Person.nik, Membership.number, Membership.ends_on, Membership.end_reason,
        )
        .select_from(BillLine)
        .join(Bill, BillLine.bill_id == Bill.id)
        .join(Membership, BillLine.membership_id == Membership.id)
        .join(Person, Membership.person_id == Person.id)
        .where(
            Bill.id.in_(current_bill_ids()),
            Membership.end_reason.is_not(None),
            month_index > last_due,
            paid,
            *where,
        )
        .order_by(Bill.year, Bill.month, Person.full_name, BillLine.id)
    )


def owed_back_total(*where) -> tuple[int, int]:
    """(lines, rupiah) owed back."""
    rows = owed_back_query(*where).order_by(None).subquery()
    count, total = db.session.execute(select(func.count(), func.coalesce(func.sum(rows.c.amount), 0))).one()
    return int(count), int(total)


def owed_back_page(page: int = 1) -> NumberedPage:
    return numbered_page(owed_back_query(), page, PAGE_SIZE, rows=True)


def owed_back_of(person_id: int) -> list:
    """One person's owed-back lines (their registry page, a death case)."""
    return list(db.session.execute(owed_back_query(Person.id == person_id)).all())


def owed_back_xlsx(end_labels: dict) -> bytes:
    """Every owed-back line as XLSX (NIKs masked, formula-safe), with the total."""
    rows = list(db.session.execute(owed_back_query()).all())
    body = [
        (row.full_name, mask_nik(row.nik), row.kpj_number or "", row.number, f"{row.year}-{row.month:02d}",
         row.ends_on.isoformat(), str(end_labels.get(row.end_reason, row.end_reason)), int(row.amount))
        for row in rows
    ]
    body.append(("Total", "", "", "", "", "", "", sum(int(row.amount) for row in rows)))
    return xlsx_bytes(XLSX_HEADERS, body, title="Dikembalikan BPJS")

