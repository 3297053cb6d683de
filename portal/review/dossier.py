"""Everything a reviewer needs to decide one entry: the proposal, who proposed it, the
person's history and every possible duplicate with what matches."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import or_
from sqlalchemy.orm import selectinload

from portal import audit, clock
from portal.duplicates import ACROSS_NIKS, REASONS, Probe, find_duplicates
from portal.extensions import db
from portal.models import DesilRecord, EntryState, ListEntry, MemberList, Membership, Person, User
from portal.registry.services import household_members

# Why two records may be the same person: the reasons a duplicate card names.
MATCH_LABELS = REASONS
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

    @property
    def across_niks(self) -> bool:
        """Whether the pair is two NIKs a reviewer can resolve (same person or not)."""
        return any(m in ACROSS_NIKS for m in self.matches)


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
        duplicates=_duplicates(entry),
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


def _duplicates(entry: ListEntry) -> list[Candidate]:
    """Registry persons and other open entries (draft, pending, returned) that may be the
    entry's person, with why (portal.duplicates, shared with the row validator)."""
    probe = Probe(entry.nik, entry.name_canonical, entry.birth_date, entry.kk_number)
    (matches,) = find_duplicates([probe], same_nik=True, entry_states=OPEN_STATES, exclude_entry_ids=[entry.id])
    person_ids = [m.id for m in matches if m.kind == "person"][:DUPLICATE_LIMIT]
    entry_ids = [m.id for m in matches if m.kind == "entry"][:DUPLICATE_LIMIT]
    people = {
        p.id: p
        for p in db.session.scalars(
            db.select(Person).where(Person.id.in_(person_ids)).options(selectinload(Person.kelurahan), selectinload(Person.memberships))
        )
    } if person_ids else {}
    others = {
        e.id: e
        for e in db.session.scalars(
            db.select(ListEntry).where(ListEntry.id.in_(entry_ids)).options(selectinload(ListEntry.kelurahan), selectinload(ListEntry.member_list))
        )
    } if entry_ids else {}
    candidates = []
    for match in matches:
        record = (people if match.kind == "person" else others).get(match.id)
        if record is not None:
            candidates.append(Candidate(match.kind, record, match.reasons))
    return candidates


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
