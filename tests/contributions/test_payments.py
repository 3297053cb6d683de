"""Payments through HTTP: recorded after their allocation is shown, refused when wrong,
corrected and voided by an admin, and the arrears warning after 60 days."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date

import pytest

from portal import clock
from portal.contributions.ledger import Month
from portal.contributions.months import year_figures
from portal.extensions import db
from portal.models import AuditEvent, Payment, PaymentMonth, Role
from tests.conftest import csrf_token
from tests.contributions.helpers import staff_signed_in
from tests.factories import make_member

YEAR = 2026
MONTHLY = 16_800  # JKK + JKM at the income floor, one member


@pytest.fixture
def on_day(monkeypatch):
    """Fix the portal's "today" (portal.clock) for the requests inside the block."""

    @contextmanager
    def fixed(day: date):
        monkeypatch.setattr(clock, "today", lambda: day)
        yield
        monkeypatch.undo()

    return fixed


def _two_members(app) -> None:
    with app.app_context():
        make_member("Siti Aminah", year=YEAR, category_code="non_asn")
        make_member("Andi Baso", year=YEAR, category_code="non_asn")


PREVIEWED = re.compile(r'name="previewed" type="hidden" value="([^"]*)"')


def _form(client, amount, months, order="SP2D-001/2026", *, confirm="", path="/iuran/pembayaran/baru", **extra):
    """Post the payment form; with confirm="1", as staff do: check the allocation, then save it."""
    data = {
        "csrf_token": csrf_token(client, path), "paid_on": "2026-05-04", "amount": amount, "order_number": order,
        "months": [f"{YEAR}-{m:02d}" for m in months], "note": "", **extra,
    }
    if confirm != "1":
        return client.post(path, data=data)
    preview = client.post(path, data=data)
    shown = PREVIEWED.search(preview.get_data(as_text=True))
    if shown is None:
        return preview  # refused at the check: nothing to save
    return client.post(path, data={**data, "confirm": "1", "previewed": shown.group(1)})


def test_a_payment_is_shown_shared_among_its_months_before_it_is_saved(app, client, auth, on_day):
    _two_members(app)
    staff_signed_in(app, auth)
    with on_day(date(YEAR, 5, 10)):
        # 3 months of 2 members = 100,800; 110,000 paid: Jan and Feb in full, the rest on March.
        preview = _form(client, "Rp 110.000", [3, 1, 2])
        page = preview.get_data(as_text=True)
        assert preview.status_code == 200 and 'id="allocation-preview"' in page
        assert "Rp 33.600" in page and "Rp 42.800" in page
        with app.app_context():
            assert db.session.scalar(db.select(db.func.count(Payment.id))) == 0  # nothing saved yet
        # A form changed after its check is checked again, not saved.
        token = csrf_token(client, "/iuran/pembayaran/baru")
        changed = client.post("/iuran/pembayaran/baru", data={
            "csrf_token": token, "paid_on": "2026-05-04", "amount": "120000", "order_number": "SP2D-001/2026",
            "months": ["2026-01", "2026-02", "2026-03"], "confirm": "1", "previewed": "110000:2026-01,2026-02,2026-03"})
        assert "berubah sejak diperiksa" in changed.get_data(as_text=True) and "Rp 52.800" in changed.get_data(as_text=True)
        with app.app_context():
            assert db.session.scalar(db.select(db.func.count(Payment.id))) == 0
        saved = _form(client, "110000", [1, 2, 3], confirm="1")
        assert saved.status_code == 302
    with app.app_context():
        payment = db.session.scalar(db.select(Payment))
        assert payment.amount == 110_000 and payment.order_number == "SP2D-001/2026"
        assert [(m.month, m.amount) for m in payment.months] == [(1, 33_600), (2, 33_600), (3, 42_800)]
        event = db.session.scalar(db.select(AuditEvent).filter_by(action="payment.record"))
        assert event.target_id == str(payment.id) and event.details["months"] == {"2026-01": 33_600, "2026-02": 33_600, "2026-03": 42_800}
        figures = {f.month: f for f in year_figures(YEAR)}
        assert figures[Month(YEAR, 1)].outstanding == 0 and figures[Month(YEAR, 3)].overpaid == 42_800 - 33_600


