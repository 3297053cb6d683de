"""Bill reconciliations in the background, on the renewal runs' worker (RQ when REDIS_URL is
set, the app's local worker thread otherwise: portal.renewal.jobs), as de-registration
batches are. A 100,000-line bill takes seconds, too long for a request: the upload records
a queued bill and returns; the job writes its lines, differences and totals in one
transaction (all or nothing) and tells its progress through the cache; the bill's page
polls it."""

from __future__ import annotations

import traceback

from flask import current_app

from portal.contributions import reconciliation
from portal.extensions import cache, db
from portal.models import Bill, BillStatus
from portal.renewal.jobs import QUEUE_UNAVAILABLE, start_background
from portal.spreadsheets.reader import FileRejected


def start(bill: Bill) -> bool:
    """Hand a committed queued bill to the background worker; when the queue cannot take it
    the bill is marked failed (the caller commits) and False is returned."""
    if start_background(run_reconciliation, bill.id, "bill reconciliation"):
        return True
    reconciliation.fail(bill, QUEUE_UNAVAILABLE)
    return False


def run_reconciliation(bill_id: int) -> Bill | None:
    """Reconcile a queued bill: lines, differences, totals and its audit event committed
    together, or the bill failed with an error code and nothing else kept."""
    bill = db.session.get(Bill, bill_id)
    if bill is None or bill.status != BillStatus.QUEUED:
        return bill
    bill.status = BillStatus.RUNNING
    db.session.commit()
    key = reconciliation.progress_key(bill)
    timeout = current_app.config["PRINT_JOB_STALE_SECONDS"]

    def progress(stage: str, done: int, total: int) -> None:
        cache.set(key, {"stage": stage, "done": done, "total": total}, timeout=timeout)

    try:
        counts = reconciliation.reconcile(bill, progress)
        reconciliation.reconcile_finished(bill, counts, bill.uploaded_by)
        db.session.commit()
    except (reconciliation.BillError, FileRejected) as refusal:
        db.session.rollback()
        code = getattr(refusal, "code", None) or str(refusal)
        bill = reconciliation.fail(db.session.get(Bill, bill_id), code)
        db.session.commit()
    except Exception as error:  # noqa: BLE001 - shown to staff, who can upload the bill again
        db.session.rollback()
        # Type and frames only: exception messages can quote database values (NIKs, names).
        current_app.logger.error(
            "bill reconciliation %s failed: %s\n%s", bill_id, type(error).__name__,
            "".join(traceback.format_tb(error.__traceback__)),
        )
        bill = reconciliation.fail(db.session.get(Bill, bill_id), type(error).__name__)
        db.session.commit()
    finally:
        cache.delete(key)
    try:
        reconciliation.forget_checked_lines(bill)
        db.session.commit()
    except Exception as error:  # noqa: BLE001 - the bill stands; only a copy of its lines is left over
        db.session.rollback()
        current_app.logger.warning("bill %s: checked lines not deleted: %s", bill_id, type(error).__name__)
    return bill
