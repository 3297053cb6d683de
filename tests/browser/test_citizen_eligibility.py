"""Journey: a citizen does the eligibility self-check on a phone, in Indonesian and in English."""

from playwright.sync_api import expect

from portal.models import Role
from tests.browser.conftest import key_screen, nav_link
from tests.factories import make_user


def _answer_questions(page, *, kecamatan: str, kelurahan: str, category: str, labels: dict[str, str]) -> None:
    page.wait_for_load_state()  # htmx listens for the change only once the page has loaded
    page.get_by_label(labels["kecamatan"]).select_option(label=kecamatan)
    # htmx swaps in the kecamatan's own kelurahan list.
    kelurahan_field = page.get_by_label(labels["kelurahan"])
    expect(kelurahan_field.locator("option", has_text=kelurahan)).to_be_attached()
    kelurahan_field.select_option(label=kelurahan)
    page.get_by_label(labels["rw"]).fill("2")
    page.get_by_label(labels["birth_date"]).fill("1985-02-13")
    page.get_by_label(labels["category"]).select_option(label=category)


INDONESIAN = {
    "kecamatan": "Kecamatan domisili",
    "kelurahan": "Kelurahan domisili",
    "rw": "Nomor RW",
    "birth_date": "Tanggal lahir",
    "category": "Pekerjaan",
}
ENGLISH = {
    "kecamatan": "Kecamatan you live in",
    "kelurahan": "Kelurahan you live in",
    "rw": "RW number",
    "birth_date": "Date of birth",
    "category": "Occupation",
}


def test_citizen_does_the_eligibility_self_check_and_reads_it_in_english(live_server, live_app, phone):
    with live_app.app_context():
        make_user("rtrw1", Role.RT_RW, phone="081234567890", phone_public=True)
    phone.goto(live_server.url + "/")
    nav_link(phone, "Cek Kelayakan").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Cek Kelayakan")
    kelurahan = phone.get_by_label("Kelurahan domisili")
    expect(kelurahan.locator("option")).to_have_count(1)  # only the prompt until a kecamatan is chosen
    key_screen(phone, "eligibility-form")

    _answer_questions(phone, kecamatan="Mariso", kelurahan="Lette", category="Kader Posyandu dan KB", labels=INDONESIAN)
    # Another kecamatan replaces the list: Lette is in Mariso, not in Tamalate.
    phone.get_by_label("Kecamatan domisili").select_option(label="Tamalate")
    expect(kelurahan.locator("option", has_text="Pa'baeng-Baeng")).to_be_attached()
    expect(kelurahan.locator("option", has_text="Lette")).to_have_count(0)
    phone.get_by_label("Kecamatan domisili").select_option(label="Mariso")
    expect(kelurahan.locator("option", has_text="Lette")).to_be_attached()
    kelurahan.select_option(label="Lette")
    phone.get_by_role("button", name="Cek kelayakan").click()

    answer = phone.locator("#eligibility-answer")
    expect(answer.get_by_role("heading", name="Kemungkinan memenuhi syarat")).to_be_visible()
    expect(answer.get_by_role("link", name="081234567890")).to_be_visible()
    key_screen(phone, "eligibility-answer")

    phone.get_by_role("button", name="English").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Eligibility check")
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    _answer_questions(phone, kecamatan="Mariso", kelurahan="Lette", category="Posyandu and family-planning cadres", labels=ENGLISH)
    phone.get_by_role("button", name="Check eligibility").click()
    expect(answer.get_by_role("heading", name="Probably eligible")).to_be_visible()
    key_screen(phone, "eligibility-answer-en")

    phone.get_by_role("button", name="Bahasa Indonesia").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Cek Kelayakan")
    expect(phone.locator("html")).to_have_attribute("lang", "id")
    assert phone.url == live_server.url + "/cek-kelayakan"
    assert phone.console_errors == []
