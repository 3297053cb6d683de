"""De-registration files for BPJS: members whose membership ended, in numbered batches.

Who is reported (each membership once, in exactly one batch):
- memberships ended by staff or by a re-verification answer (deceased, moved away, covered by
  an employer, other), with the day cover ended;
- memberships a real renewal run did not renew into the next year, ending on their last day
  (usually 31 December), whatever day the batch is made;
- memberships whose period ran out without a renewal (expired), unless a renewal run left
  them for staff to confirm: those wait for the decision (the preview counts them).
Only people BPJS knows (one of their memberships was sent in a registration batch or has a
KPJ), and only a person's latest membership: someone re-approved or renewed is still covered
and is not reported; when that later membership ends, it is the one reported.

De-registration batches have their own series 1, 2, ... beside the registration batches;
the file names say which kind (pemberhentian-bpjs-batch-0001.xlsx).
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, func, insert, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from portal import clock
from portal import audit, storage
from portal.exports import csv_bytes, xlsx_bytes
from portal.extensions import cache, db
from portal.models.base import utcnow
from portal.models import (
    BpjsBatchItem,
    BpjsDeregBatch,
    BpjsDeregItem,
    EndReason,
    Membership,
    MembershipStatus,
    Person,
    RenewalDecision,
    RenewalOutcome,
    RenewalRunStatus,
    User,
)

LOCAL_ZONE = ZoneInfo("Asia/Makassar")
HEADERS = ("NIK", "Nomor KPJ", "Nama", "Nomor keanggotaan", "Tanggal berakhir", "Kode alasan", "Alasan")
# The reason codes BPJS reads in the file, with their fixed Indonesian text.
BPJS_REASONS = {
    "deceased": ("01", "Meninggal dunia"),
    "moved_away": ("02", "Pindah domisili"),
    "employer_covered": ("03", "Ditanggung pemberi kerja"),
    "ended": ("04", "Kepesertaan diakhiri petugas"),
    "not_renewed": ("05", "Tidak diperpanjang pada tahun anggaran baru"),
    "expired": ("06", "Masa kepesertaan habis"),
}
REASON_TEXTS = dict(BPJS_REASONS.values())
_END_REASON_CODES = {
    EndReason.DECEASED: "deceased",
    EndReason.MOVED_AWAY: "moved_away",
    EndReason.EMPLOYER_COVERED: "employer_covered",
    EndReason.OTHER: "ended",
}
CHUNK = 1000
# Why a batch was not made (kept in BpjsDeregBatch.error; other failures keep a type name).
NOTHING_DUE, COUNT_CHANGED, TAKEN, IN_PROGRESS = "nothing_due", "count_changed", "taken", "in_progress"
QUEUE_UNAVAILABLE = "QueueUnavailable"
UNFINISHED = (RenewalRunStatus.QUEUED, RenewalRunStatus.RUNNING)


class DeregError(ValueError):
    """A de-registration batch that cannot be made: a code kept with the failed batch, and
    the message for staff (failure_message reads it back from the batch)."""

    def __init__(self, code: str, **params):
        self.code, self.params = code, params
        super().__init__(_message(code, params))


def _message(code: str, params: dict) -> str:
    if code == NOTHING_DUE:
        return _("Tidak ada peserta berakhir yang belum dilaporkan ke BPJS.")
    if code == COUNT_CHANGED:
        return _(
            "Jumlah peserta berubah sejak pratinjau (%(then)d, sekarang %(now)d); periksa lagi sebelum membuat batch.",
            then=params["then"], now=params["now"],
        )
    if code == TAKEN:
        return _("Petugas lain baru saja membuat berkas BPJS; muat ulang halaman.")
    if code == IN_PROGRESS:
        return _("Batch pemberhentian lain sedang dibuat; tunggu sampai selesai.")
    if code == QUEUE_UNAVAILABLE:
        return _("Antrean pekerjaan latar belakang tidak tersedia. Tidak ada yang dibuat; coba lagi sebentar lagi.")
    return _("Terjadi kesalahan saat membuat batch pemberhentian (%(error)s). Tidak ada yang dibuat; coba lagi.", error=code)


def failure_message(batch: BpjsDeregBatch) -> str:
    """Why a batch failed, for staff (nothing was written: a batch is all or nothing)."""
    return _message(batch.error or "?", {"then": batch.expected_count or 0, "now": batch.member_count})


@dataclass(frozen=True)
class DueMember:
    membership_id: int
    person_id: int
    ended_on: date
    reason_code: str  # a key of the portal's reason codes (see reason_columns)


def _known_to_bpjs():
    """The person of the membership was sent to BPJS or has a KPJ (through any membership)."""
    sent = aliased(Membership)
    return (
        db.select(sent.id)
        .where(
            sent.person_id == Membership.person_id,
            or_(
                sent.kpj_number.is_not(None),
                db.select(BpjsBatchItem.id).where(BpjsBatchItem.membership_id == sent.id).exists(),
            ),
        )
        .exists()
    )


def _latest_of_person():
    """No later membership of the same person (re-approved or renewed)."""
    later = aliased(Membership)
    return ~db.select(later.id).where(later.person_id == Membership.person_id, later.id > Membership.id).exists()


def _awaiting_renewal_decision():
    """A renewal run left the membership for staff to confirm (re-verification unanswered or
    "other"): until staff decide, a late renewal may still carry the member on, so an expiry
    is not reported yet (a decision "not renewed" is)."""
    return (
        db.select(RenewalDecision.id)
        .where(RenewalDecision.membership_id == Membership.id, RenewalDecision.outcome == RenewalOutcome.NEEDS_CONFIRMATION)
        .exists()
    )


def held_back_count(today: date | None = None) -> int:
    """Memberships run out while a renewal decision is still pending: not reported yet."""
    today = today or clock.today()
    return db.session.scalar(
        db.select(func.count(Membership.id)).where(
            Membership.status != MembershipStatus.ENDED,
            or_(Membership.status == MembershipStatus.EXPIRED, Membership.ends_on < today),
            _awaiting_renewal_decision(),
            ~db.select(BpjsDeregItem.id).where(BpjsDeregItem.membership_id == Membership.id).exists(),
            _latest_of_person(),
            _known_to_bpjs(),
        )
    )


def due_query(today: date):
    """(membership, person, status, end reason, ends_on, ended_at, not-renewed reason) of every
    membership to report, oldest first."""
    not_renewed = aliased(RenewalDecision)
    return (
        db.select(
            Membership.id,
            Membership.person_id,
            Membership.status,
            Membership.end_reason,
            Membership.ends_on,
            Membership.ended_at,
            not_renewed.reason_code,
        )
        .outerjoin(
            not_renewed,
            and_(not_renewed.membership_id == Membership.id, not_renewed.outcome == RenewalOutcome.NOT_RENEWED),
        )
        .where(
            or_(
                Membership.status == MembershipStatus.ENDED,
                not_renewed.id.is_not(None),
                and_(
                    or_(Membership.status == MembershipStatus.EXPIRED, Membership.ends_on < today),
                    ~_awaiting_renewal_decision(),
                ),
            ),
            ~db.select(BpjsDeregItem.id).where(BpjsDeregItem.membership_id == Membership.id).exists(),
            _latest_of_person(),
            _known_to_bpjs(),
        )
        .order_by(Membership.id)
    )


def _local_day(moment) -> date:
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(LOCAL_ZONE).date()


def _carried_from(ids: list[int]) -> dict[int, date]:
    """Renewed membership -> the last day of the membership it was renewed from, when that one
    ended too (a death reported in December ends next year's membership on its first day: the
    day that matters is the one the earlier membership ended)."""
    earlier = aliased(Membership)
    found: dict[int, date] = {}
    for start in range(0, len(ids), CHUNK):
        found.update(
            db.session.execute(
                db.select(RenewalDecision.new_membership_id, earlier.ends_on)
                .join(earlier, earlier.id == RenewalDecision.membership_id)
                .where(RenewalDecision.new_membership_id.in_(ids[start : start + CHUNK]), earlier.status == MembershipStatus.ENDED)
            ).all()
        )
    return found


def due_members(today: date | None = None) -> list[DueMember]:
    """Every membership to report in the next de-registration batch, with end day and reason."""
    today = today or clock.today()
    rows = db.session.execute(due_query(today)).all()
    carried = _carried_from([r.id for r in rows if r.status == MembershipStatus.ENDED])
    due = []
    for row in rows:
        if row.status == MembershipStatus.ENDED:
            ended_on = row.ends_on if row.ended_at is None else min(row.ends_on, _local_day(row.ended_at))
            ended_on = min(ended_on, carried.get(row.id, ended_on))
            reason = _END_REASON_CODES.get(row.end_reason, "ended")
        elif row.reason_code is not None:
            ended_on, reason = row.ends_on, f"not_renewed:{row.reason_code}"
        else:
            ended_on, reason = row.ends_on, "expired"
        due.append(DueMember(row.id, row.person_id, ended_on, reason))
    return due


def preview(today: date | None = None) -> tuple[int, Counter]:
    """How many memberships the next batch would carry, and how many per BPJS reason code."""
    due = due_members(today)
    return len(due), Counter(reason_columns(m.reason_code)[0] for m in due)


def reason_columns(reason_code: str) -> tuple[str, str]:
    """The BPJS reason code and its Indonesian text for a stored reason code."""
    if reason_code.startswith("not_renewed:"):
        from portal.renewal.services import REASON_LABELS

        code, text = BPJS_REASONS["not_renewed"]
        detail = REASON_LABELS.get(reason_code.split(":", 1)[1])
        if detail is not None:
            with force_locale("id"):
                text = f"{text}: {detail}"
        return code, text
    return BPJS_REASONS.get(reason_code, BPJS_REASONS["ended"])


def recent_batches(limit: int = 100) -> list[BpjsDeregBatch]:
    """The batches made so far, newest first (numbered: not those queued or failed)."""
    return list(
        db.session.scalars(
            db.select(BpjsDeregBatch)
            .where(BpjsDeregBatch.number.is_not(None))
            .order_by(BpjsDeregBatch.number.desc())
            .limit(limit)
        )
    )


def batch_numbered(number: int) -> BpjsDeregBatch | None:
    return db.session.scalar(db.select(BpjsDeregBatch).filter_by(number=number))


def unfinished_batch() -> BpjsDeregBatch | None:
    """A batch still queued or being made, unless its worker has long been silent (died)."""
    cutoff = utcnow() - timedelta(seconds=current_app.config["PRINT_JOB_STALE_SECONDS"])
    return db.session.scalar(
        db.select(BpjsDeregBatch)
        .where(BpjsDeregBatch.status.in_(UNFINISHED), BpjsDeregBatch.created_at >= cutoff)
        .limit(1)
    )


def queue_batch(actor: User, expected: int) -> BpjsDeregBatch:
    """Record a batch to make in the background for the count staff confirmed (the caller
    commits, then starts it with portal.bpjs.jobs.start). One at a time: raises DeregError
    while another is being made."""
    if unfinished_batch() is not None:
        raise DeregError(IN_PROGRESS)
    batch = BpjsDeregBatch(
        number=None, created_by_id=actor.id, status=RenewalRunStatus.QUEUED, expected_count=expected
    )
    db.session.add(batch)
    db.session.flush()
    return batch


def progress_key(batch: BpjsDeregBatch) -> str:
    return f"bpjs:dereg:progress:{batch.id}"


def progress_of(batch: BpjsDeregBatch) -> dict | None:
    """While the batch is being made, when known: {"done", "total"} memberships written, then
    {"file": True} while its XLSX is built. The job writes the batch in one transaction, so
    its progress is told through the cache."""
    return cache.get(progress_key(batch))


def store_file(batch: BpjsDeregBatch) -> None:
    """Build the batch's XLSX once (about 10 s for 100,000 rows) and keep it in the portal's
    file storage, so downloads do not build it again (the caller commits)."""
    content, _name, _mimetype = batch_file(batch, "xlsx")
    key = f"bpjsdereg/{secrets.token_urlsafe(16)}.xlsx"  # random, as every storage key
    storage.put(key, content)
    batch.file_key = key


def create_batch(
    actor: User | None,
    expected: int | None = None,
    today: date | None = None,
    *,
    batch: BpjsDeregBatch | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BpjsDeregBatch:
    """Put every due membership in the next numbered de-registration batch (`batch`, queued
    by queue_batch, or a new one). Call it just before the commit: its audit events hold
    the audit seal's lock until then.

    `expected` is the count the staff member confirmed: a different count (someone ended or
    exported meanwhile) is refused. Raises DeregError; the caller then rolls back.
    `progress(done, total)` hears of every chunk written."""
    due = due_members(today)
    if not due:
        raise DeregError(NOTHING_DUE)
    if expected is not None and expected != len(due):
        raise DeregError(COUNT_CHANGED, then=expected, now=len(due))
    number = (db.session.scalar(db.select(func.max(BpjsDeregBatch.number))) or 0) + 1
    if batch is None:
        batch = BpjsDeregBatch(created_by_id=actor.id if actor else None)
        db.session.add(batch)
    batch.number, batch.member_count = number, len(due)
    batch.status, batch.error, batch.finished_at = RenewalRunStatus.DONE, None, utcnow()
    try:
        db.session.flush()
        # One multi-row statement per chunk: a year's end may report a hundred thousand.
        for start in range(0, len(due), 10 * CHUNK):
            db.session.execute(
                insert(BpjsDeregItem),
                [
                    {"batch_id": batch.id, "membership_id": m.membership_id, "ended_on": m.ended_on, "reason_code": m.reason_code}
                    for m in due[start : start + 10 * CHUNK]
                ],
            )
            if progress:
                progress(min(start + 10 * CHUNK, len(due)), len(due))
    except IntegrityError:
        # Another batch took the same number or the same memberships a moment ago.
        raise DeregError(TAKEN) from None
    # One event per member, in one statement (a year's end may report many thousands).
    audit.record_many(
        [
            {
                "action": "bpjs.dereg_export",
                "target_type": "membership",
                "target_id": member.membership_id,
                "person_id": member.person_id,
                "details": {"batch": number, "reason": member.reason_code},
            }
            for member in due
        ],
        actor=actor,
    )
    return batch


def _kpj_of_people(person_ids: list[int]) -> dict[int, str]:
    """A person's KPJ from any of their memberships (BPJS gives one for good)."""
    found: dict[int, str] = {}
    for start in range(0, len(person_ids), CHUNK):
        found.update(
            db.session.execute(
                db.select(Membership.person_id, func.max(Membership.kpj_number))
                .where(Membership.person_id.in_(person_ids[start : start + CHUNK]), Membership.kpj_number.is_not(None))
                .group_by(Membership.person_id)
            ).all()
        )
    return found


