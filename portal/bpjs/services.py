"""The exchange with BPJS Ketenagakerjaan: registration files out, KPJ numbers back in."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, selectinload

from portal import audit
from portal.exports import csv_bytes, xlsx_bytes
from portal.extensions import db
from portal.models import (
    BpjsBatch,
    BpjsBatchItem,
    Kelurahan,
    Membership,
    MembershipStatus,
    Person,
    ProgrammeYear,
    User,
)
from portal.nik import NikError, mask_nik, parse_nik
from portal.spreadsheets.exchange import cell_text, header_index, read_rows
from portal.spreadsheets.reader import FileRejected

KPJ_PATTERN = re.compile(r"^\d{11}$")
FORMATS = ("xlsx", "csv")
HEADERS = (
    "NIK",
    "Nama",
    "Tanggal lahir",
    "Jenis kelamin",
    "Alamat",
    "RT",
    "RW",
    "Kelurahan",
    "Kecamatan",
    "Kategori",
    "Program",
    "Penghasilan (Rp/bulan)",
    "Nomor keanggotaan",
    "Mulai",
    "Berakhir",
)
ANSWER_COLUMNS = {
    "nik": ("nik",),
    "kpj": ("kpj", "no kpj", "nomor kpj", "no. kpj", "kpj_number"),
}


class ExchangeError(ValueError):
    """An exchange that cannot be made; the message is for the staff member."""


def unsent_query():
    """Active memberships without a KPJ that were never sent to BPJS, at most one per person.

    BPJS registers a person once (one KPJ for good). A person whose registration is still open
    (a membership of theirs was sent, not ended, and BPJS has not answered with a KPJ) is not
    sent again when a renewal gives them a new membership: the answer reaches every active
    membership of theirs. Of two unsent memberships of one person only the latest goes.
    """
    sent = aliased(Membership)
    later = aliased(Membership)
    open_registration = (
        db.select(sent.id)
        .join(BpjsBatchItem, BpjsBatchItem.membership_id == sent.id)
        .where(
            sent.person_id == Membership.person_id,
            sent.kpj_number.is_(None),
            sent.status != MembershipStatus.ENDED,
        )
        .exists()
    )
    later_unsent = (
        db.select(later.id)
        .where(
            later.person_id == Membership.person_id,
            later.status == MembershipStatus.ACTIVE,
            later.kpj_number.is_(None),
            or_(later.year > Membership.year, and_(later.year == Membership.year, later.id > Membership.id)),
        )
        .exists()
    )
    return db.select(Membership).where(
        Membership.status == MembershipStatus.ACTIVE,
        Membership.kpj_number.is_(None),
        ~db.select(BpjsBatchItem.id).where(BpjsBatchItem.membership_id == Membership.id).exists(),
        ~open_registration,
        ~later_unsent,
    )


def unsent_count() -> int:
    return db.session.scalar(db.select(func.count()).select_from(unsent_query().subquery()))


def recent_batches(limit: int = 100) -> list[BpjsBatch]:
    """The batches sent so far, the latest first."""
    return list(db.session.scalars(db.select(BpjsBatch).order_by(BpjsBatch.number.desc()).limit(limit)))


def batch_numbered(number: int) -> BpjsBatch | None:
    return db.session.scalar(db.select(BpjsBatch).filter_by(number=number))


def create_batch(actor: User, file_format: str = "xlsx") -> BpjsBatch:
    """Put every unsent membership in the next numbered batch, marking them as sent.

    Raises ExchangeError when there is nothing to send or another export got there first;
    the caller then rolls back."""
    if file_format not in FORMATS:
        raise ExchangeError(_("Format berkas tidak dikenal."))
    memberships = db.session.scalars(unsent_query().order_by(Membership.id)).all()
    if not memberships:
        raise ExchangeError(_("Tidak ada peserta baru untuk dikirim ke BPJS."))
    number = (db.session.scalar(db.select(func.max(BpjsBatch.number))) or 0) + 1
    batch = BpjsBatch(number=number, created_by_id=actor.id, member_count=len(memberships), file_format=file_format)
    db.session.add(batch)
    batch.items = [BpjsBatchItem(membership_id=m.id) for m in memberships]
    for membership in memberships:
        audit.record(
            "bpjs.export",
            "membership",
            membership.id,
            person_id=membership.person_id,
            actor=actor,
            batch=number,
            number=membership.number,
        )
    try:
        db.session.flush()
    except IntegrityError:
        # Another export took the same batch number or the same memberships a moment ago.
        raise ExchangeError(_("Petugas lain baru saja membuat berkas BPJS; muat ulang halaman.")) from None
    return batch


def batch_file(batch: BpjsBatch, file_format: str) -> tuple[bytes, str, str]:
    """The registration file of a batch: content, file name and MIME type."""
    memberships = db.session.scalars(
        db.select(Membership)
        .join(BpjsBatchItem, BpjsBatchItem.membership_id == Membership.id)
        .where(BpjsBatchItem.batch_id == batch.id)
        .options(
            selectinload(Membership.person).selectinload(Person.kelurahan).selectinload(Kelurahan.kecamatan),
            selectinload(Membership.person).selectinload(Person.category),
        )
        .order_by(BpjsBatchItem.id)
    ).all()
    floors = dict(db.session.execute(db.select(ProgrammeYear.year, ProgrammeYear.income_floor)).all())
    rows = []
    for m in memberships:
        p = m.person
        rows.append(
            (
                p.nik,
                p.full_name,
                p.birth_date.isoformat(),
                p.sex.value,
                p.street,
                f"{p.rt:03d}" if p.rt else "",
                f"{p.rw:03d}",
                p.kelurahan.name,
                p.kelurahan.kecamatan.name,
                p.category.name_id,
                "+".join(m.programmes),
                max(p.monthly_income or 0, floors.get(m.year, 0)),
                m.number,
                m.starts_on.isoformat(),
                m.ends_on.isoformat(),
            )
        )
    name = f"pendaftaran-bpjs-batch-{batch.number:04d}.{file_format}"
    if file_format == "csv":
        return csv_bytes(HEADERS, rows), name, "text/csv; charset=utf-8"
    content = xlsx_bytes(HEADERS, rows, title=f"Batch {batch.number}")
    return content, name, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class KpjReport:
    recorded: int = 0
    unchanged: int = 0
    unmatched: list[tuple[int, str]] = field(default_factory=list)  # (row, why; NIK masked)
    conflicts: list[tuple[int, str]] = field(default_factory=list)


def import_answer(filename: str, data: bytes, actor: User) -> KpjReport:
    """Record BPJS's KPJ numbers by NIK; unmatched and conflicting rows are reported, not saved.

    Raises ExchangeError for an unreadable file or a concurrent change; the caller then
    rolls back."""
    rows, start, columns = _read_answer_file(filename, data)
    report = KpjReport()
    answers = _answers_by_nik(rows[start + 1 :], columns, report)
    _record_kpj_numbers(answers, actor, report)
    audit.record(
        "bpjs.answer_import",
        "bpjs_answer",
        None,
        actor=actor,
        file=filename[-100:],
        recorded=report.recorded,
        unmatched=len(report.unmatched),
        conflicts=len(report.conflicts),
    )
    try:
        db.session.flush()
    except IntegrityError:
        raise ExchangeError(_("Data KPJ berubah bersamaan oleh petugas lain; unggah ulang berkas.")) from None
    return report


def _read_answer_file(filename: str, data: bytes) -> tuple[list, int, dict[str, int]]:
    """The file's rows, the index of its header row and the NIK and KPJ columns."""
    try:
        rows = read_rows(filename, data)
        start, columns = header_index(rows, ANSWER_COLUMNS)
    except FileRejected as rejected:
        raise ExchangeError(rejected.message) from None
    return rows, start, columns


