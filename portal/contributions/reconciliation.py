"""BPJS's bill checked against the ledger: uploading a month's bill, reconciling it in the
background, and staff resolving each difference (docs/contributions.md, "Bills and
reconciliation").

Matching: each bill line is matched to a membership due in the month (the ledger's
member_rows) by KPJ, then by NIK. A matched membership billed again is billed twice; a
matched line whose amount is not the ledger's is an amount difference; a due membership no
line matched is not billed. An unmatched line is looked up in the whole registry: billed
after the member's death or exit when the person's latest membership was ended before the
month, not a member that month when the registry knows the person otherwise, and an unknown
KPJ when it knows neither the KPJ nor the NIK.

Speed: the ledger's rows are read once and matched in dicts keyed by KPJ and NIK; only
unmatched lines are looked up, in chunks; lines and differences are written with one
executemany each. A reconciliation is one transaction: it fails whole or not at all.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import aliased

from portal import audit, storage
from portal.contributions import ledger
from portal.contributions.bill_file import read_bill
from portal.contributions.bills import current_bill
from portal.contributions.ledger import Month
from portal.extensions import cache, db
from portal.models import (
    Bill,
    BillDifference,
    BillLine,
    BillStatus,
    DifferenceKind,
    Membership,
    Person,
    Resolution,
    User,
)
from portal.models.base import utcnow
from portal.paging import NumberedPage, numbered_page
from portal.programme.budget import due_months_sql

KIND_LABELS = {
    DifferenceKind.NOT_A_MEMBER: _l("Ditagih, bukan peserta bulan itu"),
    DifferenceKind.NOT_BILLED: _l("Peserta tidak ditagih"),
    DifferenceKind.AMOUNT: _l("Jumlah iuran berbeda"),
    DifferenceKind.AFTER_END: _l("Ditagih setelah meninggal atau keluar"),
    DifferenceKind.BILLED_TWICE: _l("Orang yang sama ditagih dua kali"),
    DifferenceKind.UNKNOWN_KPJ: _l("KPJ/NIK tidak dikenal"),
}
RESOLUTION_LABELS = {
    Resolution.OPEN: _l("Terbuka"),
    Resolution.ACCEPTED: _l("Diterima"),
    Resolution.DISPUTED: _l("Disanggah ke BPJS"),
    Resolution.CORRECTED: _l("Dikoreksi di registri"),
}
ERROR_MESSAGES = {
    "no_rates": _l("Belum ada pengaturan tarif untuk tahun ini atau sebelumnya; tagihan tidak dapat dicocokkan."),
    "file_missing": _l("Berkas tagihan tidak ditemukan lagi di penyimpanan; unggah ulang."),
    "QueueUnavailable": _l("Antrean latar belakang tidak tersedia; unggah ulang sebentar lagi."),
}
LOOKUP_CHUNK = 2000  # keys per IN (...) of the registry look-ups
WRITE_CHUNK = 10_000  # rows per executemany
PAGE_SIZE = 50


class BillError(ValueError):
    """A bill action refused; the message is for staff."""


# -- uploading -----------------------------------------------------------------------------


def queue_bill(month: Month, filename: str, data: bytes, actor: User) -> Bill:
    """Check the file can be used whole (BillFileRejected otherwise, nothing saved), keep
    it, and record the month's next bill version, queued (the caller commits, then starts
    the job)."""
    if ledger.rates_for(month.year) is None:
        raise BillError(str(ERROR_MESSAGES["no_rates"]))
    lines = read_bill(filename, data, month)
    version = (db.session.scalar(select(func.max(Bill.version)).where(Bill.year == month.year, Bill.month == month.month)) or 0) + 1
    token = secrets.token_urlsafe(18)
    key = f"bills/{token}{_suffix(filename)}"
    storage.put(key, data)
    # The lines as read and checked, so the job need not read and check the file again
    # (about 40 % of its time); deleted once the bill is reconciled.
    storage.put(_lines_key(key), _lines_csv(lines))
    bill = Bill(
        year=month.year, month=month.month, version=version, status=BillStatus.QUEUED,
        file_key=key, file_name=filename[-200:], uploaded_by=actor, billed_lines=len(lines),
    )
    db.session.add(bill)
    db.session.flush()
    audit.record("bill.upload", "bill", bill.id, actor=actor, month=str(month), version=version, lines=len(lines),
                 file=filename[-100:])
    return bill


LINE_FIELDS = ("row_number", "kpj_number", "nik", "name", "jkk", "jkm", "jht", "amount")
_FLAGS = {"": None, "1": True, "0": False}


def _lines_key(file_key: str) -> str:
    """Where the checked lines of a stored bill file are kept (same random name)."""
    return "billlines/" + file_key.split("/", 1)[1].split(".", 1)[0] + ".csv"


def _lines_csv(lines: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in lines:
        writer.writerow([
            line["row_number"], line["kpj_number"] or "", line["nik"] or "", line["name"],
            *("" if line[p] is None else int(line[p]) for p in ("jkk", "jkm", "jht")), line["amount"],
        ])
    return buffer.getvalue().encode("utf-8")


def _read_lines_csv(data: bytes) -> list[dict]:
    return [
        {"row_number": int(row), "kpj_number": kpj or None, "nik": nik or None, "name": name,
         "jkk": _FLAGS[jkk], "jkm": _FLAGS[jkm], "jht": _FLAGS[jht], "amount": int(amount)}
        for row, kpj, nik, name, jkk, jkm, jht, amount in csv.reader(io.StringIO(data.decode("utf-8")))
    ]


def _bill_lines(bill: Bill, month: Month) -> list[dict]:
    """The bill's lines: as the upload checked them, else read from its file again."""
    checked = storage.get(_lines_key(bill.file_key))
    if checked is not None:
        return _read_lines_csv(checked)
    data = storage.get(bill.file_key)
    if data is None:
        raise BillError("file_missing")
    return read_bill(bill.file_name, data, month)


