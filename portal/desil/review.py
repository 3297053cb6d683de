"""Staff review of members a DTSEN refresh put out of the target ("keluar dari sasaran").

An import never ends cover: it raises a flag per member whose household is now above the
year's cut-off (or no longer listed), closes the open flags of members back under it, and
staff decide each flag (keep until the year's end with a note, or end the membership).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, update

from portal import audit
from portal.extensions import db
from portal.models import (
    CategorySetting,
    DesilHistory,
    DtsenFlag,
    DtsenFlagReason,
    DtsenFlagStatus,
    EndReason,
    Kelurahan,
    Membership,
    MembershipStatus,
    Person,
    ProgrammeYear,
    User,
)
from portal.models.base import utcnow
from portal.paging import NumberedPage, numbered_page

PAGE_SIZE = 50
STREAM = 5_000

REASON_LABELS = {
    DtsenFlagReason.ABOVE_CUTOFF.value: _l("Desil di atas batas program"),
    DtsenFlagReason.NOT_IN_DTSEN.value: _l("Tidak lagi tercantum di DTSEN"),
}
STATUS_LABELS = {
    DtsenFlagStatus.OPEN.value: _l("Menunggu keputusan"),
    DtsenFlagStatus.KEPT.value: _l("Dipertahankan sampai akhir tahun"),
    DtsenFlagStatus.ENDED.value: _l("Keanggotaan diakhiri"),
    DtsenFlagStatus.CLEARED.value: _l("Ditutup otomatis: kembali di bawah batas"),
}
KEEP, END = "keep", "end"


class ReviewError(ValueError):
    """A decision that cannot be made; the message is for staff."""


def review_members(result, source: str, *, full: bool = True) -> None:
    """Flag active members of desil-targeted categories the extract puts out of the target,
    and close the open flags of those it puts back under the cut-off (counts on `result`)."""
    years = {y.year: y.desil_max for y in db.session.scalars(db.select(ProgrammeYear))}
    targeted = {
        (s.year, s.category_code) for s in db.session.scalars(db.select(CategorySetting).where(CategorySetting.requires_desil))
    }
    query = (
        db.select(
            Membership.id, Membership.person_id, Membership.year, Person.nik, Person.category_code,
            DtsenFlag.id.label("flag_id"), DtsenFlag.status.label("flag_status"),
        )
        .join(Person, Person.id == Membership.person_id)
        .outerjoin(
            DtsenFlag,
            (DtsenFlag.membership_id == Membership.id) & DtsenFlag.status.in_((DtsenFlagStatus.OPEN, DtsenFlagStatus.KEPT)),
        )
        .where(Membership.status == MembershipStatus.ACTIVE)
        .execution_options(yield_per=STREAM)
    )
    now = utcnow()
    new_flags: list[dict] = []
    cleared: list = []
    for row in db.session.execute(query):
        cutoff = years.get(row.year)
        if cutoff is None or (row.year, row.category_code) not in targeted:
            continue  # the category has no desil rule: a DTSEN refresh says nothing about it
        found = result.latest.get(row.nik)
        if found is not None and found[0] <= cutoff:
            if row.flag_status == DtsenFlagStatus.OPEN:
                cleared.append(row)
            continue
        if found is None and not full:
            continue
        if row.flag_id is not None:
            continue  # already waiting for staff, or kept until the year's end by a decision
        new_flags.append({
            "membership_id": row.id,
            "person_id": row.person_id,
            "reason": DtsenFlagReason.ABOVE_CUTOFF if found else DtsenFlagReason.NOT_IN_DTSEN,
            "desil": found[0] if found else None,
            "source_date": found[1] if found else None,
            "source": source,
            "status": DtsenFlagStatus.OPEN,
            "raised_at": now,
        })
    if new_flags:
        db.session.execute(insert(DtsenFlag), new_flags)
    if cleared:
        db.session.execute(
            update(DtsenFlag)
            .where(DtsenFlag.id.in_([r.flag_id for r in cleared]))
            .values(status=DtsenFlagStatus.CLEARED, decided_at=now, note=_("Ekstrak %(source)s: kembali di bawah batas desil.", source=source))
            .execution_options(synchronize_session=False)
        )
    result.flagged, result.cleared = len(new_flags), len(cleared)
    audit.record_many(
        [
            {"action": "dtsen.flag", "target_type": "membership", "target_id": f["membership_id"], "person_id": f["person_id"],
             "details": {"reason": f["reason"].value, "desil": f["desil"], "source": source}}
            for f in new_flags
        ]
        + [
            {"action": "dtsen.flag_cleared", "target_type": "membership", "target_id": r.id, "person_id": r.person_id,
             "details": {"flag_id": r.flag_id, "source": source}}
            for r in cleared
        ]
    )
    db.session.flush()


@dataclass(frozen=True)
class FlagFilter:
    kecamatan: str | None = None
    reason: str | None = None


def _open_flags(chosen: FlagFilter):
    # A membership ended or expired meanwhile (registry, re-verification) needs no decision.
    query = (
        db.select(DtsenFlag)
        .join(Person, Person.id == DtsenFlag.person_id)
        .join(Membership, Membership.id == DtsenFlag.membership_id)
        .where(DtsenFlag.status == DtsenFlagStatus.OPEN, Membership.status == MembershipStatus.ACTIVE)
    )
    if chosen.kecamatan:
        query = query.join(Kelurahan, Kelurahan.code == Person.kelurahan_code).where(Kelurahan.kecamatan_code == chosen.kecamatan)
    if chosen.reason:
        query = query.where(DtsenFlag.reason == DtsenFlagReason(chosen.reason))
    return query


def open_flags_page(chosen: FlagFilter, number: int) -> NumberedPage:
    """One page of the flags waiting for staff, oldest first."""
    query = _open_flags(chosen).options(
        db.joinedload(DtsenFlag.person).joinedload(Person.kelurahan), db.joinedload(DtsenFlag.membership)
    ).order_by(DtsenFlag.id)
    return numbered_page(query, number, PAGE_SIZE)


def count_open(chosen: FlagFilter) -> int:
    return db.session.scalar(_open_flags(chosen).with_only_columns(db.func.count(DtsenFlag.id))) or 0


def open_flag_or_none(flag_id: int) -> DtsenFlag | None:
    return db.session.get(DtsenFlag, flag_id)


def decide(flag: DtsenFlag, decision: str, actor: User, *, note: str = "", end_reason: str | None = None,
           end_date: date | None = None, bulk: bool = False) -> None:
    """Keep the member until the year's end (note required) or end the membership (reason
    and date); audited. The caller commits."""
    from portal.memberships.services import end_membership

    if flag.status != DtsenFlagStatus.OPEN:
        raise ReviewError(_("Tinjauan ini sudah diputuskan."))
    note = (note or "").strip()
    membership = flag.membership
    if membership.status != MembershipStatus.ACTIVE:
        raise ReviewError(_("Keanggotaan %(number)s sudah tidak aktif.", number=membership.number))
    if decision == KEEP:
        if not note:
            raise ReviewError(_("Tuliskan catatan mengapa peserta dipertahankan."))
        flag.status = DtsenFlagStatus.KEPT
    elif decision == END:
        if end_reason not in {r.value for r in EndReason} or end_date is None:
            raise ReviewError(_("Pilih alasan dan tanggal berakhirnya keanggotaan."))
        if end_reason == EndReason.OTHER and not note:
            raise ReviewError(_("Tuliskan alasan berakhirnya keanggotaan."))
        if not membership.starts_on <= end_date <= membership.ends_on:
            raise ReviewError(_("Tanggal berakhir harus dalam masa kepesertaan (%(start)s – %(end)s).",
                                start=membership.starts_on.isoformat(), end=membership.ends_on.isoformat()))
        end_membership(membership, EndReason(end_reason), end_date, note)
        audit.record("membership.end", "membership", membership.id, person_id=membership.person_id, actor=actor,
                     number=membership.number, reason=end_reason, via="dtsen_review")
        flag.status = DtsenFlagStatus.ENDED
    else:
        raise ReviewError(_("Pilih keputusan."))
    flag.note = note or None
    flag.decided_at = utcnow()
    flag.decided_by_id = actor.id
    audit.record("dtsen.decision", "membership", membership.id, person_id=flag.person_id, actor=actor,
                 flag_id=flag.id, decision=decision, end_reason=end_reason if decision == END else None,
                 end_date=end_date.isoformat() if decision == END and end_date else None, bulk=bulk)
    db.session.flush()


def decide_all(chosen: FlagFilter, expected: int, decision: str, actor: User, **kwargs) -> int:
    """Decide every open flag of the filter at once; refused when the count changed since
    the confirmation page showed it."""
    flags = list(db.session.scalars(_open_flags(chosen).order_by(DtsenFlag.id)))
    if len(flags) != expected:
        raise ReviewError(_("Jumlah peserta yang menunggu keputusan berubah (sekarang %(count)d). Periksa lagi lalu konfirmasi.", count=len(flags)))
    for flag in flags:
        decide(flag, decision, actor, bulk=True, **kwargs)
    return len(flags)


def desil_history(person: Person) -> list[DesilHistory]:
    """Every desil the extracts gave the person's NIK, oldest first.

    A desil record written without the import (bulk test data) shows as the one known entry.
    """
    history = list(db.session.scalars(
        db.select(DesilHistory).where(DesilHistory.nik == person.nik).order_by(DesilHistory.source_date, DesilHistory.id)
    ))
    record = person.desil_record
    if not history and record is not None:
        history = [DesilHistory(nik=record.nik, desil=record.desil, source_date=record.source_date, source="")]
    return history


def flags_of(person: Person) -> list[DtsenFlag]:
    return list(db.session.scalars(db.select(DtsenFlag).where(DtsenFlag.person_id == person.id).order_by(DtsenFlag.id)))


def open_flag_membership_ids(membership_ids) -> set[int]:
    """Which of these memberships have a flag waiting for staff (the renewal dry run counts them)."""
    ids = set(membership_ids)
    open_ids = set(db.session.scalars(db.select(DtsenFlag.membership_id).where(DtsenFlag.status == DtsenFlagStatus.OPEN)))
    return ids & open_ids