def _answer_row_problem(nik: str, nik_numeric: bool, kpj: str, shown: str) -> str | None:
    """Why a row's NIK or KPJ cannot be used, or None."""
    try:
        if nik_numeric:
            raise NikError("nik_numeric")
        parse_nik(nik)
    except NikError:
        return _("NIK %(nik)s tidak sah atau tersimpan sebagai angka.", nik=shown)
    if not KPJ_PATTERN.match(kpj):
        return _("Nomor KPJ untuk NIK %(nik)s harus 11 digit.", nik=shown)
    return None


def _answers_by_nik(rows: list, columns: dict[str, int], report: KpjReport) -> dict[str, tuple[int, str]]:
    """NIK -> (row number, KPJ) of the rows that can be used; the others go to the report
    (a NIK given two different KPJs is dropped altogether)."""
    answers: dict[str, tuple[int, str]] = {}
    for row_number, row in rows:
        raw_nik = row[columns["nik"]] if columns["nik"] < len(row) else None
        raw_kpj = row[columns["kpj"]] if columns["kpj"] < len(row) else None
        nik, nik_numeric = cell_text(raw_nik)
        kpj, _kpj_numeric = cell_text(raw_kpj)
        if not nik and not kpj:
            continue
        shown = mask_nik(nik) if nik.isdigit() else "-"
        problem = _answer_row_problem(nik, nik_numeric, kpj, shown)
        if problem:
            report.conflicts.append((row_number, problem))
            continue
        if nik in answers and answers[nik][1] != kpj:
            report.conflicts.append((row_number, _("NIK %(nik)s muncul dua kali dengan KPJ berbeda.", nik=shown)))
            answers.pop(nik)
            continue
        answers[nik] = (row_number, kpj)
    return answers


