"""Batches of entries a reviewer takes, so two reviewers never work the same rows.

A taken entry carries its reviewer (`held_by_id`) and the time of their last review request
(`held_at`). The hold counts while that time is within REVIEW_HOLD_IDLE_MINUTES: each review
request of the holder renews their live holds (times in UTC, as every stored moment); after that many idle minutes the entries are
free again, without a job. Taking is one conditional UPDATE, so two reviewers taking at once
never get the same entry (PostgreSQL re-checks the condition on the locked row).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import ColumnElement, and_, or_, update

from portal.extensions import db
from portal.models import EntryState, ListEntry, User
from portal.models.base import utcnow


def cutoff() -> datetime:
    """Holds renewed before this moment have lapsed."""
    return utcnow() - timedelta(minutes=current_app.config["REVIEW_HOLD_IDLE_MINUTES"])


def held_by(reviewer_id: int, since: datetime | None = None) -> ColumnElement[bool]:
    """Entries `reviewer_id` holds now."""
    return and_(ListEntry.held_by_id == reviewer_id, ListEntry.held_at >= (since or cutoff()))


def free_for(reviewer_id: int, since: datetime | None = None) -> ColumnElement[bool]:
    """Entries nobody else holds now (free, lapsed, or the reviewer's own)."""
    since = since or cutoff()
    return or_(ListEntry.held_by_id.is_(None), ListEntry.held_by_id == reviewer_id, ListEntry.held_at < since)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)  # SQLite returns UTC naive


def other_holder(entry: ListEntry, reviewer: User, since: datetime | None = None) -> User | None:
    """The other reviewer holding `entry` now, or None."""
    if entry.held_by_id is None or entry.held_by_id == reviewer.id or entry.held_at is None:
        return None
    return entry.held_by if _aware(entry.held_at) >= (since or cutoff()) else None


def lapsed(entry: ListEntry, since: datetime | None = None) -> bool:
    """Whether the entry's hold (if any) has lapsed."""
    return entry.held_at is None or _aware(entry.held_at) < (since or cutoff())


def take_batch(entry_ids: list[int], reviewer: User) -> int:
    """Hold those of the entries (pending, not held by another) for `reviewer`; returns how many."""
    if not entry_ids:
        return 0
    since = cutoff()
    taken = db.session.execute(
        update(ListEntry)
        .where(
            ListEntry.id.in_(entry_ids),
            ListEntry.state == EntryState.PENDING,
            or_(ListEntry.held_by_id.is_(None), ListEntry.held_at < since),
        )
        .values(held_by_id=reviewer.id, held_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return taken.rowcount


def renew(reviewer: User) -> None:
    """The reviewer is active: their live holds start their idle time again (lapsed ones stay free)."""
    db.session.execute(
        update(ListEntry)
        .where(held_by(reviewer.id), ListEntry.state == EntryState.PENDING)
        .values(held_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def release(reviewer: User) -> int:
    """Give back every entry the reviewer holds; returns how many were live."""
    live = db.session.scalar(db.select(db.func.count()).where(held_by(reviewer.id), ListEntry.state == EntryState.PENDING))
    db.session.execute(
        update(ListEntry)
        .where(ListEntry.held_by_id == reviewer.id)
        .values(held_by_id=None, held_at=None)
        .execution_options(synchronize_session=False)
    )
    return live or 0
