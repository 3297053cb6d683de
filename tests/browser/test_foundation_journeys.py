"""Journeys through the portal's base: home, language switch, sign-in per role."""

from playwright.sync_api import expect

from portal.models import Role
from tests.browser.conftest import assert_accessible, assert_fits_width, login, screenshot
from tests.conftest import PASSWORD
from tests.factories import make_user


def test_visitor_reads_the_home_page_on_a_phone_and_switches_to_english(live_server, phone):
    phone.goto(live_server.url + "/")
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Perlindungan BPJS Ketenagakerjaan")
    assert_fits_width(phone)
    assert_accessible(phone)
    screenshot(phone, "home-id")

    phone.get_by_role("button", name="English").click()
    expect(phone.get_by_role("heading", name="For citizens")).to_be_visible()
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    screenshot(phone, "home-en")
    phone.get_by_role("button", name="Bahasa Indonesia").click()
    expect(phone.get_by_role("heading", name="Untuk warga")).to_be_visible()
    assert phone.console_errors == []


def test_rt_rw_head_signs_in_sees_their_area_and_signs_out(live_server, live_app, desktop):
    with live_app.app_context():
        make_user("rtrw1", Role.RT_RW)
    login(desktop, live_server, "rtrw1", PASSWORD)
    expect(desktop.get_by_text("Wilayah Anda: Lette RW 002")).to_be_visible()
    assert_accessible(desktop)
    screenshot(desktop, "home-rt-rw")
    desktop.get_by_role("button", name="Keluar").click()
    expect(desktop.get_by_text("Anda sudah keluar.")).to_be_visible()
    assert desktop.console_errors == []


def test_wrong_password_shows_a_message_next_to_the_field(live_server, live_app, phone):
    with live_app.app_context():
        make_user("staff1", Role.STAFF)
    phone.goto(live_server.url + "/masuk")
    phone.get_by_label("Nama pengguna").fill("staff1")
    phone.get_by_label("Kata sandi").fill("salah-sekali-123")
    phone.get_by_role("button", name="Masuk").click()
    expect(phone.get_by_text("Nama pengguna atau kata sandi salah.")).to_be_visible()
    assert_accessible(phone)
    assert_fits_width(phone)
    screenshot(phone, "login-error")


def test_sign_in_works_with_javascript_disabled(live_server, live_app, phone_without_js):
    with live_app.app_context():
        make_user("staff1", Role.STAFF)
    login(phone_without_js, live_server, "staff1", PASSWORD)
    expect(phone_without_js.get_by_text("seluruh wilayah Kota Makassar")).to_be_visible()