def test_a_payment_that_cannot_reach_a_month_or_reuses_an_sp2d_number_is_refused_with_nothing_saved(app, client, auth, on_day):
    _two_members(app)
    staff_signed_in(app, auth)
    with on_day(date(YEAR, 5, 10)):
        page = _form(client, "30000", [1, 2], confirm="1").get_data(as_text=True)
        assert "tidak sampai ke bulan Februari 2026" in page and 'aria-invalid="true"' in page
        assert _form(client, "33600", [1], confirm="1").status_code == 302
        again = _form(client, "33600", [2], order="sp2d-001/2026", confirm="1")
        assert again.status_code == 422 and "sudah dicatat untuk pembayaran lain" in again.get_data(as_text=True)
        assert "Tulis jumlah dalam rupiah bulat" in _form(client, "33,6", [2], order="SP2D-2").get_data(as_text=True)
        assert "tidak boleh setelah hari ini" in _form(client, "33600", [2], order="SP2D-2", paid_on="2026-06-01").get_data(as_text=True)
        assert "Pilih paling sedikit satu bulan" in _form(client, "33600", [], order="SP2D-2").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Payment.id))) == 1
        assert db.session.scalar(db.select(db.func.count()).select_from(PaymentMonth)) == 1


def test_an_admin_voids_and_corrects_a_payment_with_a_reason_and_staff_cannot(app, client, auth, on_day):
    _two_members(app)
    staff_signed_in(app, auth)
    with on_day(date(YEAR, 5, 10)):
        assert _form(client, "67200", [1, 2], confirm="1").status_code == 302
        assert _form(client, "33600", [3], order="SP2D-002", confirm="1").status_code == 302
        with app.app_context():
            first, second = db.session.scalars(db.select(Payment).order_by(Payment.id)).all()
            first_id, second_id = first.id, second.id
        token = csrf_token(client, "/iuran/pembayaran/")
        assert client.post(f"/iuran/pembayaran/{first_id}/batal", data={"csrf_token": token, "reason": "Salah input"}).status_code == 404
        assert client.get(f"/iuran/pembayaran/{first_id}/koreksi").status_code == 404
        auth.logout()
        staff_signed_in(app, auth, "admin1", Role.ADMIN)
        token = csrf_token(client, f"/iuran/pembayaran/{first_id}")
        refused = client.post(f"/iuran/pembayaran/{first_id}/batal", data={"csrf_token": token, "reason": ""})
        assert refused.status_code == 422 and "Tulis alasan pembatalan" in refused.get_data(as_text=True)
        assert client.post(f"/iuran/pembayaran/{first_id}/batal", data={"csrf_token": token, "reason": "SP2D dibatalkan BPKAD"}).status_code == 302
        assert "Dibatalkan" in client.get(f"/iuran/pembayaran/{first_id}").get_data(as_text=True)
        # The correction moves the second payment to January: January's outstanding is whole again.
        no_reason = _form(client, "33600", [1], order="SP2D-002", confirm="1", path=f"/iuran/pembayaran/{second_id}/koreksi")
        assert no_reason.status_code == 422 and "Tulis alasan koreksi" in no_reason.get_data(as_text=True)
        corrected = _form(client, "33600", [1], order="SP2D-002", confirm="1", path=f"/iuran/pembayaran/{second_id}/koreksi",
                          reason="Bulan salah dipilih")
        assert corrected.status_code == 302
    with app.app_context():
        figures = {f.month.month: f for f in year_figures(YEAR)}
        assert (figures[1].paid, figures[2].paid, figures[3].paid) == (33_600, 0, 0)
        actions = {e.action: e.details for e in db.session.scalars(db.select(AuditEvent).where(AuditEvent.action.like("payment.%")))}
        assert actions["payment.void"]["reason"] == "SP2D dibatalkan BPKAD"
        assert actions["payment.correct"]["before"]["months"] == {"2026-03": 33_600}
        assert actions["payment.correct"]["months"] == {"2026-01": 33_600}


