"""Staff decisions on pending entries: approve, reject, return; exactly once under concurrency.

A decision claims its entries with a conditional UPDATE (`... WHERE state = 'pending'`)
inside the transaction that also writes the person and the membership; it goes on only
when the UPDATE matched every entry it meant to claim. On PostgreSQL the rows are locked
(approvals lock them first with SELECT ... FOR UPDATE, in id order) until commit, so a
second decision waits and then finds them decided: it changes nothing and tells its user
who decided first and when. A partial unique index forbids a second active membership of
a person in a year, whatever happens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, or_, update
from sqlalchemy.exc import IntegrityError, OperationalError

from portal import audit, clock
from portal.eligibility import category_setting, check_eligibility, programme_year_for
from portal.extensions import db
from portal.memberships.services import grant_membership, membership_period, period_of_approval_today, reserve_membership_numbers
from portal.models import (
    DesilRecord,
    EntryState,
    ListEntry,
    Membership,
    MembershipStatus,
    Person,
    PersonNikAlias,
    User,
)
from portal.models.base import utcnow
from portal.names import canonical_name, name_key
from portal.notifications import events as notification_events
from portal.programme import budget
from portal.review import holds
from portal.duplicates import add_aliases_from_verdicts

REJECT_REASONS = {
    "not_resident": _l("Bukan warga wilayah ini"),
    "not_eligible": _l("Tidak memenuhi syarat program"),
    "desil_above_cutoff": _l("Desil DTSEN di atas batas program"),
    "employer_covered": _l("Sudah didaftarkan pemberi kerja"),
    "civil_servant": _l("Aparatur sipil negara (ASN)"),
    "duplicate": _l("Terdaftar ganda"),
    "deceased": _l("Meninggal dunia"),
    "other": _l("Alasan lain"),
}
RETURN_REASON = "returned"

class DecisionError(ValueError):
    """A decision that cannot be made; the message says why, for the staff member."""


class AlreadyDecided(DecisionError):
    """Someone decided the entry first; nothing was changed."""


class OverBudget(DecisionError):
    """The approval would take the year's premiums over its budget ceiling; nothing changed."""


class HeldByOther(DecisionError):
    """Another reviewer took the entry in their batch; nothing was changed."""


def held_message(holder: User) -> str:
    return _(
        "Usulan ini sedang ditinjau oleh %(who)s; keputusan menunggu sampai dilepas (otomatis setelah %(minutes)d menit tanpa kegiatan).",
        who=holder.username,
        minutes=current_app.config["REVIEW_HOLD_IDLE_MINUTES"],
    )


def _ensure_not_held(entry: ListEntry, staff: User) -> None:
    holder = holds.other_holder(entry, staff)
    if holder is not None:
        raise HeldByOther(held_message(holder))


class LostRace(Exception):
    """A chunk of approvals met a concurrent decision; it is rolled back and retried."""


def already_decided_message(entry: ListEntry) -> str:
    """Who decided the entry and when, in words."""
    if entry.state == EntryState.DRAFT:
        return _("Usulan ini belum diajukan untuk verifikasi.")
    who = entry.decided_by.username if entry.decided_by else _("petugas lain")
    when = format_datetime(entry.decided_at, "short") if entry.decided_at else "-"
    return _(
        "Usulan ini sudah diputuskan (%(state)s) oleh %(who)s pada %(when)s; tidak ada yang diubah.",
        state=entry.state.label,
        who=who,
        when=when,
    )


