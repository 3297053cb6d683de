"""What each role's start page counts: entries of the user's area, members, recent lists."""

from __future__ import annotations

from sqlalchemy import func

from portal.access import area_clause
from portal.extensions import db
from portal.models import EntryState, ListEntry, MemberList, Membership, MembershipStatus, User


def entry_counts(user: User) -> dict[EntryState, int]:
    """Entries in the user's area, per review state (every state, zero included)."""
    counts = dict(
        db.session.execute(
            db.select(ListEntry.state, func.count())
            .where(area_clause(user, ListEntry))
            .group_by(ListEntry.state)
        ).all()
    )
    return {state: counts.get(state, 0) for state in EntryState}


def active_member_count() -> int:
    return db.session.scalar(
        db.select(func.count()).select_from(Membership).filter_by(status=MembershipStatus.ACTIVE)
    )


def recent_lists(user: User, limit: int = 5) -> list[MemberList]:
    """The lists of the user's area changed last."""
    return list(
        db.session.scalars(
            db.select(MemberList)
            .where(area_clause(user, MemberList))
            .order_by(MemberList.updated_at.desc())
            .limit(limit)
        )
    )
