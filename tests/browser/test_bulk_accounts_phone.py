"""Accounts in bulk on a 360 px phone: an admin uploads a sheet with a problem, sees the finding,
uploads the corrected sheet, confirms, and the batch page offers the activation letters."""

from playwright.sync_api import expect

from tests.browser.conftest import assert_fits_width, login
from tests.conftest import PASSWORD
from tests.factories import make_user
from tests.lists.spreadsheets import xlsx_bytes
from portal.models import Role

HEADER = ["Nama", "Peran", "Kelurahan", "RW", "RT", "No HP"]


def test_admin_creates_accounts_from_a_sheet_on_a_phone(live_server, live_app, phone, tmp_path):
    with live_app.app_context():
        make_user("admin", Role.ADMIN)
    wrong = tmp_path / "akun-salah.xlsx"
    wrong.write_bytes(xlsx_bytes([["Muh. Ridwan", "Ketua RW", "Lette", 3, None, "0812"], ["St. Aminah", "Ketua RT", "Lette", 3, 1, ""]], header=HEADER))
    right = tmp_path / "akun.xlsx"
    right.write_bytes(xlsx_bytes([["Muh. Ridwan", "Ketua RW", "Lette", 3, None, "081234567890"], ["St. Aminah", "Ketua RT", "Lette", 3, 1, ""]], header=HEADER))

    login(phone, live_server, "admin", PASSWORD)
    phone.goto(f"{live_server.url}/admin/akun-massal")
    phone.get_by_label("Berkas akun").set_input_files(str(wrong))
    phone.get_by_role("button", name="Periksa berkas").click()
    expect(phone.get_by_text("1 dari 2 baris bermasalah")).to_be_visible()
    expect(phone.get_by_text("Nomor HP tidak lazim").first).to_be_visible()
    assert_fits_width(phone)

    phone.get_by_label("Berkas akun").set_input_files(str(right))
    phone.get_by_role("button", name="Periksa berkas").click()
    expect(phone.get_by_text("rt.lette.003.001")).to_be_visible()
    assert_fits_width(phone)
    phone.get_by_role("button", name="Buat 2 akun").click()
    expect(phone.get_by_text("2 akun dibuat")).to_be_visible()
    expect(phone.get_by_role("button", name="Cetak 2 surat (PDF)")).to_be_visible()
    assert_fits_width(phone)
