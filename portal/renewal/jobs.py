"""Renewal runs in the background, like batch printing: RQ when REDIS_URL is set (the same
queue and `flask worker`), a local worker thread otherwise. State and progress live in the
RenewalRun row, so a page reload or a restarted web process loses nothing; a failed run
can simply be started again (a run is idempotent)."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from datetime import timedelta
from concurrent.futures import ThreadPoolExecutor

from flask import Flask, current_app
from flask_babel import gettext as _

from portal import audit
from portal.certificates.jobs import redis_connection
from portal.extensions import db
from portal.models import RenewalRun, RenewalRunStatus, User
from portal.models.base import utcnow
from portal.programme import budget
from portal.renewal import services

QUEUE_UNAVAILABLE = "QueueUnavailable"
BUDGET_EXCEEDED = "BudgetExceeded"  # refused before anything changed: the new year's ceiling
UNFINISHED = (RenewalRunStatus.QUEUED, RenewalRunStatus.RUNNING)


def create_run(from_year: int, to_year: int, *, dry_run: bool, user: User | None) -> RenewalRun:
    """Record a new run (the caller commits, then starts it); refuses without next year's settings."""
    services.check_years(from_year, to_year)
    if not dry_run and _unfinished_real_run(from_year) is not None:
        raise services.RenewalError(_("Perpanjangan tahun ini sedang berjalan; tunggu sampai selesai."))
    run = RenewalRun(from_year=from_year, to_year=to_year, dry_run=dry_run, requested_by=user)
    db.session.add(run)
    db.session.flush()
    audit.record("create", "renewal_run", run.id, actor=user, from_year=from_year, to_year=to_year, dry_run=dry_run)
    return run


def _unfinished_real_run(from_year: int) -> RenewalRun | None:
    """A real run of the year still queued or running, unless its worker is long silent (died)."""
    cutoff = utcnow() - timedelta(seconds=current_app.config["PRINT_JOB_STALE_SECONDS"])
    return db.session.scalar(
        db.select(RenewalRun).where(
            RenewalRun.from_year == from_year,
            RenewalRun.dry_run.is_(False),
            RenewalRun.status.in_(UNFINISHED),
            RenewalRun.updated_at >= cutoff,
        ).limit(1)
    )


def start_run(run: RenewalRun) -> bool:
    """Hand a committed run to RQ (REDIS_URL) or to the app's local worker thread."""
    if start_background(run_renewal, run.id, "renewal run"):
        return True
    run.status, run.error, run.finished_at = RenewalRunStatus.FAILED, QUEUE_UNAVAILABLE, utcnow()
    db.session.flush()
    return False


def start_background(job: Callable[[int], object], job_id: int, what: str) -> bool:
    """Run `job(job_id)` in the background: on the RQ queue of `flask worker` when REDIS_URL
    is set, else on the app's local worker thread. The job keeps its state in its own row
    (renewal runs, de-registration batches). False when Redis could not take it (the caller
    marks the row failed)."""
    app = current_app._get_current_object()
    if not app.config["REDIS_URL"]:
        local_worker(app).submit(_run_in_app_context, app, job, job_id)
        return True
    from redis import RedisError
    from rq import Queue

    timeout = app.config["REDIS_TIMEOUT_SECONDS"]
    connection = redis_connection(app, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        Queue(app.config["PRINT_QUEUE_NAME"], connection=connection).enqueue_call(
            job, args=(job_id,), timeout=app.config["PRINT_JOB_TIMEOUT"]
        )
    except RedisError as error:
        current_app.logger.warning("%s %s could not be queued: %s", what, job_id, type(error).__name__)
        return False
    finally:
        connection.close()
    return True


def local_worker(app: Flask) -> ThreadPoolExecutor:
    """One background thread per app runs renewals and de-registration batches one after the
    other (embedded setup)."""
    worker = app.extensions.get("renewal_worker")
    if worker is None:
        worker = app.extensions["renewal_worker"] = ThreadPoolExecutor(max_workers=1, thread_name_prefix="renewal")
    return worker


def _run_in_app_context(app: Flask, job: Callable[[int], object], job_id: int) -> None:
    with app.app_context():
        job(job_id)


def run_renewal(run_id: int, actor_name: str | None = None) -> RenewalRun | None:
    """Plan the run, store its summary, and unless it is a dry run apply it, committing per chunk."""
    run = db.session.get(RenewalRun, run_id)
    if run is None or run.status not in UNFINISHED:
        return run
    run.status, run.started_at, run.done = RenewalRunStatus.RUNNING, utcnow(), 0
    db.session.commit()
    try:
        plan = services.plan_renewal(run.from_year, run.to_year)
        if not run.dry_run:
            # Approvals that add to the new year check its ceiling under the same lock.
            budget.lock_programme_year(run.to_year)
        summary = services.summarise(plan)
        run.summary = summary
        run.total = summary["to_write"] if not run.dry_run else summary["members"]
        if not run.dry_run and services.budget_refusal(summary):
            run.status, run.error, run.finished_at = RenewalRunStatus.FAILED, BUDGET_EXCEEDED, utcnow()
            audit.record("renewal.refused", "renewal_run", run.id, actor=run.requested_by, actor_name=actor_name,
                         budget=summary["budget"])
            db.session.commit()
            return run
        db.session.commit()
        if run.dry_run:
            audit.record("renewal.preview", "renewal_run", run.id, actor=run.requested_by, actor_name=actor_name,
                         members=summary["members"], outcomes=summary["outcomes"])
            run.done = run.total
        else:
            actor = run.requested_by

            def progress(done: int) -> None:
                run.done = done
                db.session.commit()

            services.apply_plan(plan, actor, run, actor_name=actor_name, commit_each=progress)
            audit.record("renewal.run", "renewal_run", run.id, actor=actor, actor_name=actor_name,
                         written=run.total, outcomes=summary["outcomes"])
        run.status, run.finished_at = RenewalRunStatus.DONE, utcnow()
        db.session.commit()
    except Exception as error:  # noqa: BLE001 - shown to staff, who can run it again
        db.session.rollback()
        current_app.logger.error(
            "renewal run %s failed: %s\n%s", run_id, type(error).__name__,
            "".join(traceback.format_tb(error.__traceback__)),
        )
        run = db.session.get(RenewalRun, run_id)
        run.status, run.error, run.finished_at = RenewalRunStatus.FAILED, type(error).__name__[:200], utcnow()
        db.session.commit()
    return run