def batch_file(batch: BpjsDeregBatch, file_format: str) -> tuple[bytes, str, str]:
    """The de-registration file of a batch: content, file name and MIME type (the XLSX the
    background job stored, when there is one)."""
    name = f"pemberhentian-bpjs-batch-{batch.number:04d}.{file_format}"
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    stored = storage.get(batch.file_key) if file_format == "xlsx" and batch.file_key else None
    if stored is not None:
        return stored, name, xlsx
    rows = db.session.execute(
        db.select(
            Person.id, Person.nik, Person.full_name, Membership.number, Membership.kpj_number,
            BpjsDeregItem.ended_on, BpjsDeregItem.reason_code,
        )
        .select_from(BpjsDeregItem)
        .join(Membership, Membership.id == BpjsDeregItem.membership_id)
        .join(Person, Person.id == Membership.person_id)
        .where(BpjsDeregItem.batch_id == batch.id)
        .order_by(BpjsDeregItem.id)
    ).all()
    kpjs = _kpj_of_people([r.id for r in rows if not r.kpj_number])
    lines = []
    for r in rows:
        code, text = reason_columns(r.reason_code)
        lines.append((r.nik, r.kpj_number or kpjs.get(r.id, ""), r.full_name, r.number, r.ended_on.isoformat(), code, text))
    if file_format == "csv":
        return csv_bytes(HEADERS, lines), name, "text/csv; charset=utf-8"
    return xlsx_bytes(HEADERS, lines, title=f"Pemberhentian {batch.number}"), name, xlsx
