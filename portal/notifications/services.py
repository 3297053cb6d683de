"""What the staff pages show of the outbox: daily figures, failures, the dead-letter list,
the development channel's messages, and the messages about one person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta, timezone

from sqlalchemy import func

from portal import clock
from portal.extensions import db
from portal.models import Channel, MessageState, NotificationMessage
from portal.models.base import utcnow

FIGURE_DAYS = 14
LIST_LIMIT = 50
NEEDS_STAFF = (MessageState.DEAD, MessageState.FAILED)


@dataclass(frozen=True)
class DayFigure:
    day: date
    channel: Channel
    state: MessageState
    count: int


def daily_figures(days: int = FIGURE_DAYS) -> list[DayFigure]:
    """Messages created per Makassar day, channel and state over the last `days` days, newest first."""
    since = utcnow() - timedelta(days=days)
    rows = db.session.execute(
        db.select(NotificationMessage.created_at, NotificationMessage.channel, NotificationMessage.state)
        .where(NotificationMessage.created_at >= since)
        .execution_options(yield_per=5000)
    )
    counts: dict[tuple, int] = {}
    for created_at, channel, state in rows:
        aware = created_at if created_at.tzinfo else created_at.replace(tzinfo=timezone.utc)  # SQLite keeps UTC, naive
        key = (aware.astimezone(clock.CITY_TIMEZONE).date(), channel, state)
        counts[key] = counts.get(key, 0) + 1
    return sorted((DayFigure(*key, count) for key, count in counts.items()), key=lambda f: (f.day, f.channel.value, f.state.value), reverse=True)


def state_counts() -> dict[MessageState, int]:
    """How many messages are in each state now."""
    return dict(db.session.execute(
        db.select(NotificationMessage.state, func.count()).group_by(NotificationMessage.state)
    ).all())


def needing_staff(limit: int = LIST_LIMIT) -> list[NotificationMessage]:
    """The dead-letter list: dead and failed messages, newest first."""
    return list(db.session.scalars(
        db.select(NotificationMessage).where(NotificationMessage.state.in_(NEEDS_STAFF))
        .order_by(NotificationMessage.updated_at.desc(), NotificationMessage.id.desc()).limit(limit)
    ))


def development_messages(limit: int = LIST_LIMIT) -> list[NotificationMessage]:
    """What the development channel would have sent, newest first."""
    return list(db.session.scalars(
        db.select(NotificationMessage).where(NotificationMessage.channel == Channel.DEV)
        .order_by(NotificationMessage.id.desc()).limit(limit)
    ))


def messages_about(person_id: int, limit: int = LIST_LIMIT) -> list[NotificationMessage]:
    """The messages about one registry person (their access history), newest first."""
    return list(db.session.scalars(
        db.select(NotificationMessage).where(NotificationMessage.person_id == person_id)
        .order_by(NotificationMessage.id.desc()).limit(limit)
    ))


def get_message(message_id: int) -> NotificationMessage | None:
    return db.session.get(NotificationMessage, message_id)
