"""What the staff pages show of the outbox: daily figures, failures, the dead-letter list,
the development channel's messages, and the messages about one person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func

from portal import clock
from portal.extensions import db
from portal.models import Channel, MessageState, NotificationMessage
from portal.sql import city_day

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
    """Messages created per Makassar day, channel and state over the last `days` days (today
    included), newest first: one GROUP BY on the local day, bounded by the created index."""
    first_day = clock.today() - timedelta(days=days - 1)
    since = datetime.combine(first_day, time(0), tzinfo=clock.CITY_TIMEZONE).astimezone(timezone.utc)
    day = city_day(NotificationMessage.created_at)
    rows = db.session.execute(
        db.select(day, NotificationMessage.channel, NotificationMessage.state, func.count())
        .where(NotificationMessage.created_at >= since)
        .group_by(day, NotificationMessage.channel, NotificationMessage.state)
        .order_by(day.desc(), NotificationMessage.channel.desc(), NotificationMessage.state.desc())
    ).all()
    return [DayFigure(*row) for row in rows]


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
