"""Journey: staff print a kelurahan's cards in a batch, download the PDF, and a card's QR code opens "valid"."""

import threading

import pypdfium2
import zxingcpp
from playwright.sync_api import expect

from portal.certificates import jobs
from portal.models import Role
from tests.browser.conftest import key_screen, login, nav_link
from tests.conftest import PASSWORD
from tests.factories import LETTE, make_member, make_user


def _qr_urls(pdf_path) -> list[str]:
    document = pypdfium2.PdfDocument(str(pdf_path))
    image = document[0].render(scale=4).to_pil()
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def test_staff_print_a_kelurahan_s_cards_and_a_card_s_qr_code_says_valid(live_server, live_app, desktop, tmp_path):
    with live_app.app_context():
        for name in ("Siti Aminah", "Andi Wijaya", "Rina Marlina"):
            make_member(name, kelurahan_code=LETTE)
        make_user("staff1", Role.STAFF)
    # The local worker is busy with another job until the gate opens: the job waits its turn.
    gate = threading.Event()
    jobs.local_worker(live_app).submit(gate.wait, 30)

    login(desktop, live_server, "staff1", PASSWORD)
    nav_link(desktop, "Cetak kartu").click()
    desktop.get_by_label("Kelurahan").select_option(value=LETTE)
    key_screen(desktop, "print-batch-form")
    desktop.get_by_role("button", name="Mulai mencetak").click()

    progress = desktop.locator(".job-progress progress")
    expect(progress).to_have_attribute("value", "0")
    expect(desktop.get_by_text("Menunggu giliran")).to_be_visible()
    key_screen(desktop, "print-batch-waiting")
    gate.set()
    # htmx polls the progress block every second until the job is done.
    expect(progress).to_have_attribute("value", "3", timeout=30_000)
    download_link = desktop.get_by_role("link", name="Unduh PDF")
    expect(download_link).to_be_visible()
    key_screen(desktop, "print-batch-done")

    with desktop.expect_download() as download:
        download_link.click()
    pdf_path = tmp_path / "cards.pdf"
    download.value.save_as(pdf_path)
    urls = _qr_urls(pdf_path)
    assert len(urls) == 3
    assert all(url.startswith(live_server.url + "/v/") for url in urls)

    desktop.goto(urls[0])
    expect(desktop.get_by_text("Sah dan berlaku")).to_be_visible()
    key_screen(desktop, "verify-valid")
    assert desktop.console_errors == []
