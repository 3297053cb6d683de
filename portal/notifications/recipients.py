"""Who may be sent a message: phone numbers in one form, their digests, consent and STOP."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from sqlalchemy import insert

from portal.extensions import db
from portal.models import NotificationOptOut
from portal.validation import mobile_number

STOP_WORDS = frozenset({"STOP", "BERHENTI", "STOP ALL", "UNSUBSCRIBE"})


def international_phone(value: str | None) -> str | None:
    """An Indonesian mobile number as providers want it (62812...), or None when it is not one."""
    _typed, local = mobile_number(value)
    return "62" + local[1:] if local else None


def digest(recipient: str) -> str:
    """The keyed SHA-256 (hex) kept for a recipient: opt-outs and caps never store the number."""
    return digests([recipient])[recipient]


def digests(numbers) -> dict[str, str]:
    """The digest of each of many recipients (the key read once)."""
    key = (current_app.config["NOTIFY_DIGEST_KEY"] or current_app.config["SECRET_KEY"]).encode()
    return {number: hmac.new(key, number.encode(), hashlib.sha256).hexdigest() for number in numbers}


def masked(recipient: str) -> str:
    """A recipient for the log: the first and last digits of a phone only."""
    if recipient.isdigit() and len(recipient) > 6:
        return recipient[:4] + "*" * (len(recipient) - 6) + recipient[-2:]
    return recipient[:3] + "***"


def consenting_phone(phone: str | None, consent: bool) -> str | None:
    """The phone to message, only when its owner (or their head) agreed; else None."""
    return international_phone(phone) if consent else None


def opted_out(digests: set[str]) -> set[str]:
    """Those of the digests whose numbers asked for no more messages."""
    if not digests:
        return set()
    found = db.session.scalars(db.select(NotificationOptOut.recipient_digest).where(NotificationOptOut.recipient_digest.in_(digests)))
    return set(found)


def is_stop_word(text: str | None) -> bool:
    """Whether a reply asks for no more messages ("STOP", "berhenti", any case)."""
    return " ".join((text or "").upper().split()) in STOP_WORDS


def stop(phone: str, source: str) -> bool:
    """Record that a number wants no more messages (flushes); False when it is not a mobile number."""
    number = international_phone(phone)
    if number is None:
        return False
    key = digest(number)
    if db.session.get(NotificationOptOut, key) is None:
        db.session.execute(insert(NotificationOptOut).values(recipient_digest=key, source=source))
    return True
