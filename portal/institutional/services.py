"""Institutional lists through the browser: a city-wide file from an institution (the KPU's
election organisers, the personnel office's non-ASN staff), checked by the one row validator
(portal.validation) exactly as `flask lists import` checks it, previewed, confirmed, and then
added in one transaction by the background job (portal.institutional.jobs).

Every row gets the category staff chose. A valid row whose address is missing is not
rejected: it waits as an UnplacedEntry ("perlu wilayah") in no area's list, until staff give
it a kelurahan and RW. Views and jobs call these; callers commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePath

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import insert, select, update

from portal import audit, storage
from portal.bulkwork import collector_paused
from portal.exports import xlsx_bytes
from portal.extensions import cache, db
from portal.lists.reader import read_table, records
from portal.lists.services import archive_limits
from portal.models import (
    Category,
    EntryState,
    ImportStatus,
    InstitutionalImport,
    Kelurahan,
    ListEntry,
    ListSource,
    MemberList,
    UnplacedEntry,
    User,
)
from portal.models.base import utcnow
from portal.nik import mask_nik
from portal.paging import NumberedPage, numbered_page
from portal.spreadsheets.reader import FileRejected
from portal.validation import ERROR, CheckedRow, RowValidator, entry_columns

# A valid row with only these errors waits for an area instead of being rejected.
NEEDS_AREA_CODES = frozenset({"address_missing"})
EXAMPLES_PER_CODE = 5
PROGRESS_EVERY = 2000  # rows between two progress reports (and cancel checks)
IMPORTS_PAGE = 25
UNPLACED_PAGE = 25
# The import stays in the worker's transaction, so its progress and a cancel request travel
# through the cache (Redis with REDIS_URL, the process's memory with the local worker).
PROGRESS_KEY = "instimport:progress:{}"
CANCEL_KEY = "instimport:cancel:{}"
# Statuses staff may cancel at once (no worker holds them), and those a worker holds.
IDLE = (ImportStatus.PREVIEW_QUEUED, ImportStatus.READY, ImportStatus.QUEUED)
RUNNING = (ImportStatus.PREVIEWING, ImportStatus.IMPORTING)

ACCEPTED, NEEDS_AREA, REJECTED = "accepted", "needs_area", "rejected"


class ImportRefused(Exception):
    """The import cannot go ahead; `message` says why in Indonesian (nothing was added)."""

    def __init__(self, code: str, message: str):
        super().__init__(code)
        self.code = code
        self.message = message


class ImportCancelled(Exception):
    """Staff cancelled a running import: the job rolls everything back."""

    def __init__(self, by_user_id: int | None):
        super().__init__("cancelled")
        self.by_user_id = by_user_id


# -- creating, confirming, cancelling -------------------------------------------------------


def create_import(data: bytes, filename: str, category_code: str, source: str, user: User) -> InstitutionalImport:
    """Keep the uploaded file and record an import waiting for its preview (the caller commits, then starts it)."""
    if db.session.get(Category, category_code) is None:
        raise ImportRefused("category_unknown", _("Kategori tidak dikenal."))
    key = f"instimport/{secrets.token_urlsafe(18)}.upload"  # random: never personal data
    storage.put(key, data)
    record = InstitutionalImport(
        filename=PurePath(filename or "berkas").name[:255] or "berkas",
        source=" ".join(source.split())[:120],
        category_code=category_code,
        created_by=user,
        status=ImportStatus.PREVIEW_QUEUED,
        file_key=key,
    )
    db.session.add(record)
    db.session.flush()
    audit.record(
        "institutional_import.upload", "institutional_import", record.id, actor=user,
        filename=record.filename[:120], source=record.source, category=category_code, bytes=len(data),
    )
    return record


def confirm_import(record: InstitutionalImport, expected: int, user: User) -> None:
    """Queue a previewed import for its run; `expected` is the count the confirmation showed."""
    if record.status != ImportStatus.READY:
        raise ImportRefused("not_ready", _("Impor ini tidak sedang menunggu konfirmasi."))
    if expected != record.to_add:
        raise ImportRefused("count_changed", _("Jumlah baris yang akan ditambahkan berbeda dengan yang dikonfirmasi. Muat ulang halaman."))
    record.status = ImportStatus.QUEUED
    db.session.flush()
    audit.record("institutional_import.confirm", "institutional_import", record.id, actor=user, rows=record.to_add)


def cancel_import(record: InstitutionalImport, user: User) -> bool:
    """Cancel an import: at once when no worker holds it (or its worker went silent), else by
    asking the running job, which rolls back and records the cancel itself. False when it is
    already finished."""
    if record.status in IDLE or (record.status in RUNNING and is_stalled(record)):
        states = IDLE if record.status in IDLE else (record.status,)
        changed = db.session.execute(
            update(InstitutionalImport)
            .where(InstitutionalImport.id == record.id, InstitutionalImport.status.in_(states))
            .values(status=ImportStatus.CANCELLED, finished_at=utcnow(), updated_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed:
            db.session.refresh(record)
            discard_file(record)
            audit.record("institutional_import.cancel", "institutional_import", record.id, actor=user)
            return True
        db.session.refresh(record)
    if record.status in RUNNING:
        # No write here: on SQLite the job holds the database's write lock until it ends.
        cache.set(CANCEL_KEY.format(record.id), user.id, timeout=current_app.config["PRINT_JOB_STALE_SECONDS"])
        return True
    return False


def cancel_requested(record_id: int) -> int | None:
    """The id of the user who asked to cancel a running import, if one did."""
    return cache.get(CANCEL_KEY.format(record_id))


def report_progress(record_id: int, phase: str, done: int, total: int) -> None:
    cache.set(
        PROGRESS_KEY.format(record_id), {"phase": phase, "done": done, "total": total},
        timeout=current_app.config["PRINT_JOB_STALE_SECONDS"],
    )


def progress_of(record: InstitutionalImport) -> dict | None:
    """{"phase": "check" | "write", "done", "total"} rows while its job runs, when known."""
    return cache.get(PROGRESS_KEY.format(record.id)) if record.status in RUNNING else None


def clear_signals(record_id: int) -> None:
    cache.delete(PROGRESS_KEY.format(record_id))
    cache.delete(CANCEL_KEY.format(record_id))


def is_stalled(record: InstitutionalImport) -> bool:
    """A running import whose worker has told nothing for PRINT_JOB_STALE_SECONDS (it died):
    its transaction never committed, so nothing of it was added."""
    if record.status not in RUNNING:
        return False
    if cache.get(PROGRESS_KEY.format(record.id)) is not None:
        return False
    seconds = current_app.config["PRINT_JOB_STALE_SECONDS"]
    started = record.started_at or record.updated_at
    return started is not None and (utcnow() - _aware(started)).total_seconds() > seconds


def _aware(moment):
    from datetime import timezone

    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def discard_file(record: InstitutionalImport) -> None:
    """Remove the uploaded file (it holds personal data) once it is no longer needed."""
    if record.file_key:
        storage.delete(record.file_key)
        record.file_key = None


# Imports the privacy purge may forget: none a job is working on.
SETTLED = (ImportStatus.READY, ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.CANCELLED)


def holds_personal_data(record: InstitutionalImport) -> bool:
    """The file, the rejected rows' XLSX or the preview's example rows (names) are still kept."""
    examples = any(code.get("examples") for code in (record.summary or {}).get("codes", []))
    return bool(record.file_key or record.rejected_key or examples)


def forget_personal_data(record: InstitutionalImport) -> None:
    """Past retention (privacy purge): delete the file and the rejected rows' XLSX and drop the
    preview's example rows; the counts per finding stay. An import never confirmed is
    cancelled, since nothing is left to import (the caller commits)."""
    discard_file(record)
    if record.rejected_key:
        storage.delete(record.rejected_key)
        record.rejected_key = None
    if record.summary:
        record.summary = {**record.summary, "codes": [{**code, "examples": []} for code in record.summary.get("codes", [])]}
    if record.status == ImportStatus.READY:
        record.status, record.finished_at = ImportStatus.CANCELLED, utcnow()


# -- reading and checking the file ---------------------------------------------------------


def row_limit() -> int:
    return int(current_app.config["INSTITUTIONAL_IMPORT_ROW_LIMIT"])


def _rows_of(record: InstitutionalImport) -> list[tuple[int, dict]]:
    data = storage.get(record.file_key) if record.file_key else None
    if data is None:
        raise FileRejected("file_gone", _("Berkas unggahan tidak ada lagi. Unggah ulang berkasnya."))
    table = read_table(data, record.filename, archive_limits(bulk=True))
    if table.needs_mapping:
        found = ", ".join(h for h in table.headers if h) or "-"
        raise FileRejected("columns_unclear", _("Kolom NIK dan nama tidak ditemukan (kolom yang ada: %(found)s).", found=found))
    rows = list(records(table, row_limit()))
    if not rows:
        raise FileRejected("no_rows", _("Berkas tidak berisi baris data."))
    return rows


def _with_category(rows: list[tuple[int, dict]], category_code: str, validator: RowValidator) -> Iterator[tuple[int, dict]]:
    """Each row with the chosen category; a category word of the file ('KPPS') becomes the
    occupation when the row names none, since it says more than the category."""
    for number, raw in rows:
        raw = dict(raw)
        text = " ".join(str(raw.get("category") or "").split())
        if text and not raw.get("occupation") and validator.fold(text) not in validator.categories.exact:
            raw["occupation"] = text
        raw["category"] = category_code
        yield number, raw


def _waiting_niks() -> set[str]:
    """NIKs of earlier imports' rows still waiting for an area."""
    return set(db.session.scalars(select(UnplacedEntry.nik)))