def forget_checked_lines(bill: Bill) -> None:
    """Delete the upload's checked lines (names and NIKs) once the job is over; the bill file stays."""
    if bill.file_key:
        storage.delete(_lines_key(bill.file_key))


def forget_personal_data(bill_ids: list[int]) -> None:
    """Past retention (privacy purge): delete the bills' stored files and clear their lines'
    KPJ, NIK and name; amounts, differences and totals stay, so the month's figures and its
    minutes do (the caller commits)."""
    keys = db.session.scalars(db.select(Bill.file_key).where(Bill.id.in_(bill_ids), Bill.file_key.is_not(None)))
    for key in keys:
        storage.delete(key)
        storage.delete(_lines_key(key))
    db.session.execute(update(Bill).where(Bill.id.in_(bill_ids)).values(file_key=None))
    db.session.execute(update(BillLine).where(BillLine.bill_id.in_(bill_ids)).values(kpj_number=None, nik=None, name=""))


def _suffix(filename: str) -> str:
    lower = filename.lower()
    return next((ext for ext in (".xlsx", ".xlsm", ".ods", ".csv", ".txt") if lower.endswith(ext)), "")


def progress_key(bill: Bill) -> str:
    return f"contributions:bill:progress:{bill.id}"


def progress_of(bill: Bill) -> dict | None:
    """While the bill is reconciled: {"stage": read|match|write, "done", "total"}."""
    return cache.get(progress_key(bill))


def failure_message(bill: Bill) -> str:
    """Why a reconciliation failed, for staff (nothing of it was kept)."""
    message = ERROR_MESSAGES.get(bill.error or "")
    if message is not None:
        return str(message)
    return _("Pencocokan gagal (%(code)s); tidak ada yang disimpan. Unggah ulang tagihannya.", code=bill.error or "?")


# -- reconciling ---------------------------------------------------------------------------


@dataclass
class _Difference:
    kind: DifferenceKind
    row_number: int | None
    membership_id: int | None
    person_id: int | None
    billed_amount: int
    expected_amount: int


