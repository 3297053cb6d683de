"""Journey: an RT head reports a neighbour's work accident on a phone; staff follow it to stage I."""

from pathlib import Path

from playwright.sync_api import expect

from portal.models import Role
from tests.browser.conftest import key_screen, login, nav_link
from tests.cases.helpers import PNG_BYTES
from tests.conftest import PASSWORD
from tests.factories import LETTE, make_member, make_user


def test_an_rt_head_reports_an_accident_and_staff_send_it_to_bpjs(live_server, live_app, phone, desktop, tmp_path):
    with live_app.app_context():
        make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
        make_user("staff1", Role.STAFF)
        person, _ = make_member("Sitti Aminah")
        nik = person.nik

    login(phone, live_server, "rtrw1", PASSWORD)
    nav_link(phone, "Kasus kecelakaan dan kematian").click()
    phone.get_by_role("link", name="Laporkan kasus").click()
    expect(phone.get_by_role("heading", name="Laporkan kecelakaan kerja atau kematian")).to_be_visible()
    phone.get_by_label("Kecelakaan kerja (JKK)").check()
    phone.get_by_label("NIK peserta (16 angka)").fill(nik)
    phone.get_by_label("Nama lengkap peserta sesuai KTP").fill("St. Aminah")
    phone.get_by_label("Tanggal kejadian").fill("01/01/2020")  # before the cover began
    phone.get_by_label("Tempat kejadian").fill("Pasar Terong")
    phone.get_by_label("Apa yang terjadi (kronologi)").fill("Tergelincir saat mengangkat boks ikan.")
    phone.get_by_label("Nomor kontak (pelapor atau keluarga)").fill("0812 3456 7890")
    key_screen(phone, "case-report-form")
    phone.get_by_role("button", name="Laporkan").click()
    expect(phone.locator(".flash-warning")).to_contain_text("tidak tercatat terlindungi JKK")
    assert nik not in phone.url
    expect(phone.get_by_role("alert")).to_contain_text("BPJS dapat menolak klaim")

    scan = Path(tmp_path) / "ktp.png"
    scan.write_bytes(PNG_BYTES)
    phone.get_by_label("Dokumen").select_option(label="KTP peserta")
    phone.get_by_label("Berkas (PDF, JPEG atau PNG)").set_input_files(str(scan))
    phone.get_by_role("button", name="Unggah dokumen").click()
    expect(phone.locator(".flash-success")).to_contain_text("Dokumen KTP peserta disimpan.")
    key_screen(phone, "case-detail-reporter")
    assert phone.console_errors == []

    login(desktop, live_server, "staff1", PASSWORD)
    desktop.goto(live_server.url + "/kasus/")
    expect(desktop.locator("#case-results")).to_contain_text("Sitti Aminah")
    desktop.get_by_label("Jenis").select_option("jkk")  # htmx swaps the results
    expect(desktop.locator("#case-results")).to_contain_text("Kecelakaan kerja (JKK)")
    key_screen(desktop, "case-list-staff")
    desktop.locator("#case-results a").first.click()
    desktop.get_by_label("Status baru").select_option(label="Dikirim ke BPJS: tahap I")
    desktop.get_by_label("Catatan (wajib untuk pembatalan)").fill("Formulir 3 KK 1 dikirim.")
    desktop.get_by_role("button", name="Ubah status").click()
    expect(desktop.locator(".flash-success")).to_contain_text("Dikirim ke BPJS: tahap I")
    expect(desktop.locator(".timeline")).to_contain_text("Formulir 3 KK 1 dikirim.")
    key_screen(desktop, "case-detail-staff")
    assert desktop.console_errors == []