def checked_rows(
    record: InstitutionalImport, progress: Callable[[int, int], None] | None = None
) -> Iterator[tuple[CheckedRow, str]]:
    """Each row of the import's file, checked, with its outcome (accepted, needs_area, rejected).

    Raises FileRejected when the file cannot be used."""
    rows = _rows_of(record)
    total = len(rows)
    if progress:
        progress(0, total)
    validator = RowValidator(None)
    waiting = _waiting_niks()
    for done, row in enumerate(validator.validate_stream(_with_category(rows, record.category_code, validator)), 1):
        if row.values.get("nik") in waiting:
            row.error("waiting_for_area", _("NIK ini sudah ada di impor sebelumnya dan menunggu wilayah."), "nik")
        yield row, outcome_of(row)
        if progress and (done % PROGRESS_EVERY == 0 or done == total):
            progress(done, total)


def outcome_of(row: CheckedRow) -> str:
    errors = {f.code for f in row.findings if f.is_error}
    if not errors:
        return ACCEPTED
    return NEEDS_AREA if errors <= NEEDS_AREA_CODES else REJECTED


# -- the preview ----------------------------------------------------------------------------

REJECTED_HEADERS = (
    "Baris", "NIK", "Nama lengkap", "Tanggal lahir", "Jenis kelamin", "Kelurahan", "RW", "RT", "Alamat", "Nomor HP", "Alasan",
)