def reconcile(bill: Bill, progress: Callable[[str, int, int], None] = lambda stage, done, total: None) -> Counter:
    """Read the bill's file, match it against the ledger, write its lines, differences and
    totals and carry over resolutions from the previous version; flushes, never commits.
    Returns the differences counted by kind. Raises BillError (with a code) or the reader's
    refusal."""
    month = Month(bill.year, bill.month)
    rates = ledger.rates_for(month.year)
    if rates is None:
        raise BillError("no_rates")
    if not bill.file_key:
        raise BillError("file_missing")
    progress("read", 0, 0)
    lines = _bill_lines(bill, month)
    progress("match", 0, len(lines))
    due = db.session.execute(ledger.member_rows(month, rates).with_only_columns(
        Membership.id, Membership.kpj_number, Membership.person_id, Person.nik,
        ledger.amount_sql(rates, Person.monthly_income, Membership.jkk, Membership.jkm, Membership.jht),
        maintain_column_froms=True,
    )).all()
    differences = _match(lines, due, month)
    progress("write", 0, len(lines))
    _write_lines(bill, lines, progress)
    line_ids = dict(db.session.execute(select(BillLine.row_number, BillLine.id).where(BillLine.bill_id == bill.id)).all())
    rows = [
        {
            "bill_id": bill.id, "kind": d.kind, "bill_line_id": line_ids.get(d.row_number) if d.row_number else None,
            "membership_id": d.membership_id, "person_id": d.person_id, "billed_amount": d.billed_amount,
            "expected_amount": d.expected_amount, "resolution": Resolution.OPEN, "carried": False,
        }
        for d in differences
    ]
    _carry_over(bill, rows, [d.row_number for d in differences], lines)
    _bulk_insert(BillDifference.__table__, DIFFERENCE_COLUMNS, [
        tuple(row[column].value if column in ("kind", "resolution") else row.get(column) for column in DIFFERENCE_COLUMNS)
        for row in rows
    ])
    bill.billed_lines = len(lines)
    bill.billed_total = sum(line["amount"] for line in lines)
    bill.expected_members = len(due)
    bill.expected_total = sum(row[4] for row in due)
    bill.error = None
    db.session.flush()
    return Counter(d.kind.value for d in differences)


def _match(lines: list[dict], due: list, month: Month) -> list[_Difference]:
    """Match the lines to the due memberships (by KPJ, then NIK), setting each line's
    membership and person; return the differences."""
    by_kpj = {row[1]: row for row in due if row[1]}
    by_nik: dict[str, tuple] = {}
    for row in due:
        by_nik.setdefault(row[3], row)
    billed: set[int] = set()
    differences: list[_Difference] = []
    unmatched: list[dict] = []
    for line in lines:
        row = by_kpj.get(line["kpj_number"]) if line["kpj_number"] else None
        if row is None and line["nik"]:
            row = by_nik.get(line["nik"])
        if row is None:
            unmatched.append(line)
            continue
        membership_id, _kpj, person_id, _nik, amount = row
        # A matched line names its membership only (the person is the membership's): one
        # foreign-key check fewer per line, about a fifth of writing a city's bill.
        line["membership_id"] = membership_id
        if membership_id in billed:
            differences.append(_Difference(DifferenceKind.BILLED_TWICE, line["row_number"], membership_id, person_id, line["amount"], 0))
            continue
        billed.add(membership_id)
        if line["amount"] != amount:
            differences.append(_Difference(DifferenceKind.AMOUNT, line["row_number"], membership_id, person_id, line["amount"], amount))
    differences.extend(_unmatched_differences(unmatched, month))
    for membership_id, _kpj, person_id, _nik, amount in due:
        if membership_id not in billed:
            differences.append(_Difference(DifferenceKind.NOT_BILLED, None, membership_id, person_id, 0, amount))
    return differences


