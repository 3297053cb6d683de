"""Batch printing in the background: one job function for RQ workers and the local worker.

A job lists the memberships once, then renders them in chunks (~100 cards per PDF) in a
pool of render processes and merges the chunks with pypdf. Each chunk is its own small
WeasyPrint document, so memory stays flat whatever the batch size; card backs are all
alike, so one back sheet is rendered per job and placed behind every front sheet. State
and progress live in the PrintJob row, so a page reload or a restarted web process loses
nothing. The finished PDF goes to portal/storage (the database in production, so every web
server can send it); it holds names, so it is deleted after PRINT_FILE_RETENTION_DAYS.
"""

from __future__ import annotations

import multiprocessing
import secrets
import shutil
import tempfile
import time
import traceback
from collections import deque
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app, render_template
from flask_babel import gettext as _
from pypdf import PdfReader, PdfWriter
from sqlalchemy.orm import selectinload

from portal import clock
from portal import audit, pdf, storage
from portal.certificates.services import (
    PRINT_STYLESHEET,
    document_facts,
    ensure_certificates,
    is_printable,
    never_printed_clause,
)
from portal.extensions import db
from portal.models import (
    Membership,
    MembershipStatus,
    Person,
    PrintDocument,
    PrintJob,
    PrintJobStatus,
    PrintRecord,
    User,
)
from portal.models.base import utcnow
from portal.notifications import events as notification_events

CARDS_PER_SHEET = 10
UNFINISHED = (PrintJobStatus.QUEUED, PrintJobStatus.RUNNING)
# PrintJob.error of jobs that never ran: Redis refused the job, or its worker died.
QUEUE_UNAVAILABLE = "QueueUnavailable"
WORKER_LOST = "WorkerLost"


def output_key(job: PrintJob) -> str | None:
    """Where the job's PDF is stored (portal/storage), readable from every machine."""
    return _print_key(job.file_name) if job.file_name else None


def _print_key(file_name: str) -> str:
    return f"prints/{file_name}"


def delete_expired_files() -> int:
    """Delete finished batch PDFs older than the retention period (they hold names)."""
    cutoff = utcnow() - timedelta(days=current_app.config["PRINT_FILE_RETENTION_DAYS"])
    expired = db.session.scalars(
        db.select(PrintJob).where(PrintJob.file_name.is_not(None), PrintJob.finished_at < cutoff)
    ).all()
    for job in expired:
        _remove_output(job)
    db.session.commit()
    return len(expired)


def batch_query(
    kelurahan_code: str,
    rw: int | None,
    category_code: str | None,
    never_printed: bool,
    document: PrintDocument,
):
    """Active memberships matching a batch's filters, in delivery order (RW, RT, name)."""
    query = (
        db.select(Membership.id)
        .join(Membership.person)
        .where(
            Membership.status == MembershipStatus.ACTIVE,
            Membership.ends_on >= clock.today(),
            Person.kelurahan_code == kelurahan_code,
        )
        .order_by(Person.rw, Person.rt, Person.name_key, Membership.id)
    )
    if rw is not None:
        query = query.where(Person.rw == rw)
    if category_code:
        query = query.where(Person.category_code == category_code)
    if never_printed:
        query = query.where(never_printed_clause(document))
    return query


def _job_query(job: PrintJob):
    return batch_query(job.kelurahan_code, job.rw, job.category_code, job.never_printed, job.document)


def count_batch(**filters) -> int:
    query = batch_query(**filters)
    return db.session.scalar(db.select(db.func.count()).select_from(query.subquery()))


def create_print_job(user: User, **filters) -> PrintJob:
    """Record a new batch job (the caller commits, then starts it)."""
    job = PrintJob(requested_by=user, total=count_batch(**filters), **filters)
    db.session.add(job)
    db.session.flush()
    audit.record("create", "print_job", job.id, document=job.document.value, total=job.total)
    return job


def recent_jobs(limit: int = 20) -> list[PrintJob]:
    return db.session.scalars(
        db.select(PrintJob)
        .options(selectinload(PrintJob.kelurahan), selectinload(PrintJob.requested_by))
        .order_by(PrintJob.id.desc())
        .limit(limit)
    ).all()


def is_stale(job: PrintJob) -> bool:
    """An unfinished job nobody has worked on for too long (its worker died): offer a retry."""
    if job.status not in UNFINISHED:
        return False
    updated = job.updated_at
    if updated.tzinfo is None:  # SQLite hands back naive UTC
        updated = updated.replace(tzinfo=utcnow().tzinfo)
    return utcnow() - updated > timedelta(seconds=current_app.config["PRINT_JOB_STALE_SECONDS"])


