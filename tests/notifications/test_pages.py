"""The staff view, the retry button, the reply endpoints (STOP) and the help page's stop form."""

from __future__ import annotations

import hashlib
import hmac
import json

from portal.extensions import db
from portal.models import AuditEvent, MessageState, NotificationMessage, NotificationOptOut, Role
from portal.notifications import outbox, recipients, sender, texts
from portal.notifications.outbox import Notice
from tests.conftest import AuthActions, csrf_token
from tests.factories import make_member, make_user
from tests.notifications.helpers import messages


def _dead_message(person_id=None) -> int:
    outbox.queue_phone(texts.MEMBER_APPROVED, [Notice("6281234567890", {"first_name": "Andi", "starts_on": "1 Januari 2027",
                                                                         "link": "http://portal.test/cek-status"}, person_id=person_id)])
    db.session.commit()
    message = messages()[0]
    message.state, message.attempts, message.provider_code = MessageState.DEAD, 8, "503/131000"
    db.session.commit()
    return message.id


def test_staff_see_figures_dead_letters_and_the_development_channel_and_can_retry(notify_app):
    app = notify_app()
    client = app.test_client()
    with app.app_context():
        make_user("staff1", Role.STAFF)
        message_id = _dead_message()
    AuthActions(client).login("staff1")
    page = client.get("/notifikasi/").get_data(as_text=True)
    assert "Pesan gagal" in page and "503/131000" in page and "6281*******90" in page and "6281234567890" not in page
    assert "Halo Andi, Anda kini peserta" in page  # the development channel's text
    response = client.post(f"/notifikasi/{message_id}/ulang", data={"csrf_token": csrf_token(client, "/notifikasi/")}, follow_redirects=True)
    assert "Pesan dikirim ulang." in response.get_data(as_text=True)
    with app.app_context():
        message = db.session.get(NotificationMessage, message_id)
        assert (message.state, message.attempts) == (MessageState.QUEUED, 0)
        assert db.session.scalar(db.select(AuditEvent).filter_by(action="notification.retry")).actor_name == "staff1"
        assert sender.send_pass().counts == {"sent": 1}
    again = client.post(f"/notifikasi/{message_id}/ulang", data={"csrf_token": csrf_token(client, "/notifikasi/")}, follow_redirects=True)
    assert "Pesan ini tidak gagal" in again.get_data(as_text=True)


def test_a_retry_without_the_csrf_token_changes_nothing(notify_app):
    app = notify_app()
    client = app.test_client()
    with app.app_context():
        make_user("staff1", Role.STAFF)
        message_id = _dead_message()
    AuthActions(client).login("staff1")
    response = client.post(f"/notifikasi/{message_id}/ulang")
    assert response.status_code in (302, 400)
    with app.app_context():
        assert db.session.get(NotificationMessage, message_id).state == MessageState.DEAD


def test_rt_rw_heads_and_visitors_cannot_open_the_staff_view(notify_app):
    app = notify_app()
    client = app.test_client()
    with app.app_context():
        make_user("rtrw1", Role.RT_RW)
        message_id = _dead_message()
    assert client.get("/notifikasi/").status_code in (302, 404)
    AuthActions(client).login("rtrw1")
    assert client.get("/notifikasi/").status_code == 404
    assert client.post(f"/notifikasi/{message_id}/ulang", data={"csrf_token": csrf_token(client, "/")}).status_code == 404


def _whatsapp_reply(phone: str, text: str) -> bytes:
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "6281100000000", "phone_number_id": "1"},
        "contacts": [{"profile": {"name": "Andi"}, "wa_id": phone}],
        "messages": [{"from": phone, "id": "wamid.in", "timestamp": "1764800000", "type": "text", "text": {"body": text}}]}}]}]}).encode()


