"""The notification outbox: every message to a person, an RT/RW head or the super-app, and
the numbers that asked for no more messages (portal.notifications)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import enum_column, utcnow


class Channel(enum.StrEnum):
    WHATSAPP = "whatsapp"  # WhatsApp Business Cloud API, template messages
    SMS = "sms"  # an HTTP SMS gateway
    WEBHOOK = "webhook"  # signed webhooks to the city's super-app
    DEV = "dev"  # development: the log and the staff page, nothing leaves the portal

    @property
    def is_phone(self) -> bool:
        return self in (Channel.WHATSAPP, Channel.SMS)


class MessageState(enum.StrEnum):
    QUEUED = "queued"  # waiting for its next attempt (at next_attempt_at)
    SENDING = "sending"  # taken by a sender
    SENT = "sent"  # the provider accepted it
    DELIVERED = "delivered"  # the receiver confirmed it (a webhook's 2xx)
    FAILED = "failed"  # refused for good (not a WhatsApp number, opted out); staff may retry
    DEAD = "dead"  # every attempt failed (NOTIFY_MAX_ATTEMPTS); staff may retry

    @property
    def label(self) -> str:
        """What the state is called on the staff pages."""
        return _STATE_LABELS[self]


_STATE_LABELS = {
    MessageState.QUEUED: _l("Antre"),
    MessageState.SENDING: _l("Sedang dikirim"),
    MessageState.SENT: _l("Terkirim"),
    MessageState.DELIVERED: _l("Diterima"),
    MessageState.FAILED: _l("Gagal"),
    MessageState.DEAD: _l("Gagal setelah semua percobaan"),
}


class NotificationMessage(db.Model):
    """One message in the outbox, written in the transaction of the change that causes it."""

    __tablename__ = "notification_message"
    __table_args__ = (
        # The sender's look-up: what is due, oldest first.
        Index("ix_notification_message_due", "state", "next_attempt_at", "id"),
        # The daily cap: what one number was sent since the start of the Makassar day.
        Index("ix_notification_message_recipient_sent", "recipient_digest", "sent_at"),
        Index("ix_notification_message_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    # A phone in international form (628...), or the super-app's subscriber reference.
    recipient: Mapped[str] = mapped_column(String(120))
    # HMAC of the normalised recipient (portal.notifications.recipients): opt-outs and caps.
    recipient_digest: Mapped[str] = mapped_column(String(64))
    template: Mapped[str] = mapped_column(String(60))
    locale: Mapped[str] = mapped_column(String(5), default="id")
    # The template's values (first name, dates, places): never a NIK or a full name.
    parameters: Mapped[dict] = mapped_column(JSON, default=dict)
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[MessageState] = mapped_column(enum_column(MessageState), default=MessageState.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    provider_code: Mapped[str | None] = mapped_column(String(60))
    provider_message_id: Mapped[str | None] = mapped_column(String(200))
    # The person the message is about (their access history shows it), if any.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    # The account it went to (an RT/RW head, an agent), if any.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A one-time event's key ("card_ready:<certificate>", "cover_ending:<membership>"): unique,
    # so a reprint, a second reminder run or two concurrent ones queue nothing more. None for
    # messages that may repeat (an approval, a request's answer, a case's new state).
    event_key: Mapped[str | None] = mapped_column(String(80), unique=True)


class NotificationOptOut(db.Model):
    """A number that replied STOP or was stopped from the help page, kept only as its digest."""

    __tablename__ = "notification_opt_out"

    recipient_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str] = mapped_column(String(20))  # "reply" or "help"
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DigestRun(db.Model):
    """One Makassar day's digest to the RT/RW heads and agents (portal.notifications.digest),
    committed with the messages it queued: the primary key lets a day have one run only."""

    __tablename__ = "notification_digest_run"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    # When the counts were taken: what happened after it is news for the next day's digest.
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    heads: Mapped[int] = mapped_column(Integer, default=0)  # heads with something new
    queued: Mapped[int] = mapped_column(Integer, default=0)  # digests queued (consent, not STOP)
