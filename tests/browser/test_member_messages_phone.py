"""Messages as their people meet them: an RT/RW head on a 360 px phone agrees to messages in
English and hands out a consenting member's card; staff then read on the notifications page
the one message the member was sent (the development channel shows its text)."""

from playwright.sync_api import expect

from portal.certificates.services import print_document
from portal.extensions import db
from portal.models import NotificationMessage, PrintDocument, Role, User
from tests.browser.conftest import key_screen, login
from tests.conftest import PASSWORD
from tests.factories import make_member, make_user


def test_a_head_chooses_english_messages_and_a_handed_out_card_tells_its_member(live_server, live_app, phone, desktop):
    with live_app.app_context():
        make_user("rtrw1", Role.RT_RW, phone="081355500011")
        staff = make_user("petugas", Role.STAFF)
        _person, membership = make_member("St. Rahmatia", phone="081234567801", phone_consent=True)
        certificate_id = print_document(membership, PrintDocument.CARD, staff).id
        db.session.commit()

    login(phone, live_server, "rtrw1", PASSWORD)
    phone.goto(f"{live_server.url}/akun/keamanan#kabar")
    phone.get_by_label("Setuju menerima kabar lewat WhatsApp/SMS di nomor ini").check()
    phone.get_by_label("English").check()
    key_screen(phone, "account-messages")
    phone.locator("#kabar").get_by_role("button", name="Simpan").click()
    expect(phone.get_by_text("Persetujuan menerima kabar disimpan.")).to_be_visible()
    with live_app.app_context():
        head = db.session.scalar(db.select(User).filter_by(username="rtrw1"))
        assert (head.phone_consent, head.message_locale) == (True, "en")

    phone.goto(f"{live_server.url}/kartu/{certificate_id}/serahkan")
    phone.get_by_role("button", name="Simpan").click()
    expect(phone.get_by_text("Penyerahan kartu dicatat.")).to_be_visible()

    login(desktop, live_server, "petugas", PASSWORD)
    desktop.goto(f"{live_server.url}/notifikasi/")
    messages = desktop.locator("li", has_text="card_handed_over")
    expect(messages).to_have_count(1)
    expect(messages).to_contain_text("Halo Siti, kartu peserta BPJS Ketenagakerjaan Anda tercatat sudah diserahkan")
    expect(messages).not_to_contain_text("Rahmatia")
    expect(desktop.locator("li", has_text="card_ready")).to_have_count(1)  # printed once, before the hand-over
    key_screen(desktop, "notifications-member-events")
    with live_app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(NotificationMessage)) == 2