def test_a_whatsapp_reply_stop_signed_by_meta_stops_the_number_and_a_forged_one_is_refused(notify_app):
    app = notify_app(NOTIFY_WHATSAPP_APP_SECRET="app-secret", NOTIFY_WHATSAPP_VERIFY_TOKEN="verify-me")
    client = app.test_client()
    body = _whatsapp_reply("6281234567890", " berhenti ")
    signature = "sha256=" + hmac.new(b"app-secret", body, hashlib.sha256).hexdigest()
    forged = client.post("/notifikasi/balasan/whatsapp", data=body, headers={"X-Hub-Signature-256": "sha256=" + "0" * 64},
                         content_type="application/json")
    assert forged.status_code == 403
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(NotificationOptOut)) == 0
    ok = client.post("/notifikasi/balasan/whatsapp", data=body, headers={"X-Hub-Signature-256": signature}, content_type="application/json")
    assert ok.status_code == 200
    with app.app_context():
        assert recipients.opted_out({recipients.digest("6281234567890")})
        [stored] = db.session.scalars(db.select(NotificationOptOut)).all()
        assert "6281234567890" not in stored.recipient_digest and stored.source == "reply"
        outbox.queue_phone(texts.MEMBER_APPROVED, [Notice("6281234567890", {"first_name": "A", "starts_on": "x", "link": "y"})])
        db.session.commit()
        assert messages() == []  # STOP honoured when queueing
    check = client.get("/notifikasi/balasan/whatsapp?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444")
    assert check.get_data(as_text=True) == "1158201444"
    assert client.get("/notifikasi/balasan/whatsapp?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1").status_code == 404


def test_an_sms_reply_stop_needs_the_gateways_token(notify_app):
    app = notify_app(NOTIFY_SMS_INBOUND_TOKEN="gw-token")
    client = app.test_client()
    assert client.post("/notifikasi/balasan/sms?token=bad", data={"from": "081234567890", "text": "STOP"}).status_code == 403
    assert client.post("/notifikasi/balasan/sms?token=gw-token", data={"from": "081234567890", "text": "Terima kasih"}).status_code == 200
    with app.app_context():
        assert not recipients.opted_out({recipients.digest("6281234567890")})
    assert client.post("/notifikasi/balasan/sms?token=gw-token", data={"from": "+62 812-3456-7890", "text": "stop"}).status_code == 200
    with app.app_context():
        assert recipients.opted_out({recipients.digest("6281234567890")})


def test_reply_endpoints_answer_404_until_configured(notify_app):
    client = notify_app().test_client()
    assert client.post("/notifikasi/balasan/whatsapp", data=b"{}", content_type="application/json").status_code == 404
    assert client.post("/notifikasi/balasan/sms", data={"from": "081234567890", "text": "STOP"}).status_code == 404
    assert client.get("/notifikasi/balasan/whatsapp").status_code == 404


def test_the_help_page_stops_messages_to_a_number_and_says_what_is_wrong_with_a_bad_one(notify_app):
    app = notify_app()
    client = app.test_client()
    page = client.get("/bantuan").get_data(as_text=True)
    assert 'action="/bantuan/berhenti-pesan"' in page and "Hentikan pesan" in page
    token = csrf_token(client, "/bantuan")
    bad = client.post("/bantuan/berhenti-pesan", data={"csrf_token": token, "phone": "12"})
    assert bad.status_code == 200 and "Nomor HP tidak lazim" in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(NotificationOptOut)) == 0
    done = client.post("/bantuan/berhenti-pesan", data={"csrf_token": token, "phone": "0812 3456 7890"}, follow_redirects=True)
    assert "tidak akan menerima pesan dari portal lagi" in done.get_data(as_text=True)
    with app.app_context():
        assert recipients.opted_out({recipients.digest("6281234567890")})
        event = db.session.scalar(db.select(AuditEvent).filter_by(action="notification.stop"))
        assert "0812" not in json.dumps(event.details) and "7890" not in json.dumps(event.details)


def test_the_member_page_shows_the_messages_sent_to_that_person(notify_app):
    app = notify_app()
    client = app.test_client()
    with app.app_context():
        make_user("staff1", Role.STAFF)
        person, _membership = make_member()
        person_id = person.id
        _dead_message(person_id=person_id)
    AuthActions(client).login("staff1")
    page = client.get(f"/anggota/{person_id}").get_data(as_text=True)
    assert "Pesan yang dikirim" in page and "Halo Andi, Anda kini peserta" in page
