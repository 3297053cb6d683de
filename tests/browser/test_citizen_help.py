"""Journey: on a slow phone the check shows it is running, cannot be pressed twice, and its answer takes focus with whom to ask."""

from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Role
from tests.browser.conftest import key_screen, nav_link
from tests.factories import make_member, make_user


def test_a_slow_status_check_shows_a_busy_button_then_focuses_the_answer_with_the_rw_contacts(live_server, live_app, phone):
    with live_app.app_context():
        member, _ = make_member("Siti Aminah")
        head = make_user("rtrw1", Role.RT_RW, rw=2, phone="081211112222", phone_public=True)
        head.full_name = "Daeng Baso"
        db.session.commit()
        nik = member.nik
    phone.goto(live_server.url + "/cek-status")
    phone.wait_for_load_state()
    # Hold the answer back, as a slow network would.
    held = []
    phone.route("**/cek-status", lambda route: held.append(route) if route.request.method == "POST" else route.continue_())
    phone.get_by_label("NIK (16 angka)").fill(nik)
    phone.get_by_label("Nama lengkap sesuai KTP").fill("Siti Aminah")
    button = phone.locator("form.citizen-form button[type=submit]")
    button.click()
    expect(button).to_be_disabled()
    expect(button).to_have_accessible_name("Sedang memeriksa…")
    key_screen(phone, "status-busy")
    # A second press does nothing while the first check runs.
    button.click(force=True)
    assert len(held) == 1
    held[0].continue_()
    answer = phone.locator("#status-answer article[data-answer]")
    expect(answer.get_by_role("heading", name="Terdaftar dan terlindungi")).to_be_visible()
    expect(answer).to_be_focused()
    expect(button).to_be_enabled()
    expect(button).to_have_accessible_name("Cek status")
    expect(answer.get_by_role("link", name="WhatsApp").first).to_have_attribute("href", "https://wa.me/6281211112222")
    expect(answer).to_contain_text("Daeng Baso")
    expect(answer).to_contain_text("Butuh bantuan?")
    assert len(held) == 1
    key_screen(phone, "status-covered-with-help")
    assert phone.console_errors == []


def test_the_eligibility_yes_no_choices_are_large_touch_targets_and_the_birth_date_is_typed(live_server, live_app, phone):
    phone.goto(live_server.url + "/cek-kelayakan")
    for name in ("employer_covered", "civil_servant"):
        for label in phone.locator(f"label.choice:has(input[name={name}])").all():
            box = label.bounding_box()
            assert box["height"] >= 44 and box["width"] >= 44
    birth_date = phone.get_by_label("Tanggal lahir")
    expect(birth_date).to_have_attribute("type", "text")
    birth_date.fill("13/02/1985")
    phone.locator("label[for=employer_covered-1]").click()
    expect(phone.locator("#employer_covered-1")).to_be_checked()
    key_screen(phone, "eligibility-large-choices")


def test_the_help_page_is_accessible_on_a_phone(live_server, live_app, phone):
    phone.goto(live_server.url + "/")
    nav_link(phone, "Bantuan").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Bantuan")
    expect(phone.locator("#rumah-sakit-mitra")).to_be_attached()
    key_screen(phone, "help-page")
