"""'Perlu tindakan': what waits for an RT/RW head or agent across all the lists of their area.

Entries returned by staff (with their note), drafts never sent, and lists that still need
the area: each a page of its own, counted and paged in SQL. The entry counts are the start
page's own (portal.main.services.entry_counts): one way to count each figure.
"""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select, true

from portal import audit
from portal.access import area_clause
from portal.extensions import db
from portal.lists.services import EDITABLE_STATES, has_issue
from portal.models import EntryState, ListEntry, MemberList, User
from portal.paging import NumberedPage, numbered_page

INBOX_PAGE = 25


class InboxView(enum.StrEnum):
    """The inbox's pages, by the value of `tampil` in their URL."""

    RETURNED = "dikembalikan"
    DRAFTS = "draf"
    LISTS = "daftar"

    @property
    def label(self) -> str:
        return str(_VIEW_LABELS[self])


_VIEW_LABELS = {
    InboxView.RETURNED: _l("Dikembalikan petugas"),
    InboxView.DRAFTS: _l("Draf belum dikirim"),
    InboxView.LISTS: _l("Daftar menunggu Anda"),
}


def _waiting_clause():
    """A list waits for its area while it has a draft or returned row, or no row at all."""
    # EXISTS over an entity column, so the soft-delete rule hides deleted rows here too.
    editable = select(ListEntry.id).where(ListEntry.list_id == MemberList.id, ListEntry.state.in_(EDITABLE_STATES)).exists()
    empty = ~select(ListEntry.id).where(ListEntry.list_id == MemberList.id).exists()
    return or_(editable, empty)


def inbox_counts(user: User, entry_counts: dict[EntryState, int]) -> dict[InboxView, int]:
    """How many items each inbox page holds; the entry figures are the start page's counts."""
    waiting = db.session.scalar(
        select(func.count()).select_from(MemberList).where(area_clause(user, MemberList), _waiting_clause())
    )
    return {
        InboxView.RETURNED: entry_counts[EntryState.RETURNED],
        InboxView.DRAFTS: entry_counts[EntryState.DRAFT],
        InboxView.LISTS: waiting,
    }


def returned_by_area(since: datetime | None) -> list:
    """Returned entries waiting for their area, per list area (kelurahan_code, rw, rt): how
    many (`waiting`) and how many staff returned after `since` (`new`): the heads' digest."""
    newer = ListEntry.decided_at > since if since is not None else true()
    return db.session.execute(
        select(MemberList.kelurahan_code, MemberList.rw, MemberList.rt, func.count(ListEntry.id).label("waiting"),
               func.count(case((newer, 1))).label("new"))
        .select_from(ListEntry).join(MemberList, MemberList.id == ListEntry.list_id)
        .where(ListEntry.state == EntryState.RETURNED)
        .group_by(MemberList.kelurahan_code, MemberList.rw, MemberList.rt)
    ).all()


def _entries_in(user: User, state: EntryState):
    return (
        select(ListEntry, MemberList)
        .join(MemberList, MemberList.id == ListEntry.list_id)
        .where(area_clause(user, MemberList), ListEntry.state == state)
    )


def inbox_page(user: User, view: InboxView, number: int, size: int = INBOX_PAGE) -> NumberedPage:
    """Page `number` of one inbox view: (entry, list) rows, or (list, drafts, returned, with errors) rows."""
    if view == InboxView.RETURNED:
        query = _entries_in(user, EntryState.RETURNED).order_by(ListEntry.decided_at.desc(), ListEntry.id.desc())
    elif view == InboxView.DRAFTS:
        query = _entries_in(user, EntryState.DRAFT).order_by(ListEntry.created_at, ListEntry.id)
    else:
        def count(*conditions):
            return (
                select(func.count(ListEntry.id)).where(ListEntry.list_id == MemberList.id, *conditions).correlate(MemberList).scalar_subquery()
            )

        query = (
            select(
                MemberList,
                count(ListEntry.state == EntryState.DRAFT),
                count(ListEntry.state == EntryState.RETURNED),
                count(and_(ListEntry.state.in_(EDITABLE_STATES), has_issue("error"))),
            )
            .where(area_clause(user, MemberList), _waiting_clause())
            .order_by(MemberList.updated_at.desc(), MemberList.id.desc())
        )
    return numbered_page(query, number, size, rows=True)


def note_inbox_view(user: User, view: InboxView, page: NumberedPage) -> None:
    """Write the access history (UU PDP): rows of people were shown, one event per list they came from."""
    if view == InboxView.LISTS:
        return  # titles and counts only
    shown: dict[int, int] = {}
    for _entry, member_list in page.items:
        shown[member_list.id] = shown.get(member_list.id, 0) + 1
    for list_id, count in shown.items():
        audit.record("inbox.view", "member_list", list_id, actor=user, view=view.value, entries=count)