def _claim(entry_id: int, staff: User, state: EntryState, **values) -> None:
    """Take the pending entry for this decision, or raise AlreadyDecided (nothing changed)."""
    claimed = db.session.execute(
        update(ListEntry)
        .where(ListEntry.id == entry_id, ListEntry.state == EntryState.PENDING)
        .values(
            state=state,
            decided_at=utcnow(),
            decided_by_id=staff.id,
            version=ListEntry.version + 1,
            held_by_id=None,
            held_at=None,
            **values,
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        # Read the decision that came first, not the pending entry this session loaded.
        entry = db.session.get(ListEntry, entry_id, populate_existing=True)
        raise AlreadyDecided(already_decided_message(entry))


def _pending_entry(entry_id: int) -> ListEntry:
    entry = db.session.get(ListEntry, entry_id)
    if entry is None:
        raise DecisionError(_("Usulan tidak ditemukan."))
    if entry.state != EntryState.PENDING:
        raise AlreadyDecided(already_decided_message(entry))
    return entry


def desil_of(nik: str) -> int | None:
    return db.session.scalar(db.select(DesilRecord.desil).where(DesilRecord.nik == nik))


@dataclass
class BulkResult:
    approved: dict[int, Membership] = field(default_factory=dict)  # entry id -> membership
    skipped: dict[int, DecisionError] = field(default_factory=dict)  # entry id -> why


def _approval_blocker(entry: ListEntry, programme_year, desil: int | None, today: date) -> DecisionError | None:
    """Why the year's rules forbid approving the entry, or None."""
    if entry.birth_date is None or entry.sex is None or not entry.kelurahan_code or entry.rw is None:
        return DecisionError(_("Data usulan belum lengkap (tanggal lahir, jenis kelamin, alamat)."))
    findings = check_eligibility(
        programme_year,
        birth_date=entry.birth_date,
        category_code=entry.category_code,
        desil=desil,
        today=today,
    )
    errors = [f.message for f in findings if f.is_error]
    if errors:
        return DecisionError(" ".join(errors))
    setting = category_setting(programme_year, entry.category_code)
    if setting.requires_desil and desil is None and programme_year.unknown_desil_blocks_approval:
        return DecisionError(
            _("Desil DTSEN belum diketahui; pengaturan tahun %(year)d tidak mengizinkan persetujuan tanpa desil.", year=programme_year.year)
        )
    return None


def _already_member(year: int, number: str) -> DecisionError:
    return DecisionError(_("Orang ini sudah peserta aktif tahun %(year)d (%(number)s).", year=year, number=number))


def _fill_person(person: Person, entry: ListEntry) -> None:
    """The registry keeps the latest approved data of a person."""
    person.full_name = entry.full_name
    person.name_key = name_key(entry.full_name)
    person.name_canonical = entry.name_canonical or canonical_name(entry.full_name)
    person.birth_date = entry.birth_date
    person.sex = entry.sex
    person.kelurahan_code = entry.kelurahan_code
    person.rw = entry.rw
    person.rt = entry.rt
    person.street = entry.street or ""
    if entry.phone:
        person.phone = entry.phone
        person.phone_consent = entry.phone_consent
    if entry.kk_number:
        person.kk_number = entry.kk_number
    person.category_code = entry.category_code
    person.occupation = entry.occupation or ""
    person.monthly_income = entry.monthly_income


def _approve_chunk(entry_ids: list[int], staff: User, today: date, result: BulkResult) -> None:
    """Approve a few hundred entries in one transaction with a fixed number of statements.

    Entries and persons are locked in id order (SELECT ... FOR UPDATE on PostgreSQL), so two
    staff approving overlapping selections wait for each other instead of deadlocking, and
    the loser sees the entries no longer pending.
    """
    programme_year = programme_year_for(today)
    if programme_year is None:
        error = DecisionError(_("Pengaturan program tahun %(year)d belum ada.", year=today.year))
        result.skipped.update({entry_id: error for entry_id in entry_ids})
        return
    locked = _lock_pending_entries(entry_ids)
    _note_held_by_others(locked, staff, result)
    locked = [e for e in locked if e.id not in result.skipped]
    niks = [e.nik for e in locked]
    persons = _lock_persons(niks)
    # Whoever already holds an active membership of the budget year the new cover belongs to.
    covered = _active_numbers(persons, membership_period(programme_year, today).year)
    chosen, repeated = _choose_approvable(locked, programme_year, _desil_by_nik(niks), covered, persons, today, result)
    _note_decided_elsewhere(entry_ids, locked, result)
    if not chosen:
        return
    chosen_entries = list(chosen.values())
    _ensure_budget_fits(programme_year, [e.id for e in chosen_entries], today)
    _claim_for_approval(chosen_entries, staff)
    created = _fill_persons(chosen_entries, persons)
    memberships = _grant_memberships(chosen_entries, persons, programme_year, today)
    _link_entries_to_persons(chosen_entries, persons)
    _record_approvals(chosen_entries, memberships, created, staff)
    notification_events.members_approved(memberships.values())
    db.session.flush()
    result.approved.update(memberships)
    for entry in repeated:
        result.skipped[entry.id] = _already_member(memberships[chosen[entry.nik].id].year, memberships[chosen[entry.nik].id].number)


def _ensure_budget_fits(programme_year, entry_ids: list[int], today: date) -> None:
    """Raise OverBudget when approving these entries today exceeds the year's ceiling.

    The programme-year row stays locked until the chunk commits, so a second approval waits
    here and then counts the memberships this one granted (portal.programme.budget)."""
    try:
        budget.check_entries(programme_year, entry_ids, today)
    except budget.BudgetExceeded as refusal:
        raise OverBudget(str(refusal)) from None


def _lock_pending_entries(entry_ids: list[int]) -> list[ListEntry]:
    """The entries of the chunk still pending, locked in id order."""
    return list(
        db.session.scalars(
            db.select(ListEntry)
            .where(ListEntry.id.in_(entry_ids), ListEntry.state == EntryState.PENDING)
            .order_by(ListEntry.id)
            .with_for_update()
        )
    )


def _desil_by_nik(niks: list[str]) -> dict[str, int]:
    return dict(db.session.execute(db.select(DesilRecord.nik, DesilRecord.desil).where(DesilRecord.nik.in_(niks))).all())


def _lock_persons(niks: list[str]) -> dict[str, Person]:
    """The registry's persons with these NIKs, by NIK, locked in id order; a NIK a person is
    also known by (portal.duplicates: a "same person" verdict) finds that person."""
    aliased = dict(db.session.execute(db.select(PersonNikAlias.nik, PersonNikAlias.person_id).where(PersonNikAlias.nik.in_(niks))).all())
    found = db.session.scalars(
        db.select(Person).where(or_(Person.nik.in_(niks), Person.id.in_(set(aliased.values())))).order_by(Person.id).with_for_update()
    ).all()
    persons = {p.nik: p for p in found}
    by_id = {p.id: p for p in found}
    for nik, person_id in aliased.items():
        persons.setdefault(nik, by_id[person_id])
    return persons


def _active_numbers(persons: dict[str, Person], year: int) -> dict[int, str]:
    """Person id -> the number of their active membership of the year, for those who have one."""
    return dict(
        db.session.execute(
            db.select(Membership.person_id, Membership.number).where(
                Membership.person_id.in_([p.id for p in persons.values()]),
                Membership.year == year,
                Membership.status == MembershipStatus.ACTIVE,
            )
        ).all()
    )


def _choose_approvable(
    locked: list[ListEntry],
    programme_year,
    desil: dict[str, int],
    covered: dict[int, str],
    persons: dict[str, Person],
    today: date,
    result: BulkResult,
) -> tuple[dict[str, ListEntry], list[ListEntry]]:
    """The entries to approve, one per person (by NIK), and the repeats of a chosen person;
    every entry the year's rules or an active membership block goes to `result.skipped`."""
    chosen: dict[str, ListEntry] = {}
    repeated: list[ListEntry] = []
    for entry in locked:
        blocker = _approval_blocker(entry, programme_year, desil.get(entry.nik), today)
        person = persons.get(entry.nik)
        number = covered.get(person.id) if person else None
        if blocker is None and number:
            blocker = _already_member(membership_period(programme_year, today).year, number)
        if blocker is not None:
            result.skipped[entry.id] = blocker
        elif entry.nik in chosen:
            repeated.append(entry)
        else:
            chosen[entry.nik] = entry
    for entry in repeated:
        # Filled in once the first entry of the same person has its number.
        result.skipped[entry.id] = DecisionError("")
    return chosen, repeated


def _note_held_by_others(locked: list[ListEntry], staff: User, result: BulkResult) -> None:
    """Entries in another reviewer's batch are skipped, saying whose."""
    since = holds.cutoff()
    for entry in locked:
        holder = holds.other_holder(entry, staff, since)
        if holder is not None:
            result.skipped[entry.id] = HeldByOther(held_message(holder))


def _note_decided_elsewhere(entry_ids: list[int], locked: list[ListEntry], result: BulkResult) -> None:
    """Entries no longer pending are skipped; approve_entries fills in who decided them."""
    locked_ids = {e.id for e in locked}
    for entry_id in entry_ids:
        if entry_id not in locked_ids and entry_id not in result.skipped:
            result.skipped[entry_id] = AlreadyDecided("")


def _claim_for_approval(entries: list[ListEntry], staff: User) -> None:
    """Mark the entries approved by `staff` in one UPDATE, or raise LostRace."""
    claimed = db.session.execute(
        update(ListEntry)
        .where(ListEntry.id.in_([e.id for e in entries]), ListEntry.state == EntryState.PENDING)
        .values(
            state=EntryState.APPROVED,
            decided_at=utcnow(),
            decided_by_id=staff.id,
            reason_code=None,
            reason_text=None,
            version=ListEntry.version + 1,
            held_by_id=None,
            held_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != len(entries):
        # Someone decided one of them between our read and our write (possible where
        # FOR UPDATE does not exist, as on SQLite): retry the entries one by one.
        raise LostRace()


def _fill_persons(entries: list[ListEntry], persons: dict[str, Person]) -> set[str]:
    """Write each entry's data into its person, adding the persons the registry lacks
    (to `persons` too); returns the NIKs of those added."""
    created = set()
    for entry in entries:
        person = persons.get(entry.nik)
        if person is None:
            person = persons[entry.nik] = Person(nik=entry.nik)
            db.session.add(person)
            created.add(entry.nik)
        _fill_person(person, entry)
    db.session.flush()
    add_aliases_from_verdicts({entry.nik: persons[entry.nik] for entry in entries})
    return created


def _grant_memberships(
    entries: list[ListEntry], persons: dict[str, Person], programme_year, today: date
) -> dict[int, Membership]:
    """An active membership with the next number for each entry's person: entry id -> membership."""
    # Numbered in the budget year the cover belongs to (next year's for a December approval
    # that starts on the first of the next month).
    numbers = reserve_membership_numbers(membership_period(programme_year, today).year, len(entries))
    memberships = {}
    for entry, number in zip(entries, numbers):
        setting = category_setting(programme_year, entry.category_code)
        memberships[entry.id] = grant_membership(persons[entry.nik], setting, today, entry_id=entry.id, number=number)
    db.session.flush()
    return memberships


def _link_entries_to_persons(entries: list[ListEntry], persons: dict[str, Person]) -> None:
    # Core executemany on the table: the entries were claimed above, no version check needed.
    table = ListEntry.__table__
    db.session.execute(
        update(table).where(table.c.id == bindparam("entry_id")).values(person_id=bindparam("person_id")),
        [{"entry_id": entry.id, "person_id": persons[entry.nik].id} for entry in entries],
    )


def _record_approvals(
    entries: list[ListEntry], memberships: dict[int, Membership], created: set[str], staff: User
) -> None:
    for entry in entries:
        membership = memberships[entry.id]
        audit.record(
            "entry.approve",
            "list_entry",
            entry.id,
            person_id=membership.person.id,
            actor=staff,
            list_id=entry.list_id,
            membership=membership.number,
            person_created=entry.nik in created,
            programmes=membership.programmes,
        )


CHUNK = 250


def _attempt(
    chunk: list[int], staff: User, today: date, result: BulkResult, commit: Callable[[], None], tries: int
) -> bool:
    """Run one chunk and commit it, rolling back and trying again when it collided with
    another decision."""
    for _try in range(tries):
        for entry_id in chunk:
            result.skipped.pop(entry_id, None)
            result.approved.pop(entry_id, None)
        try:
            _approve_chunk(chunk, staff, today, result)
            commit()
            return True
        except (IntegrityError, OperationalError, LostRace):
            # Only this chunk is undone: the caller's commit ended the one before.
            db.session.rollback()
        except OverBudget:
            db.session.rollback()
            raise
    return False


def _check_whole_selection(entry_ids: list[int], today: date) -> None:
    programme_year = programme_year_for(today)
    if programme_year is not None:
        _ensure_budget_fits(programme_year, entry_ids, today)
        db.session.rollback()  # release the lock: every chunk takes it again


@dataclass(frozen=True)
class ApprovalPreview:
    """What a bulk approval would do: the bulk confirmation page."""

    people: int
    added: int  # rupiah added to the approval year's premiums
    year_budget: budget.BudgetStatus | None
    refusal: str | None  # why it would be refused (a ceiling of this or the next year), or None
    period: str | None = None  # the year's period rule and the period an approval today gets


def approval_preview(entry_ids: list[int], today: date | None = None) -> ApprovalPreview:
    """How many people approving these pending entries today covers, what it adds to the
    year's premiums, and whether a budget ceiling refuses it; changes nothing."""
    today = today or clock.today()
    programme_year = programme_year_for(today)
    if programme_year is None:
        return ApprovalPreview(0, 0, None, None)
    period = period_of_approval_today(programme_year, today)
    people, added = budget.entries_premium(programme_year, budget.new_membership_months(programme_year, today), entry_ids)
    status = budget.BudgetStatus(programme_year.year, budget.ceiling_of(programme_year), budget.committed_now(programme_year), added)
    try:
        budget.check_entries(programme_year, entry_ids, today, lock=False)
    except budget.BudgetExceeded as refusal:
        return ApprovalPreview(people, added, status, str(refusal), period)
    return ApprovalPreview(people, added, status, None, period)


def approval_period(today: date | None = None) -> str | None:
    """The period rule of the settings in force and the period an approval today gets, in
    words; None without settings."""
    today = today or clock.today()
    programme_year = programme_year_for(today)
    return period_of_approval_today(programme_year, today) if programme_year else None


def approve_entries(
    entry_ids: list[int], staff: User, commit: Callable[[], None], today: date | None = None
) -> BulkResult:
    """Approve entries: persons, active memberships with numbers, audit events; exactly once.

    Work goes in chunks of one transaction each, which the caller's `commit` (its
    db.session.commit) ends: a thousand approvals never hold their locks all at once, and
    what is approved stays approved if the request dies half-way. When a chunk collides
    with another approval (same new person, same membership), it is rolled back and its
    entries are retried one by one, so one conflict never blocks the others. Call it with
    nothing else pending in the session: a collision rolls back to the last commit.

    Raises OverBudget, changing nothing, when the premiums the selection adds to the year
    exceed its budget ceiling.
    """
    today = today or clock.today()
    result = BulkResult()
    if len(entry_ids) > CHUNK:
        # Chunks commit one by one: check the whole selection first, so a refusal changes
        # nothing (each chunk checks again under the lock, against racing approvals).
        _check_whole_selection(entry_ids, today)
    for start in range(0, len(entry_ids), CHUNK):
        chunk = entry_ids[start : start + CHUNK]
        if _attempt(chunk, staff, today, result, commit, tries=1):
            continue
        for entry_id in chunk:
            if not _attempt([entry_id], staff, today, result, commit, tries=2):
                result.skipped[entry_id] = DecisionError(
                    _("Data orang ini baru saja diubah oleh petugas lain; muat ulang dan coba lagi.")
                )
    for entry_id, error in result.skipped.items():
        if isinstance(error, AlreadyDecided) and not str(error):
            entry = db.session.get(ListEntry, entry_id)
            result.skipped[entry_id] = (
                AlreadyDecided(already_decided_message(entry)) if entry else DecisionError(_("Usulan tidak ditemukan."))
            )
    return result


def approve_entry(entry_id: int, staff: User, commit: Callable[[], None], today: date | None = None) -> Membership:
    """Approve one pending entry and commit it, or raise DecisionError (AlreadyDecided)
    saying why not."""
    result = approve_entries([entry_id], staff, commit, today)
    if entry_id in result.skipped:
        raise result.skipped[entry_id]
    return result.approved[entry_id]


def reject_entry(entry_id: int, staff: User, reason_code: str, reason_text: str = "") -> None:
    """Reject a pending entry with a reason from the list (and free text)."""
    if reason_code not in REJECT_REASONS:
        raise DecisionError(_("Pilih alasan penolakan."))
    if reason_code == "other" and not reason_text.strip():
        raise DecisionError(_("Tuliskan alasan penolakan."))
    entry = _pending_entry(entry_id)
    _ensure_not_held(entry, staff)
    _claim(entry_id, staff, EntryState.REJECTED, reason_code=reason_code, reason_text=reason_text.strip() or None)
    audit.record(
        "entry.reject",
        "list_entry",
        entry_id,
        person_id=_person_id_for_nik(entry.nik),
        actor=staff,
        list_id=entry.list_id,
        reason=reason_code,
    )


def return_entry(entry_id: int, staff: User, reason_text: str) -> None:
    """Send a pending entry back to its RT/RW head or agent, saying what to correct."""
    if not reason_text.strip():
        raise DecisionError(_("Tuliskan apa yang harus diperbaiki."))
    entry = _pending_entry(entry_id)
    _ensure_not_held(entry, staff)
    _claim(entry_id, staff, EntryState.RETURNED, reason_code=RETURN_REASON, reason_text=reason_text.strip())
    audit.record(
        "entry.return",
        "list_entry",
        entry_id,
        person_id=_person_id_for_nik(entry.nik),
        actor=staff,
        list_id=entry.list_id,
    )


def note_entry_view(entry: ListEntry, staff: User) -> None:
    """Write the access history (UU PDP): who opened this entry's data."""
    audit.record(
        "entry.view",
        "list_entry",
        entry.id,
        person_id=entry.person_id or _person_id_for_nik(entry.nik),
        actor=staff,
        list_id=entry.list_id,
    )


def _person_id_for_nik(nik: str) -> int | None:
    return db.session.scalar(db.select(Person.id).where(Person.nik == nik))


@dataclass
class BulkClosing:
    """What a bulk reject or return did: the entries decided, and why the others were not."""

    decided: list[int] = field(default_factory=list)
    skipped: dict[int, DecisionError] = field(default_factory=dict)


def _close_entries(entry_ids: list[int], staff: User, state: EntryState, action: str, reason_code: str, reason_text: str | None) -> BulkClosing:
    """Reject or return pending entries in one conditional UPDATE and their audit events in one
    statement; entries decided meanwhile or in another reviewer's batch are left as they are."""
    since = holds.cutoff()
    closed = db.session.execute(
        update(ListEntry)
        .where(ListEntry.id.in_(entry_ids), ListEntry.state == EntryState.PENDING, holds.free_for(staff.id, since))
        .values(
            state=state,
            decided_at=utcnow(),
            decided_by_id=staff.id,
            reason_code=reason_code,
            reason_text=reason_text,
            version=ListEntry.version + 1,
            held_by_id=None,
            held_at=None,
        )
        .returning(ListEntry.id, ListEntry.list_id, ListEntry.nik)
        .execution_options(synchronize_session=False)
    ).all()
    persons = dict(db.session.execute(db.select(Person.nik, Person.id).where(Person.nik.in_([row.nik for row in closed]))).all())
    details = {"reason": reason_code} if action == "entry.reject" else {}
    audit.record_many(
        [
            {"action": action, "target_type": "list_entry", "target_id": str(row.id), "person_id": persons.get(row.nik),
             "details": {"list_id": row.list_id, "bulk": True, **details}}
            for row in closed
        ],
        actor=staff,
    )
    result = BulkClosing(decided=sorted(row.id for row in closed))
    for entry_id in set(entry_ids) - set(result.decided):
        entry = db.session.get(ListEntry, entry_id, populate_existing=True)
        if entry is None:
            result.skipped[entry_id] = DecisionError(_("Usulan tidak ditemukan."))
        elif entry.state != EntryState.PENDING:
            result.skipped[entry_id] = AlreadyDecided(already_decided_message(entry))
        else:
            result.skipped[entry_id] = HeldByOther(held_message(entry.held_by))
    return result


def reject_entries(entry_ids: list[int], staff: User, reason_code: str, reason_text: str = "") -> BulkClosing:
    """Reject pending entries with one reason from the list (and free text)."""
    if reason_code not in REJECT_REASONS:
        raise DecisionError(_("Pilih alasan penolakan."))
    if reason_code == "other" and not reason_text.strip():
        raise DecisionError(_("Tuliskan alasan penolakan."))
    return _close_entries(entry_ids, staff, EntryState.REJECTED, "entry.reject", reason_code, reason_text.strip() or None)


def return_entries(entry_ids: list[int], staff: User, reason_text: str) -> BulkClosing:
    """Send pending entries back to their RT/RW heads or agents, with one note of what to correct."""
    if not reason_text.strip():
        raise DecisionError(_("Tuliskan apa yang harus diperbaiki."))
    return _close_entries(entry_ids, staff, EntryState.RETURNED, "entry.return", RETURN_REASON, reason_text.strip())
