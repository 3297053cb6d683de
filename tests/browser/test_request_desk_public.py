"""Journey: a resident sends a request from a phone (360 px), gets a tracking code and tracks
it, with and without JavaScript."""

from playwright.sync_api import expect

from tests.browser.conftest import key_screen, nav_link
from tests.factories import make_member


def _member_nik(live_app) -> str:
    with live_app.app_context():
        person, _membership = make_member("Siti Aminah")
        return person.nik


def _send_card_missing(page, nik: str) -> str:
    """Fill the "card has not arrived" form; returns the tracking code shown."""
    page.get_by_role("link", name="Kartu saya belum sampai").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kartu saya belum sampai")
    page.get_by_label("NIK Anda (16 angka)").fill(nik)
    page.get_by_label("Nama lengkap Anda sesuai KTP").fill("Siti Aminah")
    page.get_by_label("Kelurahan").select_option(label="Lette, Mariso")
    page.get_by_label("Nomor RW").fill("2")
    page.get_by_label("Ceritakan masalahnya").fill("Kartu peserta belum sampai sejak Oktober, sudah tanya ketua RT.")
    page.get_by_label("Nomor HP Anda").fill("0812 3456 7890")
    page.get_by_role("button", name="Kirim permintaan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Permintaan Anda diterima")
    code = page.locator("[data-tracking-code]").inner_text()
    assert len(code) == 14
    return code


def _track(page, code: str, nik: str) -> None:
    page.get_by_label("Kode pelacakan").fill(code.lower())
    page.get_by_label("NIK Anda (jika permintaan tentang diri Anda)").fill(nik)
    page.get_by_role("button", name="Lacak").click()


def test_a_resident_sends_a_request_gets_a_code_and_tracks_it_on_a_phone(live_server, live_app, phone):
    nik = _member_nik(live_app)
    phone.goto(live_server.url + "/")
    nav_link(phone, "Permintaan dan pengaduan").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Sampaikan permintaan atau keberatan")
    key_screen(phone, "request-kinds")
    code = _send_card_missing(phone, nik)
    expect(phone.get_by_role("button", name="Cetak")).to_be_visible()
    key_screen(phone, "request-received")
    assert code not in phone.url and nik not in phone.url

    phone.get_by_role("link", name="Lacak permintaan").click()
    _track(phone, code, nik)
    answer = phone.locator("#track-answer")
    expect(answer.get_by_role("heading", name="Kartu saya belum sampai")).to_be_visible()
    expect(answer).to_contain_text("Diterima")
    key_screen(phone, "request-tracked")
    _track(phone, code, "7371010101010001")
    expect(answer.get_by_role("heading", name="Permintaan tidak ditemukan")).to_be_visible()
    assert phone.url == live_server.url + "/permintaan/lacak"
    assert phone.console_errors == []


def test_the_request_journey_works_without_javascript(live_server, live_app, phone_without_js):
    nik = _member_nik(live_app)
    phone_without_js.goto(live_server.url + "/permintaan")
    code = _send_card_missing(phone_without_js, nik)
    # No script to print with: the button stays hidden, the code is on the page to write down.
    expect(phone_without_js.get_by_role("button", name="Cetak")).to_be_hidden()
    key_screen(phone_without_js, "request-received-without-js")
    phone_without_js.get_by_role("link", name="Lacak permintaan").click()
    _track(phone_without_js, code, nik)
    expect(phone_without_js.get_by_role("heading", name="Kartu saya belum sampai")).to_be_visible()
    assert phone_without_js.console_errors == []