SCRATCH_PREFIX = "print-job-"


def remove_abandoned_scratch() -> int:
    """Delete this machine's scratch folders of print jobs whose worker died mid-batch.

    A running job writes a chunk into its folder every few seconds and removes the folder
    when it ends, even when it fails; a folder untouched for PRINT_JOB_STALE_SECONDS was left
    by a process killed outright (kill -9, out of memory), and its chunks hold names.
    Returns how many folders were removed.
    """
    cutoff = time.time() - current_app.config["PRINT_JOB_STALE_SECONDS"]
    removed = 0
    for folder in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*"):
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        except OSError:
            continue  # removed meanwhile by another process
    return removed


def fail_abandoned_jobs() -> int:
    """Mark failed every running job without progress for PRINT_JOB_STALE_SECONDS.

    A running job commits its progress after every chunk (a few seconds), so silence that
    long means its worker died (kill -9, out of memory, a lost machine) and nothing will
    finish it. Nothing of it was recorded as printed (prints are recorded when the PDF is
    complete), so staff can simply run it again. A queued job keeps its state: it may be
    waiting behind a long batch, and the page offers a retry once it looks stale.
    Returns how many jobs were marked; the caller commits.
    """
    cutoff = utcnow() - timedelta(seconds=current_app.config["PRINT_JOB_STALE_SECONDS"])
    result = db.session.execute(
        db.update(PrintJob)
        .where(PrintJob.status == PrintJobStatus.RUNNING, PrintJob.updated_at < cutoff)
        .values(status=PrintJobStatus.FAILED, error=WORKER_LOST, finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount:
        current_app.logger.warning("%d print job(s) without a live worker marked failed", result.rowcount)
    return result.rowcount


def can_retry(job: PrintJob) -> bool:
    return job.status == PrintJobStatus.FAILED or is_stale(job)


def failure_message(job: PrintJob) -> str | None:
    """What staff read about a failed or abandoned job (never the exception's text)."""
    if job.status == PrintJobStatus.FAILED and job.error == QUEUE_UNAVAILABLE:
        return _("Antrean cetak (Redis) tidak dapat dijangkau, jadi pekerjaan ini belum dimulai. Coba lagi beberapa saat lagi.")
    if job.status == PrintJobStatus.FAILED and job.error == WORKER_LOST:
        return _("Proses pencetak berhenti sebelum selesai. Belum ada yang dicatat sebagai dicetak; jalankan lagi.")
    if job.status == PrintJobStatus.FAILED:
        return _("Terjadi kesalahan saat membuat PDF (%(error)s). Belum ada yang dicatat sebagai dicetak.", error=job.error or "?")
    if is_stale(job):
        return _("Pekerjaan ini belum juga dimulai atau sudah lama tidak maju. Jalankan lagi bila perlu.")
    return None


def reset_for_retry(job: PrintJob) -> None:
    """Put a failed (or abandoned) job back in the queue from the start."""
    _remove_output(job)
    job.status = PrintJobStatus.QUEUED
    job.done = 0
    job.error = None
    job.started_at = job.finished_at = None
    audit.record("retry", "print_job", job.id)


def _remove_output(job: PrintJob) -> None:
    key = output_key(job)
    if key:
        storage.delete(key)
    job.file_name = None


# -- Starting jobs ---------------------------------------------------------------------------


def start_print_job(job: PrintJob) -> bool:
    """Hand a committed job to RQ (REDIS_URL set) or to the app's local worker thread.

    When Redis cannot take the job, the job is marked failed, so staff see why and can run
    it again (the caller commits), and False is returned.
    """
    app = current_app._get_current_object()
    if not app.config["REDIS_URL"]:
        local_worker(app).submit(_run_in_app_context, app, job.id)
        return True
    from redis import RedisError
    from rq import Queue

    timeout = app.config["REDIS_TIMEOUT_SECONDS"]
    connection = redis_connection(app, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        Queue(app.config["PRINT_QUEUE_NAME"], connection=connection).enqueue_call(
            run_print_job, args=(job.id,), timeout=app.config["PRINT_JOB_TIMEOUT"]
        )
    except RedisError as error:
        current_app.logger.warning("print job %s could not be queued: %s", job.id, type(error).__name__)
        job.status = PrintJobStatus.FAILED
        job.error = QUEUE_UNAVAILABLE
        job.finished_at = utcnow()
        db.session.flush()
        return False
    finally:
        connection.close()
    return True


def redis_connection(app: Flask, **options):
    from redis import Redis

    return Redis.from_url(app.config["REDIS_URL"], **options)


def local_worker(app: Flask) -> ThreadPoolExecutor:
    """One background thread per app runs jobs one after the other (embedded setup)."""
    worker = app.extensions.get("print_worker")
    if worker is None:
        worker = app.extensions["print_worker"] = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="print-job"
        )
    return worker


def _run_in_app_context(app: Flask, job_id: int) -> None:
    with app.app_context():
        run_print_job(job_id)


# -- The job ---------------------------------------------------------------------------------


def run_print_job(job_id: int) -> None:
    """Render a batch job's PDF (runs inside an app context, in RQ or the local worker)."""
    delete_expired_files()
    fail_abandoned_jobs()
    db.session.commit()
    job = db.session.get(PrintJob, job_id)
    if job is None or (job.status not in UNFINISHED) or (
        job.status == PrintJobStatus.RUNNING and not is_stale(job)
    ):
        return
    job.status = PrintJobStatus.RUNNING
    job.started_at = utcnow()
    job.done = 0
    db.session.commit()
    try:
        _render_job(job_id)
    except Exception as error:  # noqa: BLE001 - every failure is shown to staff with a retry
        db.session.rollback()
        # Type and frames only: exception messages can quote database values.
        current_app.logger.error(
            "print job %s failed: %s\n%s",
            job_id,
            type(error).__name__,
            "".join(traceback.format_tb(error.__traceback__)),
        )
        job = db.session.get(PrintJob, job_id)
        job.status = PrintJobStatus.FAILED
        job.error = type(error).__name__[:200]
        job.finished_at = utcnow()
        db.session.commit()


class _InlineRenderer(Executor):
    """Renders in the job's own process (PRINT_RENDER_PROCESSES = 0: tests, tiny setups)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as error:  # noqa: BLE001 - handed over like a pool would
            future.set_exception(error)
        return future


def _renderer(processes: int, static_folder: str) -> Executor:
    if processes <= 0:
        return _InlineRenderer()
    # Spawned (not forked) processes: the job may run in a thread of a web server.
    return ProcessPoolExecutor(
        max_workers=processes,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=pdf.preload,
        initargs=(static_folder, (PRINT_STYLESHEET,)),
        max_tasks_per_child=current_app.config["PRINT_CHUNKS_PER_PROCESS"],
    )


@dataclass
class _Chunk:
    """One rendered part of a batch: its PDF file and, for cards, the cards on each sheet."""

    path: str
    sheet_sizes: list[int] | None = None


def _sheet_sizes(cards: int) -> list[int]:
    return [min(CARDS_PER_SHEET, cards - start) for start in range(0, cards, CARDS_PER_SHEET)]


def _render_job(job_id: int) -> None:
    job = db.session.get(PrintJob, job_id)
    membership_ids = list(db.session.scalars(_job_query(job)))
    job.total = len(membership_ids)
    document, requested_by_id = job.document, job.requested_by_id
    db.session.commit()

    config = current_app.config
    chunk_size = config["PRINT_CHUNK_SIZE"]
    if document == PrintDocument.CARD:  # whole sheets only, or chunks would leave gaps
        chunk_size = max(CARDS_PER_SHEET, chunk_size - chunk_size % CARDS_PER_SHEET)
    processes = config["PRINT_RENDER_PROCESSES"]
    static_folder = current_app.static_folder
    render_options = {"stylesheet": PRINT_STYLESHEET, "static_folder": static_folder}
    # Chunks are scratch files of this machine; only the merged PDF goes to storage.
    remove_abandoned_scratch()
    work_dir = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{job_id}-"))
    printed: list[tuple[int, int, int]] = []  # (certificate, membership, person) ids
    chunks: list[_Chunk] = []
    # Every back is the same, so each back sheet (by number of cards) is rendered once.
    backs: dict[int, Future] = {}
    try:
        with _renderer(processes, static_folder) as renderer:
            in_flight: deque[tuple[Future, int]] = deque()
            sheets_done = 0
            for start in range(0, len(membership_ids), chunk_size):
                chunk_ids = membership_ids[start:start + chunk_size]
                html, chunk_printed = _chunk_html(chunk_ids, document, requested_by_id, sheets_done)
                printed.extend(chunk_printed)
                if not chunk_printed:  # all ended since the job was listed
                    _advance(job_id, len(chunk_ids))
                    continue
                chunk = _Chunk(str(work_dir / f"{len(chunks):05d}.pdf"))
                if document == PrintDocument.CARD:
                    chunk.sheet_sizes = _sheet_sizes(len(chunk_printed))
                    sheets_done += len(chunk.sheet_sizes)
                    for size in set(chunk.sheet_sizes) - backs.keys():
                        back_html = render_template("certificates/pdf/card_backs.html", count=size)
                        path = str(work_dir / f"back-{size}.pdf")
                        backs[size] = renderer.submit(pdf.write_pdf_file, back_html, path, **render_options)
                chunks.append(chunk)
                future = renderer.submit(pdf.write_pdf_file, html, chunk.path, **render_options)
                in_flight.append((future, len(chunk_ids)))
                while len(in_flight) > max(processes, 1):
                    _finish_chunk(job_id, *in_flight.popleft())
            while in_flight:
                _finish_chunk(job_id, *in_flight.popleft())
            back_files = {size: future.result() for size, future in backs.items()}
        file_name = f"{secrets.token_urlsafe(12)}.pdf"
        _merge(chunks, back_files, work_dir / file_name)
        with (work_dir / file_name).open("rb") as merged:
            # Database storage: written in the transaction that _complete commits.
            storage.put(_print_key(file_name), merged)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    _complete(job_id, file_name, printed)


def _chunk_html(
    membership_ids: list[int], document: PrintDocument, requested_by_id: int | None, sheets_before: int
) -> tuple[str, list[tuple[int, int, int]]]:
    """Issue missing certificates for a chunk and render its HTML."""
    issuer = db.session.get(User, requested_by_id) if requested_by_id else None
    memberships = db.session.scalars(
        db.select(Membership)
        .where(Membership.id.in_(membership_ids))
        .options(
            selectinload(Membership.certificates),
            selectinload(Membership.person).selectinload(Person.kelurahan),
        )
    ).all()
    by_id = {m.id: m for m in memberships}
    certificates = ensure_certificates(
        [by_id[i] for i in membership_ids if i in by_id and is_printable(by_id[i])], issuer
    )
    facts = [document_facts(c) for c in certificates]
    printed = [(c.id, c.membership_id, c.membership.person_id) for c in certificates]
    # The codes exist before any PDF shows them.
    db.session.commit()
    db.session.expunge_all()
    if document == PrintDocument.CARD:
        sheets = [facts[i:i + CARDS_PER_SHEET] for i in range(0, len(facts), CARDS_PER_SHEET)]
        html = render_template("certificates/pdf/card_fronts.html", sheets=sheets, first_sheet=sheets_before)
    else:
        html = render_template("certificates/pdf/certificate.html", documents=facts)
    return html, printed


def _advance(job_id: int, count: int) -> None:
    job = db.session.get(PrintJob, job_id)
    job.done = min(job.total, job.done + count)
    db.session.commit()


def _finish_chunk(job_id: int, future: Future, size: int) -> None:
    future.result()
    _advance(job_id, size)


def _merge(chunks: list[_Chunk], back_files: dict[int, str], target: Path) -> None:
    """One PDF: certificates in order, or each front sheet followed by its back sheet."""
    writer = PdfWriter()
    backs = {size: PdfReader(path).pages[0] for size, path in back_files.items()}
    for chunk in chunks:
        reader = PdfReader(chunk.path)
        if chunk.sheet_sizes is None:
            writer.append(reader)
            continue
        for front, size in zip(reader.pages, chunk.sheet_sizes, strict=True):
            writer.add_page(front)
            writer.add_page(backs[size])
    if not chunks:
        writer.add_blank_page(width=595.28, height=841.89)  # A4: nobody was printable
    partial = target.with_suffix(".part")
    with partial.open("wb") as stream:
        writer.write(stream)
    partial.replace(target)


def _complete(job_id: int, file_name: str, printed: list[tuple[int, int, int]]) -> None:
    """Log every print and mark the job done, in one transaction."""
    job = db.session.get(PrintJob, job_id)
    actor = job.requested_by
    db.session.add_all(
        PrintRecord(certificate_id=certificate_id, document=job.document, printed_by=actor, job_id=job.id)
        for certificate_id, _, _ in printed
    )
    for certificate_id, membership_id, person_id in printed:
        audit.record(
            "print",
            "membership",
            membership_id,
            person_id=person_id,
            actor=actor,
            document=job.document.value,
            certificate_id=certificate_id,
            job_id=job.id,
        )
    if job.document == PrintDocument.CARD:
        notification_events.cards_ready((certificate_id, person_id) for certificate_id, _, person_id in printed)
    job.file_name = file_name
    job.done = job.total
    job.status = PrintJobStatus.DONE
    job.finished_at = utcnow()
    db.session.commit()
