"""Journey: a citizen checks their status on a phone (covered, pending, not found), with and without JavaScript."""

from playwright.sync_api import expect

from portal.models import Role
from portal.models.base import utcnow
from tests.browser.conftest import key_screen, nav_link
from tests.factories import make_entry, make_list, make_member, make_user, new_nik


def _people(live_app) -> dict[str, str]:
    """A covered member, a proposed person waiting for review, and a NIK nobody has."""
    with live_app.app_context():
        member, _membership = make_member("Siti Aminah")
        proposal = make_entry(make_list(make_user("rtrw1", Role.RT_RW)), full_name="Budi Santoso", submitted_at=utcnow())
        return {"covered": member.nik, "pending": proposal.nik, "unknown": new_nik()}


def _check(page, nik: str, name: str) -> None:
    page.get_by_label("NIK (16 angka)").fill(nik)
    page.get_by_label("Nama lengkap sesuai KTP").fill(name)
    page.get_by_role("button", name="Cek status").click()


def test_citizen_checks_a_covered_a_pending_and_an_unknown_nik_on_a_phone(live_server, live_app, phone):
    niks = _people(live_app)
    phone.goto(live_server.url + "/")
    nav_link(phone, "Cek Status").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Cek Status")
    key_screen(phone, "status-form")
    # The answers are swapped in under the form: the page itself is never reloaded.
    phone.evaluate("window.samePage = true")

    # People copy a NIK from the KTP in groups of four; the name's case does not matter.
    covered = niks["covered"]
    _check(phone, f"{covered[:4]} {covered[4:8]} {covered[8:12]} {covered[12:]}", "siti aminah")
    answer = phone.locator("#status-answer")
    expect(answer.get_by_role("heading", name="Terdaftar dan terlindungi")).to_be_visible()
    expect(answer).to_contain_text("JKK, JKM")
    expect(answer).not_to_contain_text(covered)
    key_screen(phone, "status-covered")

    _check(phone, niks["pending"], "Budi Santoso")
    expect(answer.get_by_role("heading", name="Sedang diverifikasi")).to_be_visible()
    key_screen(phone, "status-pending")

    _check(phone, niks["unknown"], "Budi Santoso")
    expect(answer.get_by_role("heading", name="Data tidak ditemukan")).to_be_visible()
    expect(answer.get_by_role("link", name="Cek kelayakan Anda")).to_be_visible()
    key_screen(phone, "status-not-found")

    _check(phone, "7,37101E+15", "Budi Santoso")
    expect(answer.get_by_role("alert")).to_contain_text("NIK")
    key_screen(phone, "status-invalid-nik")

    assert phone.evaluate("window.samePage") is True
    assert phone.url == live_server.url + "/cek-status"
    assert phone.console_errors == []


def test_status_check_completes_with_javascript_disabled(live_server, live_app, phone_without_js):
    niks = _people(live_app)
    phone_without_js.goto(live_server.url + "/cek-status")
    _check(phone_without_js, niks["covered"], "Siti Aminah")
    expect(phone_without_js.get_by_role("heading", name="Terdaftar dan terlindungi")).to_be_visible()
    # A whole page came back from the POST, the form still above the answer.
    expect(phone_without_js.get_by_role("heading", level=1)).to_have_text("Cek Status")
    key_screen(phone_without_js, "status-covered-without-js")
    assert phone_without_js.console_errors == []