@dataclass
class Preview:
    """Counts, findings by code with their first rows, and the rows that will not be added."""

    rows_read: int = 0
    accepted: int = 0
    needs_area: int = 0
    rejected: int = 0
    codes: dict[str, dict] = field(default_factory=dict)
    rejected_rows: list[list] = field(default_factory=list)

    def add(self, row: CheckedRow, outcome: str) -> None:
        self.rows_read += 1
        setattr(self, outcome, getattr(self, outcome) + 1)
        for finding in row.findings:
            code = self.codes.setdefault(
                finding.code, {"code": finding.code, "severity": finding.severity, "count": 0, "message": finding.message, "examples": []}
            )
            if finding.is_error:
                code["severity"] = ERROR
            code["count"] += 1
            if len(code["examples"]) < EXAMPLES_PER_CODE:
                code["examples"].append({
                    "row": row.row_number,
                    "nik": mask_nik(row.values.get("nik") or ""),
                    "name": (row.values.get("full_name") or "")[:80],
                    "message": finding.message,
                })
        if outcome == REJECTED:
            self.rejected_rows.append(_rejected_row(row))

    def summary(self) -> dict:
        order = sorted(self.codes.values(), key=lambda c: (c["severity"] != ERROR, -c["count"], c["code"]))
        return {"codes": order}


def _rejected_row(row: CheckedRow) -> list:
    values, raw = row.values, row.raw_values
    born = values.get("birth_date")
    sex = values.get("sex")
    reasons = "; ".join(f.message for f in row.findings if f.is_error)
    return [
        row.row_number, values.get("nik") or "", values.get("full_name") or "",
        born.strftime("%d/%m/%Y") if born else raw.get("birth_date", ""),
        sex.value if sex else raw.get("sex", ""),
        values.get("kelurahan_code") or "", values.get("rw") or raw.get("rw", ""), values.get("rt") or "",
        values.get("street") or "", values.get("phone") or "", reasons,
    ]


