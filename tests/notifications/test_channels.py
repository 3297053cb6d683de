"""Each channel against a local server speaking its provider's API, errors and rate limits included."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time

from portal.extensions import db
from portal.models import Channel, MessageState, NotificationMessage, Role
from portal.notifications import sender
from portal.review import services as review
from tests.factories import make_entry, make_list, make_user
from tests.notifications.helpers import messages

WAMID = "wamid.HBgLNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjBDNkE2RjA0QkE4QzBCMDEyAA=="


def _approve(count=1):
    staff = make_user("staff1", Role.STAFF)
    member_list = make_list(make_user("rtrw1", Role.RT_RW))
    ids = [make_entry(member_list, full_name="Andi Baso Rahman", phone=f"08123456780{n}", phone_consent=True).id for n in range(count)]
    review.approve_entries(ids, staff, commit=db.session.commit)


def _whatsapp(provider, **overrides):
    return {"NOTIFY_WHATSAPP_BASE_URL": provider.url, "NOTIFY_WHATSAPP_API_VERSION": "v21.0",
            "NOTIFY_WHATSAPP_PHONE_NUMBER_ID": "106540352242922", "NOTIFY_WHATSAPP_TOKEN": "EAAG-test-token", **overrides}


def _whatsapp_error(code, status=400, message="error"):
    return (status, {"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam"}}, {})


def test_whatsapp_sends_the_template_message_the_cloud_api_documents(notify_app, provider):
    provider.answers = [(200, {"messaging_product": "whatsapp", "contacts": [{"input": "6281234567800", "wa_id": "6281234567800"}],
                               "messages": [{"id": WAMID}]}, {})]
    app = notify_app(**_whatsapp(provider))
    with app.app_context():
        _approve()
        report = sender.send_pass()
        assert report.counts == {"sent": 2}  # the text, and the super-app's webhook on the development channel
        [request] = provider.seen
        assert (request.method, request.path) == ("POST", "/v21.0/106540352242922/messages")
        assert request.headers["authorization"] == "Bearer EAAG-test-token"
        sent = request.json()
        assert sent["messaging_product"] == "whatsapp" and sent["to"] == "6281234567800" and sent["type"] == "template"
        assert sent["template"]["name"] == "perisai_member_approved" and sent["template"]["language"] == {"code": "id"}
        [body] = sent["template"]["components"]
        assert body["type"] == "body"
        assert [p["type"] for p in body["parameters"]] == ["text"] * 3
        assert body["parameters"][0]["text"] == "Andi" and body["parameters"][2]["text"] == "http://portal.test/cek-status"
        [message] = messages(channel=Channel.WHATSAPP)
        assert (message.state, message.provider_message_id, message.attempts) == (MessageState.SENT, WAMID, 1)


def test_whatsapp_rate_limits_wait_and_an_undeliverable_number_fails_for_good(notify_app, provider):
    provider.answers = [_whatsapp_error(130429, message="Rate limit hit"), _whatsapp_error(131056, message="Pair rate limit"),
                        (429, {}, {"Retry-After": "1"}), _whatsapp_error(131026, message="Message undeliverable")]
    app = notify_app(**_whatsapp(provider), NOTIFY_WEBHOOK_URL="", NOTIFY_RETRY_SECONDS=0)
    with app.app_context():
        _approve()
        db.session.execute(db.delete(NotificationMessage).where(NotificationMessage.channel == Channel.DEV))
        db.session.commit()
        sender.send_pass()  # retried at once (NOTIFY_RETRY_SECONDS=0) until the 429's Retry-After
        sender.send_pass(now=sender.current_moment().replace(year=2099))
        [message] = messages()
        assert (message.state, message.provider_code, message.attempts) == (MessageState.FAILED, "400/131026", 4)
        assert len(provider.seen) == 4


def test_the_sms_gateway_uses_the_configured_method_credential_and_parameter_names(notify_app, provider):
    provider.answers = [(200, {"status": "success", "msgid": "A1B2"}, {})]
    app = notify_app(NOTIFY_SMS_URL=provider.url + "/api/send", NOTIFY_SMS_METHOD="GET", NOTIFY_SMS_AUTH="param",
                     NOTIFY_SMS_USER="pemkot", NOTIFY_SMS_TOKEN="rahasia", NOTIFY_SMS_PARAM_TO="msisdn", NOTIFY_SMS_PARAM_TEXT="pesan",
                     NOTIFY_SMS_PARAM_USER="userkey", NOTIFY_SMS_PARAM_TOKEN="passkey", NOTIFY_SMS_SUCCESS_TEXT='"success"',
                     NOTIFY_SMS_ID_FIELD="msgid")
    with app.app_context():
        _approve()
        sender.send_pass()
        [request] = provider.seen
        assert request.method == "GET" and request.path == "/api/send"
        assert request.query["msisdn"] == "6281234567800" and request.query["userkey"] == "pemkot" and request.query["passkey"] == "rahasia"
        assert request.query["pesan"].startswith("Halo Andi, Anda kini peserta")
        [message] = messages(channel=Channel.SMS)
        assert (message.state, message.provider_message_id) == (MessageState.SENT, "A1B2")


def test_the_sms_gateway_retries_outages_and_fails_a_refusal(notify_app, provider):
    provider.answers = [(503, "busy", {}), (200, {"status": "failed", "reason": "invalid number"}, {})]
    app = notify_app(NOTIFY_SMS_URL=provider.url + "/send", NOTIFY_SMS_AUTH="bearer", NOTIFY_SMS_TOKEN="tok",
                     NOTIFY_SMS_SUCCESS_TEXT='"success"')
    with app.app_context():
        _approve()
        sender.send_pass()
        assert provider.seen[0].headers["authorization"] == "Bearer tok"
        assert provider.seen[0].form()["to"] == "6281234567800"  # a POSTed form by default
        [message] = messages(channel=Channel.SMS)
        assert (message.state, message.provider_code, message.attempts) == (MessageState.FAILED, "200/refused", 2)


def verify_webhook(secret: str, headers: dict, body: bytes, now: float, tolerance: int = 300) -> bool:
    """A receiver written from the spec: HMAC-SHA256 of "<timestamp>.<body>", timestamp fresh."""
    timestamp = headers.get("x-perisai-timestamp", "")
    if not timestamp.isdigit() or abs(now - int(timestamp)) > tolerance:
        return False
    expected = "sha256=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers.get("x-perisai-signature", ""), expected)


def test_super_app_webhooks_are_signed_and_retried_until_the_receiver_answers_2xx(notify_app, provider):
    secret = "shared-secret-of-lontara"
    verdicts = []

    def receiver(request):
        verdicts.append(verify_webhook(secret, request.headers, request.body, time.time()))
        return (200, {"ok": True}, {}) if len(provider.seen) > 2 else (500, {"error": "down"}, {})

    provider.answer = receiver
    app = notify_app(NOTIFY_WEBHOOK_URL=provider.url + "/hooks/perisai", NOTIFY_WEBHOOK_SECRET=secret)
    with app.app_context():
        _approve()
        for _ in range(3):
            sender.send_pass(now=sender.current_moment().replace(year=2099))
        assert verdicts == [True, True, True]
        assert len({r.headers["x-perisai-delivery"] for r in provider.seen}) == 1
        body = provider.seen[-1].json()
        [change] = body["changes"]
        assert body["event"] == "membership_changed" and change["status"] == "approved" and change["membership"].startswith("MKS-")
        [hook] = messages(channel=Channel.WEBHOOK)
        assert (hook.state, hook.attempts) == (MessageState.DELIVERED, 3)
        forged = dict(provider.seen[-1].headers, **{"x-perisai-signature": "sha256=" + "0" * 64})
        assert not verify_webhook(secret, forged, provider.seen[-1].body, time.time())
        assert not verify_webhook(secret, provider.seen[-1].headers, provider.seen[-1].body + b" ", time.time())
        assert not verify_webhook(secret, provider.seen[-1].headers, provider.seen[-1].body, time.time() + 3600)


def test_the_development_channel_logs_no_personal_data(notify_app, caplog):
    app = notify_app()
    with app.app_context():
        _approve()
        with caplog.at_level(logging.INFO):
            report = sender.send_pass()
        assert report.counts == {"sent": 2}
        text = caplog.text
        assert "development channel" in text and "6281234567800" not in text and "Andi" not in text
        entry_nik = db.session.scalar(db.select(db.text("nik")).select_from(db.text("person")))
        assert entry_nik not in text
        assert all(m.state == MessageState.SENT for m in messages())
        assert json.loads(messages(template="membership_changed")[0].body)["changes"][0]["status"] == "approved"
