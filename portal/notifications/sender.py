"""Delivering the outbox: take what is due, send it at the provider's rate, retry with
exponential backoff, and put it in the dead-letter state after NOTIFY_MAX_ATTEMPTS.

A message is taken with a conditional UPDATE (queued -> sending), committed before anything is
sent, so two senders (the worker and `flask notifications send`) never send one message twice;
a sender that died mid-send leaves "sending" rows that go back to the queue after
NOTIFY_SENDING_STALE_SECONDS (delivery is at least once). Phone messages respect quiet hours
and the per-recipient daily cap when they are sent, not only when queued.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import requests
from flask import current_app
from sqlalchemy import func, update

from portal import clock
from portal.extensions import db
from portal.models import Channel, MessageState, NotificationMessage
from portal.notifications import channels, recipients
from portal.notifications.outbox import moment as current_moment
from portal.notifications.outbox import quiet_until
from portal.notifications.texts import TEMPLATES


# Answers are committed every this many messages (or every second): a sender that dies
# between two commits leaves those messages "sending", to be sent again (at least once).
COMMIT_EVERY = 20


@dataclass
class SendReport:
    """What one pass did, by outcome."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: str) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class Pacer:
    """At most `rate` sends a second, evenly spaced (the provider's limit, NOTIFY_RATE_PER_SECOND)."""

    def __init__(self, rate: float):
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.next_slot = time.monotonic()

    def wait(self) -> None:
        now = time.monotonic()
        if self.next_slot > now:
            time.sleep(self.next_slot - now)
        self.next_slot = max(self.next_slot, now) + self.interval


def is_phone_message(message: NotificationMessage) -> bool:
    """A message a person reads on a phone (also when the development channel stands in)."""
    return message.channel.is_phone or message.template in TEMPLATES


def backoff(attempts: int) -> timedelta:
    """The wait after the n-th failed attempt: NOTIFY_RETRY_SECONDS doubled each time, capped."""
    config = current_app.config
    return timedelta(seconds=min(config["NOTIFY_RETRY_SECONDS"] * 2 ** max(attempts - 1, 0), config["NOTIFY_RETRY_MAX_SECONDS"]))