@collector_paused()  # portal/bulkwork.py
def preview_import(record: InstitutionalImport, progress: Callable[[int, int], None] | None = None) -> Preview:
    """Check the whole file and store what a confirmation would do (the caller commits, then
    stores the rejected rows' file with `store_rejected_rows`: staff may confirm meanwhile).

    `progress(done, total)` is told every PROGRESS_EVERY rows (it may raise ImportCancelled)."""
    preview = Preview()
    for row, outcome in checked_rows(record, progress):
        preview.add(row, outcome)
    record.rows_read, record.accepted, record.needs_area, record.rejected = (
        preview.rows_read, preview.accepted, preview.needs_area, preview.rejected
    )
    record.summary = preview.summary()
    if record.rejected_key:
        storage.delete(record.rejected_key)
        record.rejected_key = None
    return preview


def store_rejected_rows(record: InstitutionalImport, preview: Preview) -> None:
    """Keep the rows the import does not add as an XLSX with their reasons (about 5 s for
    10,000 rows with openpyxl: after the findings are shown, as a batch's file is)."""
    if preview.rejected_rows:
        key = f"instimport/{secrets.token_urlsafe(18)}.xlsx"
        storage.put(key, xlsx_bytes(REJECTED_HEADERS, preview.rejected_rows, title="Ditolak"))
        record.rejected_key = key


# -- the run: everything or nothing ---------------------------------------------------------


@collector_paused()  # portal/bulkwork.py
def run_import(record: InstitutionalImport, actor: User, progress: Callable[[str, int, int], None]) -> int:
    """Check the file again and add its rows: lists per RW with pending entries, and the rows
    without an address as UnplacedEntry. All in the caller's transaction; raises (and the
    caller rolls back) on a refusal, a cancel (from `progress(phase, done, total)`, told
    every PROGRESS_EVERY rows) or any error. Returns the entries added."""
    accepted: list[dict] = []
    unplaced: list[dict] = []
    for row, outcome in checked_rows(record, lambda done, total: progress("check", done, total)):
        if outcome == ACCEPTED:
            accepted.append(entry_columns(row))
        elif outcome == NEEDS_AREA:
            unplaced.append(_unplaced_values(row, record.id))
    if len(accepted) + len(unplaced) != record.to_add:
        raise ImportRefused(
            "count_changed",
            _(
                "Sejak pratinjau, jumlah baris yang dapat ditambahkan berubah (%(then)d, sekarang %(now)d): data lain "
                "telah berubah. Tidak ada yang ditambahkan; periksa ulang berkasnya.",
                then=record.to_add, now=len(accepted) + len(unplaced),
            ),
        )
    now = utcnow()
    total = len(accepted) + len(unplaced)
    lists = _lists_for(record, actor, {(v["kelurahan_code"], v["rw"]) for v in accepted}, now)
    written = 0
    progress("write", 0, total)
    for start in range(0, len(accepted), PROGRESS_EVERY):
        chunk = accepted[start:start + PROGRESS_EVERY]
        write_entries([
            {**values, "list_id": lists[(values["kelurahan_code"], values["rw"])].id, "state": EntryState.PENDING,
             "submitted_at": now, "version": 1}
            for values in chunk
        ])
        written += len(chunk)
        progress("write", written, total)
    for start in range(0, len(unplaced), PROGRESS_EVERY):
        db.session.execute(insert(UnplacedEntry), unplaced[start:start + PROGRESS_EVERY])
    progress("write", total, total)
    counts: dict[int, int] = {}
    for values in accepted:
        key = lists[(values["kelurahan_code"], values["rw"])].id
        counts[key] = counts.get(key, 0) + 1
    audit.record_many(
        [
            {"action": "list.import", "target_type": "member_list", "target_id": list_id,
             "details": {"entries": count, "filename": record.filename[:120], "import_id": record.id}}
            for list_id, count in counts.items()
        ]
        + [{"action": "institutional_import.run", "target_type": "institutional_import", "target_id": record.id,
            "details": {"entries": len(accepted), "needs_area": len(unplaced), "lists": len(lists), "rejected": record.rejected}}],
        actor=actor,
    )
    record.added = len(accepted)
    return len(accepted)


