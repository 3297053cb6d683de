"""`flask worker`: the RQ worker that runs batch print jobs in production (REDIS_URL)."""

from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import with_appcontext

from portal import pdf
from portal.certificates.jobs import fail_abandoned_jobs, redis_connection, remove_abandoned_scratch
from portal.extensions import db


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run an RQ worker for print jobs (needs REDIS_URL)."""
    from rq import Worker

    app = current_app._get_current_object()
    if not app.config["REDIS_URL"]:
        raise click.ClickException("REDIS_URL is not set: without it print jobs run inside the web process.")
    # Jobs left running by a worker that died (kill -9, out of memory) get a retry button.
    if fail_abandoned_jobs():
        db.session.commit()
    remove_abandoned_scratch()
    pdf.warm_up(app)
    _fresh_connections_in_forks(app)
    worker = Worker([app.config["PRINT_QUEUE_NAME"]], connection=redis_connection(app))
    worker.work(burst=burst, with_scheduler=False)


_forked_engines: list = []


def _fresh_connections_in_forks(app) -> None:
    """Give every process forked from the worker (the work horse RQ forks per job) a pool of
    its own, SQLAlchemy's pattern for forked processes. A horse reusing the connections it
    inherited would share the server session an earlier horse left behind (psycopg's prepared
    statements there failed the next job: DuplicatePreparedStatement), or the parent's socket.
    The parent closes its own first: it needs none while it waits for jobs."""
    for engine in db.engines.values():
        engine.dispose()
    if not _forked_engines:
        os.register_at_fork(after_in_child=_leave_inherited_connections)
    _forked_engines[:] = db.engines.values()


def _leave_inherited_connections() -> None:
    for engine in _forked_engines:
        engine.dispose(close=False)  # drop the parent's connections without closing its sockets
