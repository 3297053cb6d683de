"""Journey: staff record a payment for a month on a 360 px phone, see its allocation before
saving, and read the month's statement."""

from playwright.sync_api import expect

from portal import clock
from portal.models import Role
from tests.browser.conftest import key_screen, login
from tests.conftest import PASSWORD
from tests.factories import make_member, make_user


def test_staff_record_a_payment_after_seeing_its_allocation_and_read_the_statement(live_server, live_app, phone):
    year = clock.today().year
    with live_app.app_context():
        make_user("staff1", Role.STAFF)
        make_member("Siti Aminah", category_code="non_asn")
        make_member("Andi Baso", category_code="non_asn")

    login(phone, live_server, "staff1", PASSWORD, lands_on="/beranda")
    phone.goto(live_server.url + "/iuran/")
    expect(phone.get_by_role("heading", name=f"Iuran BPJS Ketenagakerjaan {year}", level=1)).to_be_visible()
    key_screen(phone, "contributions-year")

    phone.get_by_role("link", name="Catat pembayaran").click()
    phone.get_by_label("Jumlah (Rp)").fill("Rp 40.000")
    phone.get_by_label("Nomor SP2D / perintah bayar").fill(f"SP2D/{year}/001")
    phone.get_by_label(f"Januari {year}", exact=True).check()
    phone.get_by_role("button", name="Periksa pembagian").click()
    preview = phone.locator("#allocation-preview")
    expect(preview).to_contain_text("Rp 33.600")  # January's two members
    expect(preview).to_contain_text("Rp 40.000")
    key_screen(phone, "contributions-payment-preview")

    phone.get_by_role("button", name="Simpan pembayaran").click()
    expect(phone.get_by_role("heading", name=f"Pembayaran SP2D/{year}/001", level=1)).to_be_visible()
    phone.get_by_role("link", name=f"Januari {year}").click()
    expect(phone.get_by_role("heading", name=f"Rekap iuran Januari {year}", level=1)).to_be_visible()
    # Rp 40.000 against January's Rp 33.600: the month is paid, with Rp 6.400 too much.
    expect(phone.locator("#month-totals")).to_contain_text("Lebih bayar")
    expect(phone.locator("#month-totals")).to_contain_text("Rp 6.400")
    key_screen(phone, "contributions-statement")
    assert phone.console_errors == []
