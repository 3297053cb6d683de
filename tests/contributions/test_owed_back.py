"""Contributions BPJS owes back: paid months billed after a member's death or exit."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from portal.extensions import db
from portal.models import AuditEvent, Payment, PaymentMonth
from tests.cases.helpers import report_case_of
from tests.contributions.helpers import JKK_JKM, MONTH, YEAR, csv_bill, died, member, staff, upload_and_reconcile

PERIOD = f"{YEAR}-{MONTH:02d}"


def _paid(month: int = MONTH) -> None:
    payment = Payment(paid_on=date(YEAR, month + 1, 20), amount=JKK_JKM * 2, order_number=f"SP2D-{month}")
    payment.months.append(PaymentMonth(year=YEAR, month=month, amount=JKK_JKM * 2))
    db.session.add(payment)
    db.session.commit()


def _billed_then_died(app, client, *, name: str = "Dewi Died") -> dict:
    """Two members billed for May; one of them is reported dead on 10 April after the bill was reconciled."""
    with app.app_context():
        alive, _m = member("Andi Alive", "10000000001")
        dead, dead_m = member(name, "10000000004")
        people = {"alive": alive.nik, "dead": dead.nik, "dead_person": dead.id, "dead_membership": dead_m.id}
    upload_and_reconcile(app, client, csv_bill([
        ("10000000001", people["alive"], "ANDI", PERIOD, "JKK, JKM", JKK_JKM),
        ("10000000004", people["dead"], "DEWI", PERIOD, "JKK, JKM", JKK_JKM),
    ]))
    with app.app_context():
        from portal.models import Membership

        died(db.session.get(Membership, people["dead_membership"]), date(YEAR, 4, 10))
    return people


def test_a_paid_month_billed_after_a_late_reported_death_is_owed_back(app, client, auth):
    staff(app)
    auth.login("staff1")
    people = _billed_then_died(app, client)
    page = client.get("/iuran/tagihan/dikembalikan").get_data(as_text=True)
    assert "Tidak ada iuran yang harus dikembalikan" in page  # May is not paid yet
    with app.app_context():
        _paid()
    page = client.get("/iuran/tagihan/dikembalikan").get_data(as_text=True)
    assert "1 baris, Rp 16.800" in page
    assert "Dewi Died" in page and "Andi Alive" not in page
    assert people["dead"] not in page and people["dead"][:6] + "******" + people["dead"][-4:] in page
    person_page = client.get(f"/anggota/{people['dead_person']}").get_data(as_text=True)
    assert "Iuran yang harus dikembalikan BPJS" in person_page and f"{YEAR}-{MONTH:02d}" in person_page


def test_a_death_case_lists_the_contributions_owed_back(app, client, auth):
    staff_id = staff(app)
    auth.login("staff1")
    people = _billed_then_died(app, client)
    with app.app_context():
        _paid()
        from portal.models import Person, User

        case = report_case_of(db.session.get(User, staff_id), db.session.get(Person, people["dead_person"]), kind="jkm",
                              occurred_on=date(YEAR, 4, 10))
        case_id = case.id
    page = client.get(f"/kasus/{case_id}").get_data(as_text=True)
    assert "Iuran yang harus dikembalikan BPJS" in page
    assert ">16.800<" in page


def test_the_owed_back_export_is_formula_safe_with_masked_niks(app, client, auth):
    staff(app)
    auth.login("staff1")
    people = _billed_then_died(app, client, name="=HYPERLINK(\"http://evil\")")
    with app.app_context():
        _paid()
    response = client.get("/iuran/tagihan/dikembalikan.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == '=HYPERLINK("http://evil")'  # kept as text, never a formula
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert rows[1][1] == people["dead"][:6] + "******" + people["dead"][-4:]
    assert rows[-1][0] == "Total" and rows[-1][-1] == JKK_JKM
    with app.app_context():
        assert db.session.scalar(db.select(AuditEvent).filter_by(action="bill.owed_back_export")) is not None