def write_entries(rows: list[dict]) -> None:
    """One Core executemany per chunk: 50,000 ORM objects would cost seconds and memory, and
    Core skips the ORM's bulk bookkeeping (about a quarter faster, measured on PostgreSQL)."""
    db.session.execute(ListEntry.__table__.insert(), rows)


def _lists_for(record: InstitutionalImport, actor: User, areas: set[tuple[str, int]], now) -> dict[tuple[str, int], MemberList]:
    lists = {
        area: MemberList(
            title=list_title(record), kelurahan_code=area[0], rw=area[1], source=ListSource.IMPORT,
            source_filename=record.filename[:255], created_by=actor, submitted_at=now, institutional_import_id=record.id,
        )
        for area in sorted(areas)
    }
    db.session.add_all(lists.values())
    db.session.flush()
    return lists


def list_title(record: InstitutionalImport) -> str:
    return f"{record.source} · {record.filename}"[:200]


_UNPLACED_FIELDS = (
    "nik", "full_name", "name_canonical", "birth_date", "sex", "street", "phone", "kk_number", "category_code",
    "occupation", "monthly_income",
)


def _unplaced_values(row: CheckedRow, import_id: int) -> dict:
    values = {name: row.values.get(name) for name in _UNPLACED_FIELDS}
    values["street"] = values["street"] or ""
    values["occupation"] = values["occupation"] or ""
    values.update(
        import_id=import_id, row_number=row.row_number,
        issues=[f.as_dict() for f in row.findings if f.code not in NEEDS_AREA_CODES],
        created_at=utcnow(), updated_at=utcnow(),
    )
    return values


# -- reading for the pages ------------------------------------------------------------------


def imports_page(number: int, size: int = IMPORTS_PAGE) -> NumberedPage:
    """Page `number` of the imports, newest first."""
    return numbered_page(select(InstitutionalImport).order_by(InstitutionalImport.id.desc()), number, size)


def unplaced_page(number: int, import_id: int | None = None, size: int = UNPLACED_PAGE) -> NumberedPage:
    """Page `number` of the rows waiting for an area, in file order (of one import)."""
    query = select(UnplacedEntry).order_by(UnplacedEntry.import_id, UnplacedEntry.row_number, UnplacedEntry.id)
    if import_id is not None:
        query = query.where(UnplacedEntry.import_id == import_id)
    return numbered_page(query, number, size)


def unplaced_count() -> int:
    return db.session.scalar(select(db.func.count(UnplacedEntry.id))) or 0


# -- giving a waiting row its area ----------------------------------------------------------


def place_entry(unplaced: UnplacedEntry, kelurahan_code: str, rw: int, rt: int | None, user: User) -> tuple[ListEntry | None, CheckedRow]:
    """Check the row again with the address staff gave; without errors it becomes a pending
    entry on its import's list of that RW (made if needed) and the waiting row goes."""
    raw = {
        "nik": unplaced.nik, "full_name": unplaced.full_name, "birth_date": unplaced.birth_date,
        "sex": unplaced.sex.value if unplaced.sex else None, "kelurahan": kelurahan_code, "rw": rw, "rt": rt,
        "street": unplaced.street, "phone": unplaced.phone, "kk_number": unplaced.kk_number,
        "category": unplaced.category_code, "occupation": unplaced.occupation, "monthly_income": unplaced.monthly_income,
    }
    row = RowValidator(None).validate([(unplaced.row_number, raw)])[0]
    if row.has_errors:
        return None, row
    record = unplaced.institutional_import
    now = utcnow()
    member_list = db.session.scalar(
        select(MemberList).where(
            MemberList.institutional_import_id == record.id, MemberList.kelurahan_code == kelurahan_code, MemberList.rw == rw
        ).limit(1)
    )
    if member_list is None:
        member_list = _lists_for(record, record.created_by, {(kelurahan_code, rw)}, now)[(kelurahan_code, rw)]
    entry = ListEntry(member_list=member_list, state=EntryState.PENDING, submitted_at=now, **entry_columns(row))
    db.session.add(entry)
    db.session.flush()
    audit.record(
        "entry.place", "list_entry", entry.id, actor=user, list_id=member_list.id, import_id=record.id,
        nik=mask_nik(entry.nik), kelurahan=kelurahan_code, rw=rw, rt=rt,
    )
    db.session.delete(unplaced)
    db.session.flush()
    return entry, row


def kelurahan_exists(code: str) -> bool:
    return db.session.get(Kelurahan, code) is not None