def test_the_arrears_warning_shows_after_60_days_and_says_when_cover_is_at_risk(app, client, auth, on_day):
    _two_members(app)
    staff_signed_in(app, auth)
    with on_day(date(YEAR, 3, 1)):
        assert _form(client, "33600", [1], confirm="1", paid_on="2026-03-01").status_code == 302  # January paid, February not
    # February ended on 28 February: 60 days later is 29 April.
    with on_day(date(YEAR, 4, 29)):
        assert 'id="arrears-warning"' not in client.get("/iuran/").get_data(as_text=True)
        assert 'id="arrears-warning"' not in client.get(f"/laporan/?year={YEAR}").get_data(as_text=True)
    with on_day(date(YEAR, 4, 30)):
        page = client.get("/iuran/").get_data(as_text=True)
        warning = page[page.index('id="arrears-warning"'):]
        assert "Februari 2026" in warning[:1500] and "Maret 2026" not in warning[:1500]
        assert "perlindungan peserta terancam" not in warning[:1500].lower()
        dashboard = client.get(f"/laporan/?year={YEAR}").get_data(as_text=True)
        assert 'id="arrears-warning"' in dashboard
    # More than 90 days after February: cover is at risk.
    with on_day(date(YEAR, 6, 1)):
        page = client.get("/iuran/").get_data(as_text=True)
        assert "Perlindungan peserta terancam" in page
        assert "Menunggak, perlindungan terancam" in page


def test_the_payments_list_is_paged(app, client, auth, on_day):
    _two_members(app)
    staff_signed_in(app, auth)
    with app.app_context():
        for number in range(30):
            db.session.add(Payment(paid_on=date(YEAR, 3, 1), amount=1, order_number=f"SP2D-{number:03d}",
                                   months=[PaymentMonth(year=YEAR, month=1, amount=1)]))
        db.session.commit()
    first = client.get("/iuran/pembayaran/").get_data(as_text=True)
    assert "Halaman 1 dari 2 (30 pembayaran)." in first and "halaman=2" in first
    assert "Halaman 2 dari 2" in client.get("/iuran/pembayaran/?halaman=2").get_data(as_text=True)


def test_an_overpaid_month_shows_its_excess_on_the_year_and_month_pages_and_in_the_year_total(app, client, auth, on_day):
    _two_members(app)
    staff_signed_in(app, auth)
    with on_day(date(YEAR, 5, 10)):
        # Two members: 33,600 due a month. January paid 40,000 (6,400 too much), February in full.
        assert _form(client, "40000", [1], confirm="1").status_code == 302
        assert _form(client, "33600", [2], order="SP2D-002/2026", confirm="1").status_code == 302
        year_page = client.get(f"/iuran/?tahun={YEAR}").get_data(as_text=True)
        month_page = client.get(f"/iuran/{YEAR}/1").get_data(as_text=True)
        paid_month_page = client.get(f"/iuran/{YEAR}/2").get_data(as_text=True)

    january = re.search(r"<tr>\s*<th scope=\"row\"><a [^>]*>Januari 2026</a></th>.*?</tr>", year_page, re.S).group(0)
    assert "<strong>Rp 6.400</strong>" in january and "Lebih bayar" in january
    february = re.search(r"<tr>\s*<th scope=\"row\"><a [^>]*>Februari 2026</a></th>.*?</tr>", year_page, re.S).group(0)
    assert "Lunas" in february and "<strong>" not in february
    total = re.search(r"<tfoot>.*?</tfoot>", year_page, re.S).group(0)
    assert "Jumlah 2026" in total and "Rp 73.600" in total and "<strong>Rp 6.400</strong>" in total
    assert 'id="overpaid-note"' in year_page and "Rp 6.400 tahun ini" in year_page
    assert 'id="month-overpaid"' in month_page and "<strong>Rp 6.400</strong>" in month_page
    assert 'id="month-overpaid"' not in paid_month_page
