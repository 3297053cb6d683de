"""`flask seed demo` includes last month's BPJS bill reconciled, with differences of several kinds."""

from portal import clock
from portal.contributions.ledger import Month
from portal.extensions import db
from portal.models import Bill, BillDifference, BillStatus, Resolution


def test_the_demo_has_a_reconciled_month_with_differences_and_money_owed_back(app, runner, client, auth):
    result = runner.invoke(args=["seed", "demo", "--password", "demo-password-2026"])
    assert result.exit_code == 0, result.output
    month = Month.of_index(Month.of_day(clock.today()).index - 1)
    with app.app_context():
        bill = db.session.scalar(db.select(Bill))
        assert (bill.year, bill.month, bill.status) == (month.year, month.month, BillStatus.DONE)
        differences = db.session.scalars(db.select(BillDifference).filter_by(bill_id=bill.id)).all()
        kinds = {d.kind.value for d in differences}
        assert {"not_billed", "amount", "billed_twice", "unknown_kpj"} <= kinds
        assert {d.resolution for d in differences} >= {Resolution.OPEN, Resolution.DISPUTED, Resolution.ACCEPTED}
    auth.login("staff1", "demo-password-2026")
    page = client.get(f"/iuran/tagihan/{month.year}/{month.month}").get_data(as_text=True)
    assert "Peserta tidak ditagih" in page and "Disanggah ke BPJS" in page
    assert client.get(f"/iuran/tagihan/{month.year}/{month.month}/berita-acara.pdf").status_code == 200
    owed = client.get("/iuran/tagihan/dikembalikan").get_data(as_text=True)
    assert "Tidak ada iuran yang harus dikembalikan" not in owed
