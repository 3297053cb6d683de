"""Putting messages in the outbox: rows added to the caller's transaction, in one statement.

Services call `queue` and flush nothing else: the row commits with the change that causes it,
or goes with it when it rolls back. After the commit the sender is woken (portal.notifications.jobs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone

from flask import current_app
from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite

from portal import clock
from portal.extensions import db
from portal.models import Channel, MessageState, NotificationMessage
from portal.notifications import recipients
from portal.notifications.texts import Renderer, Template

QUEUED_IN_SESSION = "notifications_queued"


@dataclass
class Notice:
    """One message to queue: to a consenting phone (or the super-app), from a template."""

    recipient: str
    parameters: dict
    locale: str = "id"
    person_id: int | None = None
    user_id: int | None = None
    extra: dict = field(default_factory=dict)
    # A one-time event's key (NotificationMessage.event_key): a second notice with it queues nothing.
    event_key: str | None = None


def phone_channel() -> Channel:
    """The channel for phones: NOTIFY_PHONE_CHANNEL, or else WhatsApp when its credentials are
    set, the SMS gateway when its URL is, the development channel otherwise."""
    config = current_app.config
    chosen = config["NOTIFY_PHONE_CHANNEL"]
    if chosen:
        return Channel(chosen)
    if config["NOTIFY_WHATSAPP_TOKEN"] and config["NOTIFY_WHATSAPP_PHONE_NUMBER_ID"]:
        return Channel.WHATSAPP
    if config["NOTIFY_SMS_URL"]:
        return Channel.SMS
    return Channel.DEV


def webhook_channel() -> Channel:
    """The super-app's signed webhook when its URL and secret are set, else the development channel."""
    config = current_app.config
    return Channel.WEBHOOK if config["NOTIFY_WEBHOOK_URL"] and config["NOTIFY_WEBHOOK_SECRET"] else Channel.DEV


def moment() -> datetime:
    """Now, in UTC as the database keeps it, from the portal's clock (tests fix it)."""
    return clock.now().astimezone(timezone.utc)


def _parse_hour(text: str) -> time:
    hours, _sep, minutes = text.partition(":")
    return time(int(hours), int(minutes or 0))


def quiet_until(moment: datetime) -> datetime | None:
    """When quiet hours (NOTIFY_QUIET_START to NOTIFY_QUIET_END, Makassar time) end, if
    `moment` lies in them; None outside them."""
    start, end = (_parse_hour(current_app.config[name]) for name in ("NOTIFY_QUIET_START", "NOTIFY_QUIET_END"))
    local = moment.astimezone(clock.CITY_TIMEZONE)
    now = local.timetz().replace(tzinfo=None)
    if start == end:
        return None
    overnight = start > end
    inside = (now >= start or now < end) if overnight else (start <= now < end)
    if not inside:
        return None
    day = local.date() + timedelta(days=1) if overnight and now >= start else local.date()
    return datetime.combine(day, end, tzinfo=clock.CITY_TIMEZONE).astimezone(timezone.utc)


def queue_phone(template: Template, notices: list[Notice]) -> int:
    """Queue one message per notice to a phone (already consenting), skipping numbers that
    said STOP; returns how many were queued."""
    if not notices:
        return 0
    digests = recipients.digests({n.recipient for n in notices})
    stopped = recipients.opted_out(set(digests.values()))
    channel, now = phone_channel(), moment()
    due = quiet_until(now) or now  # a message queued at night waits until morning
    renderer = Renderer(template)
    rows = []
    for notice in notices:
        if digests[notice.recipient] in stopped:
            continue
        shown, body = renderer.render(notice.parameters, notice.locale)
        rows.append(_row(channel, notice, digests[notice.recipient], template.key, shown, body, now, due))
    return _insert(rows)


SUPER_APP = "lontara-plus"
WEBHOOK_CHANGES_MAX = 500  # changes in one webhook body


def queue_webhook(event: str, changes: list[dict], person_id: int | None = None) -> int:
    """Queue super-app webhooks telling of `changes` (a bulk approval's memberships): one per
    WEBHOOK_CHANGES_MAX of them, so the super-app hears of a thousand approvals in two calls."""
    import json

    channel, now = webhook_channel(), moment()
    key = recipients.digest(SUPER_APP)
    rows = []
    for start in range(0, len(changes), WEBHOOK_CHANGES_MAX):
        part = changes[start:start + WEBHOOK_CHANGES_MAX]
        body = json.dumps({"event": event, "changes": part}, sort_keys=True, default=str)
        notice = Notice(SUPER_APP, {"changes": len(part)}, person_id=person_id if len(changes) == 1 else None)
        rows.append(_row(channel, notice, key, event, notice.parameters, body, now, now))
    return _insert(rows)


def _row(channel, notice: Notice, key: str, template: str, parameters: dict, body: str, now, due) -> dict:
    return {
        "channel": channel, "recipient": notice.recipient, "recipient_digest": key, "template": template,
        "locale": notice.locale, "parameters": {k: str(v) for k, v in parameters.items()}, "body": body,
        "state": MessageState.QUEUED, "attempts": 0, "next_attempt_at": due, "person_id": notice.person_id,
        "user_id": notice.user_id, "created_at": now, "updated_at": now, "event_key": notice.event_key,
    }


def _once(rows: list[dict]) -> list[dict]:
    """The rows without a one-time event already queued (in the outbox or earlier in `rows`)."""
    keys = {row["event_key"] for row in rows if row["event_key"]}
    if not keys:
        return rows
    seen = set(db.session.scalars(db.select(NotificationMessage.event_key).where(NotificationMessage.event_key.in_(keys))))
    kept = []
    for row in rows:
        if row["event_key"]:
            if row["event_key"] in seen:
                continue
            seen.add(row["event_key"])
        kept.append(row)
    return kept


def _statement():
    """The INSERT: a one-time event that a concurrent transaction queued first is skipped, not an error."""
    dialects = {"postgresql": postgresql, "sqlite": sqlite}
    dialect = dialects.get(db.session.get_bind().dialect.name)
    if dialect is None:
        return insert(NotificationMessage.__table__)
    return dialect.insert(NotificationMessage.__table__).on_conflict_do_nothing(index_elements=["event_key"])


COUNTED_MAX = 100  # keyed rows counted exactly with RETURNING (see _insert)


def _insert(rows: list[dict]) -> int:
    """One executemany INSERT in the caller's transaction (no ORM objects: 10,000 rows in well
    under a second); marks the session so its commit wakes the sender."""
    rows = _once(rows)
    if not rows:
        return 0
    db.session.info[QUEUED_IN_SESSION] = True
    if not any(row["event_key"] for row in rows):
        db.session.execute(insert(NotificationMessage.__table__), rows)  # Core: no per-row ORM bookkeeping
        return len(rows)
    if len(rows) <= COUNTED_MAX:
        # RETURNING tells what was queued: a key a concurrent transaction queued first is skipped.
        return len(db.session.execute(_statement().returning(NotificationMessage.id), rows).all())
    # Bulk (a renewal's chunk, the reminders): RETURNING would cost a third of the insert's
    # time on PostgreSQL, so a key skipped in such a race still counts.
    db.session.execute(_statement(), rows)
    return len(rows)