def _unmatched_differences(lines: list[dict], month: Month) -> list[_Difference]:
    """Lines no due membership matched: after the end, not a member, or unknown; a person
    (or unknown KPJ/NIK) on several such lines is billed twice from the second on."""
    if not lines:
        return []
    memberships, people = _registry_of(
        {line["kpj_number"] for line in lines if line["kpj_number"]}, {line["nik"] for line in lines if line["nik"]}
    )
    seen: set = set()
    differences = []
    for line in lines:
        person_id = memberships.get(("kpj", line["kpj_number"]), (None, None))[1] if line["kpj_number"] else None
        if person_id is None and line["nik"]:
            person_id = people.get(line["nik"])
        if person_id is None:
            kind, membership_id = DifferenceKind.UNKNOWN_KPJ, None
            key = ("kpj", line["kpj_number"]) if line["kpj_number"] else ("nik", line["nik"])
        else:
            kind, membership_id = _kind_for_person(memberships.get(("person", person_id), []), month)
            key = ("person", person_id)
        line["membership_id"], line["person_id"] = membership_id, None if membership_id else person_id
        if key in seen:
            kind = DifferenceKind.BILLED_TWICE
        seen.add(key)
        differences.append(_Difference(kind, line["row_number"], membership_id, person_id, line["amount"], 0))
    return differences


def _kind_for_person(rows: list, month: Month) -> tuple[DifferenceKind, int | None]:
    """After the end when the person's latest membership begun by the month was ended (death,
    exit) before it; else not a member that month (with that membership, when there is one)."""
    started = [row for row in rows if row.starts_on <= month.last_day]
    if not started:  # cover starts after the month: name the membership that will
        return DifferenceKind.NOT_A_MEMBER, min(rows, key=lambda row: row.starts_on).id if rows else None
    latest = max(started, key=lambda row: row.starts_on)
    if latest.end_reason is not None and latest.last_due < month.index:
        return DifferenceKind.AFTER_END, latest.id
    return DifferenceKind.NOT_A_MEMBER, latest.id


def _registry_of(kpjs: set[str], niks: set[str]) -> tuple[dict, dict[str, int]]:
    """{("kpj", KPJ): (membership id, person id), ("person", id): [memberships]} and
    {NIK: person id} for the given KPJs and NIKs, read in chunks."""
    _first, last_due = due_months_sql(Membership.starts_on, Membership.ends_on)
    people: dict[str, int] = {}
    for chunk in _chunks(sorted(niks), LOOKUP_CHUNK):
        people.update(db.session.execute(select(Person.nik, Person.id).where(Person.nik.in_(chunk))).all())
    person_ids = set(people.values())
    for chunk in _chunks(sorted(kpjs), LOOKUP_CHUNK):
        person_ids.update(db.session.scalars(select(Membership.person_id).where(Membership.kpj_number.in_(chunk))))
    found: dict = {}
    for chunk in _chunks(sorted(person_ids), LOOKUP_CHUNK):
        rows = db.session.execute(
            select(Membership.id, Membership.person_id, Membership.kpj_number, Membership.starts_on, Membership.end_reason,
                   last_due.label("last_due")).where(Membership.person_id.in_(chunk))
        ).all()
        for row in rows:
            found.setdefault(("person", row.person_id), []).append(row)
            if row.kpj_number:
                found[("kpj", row.kpj_number)] = (row.id, row.person_id)
    return found, people


LINE_COLUMNS = ("bill_id", "row_number", "kpj_number", "nik", "name", "jkk", "jkm", "jht", "amount", "membership_id", "person_id")
DIFFERENCE_COLUMNS = ("bill_id", "kind", "bill_line_id", "membership_id", "person_id", "billed_amount", "expected_amount",
                      "resolution", "note", "resolved_at", "resolved_by_id", "carried")


def _write_lines(bill: Bill, lines: list[dict], progress: Callable[[str, int, int], None]) -> None:
    written = 0
    for chunk in _chunks(lines, WRITE_CHUNK):
        _bulk_insert(BillLine.__table__, LINE_COLUMNS, [
            (bill.id, line["row_number"], line["kpj_number"], line["nik"], line["name"], line["jkk"], line["jkm"],
             line["jht"], line["amount"], line.get("membership_id"), line.get("person_id"))
            for line in chunk
        ])
        written += len(chunk)
        progress("write", written, len(lines))


