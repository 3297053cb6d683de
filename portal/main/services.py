"""What a signed-in user's start page counts: the entries and lists they can open."""

from __future__ import annotations

from sqlalchemy import func

from portal.access import area_clause
from portal.extensions import db
from portal.models import EntryState, ListEntry, MemberList, Membership, MembershipStatus, User


def entry_counts(user: User) -> dict[EntryState, int]:
    """Entries per state on the lists the user can open.

    An entry counts where its list belongs, not where its address says: a row a head typed
    with another RW's address stays a draft on the head's own list, and must not raise the
    other RW's figures (whose head cannot open it).
    """
    counts = dict(
        db.session.execute(
            db.select(ListEntry.state, func.count())
            .join(MemberList, MemberList.id == ListEntry.list_id)
            .where(area_clause(user, MemberList))
            .group_by(ListEntry.state)
        ).all()
    )
    return {state: counts.get(state, 0) for state in EntryState}


def active_members() -> int:
    return db.session.scalar(db.select(func.count()).select_from(Membership).filter_by(status=MembershipStatus.ACTIVE))


def recent_lists(user: User, limit: int = 5) -> list[MemberList]:
    return db.session.scalars(
        db.select(MemberList).where(area_clause(user, MemberList)).order_by(MemberList.updated_at.desc()).limit(limit)
    ).all()
