"""A reviewer's verdict on a possible duplicate across NIKs: the same person, or two people."""

from __future__ import annotations

from flask_babel import gettext as _

from portal import audit
from portal.duplicates import OTHER_NIK_CODE, add_aliases_from_verdicts, pair_key
from portal.extensions import db
from portal.models import DuplicatePair, DuplicateVerdict, EntryState, ListEntry, Person
from portal.review import dossier, services
from portal.validation import issue_columns


def _verdict_on(entry: ListEntry, kind: str, other_id: int) -> dossier.Candidate:
    """The entry's current candidate (kind, id) across NIKs, or DecisionError: only a pair the
    finder reports now can be resolved (no verdict on arbitrary NIKs)."""
    for candidate in dossier.entry_dossier(entry).duplicates:
        if candidate.kind == kind and candidate.record.id == other_id and candidate.across_niks:
            return candidate
    raise services.DecisionError(_("Pasangan ini tidak (lagi) ditemukan sebagai kemungkinan ganda; tidak ada yang diubah."))


def _record_pair(entry: ListEntry, candidate: dossier.Candidate, verdict: DuplicateVerdict, reason_text: str, staff) -> DuplicatePair:
    low, high = pair_key(entry.nik, candidate.record.nik)
    pair = db.session.scalar(db.select(DuplicatePair).filter_by(nik_low=low, nik_high=high))
    if pair is None:
        pair = DuplicatePair(nik_low=low, nik_high=high)
        db.session.add(pair)
    pair.verdict = verdict
    pair.reasons = " ".join(candidate.matches)[:200]
    pair.reason_text = reason_text
    pair.decided_by_id = staff.id
    db.session.flush()
    return pair


def _drop_finding(entry: ListEntry, kind: str, record_id: int) -> None:
    """Take the stored "another NIK" finding about (kind, record_id) off an entry, and its flags."""
    kept = [
        i for i in entry.issues or []
        if not (i.get("code") == OTHER_NIK_CODE and (i.get("params") or {}).get("kind") == kind and (i.get("params") or {}).get("record_id") == record_id)
    ]
    if kept != (entry.issues or []):
        for name, value in issue_columns(kept).items():
            setattr(entry, name, value)


def different_people(entry: ListEntry, kind: str, other_id: int, reason_text: str, staff) -> None:
    """Two people: the pair is recorded and never flagged again."""
    reason_text = (reason_text or "").strip()
    if not reason_text:
        raise services.DecisionError(_("Tuliskan alasan keputusan ini."))
    candidate = _verdict_on(entry, kind, other_id)
    pair = _record_pair(entry, candidate, DuplicateVerdict.DIFFERENT, reason_text, staff)
    _drop_finding(entry, kind, other_id)
    if kind == "entry":
        _drop_finding(candidate.record, "entry", entry.id)
    db.session.flush()
    audit.record(
        "duplicate.different_people", "list_entry", entry.id, person_id=entry.person_id, actor=staff,
        pair_id=pair.id, other=f"{kind}:{other_id}", reasons=list(candidate.matches),
    )


def same_person(entry: ListEntry, kind: str, other_id: int, keep: str, reason_text: str, staff) -> str:
    """One person under two NIKs: the entry not kept is rejected as a duplicate and the
    registry person keeps both NIKs (now, or when the kept entry is approved). Returns what
    was done, in words."""
    reason_text = (reason_text or "").strip()
    if not reason_text:
        raise services.DecisionError(_("Tuliskan alasan keputusan ini."))
    candidate = _verdict_on(entry, kind, other_id)
    if kind == "person":
        keep = "other"  # the registry's person stays; this entry is the duplicate
    elif keep not in ("this", "other"):
        raise services.DecisionError(_("Pilih usulan yang dipertahankan."))
    dropped = candidate.record if keep == "this" else entry
    kept = entry if keep == "this" else candidate.record
    if dropped.state != EntryState.PENDING:
        raise services.DecisionError(
            _("Usulan #%(id)s tidak sedang menunggu verifikasi, jadi tidak dapat ditolak sebagai ganda; tidak ada yang diubah.", id=dropped.id)
        )
    pair = _record_pair(entry, candidate, DuplicateVerdict.SAME, reason_text, staff)
    services.reject_entry(dropped.id, staff, "duplicate", reason_text)
    person = kept if isinstance(kept, Person) else (
        db.session.get(Person, kept.person_id) if kept.person_id else db.session.scalar(db.select(Person).where(Person.nik == kept.nik))
    )
    if person is not None:
        add_aliases_from_verdicts({person.nik: person})
    audit.record(
        "duplicate.same_person", "list_entry", entry.id, person_id=person.id if person else entry.person_id, actor=staff,
        pair_id=pair.id, other=f"{kind}:{other_id}", rejected_entry=dropped.id, reasons=list(candidate.matches),
    )
    return _("Dicatat sebagai orang yang sama; usulan #%(id)s ditolak sebagai ganda.", id=dropped.id)