def _persons_with_memberships(niks: list[str]) -> dict[str, Person]:
    """The persons with these NIKs, by NIK, their memberships loaded (a thousand NIKs a query)."""
    people = {}
    for start_at in range(0, len(niks), 1000):
        chunk = niks[start_at : start_at + 1000]
        people.update(
            (p.nik, p)
            for p in db.session.scalars(
                db.select(Person).where(Person.nik.in_(chunk)).options(selectinload(Person.memberships))
            )
        )
    return people


def _kpj_owners(kpjs: list[str]) -> dict[str, int]:
    """KPJ number -> the person already holding it (renewed memberships carry their person's KPJ)."""
    return dict(
        db.session.execute(
            db.select(Membership.kpj_number, Membership.person_id).where(Membership.kpj_number.in_(kpjs))
        ).all()
    )


def _record_kpj_numbers(answers: dict[str, tuple[int, str]], actor: User, report: KpjReport) -> None:
    """Give each answered person's latest active membership (else their latest expired one) its
    KPJ, unless another KPJ or another member holds it already (reported as conflicts)."""
    people = _persons_with_memberships(list(answers))
    kpj_owners = _kpj_owners([kpj for _row, kpj in answers.values()])
    for nik, (row_number, kpj) in answers.items():
        shown = mask_nik(nik)
        person = people.get(nik)
        memberships = person.memberships if person else []
        # BPJS may answer after the cover ran out (marked expired): the KPJ is theirs for good.
        sent = [m for m in memberships if m.status == MembershipStatus.ACTIVE] or [
            m for m in memberships if m.status == MembershipStatus.EXPIRED
        ]
        if not sent:
            report.unmatched.append((row_number, _("NIK %(nik)s tidak cocok dengan peserta aktif mana pun.", nik=shown)))
            continue
        membership = max(sent, key=lambda m: m.year)
        if membership.kpj_number == kpj:
            report.unchanged += 1
            continue
        if membership.kpj_number:
            report.conflicts.append((row_number, _("NIK %(nik)s sudah tercatat dengan KPJ lain.", nik=shown)))
            continue
        if kpj in kpj_owners and kpj_owners[kpj] != person.id:
            report.conflicts.append((row_number, _("KPJ untuk NIK %(nik)s sudah dipakai peserta lain.", nik=shown)))
            continue
        # A renewal may have carried the member on before BPJS answered: all of them get it.
        for active in sent:
            active.kpj_number = active.kpj_number or kpj
        kpj_owners[kpj] = person.id
        report.recorded += 1
        audit.record(
            "bpjs.kpj", "membership", membership.id, person_id=person.id, actor=actor, number=membership.number
        )
