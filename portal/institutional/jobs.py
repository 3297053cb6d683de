"""The background work of an institutional import, on the renewal runs' worker (RQ when
REDIS_URL is set, the app's local worker thread otherwise: portal.renewal.jobs).

A 50,000-row file takes seconds to check and to write, too long for a request: the request
records the import and returns; the preview job checks the file and stores its findings;
after staff confirm, the import job checks it again and writes everything in ONE
transaction, so a failure, a cancel or a killed worker leaves nothing behind. Progress and
cancel requests go through the cache, as de-registration batches' progress does."""

from __future__ import annotations

import traceback

from flask import current_app

from portal import audit
from portal.extensions import db
from portal.institutional import services
from portal.models import ImportStatus, InstitutionalImport, User
from portal.models.base import utcnow
from portal.renewal.jobs import start_background
from portal.spreadsheets.reader import FileRejected

QUEUE_UNAVAILABLE = "QueueUnavailable"


def start(record: InstitutionalImport) -> bool:
    """Hand a committed import (queued for its preview or its run) to the background worker;
    when the queue cannot take it the import is marked failed (the caller commits)."""
    job = preview_job if record.status == ImportStatus.PREVIEW_QUEUED else import_job
    if start_background(job, record.id, "institutional import"):
        return True
    record.status, record.error, record.finished_at = ImportStatus.FAILED, QUEUE_UNAVAILABLE, utcnow()
    services.discard_file(record)
    db.session.flush()
    return False


def _checker(record_id: int, phase: str | None = None):
    """A progress callback that reports and stops the job when staff asked to cancel."""

    def progress(*args) -> None:
        step, done, total = args if phase is None else (phase, *args)
        services.report_progress(record_id, step, done, total)
        if services.cancel_requested(record_id) is not None:
            raise services.ImportCancelled(services.cancel_requested(record_id))

    return progress


def preview_job(record_id: int) -> InstitutionalImport | None:
    """Check a queued import's file; store its counts, findings and rejected rows."""
    record = db.session.get(InstitutionalImport, record_id)
    if record is None or record.status != ImportStatus.PREVIEW_QUEUED:
        return record
    record.status, record.started_at = ImportStatus.PREVIEWING, utcnow()
    db.session.commit()
    try:
        preview = services.preview_import(record, _checker(record_id, "check"))
        record.status = ImportStatus.READY
        audit.record(
            "institutional_import.preview", "institutional_import", record.id, actor=record.created_by,
            rows=record.rows_read, accepted=record.accepted, needs_area=record.needs_area, rejected=record.rejected,
        )
        db.session.commit()
    except BaseException as error:  # noqa: BLE001 - every failure is shown to staff
        _failed(record_id, error)
        return db.session.get(InstitutionalImport, record_id)
    finally:
        services.clear_signals(record_id)
    _store_rejected_rows(record_id, preview)
    return db.session.get(InstitutionalImport, record_id)


def _store_rejected_rows(record_id: int, preview: services.Preview) -> None:
    """The rejected rows' XLSX, once the findings are shown; without it (storage failed) the
    preview stands and only its download is missing."""
    try:
        services.store_rejected_rows(db.session.get(InstitutionalImport, record_id), preview)
        db.session.commit()
    except Exception as error:  # noqa: BLE001 - the preview stands
        db.session.rollback()
        current_app.logger.warning("institutional import %s: rejected rows not stored: %s", record_id, type(error).__name__)


def import_job(record_id: int) -> InstitutionalImport | None:
    """Write a confirmed import: every row, its lists and audit events, or nothing."""
    record = db.session.get(InstitutionalImport, record_id)
    if record is None or record.status != ImportStatus.QUEUED:
        return record
    record.status, record.started_at = ImportStatus.IMPORTING, utcnow()
    db.session.commit()
    try:
        services.run_import(record, record.created_by, _checker(record_id))
        record.status, record.finished_at = ImportStatus.DONE, utcnow()
        services.discard_file(record)
        db.session.commit()  # the one commit of everything the import wrote
    except BaseException as error:  # noqa: BLE001 - every failure is shown to staff
        _failed(record_id, error)
    finally:
        services.clear_signals(record_id)
    return db.session.get(InstitutionalImport, record_id)


def _failed(record_id: int, error: BaseException) -> None:
    """Roll back whatever the job wrote and record why it stopped."""
    db.session.rollback()
    record = db.session.get(InstitutionalImport, record_id)
    record.finished_at = utcnow()
    if isinstance(error, services.ImportCancelled):
        record.status = ImportStatus.CANCELLED
        services.discard_file(record)
        actor = db.session.get(User, error.by_user_id) if error.by_user_id else None
        audit.record("institutional_import.cancel", "institutional_import", record.id, actor=actor)
    elif isinstance(error, (FileRejected, services.ImportRefused)):
        record.status, record.error, record.error_message = ImportStatus.FAILED, error.code, error.message
        services.discard_file(record)
        audit.record("institutional_import.refused", "institutional_import", record.id, actor=record.created_by, code=error.code)
    else:
        # Type and frames only: exception messages can quote the file's values.
        current_app.logger.error(
            "institutional import %s failed: %s\n%s", record_id, type(error).__name__,
            "".join(traceback.format_tb(error.__traceback__)),
        )
        # The file stays: staff may run the preview again on it.
        record.status, record.error = ImportStatus.FAILED, type(error).__name__[:200]
        audit.record("institutional_import.failed", "institutional_import", record.id, actor=record.created_by, error=record.error)
    db.session.commit()
    if not isinstance(error, Exception):
        raise error  # SystemExit, KeyboardInterrupt: recorded, then let through
