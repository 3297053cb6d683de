"""`flask worker`: the RQ worker that runs batch print jobs in production (REDIS_URL)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

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
    worker = Worker([app.config["PRINT_QUEUE_NAME"]], connection=redis_connection(app))
    worker.work(burst=burst, with_scheduler=False)
