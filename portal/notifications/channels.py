"""The channels a message can go through, behind one interface: `send(message) -> Outcome`.

Each speaks its provider's documented HTTP API with a timeout and sorts the answer into
sent, retry later (rate limits, outages, timeouts) or failed for good (the number cannot get
it). Nothing is sent without credentials: the portal then uses the development channel.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from dataclasses import dataclass

import requests
from flask import current_app

from portal.models import Channel, NotificationMessage
from portal.notifications import recipients
from portal.notifications.texts import TEMPLATES

logger = logging.getLogger(__name__)

SENT, RETRY, FAILED, DELIVERED = "sent", "retry", "failed", "delivered"
# WhatsApp Cloud API error codes worth another try later: throttling (4, 80007, 130429,
# 131048 spam rate limit, 131056 pair rate limit) and the platform's own trouble (1, 2,
# 131000, 131016); any other error (131026 undeliverable, 131047, 132000 ...) is final.
WHATSAPP_RETRY_CODES = frozenset({1, 2, 4, 80007, 130429, 131000, 131016, 131048, 131056})


@dataclass(frozen=True)
class Outcome:
    """What a provider answered: the verdict, its code and, when accepted, its message id."""

    result: str  # SENT, DELIVERED, RETRY or FAILED
    code: str = ""
    message_id: str | None = None
    retry_after: float | None = None  # seconds the provider asked to wait, if it said


class WhatsApp:
    """WhatsApp Business Cloud API: template messages (the only kind a business may start)."""

    def __init__(self, config, session: requests.Session):
        self.config, self.session = config, session

    def send(self, message: NotificationMessage) -> Outcome:
        config = self.config
        url = f"{config['NOTIFY_WHATSAPP_BASE_URL'].rstrip('/')}/{config['NOTIFY_WHATSAPP_API_VERSION']}/{config['NOTIFY_WHATSAPP_PHONE_NUMBER_ID']}/messages"
        template = TEMPLATES[message.template]
        payload = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": message.recipient,
            "type": "template",
            "template": {
                "name": config["NOTIFY_WHATSAPP_TEMPLATE_PREFIX"] + message.template,
                "language": {"code": message.locale},
                "components": [{
                    "type": "body",
                    "parameters": [{"type": "text", "text": message.parameters.get(name, "")} for name in template.parameters],
                }],
            },
        }
        headers = {"Authorization": f"Bearer {config['NOTIFY_WHATSAPP_TOKEN']}"}
        try:
            answer = self.session.post(url, json=payload, headers=headers, timeout=config["NOTIFY_HTTP_TIMEOUT_SECONDS"])
        except requests.RequestException as error:
            return Outcome(RETRY, type(error).__name__)
        try:
            data = answer.json()
        except ValueError:
            data = {}
        if answer.ok and data.get("messages"):
            return Outcome(SENT, str(answer.status_code), data["messages"][0].get("id"))
        error = data.get("error") or {}
        code = error.get("code")
        label = f"{answer.status_code}/{code}" if code is not None else str(answer.status_code)
        if code in WHATSAPP_RETRY_CODES or answer.status_code == 429 or answer.status_code >= 500 or code is None and answer.ok:
            return Outcome(RETRY, label, retry_after=_retry_after(answer))
        return Outcome(FAILED, label)


class SmsGateway:
    """A generic HTTP SMS gateway: URL, method, credential and parameter names are settings,
    since Indonesian gateways differ; success is a 2xx whose body holds NOTIFY_SMS_SUCCESS_TEXT
    (when set)."""

    def __init__(self, config, session: requests.Session):
        self.config, self.session = config, session

    def send(self, message: NotificationMessage) -> Outcome:
        config = self.config
        fields = {config["NOTIFY_SMS_PARAM_TO"]: message.recipient, config["NOTIFY_SMS_PARAM_TEXT"]: message.body}
        headers, auth = {}, None
        if config["NOTIFY_SMS_AUTH"] == "bearer":
            headers["Authorization"] = f"Bearer {config['NOTIFY_SMS_TOKEN']}"
        elif config["NOTIFY_SMS_AUTH"] == "basic":
            auth = (config["NOTIFY_SMS_USER"], config["NOTIFY_SMS_TOKEN"])
        elif config["NOTIFY_SMS_AUTH"] == "param":
            fields[config["NOTIFY_SMS_PARAM_TOKEN"]] = config["NOTIFY_SMS_TOKEN"]
            if config["NOTIFY_SMS_USER"]:
                fields[config["NOTIFY_SMS_PARAM_USER"]] = config["NOTIFY_SMS_USER"]
        method = config["NOTIFY_SMS_METHOD"].upper()
        sent_as = {"params": fields} if method == "GET" else {"json": fields} if config["NOTIFY_SMS_JSON"] else {"data": fields}
        try:
            answer = self.session.request(method, config["NOTIFY_SMS_URL"], headers=headers, auth=auth,
                                          timeout=config["NOTIFY_HTTP_TIMEOUT_SECONDS"], **sent_as)
        except requests.RequestException as error:
            return Outcome(RETRY, type(error).__name__)
        code = str(answer.status_code)
        if answer.status_code == 429 or answer.status_code >= 500:
            return Outcome(RETRY, code, retry_after=_retry_after(answer))
        if not answer.ok:
            return Outcome(FAILED, code)
        success = config["NOTIFY_SMS_SUCCESS_TEXT"]
        if success and success not in answer.text:
            return Outcome(FAILED, code + "/refused")
        return Outcome(SENT, code, _message_id(answer, config["NOTIFY_SMS_ID_FIELD"]))


class SuperAppWebhook:
    """Signed webhooks to the city's super-app: the JSON body, a timestamp, and the HMAC-SHA256
    of "<timestamp>.<body>" with the shared secret; only the receiver's 2xx counts as delivered."""

    def __init__(self, config, session: requests.Session):
        self.config, self.session = config, session

    def send(self, message: NotificationMessage) -> Outcome:
        body = message.body.encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Perisai-Event": message.template,
            "X-Perisai-Delivery": str(message.id),  # the same on every retry: the receiver can ignore repeats
            "X-Perisai-Timestamp": timestamp,
            "X-Perisai-Signature": "sha256=" + sign(self.config["NOTIFY_WEBHOOK_SECRET"], timestamp, body),
        }
        try:
            answer = self.session.post(self.config["NOTIFY_WEBHOOK_URL"], data=body, headers=headers,
                                       timeout=self.config["NOTIFY_HTTP_TIMEOUT_SECONDS"])
        except requests.RequestException as error:
            return Outcome(RETRY, type(error).__name__)
        if 200 <= answer.status_code < 300:
            return Outcome(DELIVERED, str(answer.status_code))
        return Outcome(RETRY, str(answer.status_code), retry_after=_retry_after(answer))


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The webhook signature: hex HMAC-SHA256 of "<timestamp>.<body>"."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class DevelopmentLog:
    """Sends nothing: writes the message's id, template and masked recipient to the log (never
    its text, which names the person) and leaves the text for the staff page."""

    def __init__(self, config, session=None):
        self.config = config

    def send(self, message: NotificationMessage) -> Outcome:
        logger.info("notification %s (%s) to %s: development channel, not sent", message.id, message.template,
                    recipients.masked(message.recipient))
        return Outcome(SENT, "dev")


CHANNELS = {Channel.WHATSAPP: WhatsApp, Channel.SMS: SmsGateway, Channel.WEBHOOK: SuperAppWebhook, Channel.DEV: DevelopmentLog}


def channels_for(session: requests.Session) -> dict:
    """One instance of every channel, sharing the sender's HTTP session (kept-alive connections)."""
    config = current_app.config
    return {channel: kind(config, session) for channel, kind in CHANNELS.items()}


def _retry_after(answer: requests.Response) -> float | None:
    try:
        return float(answer.headers.get("Retry-After", ""))
    except ValueError:
        return None


def _message_id(answer: requests.Response, field: str) -> str | None:
    if not field:
        return None
    try:
        data = answer.json()
    except ValueError:
        return None
    value = data.get(field) if isinstance(data, dict) else None
    return str(value)[:200] if value is not None else None
