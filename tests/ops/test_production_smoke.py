"""Smoke test of the production setup: gunicorn + an RQ worker on PostgreSQL and Redis.

Starts the real processes an operator runs (README, "Production"), signs a staff member in
over HTTP with the second factor, runs a batch print through the RQ worker and downloads
the PDF. Needs TEST_DATABASE_URL (PostgreSQL), as in CI; the Redis is the test's own
(tests/redis_server.py).
"""

from __future__ import annotations

import io
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pyotp
import pytest
from pypdf import PdfReader
from sqlalchemy.engine import make_url

from portal import create_app
from portal.extensions import db
from portal.models import PrintJob, User
from portal.seed.reference import seed_reference
from tests.conftest import PASSWORD, make_config
from tests.databases import drop_postgres_database, new_database
from tests.factories import LETTE, make_member, make_user
from tests.ops.servers import Browser, wait_until
from tests.redis_server import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL (TEST_DATABASE_URL)"
)


def test_gunicorn_and_an_rq_worker_run_a_batch_print_on_postgresql_and_redis(tmp_path, worker_id, redis_url):
    url = new_database("postgresql", f"portal_smoke_{worker_id}", tmp_path)
    name = make_url(url).database
    queue = f"printing-smoke-{secrets.token_hex(4)}"
    env = {
        **os.environ,
        "PORTAL_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "PRINT_QUEUE_NAME": queue,
        "STORAGE_DIR": str(tmp_path / "storage"),
        "BASE_URL": "http://127.0.0.1",
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_COST": "1024",
        "GUNICORN_WORKERS": "2",
        "LOG_FORMAT": "json",
    }
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*flask, "seed", "reference"], cwd=ROOT, env=env, check=True, capture_output=True)

    app = create_app(make_config(url))
    with app.app_context():
        seed_reference()
        make_user("staff1")
        for index in range(12):
            make_member(f"Peserta Uji {index}", kelurahan_code=LETTE)
        secret = db.session.scalar(db.select(User.totp_secret).filter_by(username="staff1"))

    port = free_port()
    logs = [open(tmp_path / "gunicorn.log", "wb"), open(tmp_path / "worker.log", "wb")]  # noqa: SIM115
    processes = [
        subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "python:portal.gunicorn_conf", "wsgi:app"],
            cwd=ROOT, env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}, stdout=logs[0], stderr=subprocess.STDOUT,
        ),
        subprocess.Popen([*flask, "worker"], cwd=ROOT, env=env, stdout=logs[1], stderr=subprocess.STDOUT),
    ]
    try:
        client = Browser(f"http://127.0.0.1:{port}")

        def healthy():
            try:
                return client.request("/healthz")
            except OSError:
                return None

        status, _, body = wait_until(healthy, 60, "gunicorn")
        assert status == 200 and b'"redis":"ok"' in body.replace(b" ", b"")

        status, headers, _ = client.request(
            "/masuk", {"username": "staff1", "password": PASSWORD, "csrf_token": client.token("/masuk")}
        )
        assert (status, headers["Location"]) == (302, "/masuk/kode")
        status, headers, _ = client.request(
            "/masuk/kode", {"code": pyotp.TOTP(secret).now(), "csrf_token": client.token("/masuk/kode")}
        )
        assert (status, headers["Location"]) == (302, "/beranda")

        status, headers, _ = client.request(
            "/cetak/batch",
            {"document": "card", "kelurahan_code": LETTE, "csrf_token": client.token("/cetak/batch")},
        )
        assert status == 302, "the batch form was refused"
        job_path = headers["Location"]
        job_id = int(job_path.rstrip("/").rsplit("/", 1)[1])

        def finished():
            with app.app_context():
                job = db.session.get(PrintJob, job_id)
                db.session.remove()
                return job.status.value if job.status.value in ("done", "failed") else None

        outcome = wait_until(finished, 120, "the RQ worker to print")
        assert outcome == "done", (tmp_path / "worker.log").read_text()[-2000:]
        status, headers, pdf = client.request(f"{job_path}/unduh")
        assert status == 200 and headers["Content-Type"] == "application/pdf"
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
        assert "Peserta Uji 0" in text and "Peserta Uji 11" in text
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in logs:
            log.close()
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose()
        drop_postgres_database(name)
    # Structured logs were written, and they name no member.
    server_log = (tmp_path / "gunicorn.log").read_text()
    assert '"endpoint": "/cetak/batch"' in server_log
    assert "Peserta Uji" not in server_log + (tmp_path / "worker.log").read_text()
