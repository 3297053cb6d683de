"""Redis stopped and restarted under a running gunicorn: the portal keeps answering.

Rate limits fall back to each process's memory and come back to Redis by themselves, the
report cache goes without, a print job Redis cannot take says so and can be run again, and
/healthz names Redis. The Redis here is a server of the test's own (tests/redis_server.py);
the gunicorn parts need PostgreSQL (TEST_DATABASE_URL), as production does.
"""

from __future__ import annotations

import json
import logging
import re

import pytest

from portal.extensions import db
from portal.models import PrintJob, PrintJobStatus, Role
from portal.seed.reference import seed_reference
from tests.certificates.pdfs import post
from tests.factories import LETTE, make_member, make_user
from tests.ops.servers import Browser, Gunicorn, needs_postgresql, wait_until
from tests.ops.test_database_outage import NAME, NIK, migrated_postgresql  # noqa: F401 - a fixture
from tests.redis_server import RedisServer

STATUS_LIMIT_PER_NIK = 10


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server this test alone stops and starts."""
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


def _check(browser: Browser, nik: str = NIK) -> int:
    return browser.request("/cek-status", {"nik": nik, "name": NAME})[0]


@needs_postgresql
def test_with_redis_down_gunicorn_keeps_answering_and_recovers_when_it_returns(
    tmp_path, migrated_postgresql, own_redis  # noqa: F811 - the fixture imported above
):
    server = Gunicorn(
        tmp_path,
        {
            "DATABASE_URL": migrated_postgresql,
            "REDIS_URL": own_redis.url(),
            "STATUS_LIMIT_PER_NIK": f"{STATUS_LIMIT_PER_NIK} per hour",
            "STATUS_LIMIT_PER_ADDRESS": "1000 per hour",
        },
    ).start()
    try:
        browser = Browser(server.base)
        assert browser.request("/healthz")[0] == 200
        own_redis.stop()

        answers = {
            "status check": [_check(browser, f"73710113028500{i:02d}") for i in range(10)],
            "status API": [
                browser.request("/api/v1/status", json_body=b"{}", headers={"Content-Type": "application/json"})[0]
                for _ in range(4)
            ],
            "sign-in page": [browser.request("/masuk")[0] for _ in range(4)],
            "eligibility": [browser.request("/cek-kelayakan")[0] for _ in range(4)],
        }
        health_status, _, health = browser.request("/healthz")

        assert answers == {
            "status check": [200] * 10,
            "status API": [401] * 4,  # no key: the API's own answer, not a 500
            "sign-in page": [200] * 4,
            "eligibility": [200] * 4,
        }
        assert health_status == 503 and json.loads(health)["redis"] == "unreachable"
        fallbacks = server.log().count("Rate limit storage unreachable - falling back to in-memory storage")
        assert 1 <= fallbacks <= 2, "one warning per worker, not one per request"

        own_redis.start()

        def recovered() -> bool:
            # Each worker asks Redis again on a request now and then (backing off up to 32 s).
            browser.request("/masuk")
            return server.log().count("Rate limit storage recovered") >= fallbacks

        wait_until(recovered, 90, "every worker to count in Redis again")
        assert browser.request("/healthz")[0] == 200
        nik = "7371014101900002"
        answers = [_check(browser, nik) for _ in range(STATUS_LIMIT_PER_NIK + 4)]
    finally:
        server.stop()
    # One count for both workers again: exactly the limit passes.
    assert answers.count(200) == STATUS_LIMIT_PER_NIK and answers.count(429) == 4
    assert "Traceback" not in server.log() and NIK not in server.log()


def test_a_print_job_redis_cannot_take_says_so_and_runs_again_on_retry(app_factory, auth, tmp_path, own_redis):
    from rq import Queue
    from redis import Redis

    queue_name = "printing-outage"
    app = app_factory(
        REDIS_URL=own_redis.url(), PRINT_QUEUE_NAME=queue_name,
        PRINT_OUTPUT_DIR=str(tmp_path / "prints"), PRINT_RENDER_PROCESSES=0,
    )
    with app.app_context():
        seed_reference()
        make_user("petugas", Role.STAFF)
        make_member("Peserta Nomor 01", kelurahan_code=LETTE)
    client = app.test_client()
    auth.client = client
    auth.login("petugas")
    own_redis.stop()

    response = post(client, "/cetak/batch", {"document": "card", "kelurahan_code": LETTE, "rw": "", "category_code": ""})
    assert response.status_code == 302
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = client.get(f"/cetak/batch/{job_id}").get_data(as_text=True)

    assert "Antrean cetak (Redis) tidak dapat dijangkau" in page and "Coba lagi" in page
    assert 'hx-trigger="every 1s"' not in page  # nothing to wait for
    with app.app_context():
        assert db.session.get(PrintJob, job_id).status == PrintJobStatus.FAILED

    own_redis.start()
    assert post(client, f"/cetak/batch/{job_id}/ulang").status_code == 302
    queue = Queue(queue_name, connection=Redis.from_url(own_redis.url()))
    assert len(queue) == 1
    with app.app_context():
        assert db.session.get(PrintJob, job_id).status == PrintJobStatus.QUEUED
    assert "Menunggu" in client.get(f"/cetak/batch/{job_id}").get_data(as_text=True)


def test_reports_are_counted_without_the_cache_while_redis_is_down(app_factory, auth, own_redis, caplog):
    caplog.set_level(logging.INFO, logger="portal.caching")
    app = app_factory(REDIS_URL=own_redis.url())
    with app.app_context():
        seed_reference()
        make_user("petugas", Role.STAFF)
    client = app.test_client()
    auth.client = client
    auth.login("petugas")
    assert client.get("/statistik").status_code == 200
    own_redis.stop()

    pages = [client.get(path) for path in ("/statistik", "/statistik", "/beranda")]

    assert [page.status_code for page in pages] == [200, 200, 200]
    assert len(re.findall("Cache storage \\(Redis\\) unreachable", caplog.text)) == 1
    own_redis.start()
    assert client.get("/statistik").status_code == 200
    assert "Cache storage (Redis) recovered" in caplog.text
