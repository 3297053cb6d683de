"""Everything a reviewer needs to decide one entry: the proposal, who proposed it, the
person's history and every possible duplicate with what matches."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_
from sqlalchemy.orm import selectinload

from portal import audit, clock
from portal.extensions import db
from portal.models import DesilRecord, EntryState, ListEntry, MemberList, Membership, Person, User
from portal.registry.services import household_members

# Why two records may be the same person: the reasons a duplicate card names.
MATCH_LABELS = {
    "same_nik": _l("NIK sama"),
    "same_name_birth": _l("Nama (bentuk kanonik) dan tanggal lahir sama"),
}
# Entries that may still become a membership: a second one for the same person is a duplicate.
OPEN_STATES = (EntryState.DRAFT, EntryState.PENDING, EntryState.RETURNED)
HISTORY_LIMIT = 50
DUPLICATE_LIMIT = 20


@dataclass(frozen=True)
class Candidate:
    """A registry person or another entry that may be the entry's person, and why."""

    kind: str  # "person" or "entry"
    record: Person | ListEntry
    matches: tuple[str, ...]


@dataclass
class Dossier:
    entry: ListEntry
    desil: DesilRecord | None
    proposer: User | None
    waiting: timedelta | None  # since submission, while the entry is pending
    person: Person | None  # the registry's person with the entry's NIK (or linked to it)
    earlier_entries: list[ListEntry] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    duplicates: list[Candidate] = field(default_factory=list)
    household: list[Person] = field(default_factory=list)  # registry persons with the entry's KK


def _as_aware(value: datetime) -> datetime:
    # SQLite hands timezone-aware columns back naive (they were stored in UTC).
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def entry_dossier(entry: ListEntry) -> Dossier:
    """The entry's dossier, from a fixed number of indexed queries whatever the registry size."""
    person = db.session.get(Person, entry.person_id) if entry.person_id else None
    if person is None:
        person = db.session.scalar(
            db.select(Person).where(Person.nik == entry.nik).options(selectinload(Person.memberships))
        )
    waiting = None
    if entry.state == EntryState.PENDING and entry.submitted_at:
        waiting = clock.now() - _as_aware(entry.submitted_at)
    return Dossier(
        entry=entry,
        desil=db.session.scalar(db.select(DesilRecord).where(DesilRecord.nik == entry.nik)),
        proposer=db.session.scalar(
            db.select(User).join(MemberList, MemberList.created_by_id == User.id).where(MemberList.id == entry.list_id)
        ),
        waiting=waiting,
        person=person,
        earlier_entries=_earlier_entries(entry, person),
        memberships=list(person.memberships) if person else [],
        duplicates=_person_candidates(entry) + _entry_candidates(entry),
        household=household_members(entry.kk_number, person.id if person else None),
    )


def _earlier_entries(entry: ListEntry, person: Person | None) -> list[ListEntry]:
    """Other entries with the same NIK or for the same registry person, newest first."""
    same = ListEntry.nik == entry.nik
    if person is not None:
        same = or_(same, ListEntry.person_id == person.id)
    return list(
        db.session.scalars(
            db.select(ListEntry)
            .where(same, ListEntry.id != entry.id)
            .options(selectinload(ListEntry.member_list), selectinload(ListEntry.decided_by))
            .order_by(ListEntry.id.desc())
            .limit(HISTORY_LIMIT)
        )
    )


def _matches(entry: ListEntry, nik: str, name_canonical: str, birth_date) -> tuple[str, ...]:
    found = []
    if nik == entry.nik:
        found.append("same_nik")
    if entry.name_canonical and name_canonical == entry.name_canonical and birth_date == entry.birth_date:
        found.append("same_name_birth")
    return tuple(found)


def _same_person(model, entry: ListEntry):
    """The condition "same NIK, or same canonical name and birth date" on `model`'s columns."""
    condition = model.nik == entry.nik
    if entry.name_canonical and entry.birth_date:
        condition = or_(condition, (model.name_canonical == entry.name_canonical) & (model.birth_date == entry.birth_date))
    return condition


def _person_candidates(entry: ListEntry) -> list[Candidate]:
    people = db.session.scalars(
        db.select(Person)
        .where(_same_person(Person, entry))
        .options(selectinload(Person.kelurahan), selectinload(Person.memberships))
        .order_by(Person.id)
        .limit(DUPLICATE_LIMIT)
    )
    return [Candidate("person", p, _matches(entry, p.nik, p.name_canonical, p.birth_date)) for p in people]


def _entry_candidates(entry: ListEntry) -> list[Candidate]:
    """Other open entries (draft, pending, returned) that may be the same person."""
    others = db.session.scalars(
        db.select(ListEntry)
        .where(_same_person(ListEntry, entry), ListEntry.id != entry.id, ListEntry.state.in_(OPEN_STATES))
        .options(selectinload(ListEntry.kelurahan), selectinload(ListEntry.member_list))
        .order_by(ListEntry.id)
        .limit(DUPLICATE_LIMIT)
    )
    return [Candidate("entry", e, _matches(entry, e.nik, e.name_canonical, e.birth_date)) for e in others]


def note_nik_reveal(entry: ListEntry, staff: User) -> None:
    """Write the access history (UU PDP): who asked to see the entry's full NIK."""
    audit.record(
        "entry.nik_reveal",
        "list_entry",
        entry.id,
        person_id=entry.person_id or db.session.scalar(db.select(Person.id).where(Person.nik == entry.nik)),
        actor=staff,
        list_id=entry.list_id,
    )