def _bulk_insert(table, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert rows (tuples in `columns`' order) in the session's transaction: COPY on
    PostgreSQL (executemany would send them one statement each), executemany elsewhere."""
    if not rows:
        return
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.execute(insert(table), [dict(zip(columns, row)) for row in rows])
        return
    driver = db.session.connection().connection.driver_connection
    names = ", ".join(f'"{column}"' for column in columns)
    with driver.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _identity(kind, membership_id, kpj, nik, billed, expected) -> tuple:
    """What makes two versions' differences the same one (the carry-over key)."""
    who = ("membership", membership_id) if membership_id else ("kpj", kpj) if kpj else ("nik", nik)
    return (str(kind), who, int(billed), int(expected))


def _carry_over(bill: Bill, rows: list[dict], row_numbers: list[int | None], lines: list[dict]) -> int:
    """Give the new version's differences the resolutions of identical ones (same kind,
    membership or KPJ/NIK, amounts) resolved in the month's previous finished version."""
    previous = current_bill(bill.year, bill.month)
    if previous is None or previous.id == bill.id:
        return 0
    line = aliased(BillLine)
    resolved = db.session.execute(
        select(BillDifference.kind, BillDifference.membership_id, line.kpj_number, line.nik, BillDifference.billed_amount,
               BillDifference.expected_amount, BillDifference.resolution, BillDifference.note, BillDifference.resolved_at,
               BillDifference.resolved_by_id)
        .outerjoin(line, BillDifference.bill_line_id == line.id)
        .where(BillDifference.bill_id == previous.id, BillDifference.resolution != Resolution.OPEN)
    ).all()
    if not resolved:
        return 0
    decisions: dict[tuple, list] = {}
    for r in resolved:
        decisions.setdefault(_identity(r.kind, r.membership_id, r.kpj_number, r.nik, r.billed_amount, r.expected_amount), []).append(r)
    by_row = {line["row_number"]: line for line in lines}
    carried = 0
    for row, row_number in zip(rows, row_numbers):
        source = by_row.get(row_number) if row_number else None
        key = _identity(row["kind"], row["membership_id"], source and source["kpj_number"], source and source["nik"],
                        row["billed_amount"], row["expected_amount"])
        waiting = decisions.get(key)
        if waiting:
            decision = waiting.pop()
            row.update(resolution=decision.resolution, note=decision.note, resolved_at=decision.resolved_at,
                       resolved_by_id=decision.resolved_by_id, carried=True)
            carried += 1
    return carried


# -- resolving -----------------------------------------------------------------------------


def resolve(bill: Bill, ids: list[int], resolution: Resolution, note: str | None, actor: User) -> int:
    """Record staff's decision on differences of the month's current bill (audited, one
    event each); the caller commits. Returns how many were resolved."""
    if current_bill(bill.year, bill.month) is not bill:
        raise BillError(_("Hanya versi tagihan terbaru yang dapat diselesaikan."))
    if resolution == Resolution.DISPUTED and not (note or "").strip():
        raise BillError(_("Tulis catatan sanggahan untuk BPJS."))
    chosen = db.session.execute(
        select(BillDifference.id, BillDifference.kind, BillDifference.person_id)
        .where(BillDifference.bill_id == bill.id, BillDifference.id.in_(ids))
    ).all()
    if not chosen or len(chosen) != len(set(ids)):
        raise BillError(_("Pilih perbedaan dari tagihan ini."))
    now = utcnow()
    db.session.execute(
        update(BillDifference)
        .where(BillDifference.id.in_([row.id for row in chosen]))
        .values(resolution=resolution, note=(note or "").strip() or None, resolved_at=now, resolved_by_id=actor.id, carried=False)
        .execution_options(synchronize_session=False)
    )
    audit.record_many(
        [
            {"action": "bill.resolve", "target_type": "bill_difference", "target_id": row.id, "person_id": row.person_id,
             "details": {"bill": bill.id, "month": f"{bill.year}-{bill.month:02d}", "kind": row.kind.value,
                         "resolution": resolution.value, "note": (note or "").strip()[:500]}}
            for row in chosen
        ],
        actor=actor,
    )
    db.session.expire_all()
    return len(chosen)


# -- reading for pages ---------------------------------------------------------------------


def bill_versions(year: int, month: int) -> list[Bill]:
    """Every bill uploaded for the month, newest version first."""
    return list(db.session.scalars(select(Bill).where(Bill.year == year, Bill.month == month).order_by(Bill.version.desc())))


def recent_bills(limit: int = 24) -> list[Bill]:
    """The latest uploads, newest first (the upload page's list)."""
    return list(db.session.scalars(select(Bill).order_by(Bill.uploaded_at.desc(), Bill.id.desc()).limit(limit)))


@dataclass(frozen=True)
class KindSummary:
    kind: DifferenceKind
    count: int
    open_count: int
    billed: int
    expected: int

    @property
    def at_stake(self) -> int:
        """What the bill says minus what the ledger says (portal.contributions.bills' rule)."""
        return self.billed - self.expected


def summary_by_kind(bill: Bill) -> list[KindSummary]:
    """The bill's differences per kind, in DifferenceKind's order: counts and amounts."""
    rows = db.session.execute(
        select(BillDifference.kind, func.count(), func.count().filter(BillDifference.resolution == Resolution.OPEN),
               func.coalesce(func.sum(BillDifference.billed_amount), 0), func.coalesce(func.sum(BillDifference.expected_amount), 0))
        .where(BillDifference.bill_id == bill.id).group_by(BillDifference.kind)
    ).all()
    found = {row[0]: KindSummary(row[0], int(row[1]), int(row[2]), int(row[3]), int(row[4])) for row in rows}
    return [found[kind] for kind in DifferenceKind if kind in found]


def differences_query(bill: Bill, kind: DifferenceKind | None = None, resolution: Resolution | None = None):
    """The bill's differences with their line, person and membership, ordered for paging."""
    query = (
        select(BillDifference, BillLine, Person.full_name, Person.nik, Membership.number, Membership.kpj_number)
        .outerjoin(BillLine, BillDifference.bill_line_id == BillLine.id)
        .outerjoin(Person, BillDifference.person_id == Person.id)
        .outerjoin(Membership, BillDifference.membership_id == Membership.id)
        .where(BillDifference.bill_id == bill.id)
        .order_by(BillDifference.kind, BillDifference.id)
    )
    if kind is not None:
        query = query.where(BillDifference.kind == kind)
    if resolution is not None:
        query = query.where(BillDifference.resolution == resolution)
    return query


def differences_page(bill: Bill, kind=None, resolution=None, page: int = 1) -> NumberedPage:
    return numbered_page(differences_query(bill, kind, resolution), page, PAGE_SIZE, rows=True)


def disputed(bill: Bill) -> list:
    """The disputed differences (the berita acara's annex), all of them."""
    return list(db.session.execute(differences_query(bill, resolution=Resolution.DISPUTED)).all())


def reconcile_finished(bill: Bill, counts: Counter, actor: User | None) -> None:
    """Mark a reconciled bill done and audit it (the job commits)."""
    bill.status, bill.finished_at = BillStatus.DONE, utcnow()
    audit.record("bill.reconcile", "bill", bill.id, actor=actor, month=f"{bill.year}-{bill.month:02d}", version=bill.version,
                 lines=bill.billed_lines, billed=bill.billed_total, expected=bill.expected_total, differences=dict(counts))


def fail(bill: Bill, code: str) -> Bill:
    """Mark the bill failed with an error code (never file content); the caller commits."""
    bill.status, bill.error, bill.finished_at = BillStatus.FAILED, code[:200], utcnow()
    bill.billed_total = bill.expected_members = bill.expected_total = 0
    db.session.flush()
    return bill

