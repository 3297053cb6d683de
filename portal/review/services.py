"""Staff decisions on pending entries: approve, reject, return; exactly once under concurrency.

A decision first claims the entry with a conditional UPDATE (`... WHERE state = 'pending'`)
inside the transaction that also writes the person and the membership. On PostgreSQL the
UPDATE holds the row lock until commit, so a second decision waits and then matches no
row: it changes nothing and tells its user who decided first and when.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.eligibility import category_setting, check_eligibility, programme_year_for
from portal.extensions import db
from portal.memberships.services import grant_membership
from portal.models import (
    DesilRecord,
    EntryState,
    ListEntry,
    Membership,
    MembershipStatus,
    Person,
    User,
)
from portal.models.base import utcnow
from portal.names import name_key

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

STATE_LABELS = {
    EntryState.DRAFT: _l("Draf"),
    EntryState.PENDING: _l("Menunggu verifikasi"),
    EntryState.APPROVED: _l("Disetujui"),
    EntryState.REJECTED: _l("Ditolak"),
    EntryState.RETURNED: _l("Dikembalikan untuk perbaikan"),
}


class DecisionError(ValueError):
    """A decision that cannot be made; the message says why, for the staff member."""


class AlreadyDecided(DecisionError):
    """Someone decided the entry first; nothing was changed."""


def already_decided_message(entry: ListEntry) -> str:
    """Who decided the entry and when, in words."""
    if entry.state == EntryState.DRAFT:
        return _("Usulan ini belum diajukan untuk verifikasi.")
    who = entry.decided_by.username if entry.decided_by else _("petugas lain")
    when = format_datetime(entry.decided_at, "short") if entry.decided_at else "-"
    return _(
        "Usulan ini sudah diputuskan (%(state)s) oleh %(who)s pada %(when)s; tidak ada yang diubah.",
        state=STATE_LABELS[entry.state],
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
            **values,
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        entry = db.session.get(ListEntry, entry_id)
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


def _approval_blockers(entry: ListEntry, today: date):
    """The year's settings for the entry, or a DecisionError saying why it cannot be approved."""
    if entry.birth_date is None or entry.sex is None or not entry.kelurahan_code or entry.rw is None:
        raise DecisionError(_("Data usulan belum lengkap (tanggal lahir, jenis kelamin, alamat)."))
    programme_year = programme_year_for(today)
    if programme_year is None:
        raise DecisionError(_("Pengaturan program tahun %(year)d belum ada.", year=today.year))
    setting = category_setting(programme_year, entry.category_code)
    desil = desil_of(entry.nik)
    findings = check_eligibility(
        programme_year,
        birth_date=entry.birth_date,
        category_code=entry.category_code,
        desil=desil,
        today=today,
    )
    errors = [f.message for f in findings if f.is_error]
    if errors:
        raise DecisionError(" ".join(errors))
    if (
        setting.requires_desil
        and desil is None
        and programme_year.unknown_desil_blocks_approval
    ):
        raise DecisionError(
            _("Desil DTSEN belum diketahui; pengaturan tahun %(year)d tidak mengizinkan persetujuan tanpa desil.", year=programme_year.year)
        )
    return setting


def _person_for(entry: ListEntry) -> tuple[Person, bool]:
    """The registry's person with the entry's NIK, updated from the entry, or a new one."""
    person = db.session.scalar(
        db.select(Person).where(Person.nik == entry.nik).with_for_update()
    )
    created = person is None
    if created:
        person = Person(nik=entry.nik)
        db.session.add(person)
    person.full_name = entry.full_name
    person.name_key = name_key(entry.full_name)
    person.birth_date = entry.birth_date
    person.sex = entry.sex
    person.kelurahan_code = entry.kelurahan_code
    person.rw = entry.rw
    person.rt = entry.rt
    person.street = entry.street or ""
    if entry.phone:
        person.phone = entry.phone
    person.category_code = entry.category_code
    person.occupation = entry.occupation or ""
    person.monthly_income = entry.monthly_income
    db.session.flush()
    return person, created


def approve_entry(entry_id: int, staff: User, today: date | None = None) -> Membership:
    """Approve a pending entry: the person, an active membership with its number, an audit event."""
    today = today or date.today()
    entry = _pending_entry(entry_id)
    setting = _approval_blockers(entry, today)
    _claim(entry_id, staff, EntryState.APPROVED, reason_code=None, reason_text=None)
    try:
        person, created = _person_for(entry)
        current = db.session.scalar(
            db.select(Membership).where(
                Membership.person_id == person.id,
                Membership.year == setting.year,
                Membership.status == MembershipStatus.ACTIVE,
            )
        )
        if current is not None:
            raise DecisionError(
                _("Orang ini sudah peserta aktif tahun %(year)d (%(number)s).", year=setting.year, number=current.number)
            )
        membership = grant_membership(person, setting, today, entry_id=entry_id)
        db.session.flush()
    except IntegrityError:
        # Another approval created the same person or membership a moment ago.
        db.session.rollback()
        raise DecisionError(
            _("Data orang ini baru saja diubah oleh petugas lain; muat ulang dan coba lagi.")
        ) from None
    except DecisionError:
        db.session.rollback()
        raise
    db.session.execute(
        update(ListEntry)
        .where(ListEntry.id == entry_id)
        .values(person_id=person.id)
        .execution_options(synchronize_session=False)
    )
    audit.record(
        "entry.approve",
        "list_entry",
        entry_id,
        person_id=person.id,
        actor=staff,
        list_id=entry.list_id,
        membership=membership.number,
        person_created=created,
        programmes=membership.programmes,
    )
    db.session.commit()
    return membership


def reject_entry(entry_id: int, staff: User, reason_code: str, reason_text: str = "") -> None:
    """Reject a pending entry with a reason from the list (and free text)."""
    if reason_code not in REJECT_REASONS:
        raise DecisionError(_("Pilih alasan penolakan."))
    if reason_code == "other" and not reason_text.strip():
        raise DecisionError(_("Tuliskan alasan penolakan."))
    entry = _pending_entry(entry_id)
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
    db.session.commit()


def return_entry(entry_id: int, staff: User, reason_text: str) -> None:
    """Send a pending entry back to its RT/RW head or agent, saying what to correct."""
    if not reason_text.strip():
        raise DecisionError(_("Tuliskan apa yang harus diperbaiki."))
    entry = _pending_entry(entry_id)
    _claim(entry_id, staff, EntryState.RETURNED, reason_code=RETURN_REASON, reason_text=reason_text.strip())
    audit.record(
        "entry.return",
        "list_entry",
        entry_id,
        person_id=_person_id_for_nik(entry.nik),
        actor=staff,
        list_id=entry.list_id,
    )
    db.session.commit()


def _person_id_for_nik(nik: str) -> int | None:
    return db.session.scalar(db.select(Person.id).where(Person.nik == nik))


@dataclass
class BulkResult:
    approved: list[str] = field(default_factory=list)  # membership numbers
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (entry id, why)


def bulk_approve(entry_ids: list[int], staff: User, today: date | None = None) -> BulkResult:
    """Approve each entry in its own transaction; one refusal never undoes the others."""
    result = BulkResult()
    for entry_id in entry_ids:
        try:
            result.approved.append(approve_entry(entry_id, staff, today).number)
        except DecisionError as error:
            db.session.rollback()
            result.skipped.append((entry_id, str(error)))
    return result
