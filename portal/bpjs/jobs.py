"""De-registration batches made in the background, on the renewal runs' worker (RQ when
REDIS_URL is set, the app's local worker thread otherwise: portal.renewal.jobs).

At a year's end a batch may report a hundred thousand memberships (about 15 s), too long
for a request: the request records a queued batch and returns; the job writes the batch,
its items and their audit events in one transaction (all or nothing) and tells its progress
through the cache; the batch's page polls it."""

from __future__ import annotations

import traceback

from flask import current_app

from portal.bpjs import deregistration
from portal.extensions import cache, db
from portal.models import BpjsDeregBatch, RenewalRunStatus
from portal.models.base import utcnow
from portal.renewal.jobs import start_background


def start(batch: BpjsDeregBatch) -> bool:
    """Hand a committed queued batch to the background worker; when the queue cannot take
    it the batch is marked failed (the caller commits) and False is returned."""
    if start_background(make_batch, batch.id, "de-registration batch"):
        return True
    _fail(batch, deregistration.QUEUE_UNAVAILABLE)
    return False


def make_batch(batch_id: int) -> BpjsDeregBatch | None:
    """Make a queued batch: number, items and audit events, committed together or not at all;
    then its XLSX, kept in the file storage."""
    batch = db.session.get(BpjsDeregBatch, batch_id)
    if batch is None or batch.status != RenewalRunStatus.QUEUED:
        return batch
    batch.status = RenewalRunStatus.RUNNING
    db.session.commit()
    key = deregistration.progress_key(batch)
    timeout = current_app.config["PRINT_JOB_STALE_SECONDS"]
    try:
        deregistration.create_batch(
            batch.created_by,
            batch.expected_count,
            batch=batch,
            progress=lambda done, total: cache.set(key, {"done": done, "total": total}, timeout=timeout),
        )
        batch.status = RenewalRunStatus.RUNNING  # made and numbered; its file comes next
        db.session.commit()
        cache.set(key, {"file": True}, timeout=timeout)
        _store_file(batch)
    except deregistration.DeregError as refusal:
        db.session.rollback()
        batch = _fail(db.session.get(BpjsDeregBatch, batch_id), refusal.code, refusal.params.get("now", 0))
        db.session.commit()
    except Exception as error:  # noqa: BLE001 - shown to staff, who can make the batch again
        db.session.rollback()
        # Type and frames only: exception messages can quote database values.
        current_app.logger.error(
            "de-registration batch %s failed: %s\n%s", batch_id, type(error).__name__,
            "".join(traceback.format_tb(error.__traceback__)),
        )
        batch = _fail(db.session.get(BpjsDeregBatch, batch_id), type(error).__name__[:200])
        db.session.commit()
    finally:
        cache.delete(key)
    return batch


def _store_file(batch: BpjsDeregBatch) -> None:
    """Keep the batch's XLSX; without it (storage failed) downloads build it on the spot."""
    try:
        deregistration.store_file(batch)
    except Exception as error:  # noqa: BLE001 - the batch stands; only its stored file is missing
        db.session.rollback()
        current_app.logger.warning("de-registration batch %s: file not stored: %s", batch.id, type(error).__name__)
    batch.status, batch.finished_at = RenewalRunStatus.DONE, utcnow()
    db.session.commit()


def _fail(batch: BpjsDeregBatch, error: str, found: int = 0) -> BpjsDeregBatch:
    batch.status, batch.error, batch.finished_at = RenewalRunStatus.FAILED, error, utcnow()
    batch.number, batch.member_count = None, found
    db.session.flush()
    return batch