def requeue_stale(now: datetime) -> int:
    """Put back in the queue what a sender took and never finished (it died)."""
    cutoff = now - timedelta(seconds=current_app.config["NOTIFY_SENDING_STALE_SECONDS"])
    return db.session.execute(
        update(NotificationMessage)
        .where(NotificationMessage.state == MessageState.SENDING, NotificationMessage.updated_at < cutoff)
        .values(state=MessageState.QUEUED, next_attempt_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount


def _take_due(now: datetime, limit: int) -> list[int]:
    """Claim up to `limit` due messages (queued -> sending) and return their ids."""
    due = db.session.scalars(
        db.select(NotificationMessage.id)
        .where(NotificationMessage.state == MessageState.QUEUED, NotificationMessage.next_attempt_at <= now)
        .order_by(NotificationMessage.next_attempt_at, NotificationMessage.id)
        .limit(limit)
    ).all()
    if not due:
        return []
    claimed = db.session.scalars(
        update(NotificationMessage)
        .where(NotificationMessage.id.in_(due), NotificationMessage.state == MessageState.QUEUED)
        .values(state=MessageState.SENDING, updated_at=now)
        .returning(NotificationMessage.id)
        .execution_options(synchronize_session=False)
    ).all()
    return sorted(claimed)


def _day_start(now: datetime) -> datetime:
    local = now.astimezone(clock.CITY_TIMEZONE)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(timezone.utc)


def _sent_today(digests: set[str], now: datetime) -> dict[str, int]:
    """How many phone messages each recipient was sent since the start of the Makassar day."""
    if not digests:
        return {}
    return dict(db.session.execute(
        db.select(NotificationMessage.recipient_digest, func.count())
        .where(NotificationMessage.recipient_digest.in_(digests), NotificationMessage.sent_at >= _day_start(now),
               NotificationMessage.channel != Channel.WEBHOOK)
        .group_by(NotificationMessage.recipient_digest)
    ).all())


def _hold_back(message: NotificationMessage, now: datetime, sent_today: dict[str, int], stopped: set[str]) -> bool:
    """Apply STOP, quiet hours and the daily cap to a phone message taken for sending;
    True when it is not to be sent now (its row says what happens instead)."""
    if not is_phone_message(message):
        return False
    if message.recipient_digest in stopped:
        message.state, message.provider_code = MessageState.FAILED, "opted_out"
        return True
    morning = quiet_until(now)
    if morning is not None:
        message.state, message.next_attempt_at = MessageState.QUEUED, morning
        return True
    if sent_today.get(message.recipient_digest, 0) >= current_app.config["NOTIFY_DAILY_CAP"]:
        tomorrow = _day_start(now) + timedelta(days=1)
        message.state, message.next_attempt_at = MessageState.QUEUED, quiet_until(tomorrow) or tomorrow
        message.provider_code = "daily_cap"
        return True
    return False


def _apply(message: NotificationMessage, outcome: channels.Outcome, now: datetime) -> str:
    """Write the provider's answer to the row; returns the state it left the message in."""
    config = current_app.config
    message.attempts += 1
    message.provider_code = outcome.code[:60] or None
    if outcome.result in (channels.SENT, channels.DELIVERED):
        message.state = MessageState.SENT if outcome.result == channels.SENT else MessageState.DELIVERED
        message.sent_at, message.provider_message_id = now, outcome.message_id
    elif outcome.result == channels.FAILED:
        message.state = MessageState.FAILED
    elif message.attempts >= config["NOTIFY_MAX_ATTEMPTS"]:
        message.state = MessageState.DEAD
    else:
        wait = backoff(message.attempts)
        if outcome.retry_after:
            wait = max(wait, timedelta(seconds=min(outcome.retry_after, config["NOTIFY_RETRY_MAX_SECONDS"])))
        message.state, message.next_attempt_at = MessageState.QUEUED, now + wait
    return message.state.value


def send_pass(limit: int | None = None, now=None) -> SendReport:
    """Send what is due now, batch by batch, until nothing is due or `limit` messages were
    tried; commits as it goes (a CLI command or background job owns this transaction)."""
    config = current_app.config
    now = now.astimezone(timezone.utc) if now else None  # SQLite compares the text of UTC times
    report = SendReport()
    pacer = Pacer(config["NOTIFY_RATE_PER_SECOND"])
    with requests.Session() as session:
        senders = channels.channels_for(session)
        requeue_stale(now or current_moment())
        db.session.commit()
        while limit is None or report.total < limit:
            moment = now or current_moment()
            batch = config["NOTIFY_BATCH_SIZE"] if limit is None else min(config["NOTIFY_BATCH_SIZE"], limit - report.total)
            taken = _take_due(moment, batch)
            db.session.commit()
            if not taken:
                break
            messages = db.session.scalars(db.select(NotificationMessage).where(NotificationMessage.id.in_(taken)).order_by(NotificationMessage.id)).all()
            phones = {m.recipient_digest for m in messages if is_phone_message(m)}
            stopped = recipients.opted_out(phones)
            sent_today = _sent_today(phones, moment)
            held, last_commit = 0, time.monotonic()
            for position, message in enumerate(messages, 1):
                if _hold_back(message, moment, sent_today, stopped):
                    report.add("held")
                    held += 1
                else:
                    pacer.wait()
                    outcome = senders[message.channel].send(message)
                    report.add(_apply(message, outcome, now or current_moment()))
                    if message.sent_at is not None and is_phone_message(message):
                        sent_today[message.recipient_digest] = sent_today.get(message.recipient_digest, 0) + 1
                if position % COMMIT_EVERY == 0 or time.monotonic() - last_commit >= 1:
                    db.session.commit()
                    last_commit = time.monotonic()
            db.session.commit()
            if held == len(messages):
                break  # all of them wait for later: nothing more is due in this pass
    return report


def retry(message: NotificationMessage, now=None) -> bool:
    """Put a dead or failed message back in the queue with its attempts reset (flushes);
    False when it is neither."""
    if message.state not in (MessageState.DEAD, MessageState.FAILED):
        return False
    message.state, message.attempts, message.next_attempt_at = MessageState.QUEUED, 0, now or current_moment()
    db.session.flush()
    return True
