"""Journey: on a phone, a reviewer opens an entry from the queue, sees its duplicate side by
side, reveals the NIK, and rejects it with a reason; a second reviewer takes a batch."""

from datetime import date

from playwright.sync_api import expect

from portal.models import Role
from portal.models.base import utcnow
from tests.browser.conftest import key_screen, login
from tests.conftest import PASSWORD
from tests.factories import make_entry, make_list, make_member, make_user


def test_a_reviewer_decides_an_entry_from_its_page_on_a_phone(live_server, live_app, phone):
    with live_app.app_context():
        born = date(1979, 8, 21)
        make_member("Siti Aminah", birth_date=born)
        entry = make_entry(make_list(make_user("rtrw1", Role.RT_RW)), full_name="Hj. Siti Aminah", birth_date=born,
                           submitted_at=utcnow(), phone="081234567890", street="Jl. Kakatua 7")
        nik = entry.nik
        make_user("staff1", Role.STAFF)
    login(phone, live_server, "staff1", PASSWORD)
    phone.goto(live_server.url + "/verifikasi/")
    phone.get_by_role("link", name="Hj. Siti Aminah").click()
    expect(phone.get_by_role("heading", name="Kemungkinan ganda (1)")).to_be_visible()
    expect(phone.get_by_text("Nama (bentuk kanonik) dan tanggal lahir sama")).to_be_visible()
    expect(phone.get_by_text(nik, exact=True)).to_have_count(0)
    phone.get_by_role("button", name="Tampilkan NIK lengkap").click()
    expect(phone.get_by_text(nik, exact=True)).to_be_visible()
    assert nik not in phone.url
    key_screen(phone, "review-entry-page")

    phone.get_by_label("Alasan penolakan").select_option(label="Terdaftar ganda")
    phone.get_by_role("button", name="Tolak usulan").click()
    expect(phone.get_by_text("Usulan ditolak.")).to_be_visible()
    expect(phone.locator(".decision-panel").get_by_text("Ditolak")).to_be_visible()
    assert phone.console_errors == []


def test_a_reviewer_takes_a_batch_and_sees_it_as_theirs(live_server, live_app, desktop):
    with live_app.app_context():
        member_list = make_list(make_user("rtrw1", Role.RT_RW))
        for name in ("Andi Wijaya", "Rina Marlina"):
            make_entry(member_list, full_name=name, submitted_at=utcnow())
        make_user("staff2", Role.STAFF)
    login(desktop, live_server, "staff2", PASSWORD)
    desktop.goto(live_server.url + "/verifikasi/")
    desktop.get_by_role("button", name="Ambil 20 usulan untuk saya tinjau").click()
    expect(desktop.get_by_text("2 usulan diambil untuk Anda tinjau")).to_be_visible()
    expect(desktop.locator("#queue-results tbody .held-mine")).to_have_count(2)
    key_screen(desktop, "review-batch-taken")
    desktop.get_by_role("button", name="Lepaskan usulan saya").click()
    expect(desktop.get_by_text("2 usulan dilepas kembali ke antrean.")).to_be_visible()
    assert desktop.console_errors == []
