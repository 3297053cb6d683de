"""The review queue: pending entries by filter, oldest first, one keyset page at a time."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select, tuple_
from sqlalchemy.orm import aliased, selectinload

from portal.extensions import db
from portal.models import DesilRecord, EntryState, ListEntry
from portal.names import name_search
from portal.paging import keyset_page
from portal.review import holds

PAGE_SIZE = 50
COUNT_CAP = 10_000
# The flag counts only guide the choice of a filter: beyond a thousand the exact figure
# changes nothing, and counting fewer rows keeps the unknown-desil anti-join cheap.
FLAG_COUNT_CAP = 1_000
FLAGS = ("warnings", "duplicate", "unknown_desil")
# Every value of the queue's "tanda" filter ("mine": the batch the reviewer took).
FLAG_VALUES = ("warnings", "no_warnings", "duplicate", "unknown_desil", "mine")


@dataclass(frozen=True)
class QueueFilter:
    kecamatan: str | None = None
    kelurahan: str | None = None
    rw: int | None = None
    category: str | None = None
    list_id: int | None = None
    flag: str | None = None
    # Who looks: "mine" means their batch, and others' batches stay out of bulk decisions.
    reviewer_id: int | None = None
    # A search (sent by POST, never in the query string): an exact NIK, or a name matched in
    # canonical form (portal.names.name_search).
    nik: str | None = None
    name: str | None = None

    @property
    def searching(self) -> bool:
        return bool(self.nik or self.name)

    def as_args(self, with_flag: bool = True) -> dict:
        """The filter as query-string arguments (none of them personal data)."""
        names = {"kecamatan": "kecamatan", "kelurahan": "kelurahan", "rw": "rw", "category": "kategori", "list_id": "daftar", "flag": "tanda"}
        return {
            names[k]: v
            for k, v in self.__dict__.items()
            if k in names and v not in (None, "") and (with_flag or k != "flag")
        }


def _no_desil():
    """No DTSEN record for the entry's NIK (an alias, so it never correlates with a join)."""
    record = aliased(DesilRecord)
    return ~select(record.id).where(record.nik == ListEntry.nik).exists()


def _filtered(query: Select, queue_filter: QueueFilter, *, with_flag: bool = True) -> Select:
    query = query.where(ListEntry.state == EntryState.PENDING)
    if queue_filter.nik:
        query = query.where(ListEntry.nik == queue_filter.nik)
    if queue_filter.name and (by_name := name_search(queue_filter.name, ListEntry.name_canonical)) is not None:
        query = query.where(by_name)
    if queue_filter.kelurahan:
        query = query.where(ListEntry.kelurahan_code == queue_filter.kelurahan)
    elif queue_filter.kecamatan and queue_filter.kecamatan.isdigit():
        # A kelurahan's Kemendagri code is its kecamatan's code plus four digits: a range
        # of the area index, rather than a join.
        query = query.where(
            ListEntry.kelurahan_code.between(queue_filter.kecamatan + "0000", queue_filter.kecamatan + "9999")
        )
    if queue_filter.rw is not None:
        query = query.where(ListEntry.rw == queue_filter.rw)
    if queue_filter.category:
        query = query.where(ListEntry.category_code == queue_filter.category)
    if queue_filter.list_id is not None:
        query = query.where(ListEntry.list_id == queue_filter.list_id)
    if with_flag and queue_filter.flag == "warnings":
        query = query.where(ListEntry.has_warnings.is_(True))
    elif with_flag and queue_filter.flag == "no_warnings":
        query = query.where(ListEntry.has_warnings.is_(False))
    elif with_flag and queue_filter.flag == "duplicate":
        query = query.where(ListEntry.possible_duplicate.is_(True))
    elif with_flag and queue_filter.flag == "unknown_desil":
        query = query.where(_no_desil())
    elif with_flag and queue_filter.flag == "mine" and queue_filter.reviewer_id is not None:
        query = query.where(holds.held_by(queue_filter.reviewer_id))
    return query


def queue_page(queue_filter: QueueFilter, after_id: int | None = None, size: int = PAGE_SIZE):
    """One page of (entry, desil) rows after the entry `after_id`, and whether more follow."""
    query = _filtered(
        select(ListEntry, DesilRecord.desil)
        .outerjoin(DesilRecord, DesilRecord.nik == ListEntry.nik)
        .options(selectinload(ListEntry.kelurahan), selectinload(ListEntry.held_by)),
        queue_filter,
    )
    if after_id is not None:
        after = db.session.scalar(select(ListEntry.submitted_at).where(ListEntry.id == after_id))
        if after is not None:
            query = query.where(tuple_(ListEntry.submitted_at, ListEntry.id) > tuple_(after, after_id))
    return keyset_page(query.order_by(ListEntry.submitted_at, ListEntry.id), size, rows=True)


def queue_counts(
    queue_filter: QueueFilter, cap: int = COUNT_CAP, flag_cap: int = FLAG_COUNT_CAP
) -> dict[str, int]:
    """How many pending entries the filter holds, in all (up to `cap`) and per flag (up to
    `flag_cap`).

    Each count reads at most its cap + 1 index entries, so the page stays fast at any queue
    size; the page shows "10.000+" or "1.000+" beyond the cap.
    """

    def capped(extra, cap: int = flag_cap) -> int:
        query = _filtered(select(ListEntry.id), queue_filter, with_flag=False)
        if extra is not None:
            query = query.where(extra)
        return db.session.scalar(select(func.count()).select_from(query.limit(cap + 1).subquery()))

    return {
        "all": capped(None, cap),
        "warnings": capped(ListEntry.has_warnings.is_(True)),
        "no_warnings": capped(ListEntry.has_warnings.is_(False)),
        "duplicate": capped(ListEntry.possible_duplicate.is_(True)),
        "unknown_desil": capped(_no_desil()),
        "mine": capped(holds.held_by(queue_filter.reviewer_id)) if queue_filter.reviewer_id is not None else 0,
    }


def warning_free_ids(queue_filter: QueueFilter, limit: int) -> list[int]:
    """Ids of warning-free pending entries in the filter that no other reviewer holds, oldest first."""
    query = _filtered(select(ListEntry.id), queue_filter).where(ListEntry.has_warnings.is_(False))
    if queue_filter.reviewer_id is not None:
        query = query.where(holds.free_for(queue_filter.reviewer_id))
    return list(db.session.scalars(query.order_by(ListEntry.submitted_at, ListEntry.id).limit(limit)))


def batch_candidates(queue_filter: QueueFilter, size: int) -> list[int]:
    """The oldest pending entries in the filter that nobody holds now, for a reviewer's batch."""
    since = holds.cutoff()
    query = _filtered(select(ListEntry.id), queue_filter).where(
        or_(ListEntry.held_by_id.is_(None), ListEntry.held_at < since)
    )
    return list(db.session.scalars(query.order_by(ListEntry.submitted_at, ListEntry.id).limit(size)))


def decidable_count(entry_ids: list[int], reviewer) -> int:
    """How many of the entries are pending and in no other reviewer's batch."""
    if not entry_ids:
        return 0
    return db.session.scalar(
        select(func.count()).where(
            ListEntry.id.in_(entry_ids), ListEntry.state == EntryState.PENDING, holds.free_for(reviewer.id)
        )
    )
