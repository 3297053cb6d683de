"""Workers killed with kill -9: nothing committed is lost, and no print job runs for ever.

A real `flask worker` (RQ) is killed in the middle of a batch, with its work horse: the job
is marked failed with a retry button once PRINT_JOB_STALE_SECONDS pass, nothing is recorded
as printed, and the retry prints it. A killed gunicorn worker is replaced by the master and
what it committed is there. The Redis is the test's own (tests/redis_server.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from portal import create_app
from portal.extensions import db
from portal.models import AuditEvent, PrintJob, PrintJobStatus, PrintRecord, Role
from portal.seed.reference import seed_reference
from tests.certificates.pdfs import post
from tests.conftest import AuthActions, make_config
from tests.factories import LETTE, make_member, make_user
from tests.ops.servers import BIN, ROOT, Browser, Gunicorn, needs_postgresql, wait_until
from tests.ops.test_database_outage import migrated_postgresql  # noqa: F401 - a fixture

STALE_SECONDS = 4


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def _job(app, job_id: int) -> PrintJob:
    with app.app_context():
        job = db.session.get(PrintJob, job_id)
        db.session.expunge(job)
        db.session.remove()
        return job


@pytest.fixture
def print_setup(migrated_postgresql, redis_url, tmp_path):  # noqa: F811 - the fixture imported above
    """A staff member signed in to an app queueing on RQ, and what a `flask worker` needs.

    PostgreSQL, as in production (RQ needs Redis, which only production setups have).
    """
    settings = {
        "REDIS_URL": redis_url,
        "PRINT_QUEUE_NAME": "printing-crash",
        "PRINT_OUTPUT_DIR": str(tmp_path / "prints"),
        "PRINT_RENDER_PROCESSES": 0,
        "PRINT_CHUNK_SIZE": 10,  # many small chunks, so the worker can be killed between them
        "PRINT_JOB_STALE_SECONDS": STALE_SECONDS,
    }
    app = create_app(make_config(migrated_postgresql, **settings))
    with app.app_context():
        seed_reference()
        make_user("petugas", Role.STAFF)
        for index in range(80):
            make_member(f"Peserta Nomor {index:02d}", kelurahan_code=LETTE)
    client = app.test_client()
    AuthActions(client).login("petugas")
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "PDF_PRELOAD": "0",
        **{key: str(value) for key, value in settings.items()},
    }
    yield app, client, env
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


def _worker(env, *args) -> subprocess.Popen:
    with Path(env["PRINT_OUTPUT_DIR"] + "-worker.log").open("ab") as log:
        return subprocess.Popen(
            [str(BIN / "flask"), "--app", "wsgi", "worker", *args],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )


def _worker_log(env) -> str:
    return Path(env["PRINT_OUTPUT_DIR"] + "-worker.log").read_text(errors="replace")[-3000:]


def _printing(app, job_id: int, env) -> bool:
    job = _job(app, job_id)
    assert job.status not in (PrintJobStatus.FAILED, PrintJobStatus.DONE), _worker_log(env)
    return job.done > 0


@needs_postgresql
def test_a_print_job_whose_worker_was_killed_ends_failed_with_a_retry_that_prints_it(print_setup):
    app, client, env = print_setup
    response = post(client, "/cetak/batch", {"document": "card", "kelurahan_code": LETTE, "rw": "", "category_code": ""})
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    worker = _worker(env)
    try:
        wait_until(lambda: _printing(app, job_id, env), 120, "the worker to print a first chunk")
        # The worker and the work horse it forked for the job, as the OOM killer would.
        for pid in [*_children(worker.pid), worker.pid]:
            os.kill(pid, signal.SIGKILL)
    finally:
        worker.kill()
        worker.wait()
    killed = _job(app, job_id)
    assert killed.status == PrintJobStatus.RUNNING and killed.done < killed.total

    time.sleep(STALE_SECONDS + 1)
    page = client.get(f"/cetak/batch/{job_id}").get_data(as_text=True)

    assert "Gagal" in page and "Proses pencetak berhenti" in page and "Coba lagi" in page
    assert 'hx-trigger="every 1s"' not in page
    assert _job(app, job_id).status == PrintJobStatus.FAILED
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(PrintRecord)) == 0

    assert post(client, f"/cetak/batch/{job_id}/ulang").status_code == 302
    assert _worker(env, "--burst").wait(timeout=300) == 0
    done = _job(app, job_id)
    assert (done.status, done.done) == (PrintJobStatus.DONE, 80)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(PrintRecord)) == 80


@needs_postgresql
def test_a_gunicorn_worker_killed_outright_is_replaced_and_loses_nothing_committed(
    tmp_path, migrated_postgresql, redis_url  # noqa: F811 - the fixture imported above
):
    server = Gunicorn(tmp_path, {"DATABASE_URL": migrated_postgresql, "REDIS_URL": redis_url}).start()
    try:
        browser = Browser(server.base)
        # A failed sign-in commits its audit event before the answer goes out.
        status, _, _ = browser.request(
            "/masuk", {"username": "nobody-here", "password": "wrong password 1", "csrf_token": browser.token("/masuk")}
        )
        assert status == 200
        workers = server.worker_pids()
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        wait_until(lambda: len(set(server.worker_pids()) - set(workers)) == 2, 60, "the master to start new workers")
        assert wait_until(lambda: _answers(browser), 60, "a new worker to answer")
    finally:
        server.stop()
    app = create_app(make_config(migrated_postgresql))
    with app.app_context():
        actions = list(db.session.scalars(db.select(AuditEvent.action)))
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
    assert any("fail" in action for action in actions), actions


def _answers(browser: Browser) -> bool:
    try:
        return browser.request("/masuk")[0] == 200
    except OSError:
        return False
