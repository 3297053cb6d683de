"""Journey: a staff member on a phone opens the request queue, answers a request and closes it;
the RT/RW head answers a question about their RW (with and without JavaScript)."""

from playwright.sync_api import expect

from portal.models import RequestKind, Role
from tests.browser.conftest import key_screen, login, nav_link
from tests.conftest import PASSWORD
from tests.factories import LETTE, make_user
from tests.public_requests.staff_helpers import receive


def test_staff_open_the_queue_answer_and_close_a_request_on_a_phone(live_server, live_app, phone):
    with live_app.app_context():
        make_user("staff1", Role.STAFF)
        reference = receive(RequestKind.CARD_MISSING).reference

    login(phone, live_server, "staff1", PASSWORD)
    nav_link(phone, "Permintaan warga").click()
    expect(phone.get_by_role("heading", name="Meja permintaan warga")).to_be_visible()
    expect(phone.locator("#request-results")).to_contain_text(reference)
    phone.get_by_label("Jenis").select_option("card_missing")  # htmx swaps the results
    expect(phone.locator("#request-results")).to_contain_text("Kartu saya belum sampai")
    key_screen(phone, "request-queue-staff")
    phone.get_by_role("link", name=reference).click()
    expect(phone.get_by_role("heading", name=f"Permintaan {reference}: Kartu saya belum sampai")).to_be_visible()
    phone.get_by_role("button", name="Saya yang menangani").click()
    expect(phone.locator(".flash-success")).to_contain_text("Penanggung jawab disimpan.")
    phone.get_by_label("Jawaban untuk pemohon (dibaca pemohon di halaman lacak)").fill(
        "Kartu Anda sudah dicetak dan dapat diambil di kantor kelurahan Lette.")
    phone.get_by_role("button", name="Simpan jawaban").click()
    expect(phone.locator(".flash-success")).to_contain_text("Jawaban disimpan")
    key_screen(phone, "request-detail-answered")
    phone.get_by_label("Diterima dan ditindaklanjuti").check()
    phone.get_by_role("button", name="Tutup permintaan").click()
    expect(phone.locator(".flash-success")).to_contain_text("Permintaan ditutup.")
    expect(phone.locator(".timeline")).to_contain_text("Diterima dan ditindaklanjuti")
    assert phone.console_errors == []


def test_the_rt_rw_head_answers_staffs_question_without_javascript(live_server, live_app, phone_without_js):
    from portal.extensions import db
    from portal.public_requests import handling

    with live_app.app_context():
        staff = make_user("staff1", Role.STAFF)
        make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
        request = receive(RequestKind.DIED_OR_MOVED, description="Pak Baso sudah pindah ke Gowa.")
        handling.ask_area(request, "Benarkah Pak Baso sudah pindah?", staff)
        db.session.commit()
        reference = request.reference

    page = phone_without_js
    login(page, live_server, "rtrw1", PASSWORD)
    nav_link(page, "Permintaan warga").click()
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_text("Benarkah Pak Baso sudah pindah?")).to_be_visible()
    page.get_by_label("Keterangan Anda").fill("Benar, sudah pindah sejak Agustus.")
    key_screen(page, "request-area-answer")
    page.get_by_role("button", name="Kirim keterangan").click()
    expect(page.locator(".flash-success")).to_contain_text("keterangan Anda sudah dikirim")
    expect(page.locator("#request-results")).to_contain_text("Tidak ada permintaan yang menunggu keterangan Anda.")
