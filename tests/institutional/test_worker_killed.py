"""An institutional import whose `flask worker` (RQ) is killed with kill -9 while it writes:
nothing of it is in the database, the page says the job went silent, and staff can close it.

PostgreSQL and the test's own Redis, as in production (RQ needs Redis)."""

from __future__ import annotations

import io
import os
import signal
import time
from datetime import date, timedelta

import pytest
from openpyxl import Workbook

from portal import create_app
from portal.extensions import cache, db
from portal.models import ImportStatus, InstitutionalImport, ListEntry, MemberList, Role, Sex, UnplacedEntry
from portal.nik import make_nik
from portal.seed.reference import seed_reference
from tests.conftest import AuthActions, csrf_token, make_config
from tests.factories import LETTE, make_user
from tests.institutional.helpers import CITY_HEADER, PAGE, confirm, import_id_of, upload
from tests.ops.servers import needs_postgresql, wait_until
from tests.ops.test_database_outage import migrated_postgresql  # noqa: F401 - a fixture
from tests.ops.test_worker_crash import _children, _worker, _worker_log

STALE_SECONDS = 4
ROWS = 20_000


def _big_file() -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("KPPS")
    sheet.append(CITY_HEADER)
    for i in range(ROWS):
        born = date(1960, 1, 1) + timedelta(days=(i * 37) % (40 * 365))
        sheet.append([make_nik("737101", born, Sex.MALE, 1 + i % 9999), f"Anggota {i}",
                      born.strftime("%d/%m/%Y"), "L", LETTE, 1 + i % 20, 1, "KPPS"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def killable(migrated_postgresql, redis_url, tmp_path):  # noqa: F811 - the fixture imported above
    settings = {
        "REDIS_URL": redis_url,
        "PRINT_QUEUE_NAME": "instimport-crash",
        "PRINT_OUTPUT_DIR": str(tmp_path / "prints"),
        "PRINT_JOB_STALE_SECONDS": STALE_SECONDS,
    }
    app = create_app(make_config(migrated_postgresql, **settings))
    with app.app_context():
        seed_reference()
        make_user("staff1", Role.STAFF)
    client = app.test_client()
    AuthActions(client).login("staff1")
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "PDF_PRELOAD": "0",
           **{key: str(value) for key, value in settings.items()}}
    yield app, client, env
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


def _status(app, import_id: int) -> ImportStatus:
    with app.app_context():
        status = db.session.scalar(db.select(InstitutionalImport.status).filter_by(id=import_id))
        db.session.remove()
        return status


def _writing(app, import_id: int, env) -> bool:
    assert _status(app, import_id) not in (ImportStatus.FAILED, ImportStatus.DONE), _worker_log(env)
    with app.app_context():
        progress = cache.get(f"instimport:progress:{import_id}")
    return bool(progress and progress["phase"] == "write" and 0 < progress["done"] < progress["total"])


@needs_postgresql
def test_an_import_whose_worker_is_killed_while_writing_adds_nothing(killable):
    app, client, env = killable
    import_id = import_id_of(upload(client, data=_big_file()))
    worker = _worker(env)
    try:
        wait_until(lambda: _status(app, import_id) == ImportStatus.READY, 180, "the preview")
        assert confirm(client, import_id).status_code == 302
        wait_until(lambda: _writing(app, import_id, env), 180, "the job to write its first entries")
        for pid in [*_children(worker.pid), worker.pid]:  # the worker and its work horse, as the OOM killer would
            os.kill(pid, signal.SIGKILL)
    finally:
        worker.kill()
        worker.wait()

    assert _status(app, import_id) == ImportStatus.IMPORTING
    with app.app_context():
        for model in (ListEntry, MemberList, UnplacedEntry):
            assert db.session.scalar(db.select(db.func.count()).select_from(model)) == 0, model
    time.sleep(STALE_SECONDS + 1)
    page = client.get(f"{PAGE}{import_id}").get_data(as_text=True)
    assert "berhenti tanpa kabar" in page and 'hx-trigger="every 1s"' not in page
    url = f"{PAGE}{import_id}"
    assert client.post(f"{url}/batal", data={"csrf_token": csrf_token(client, url)}).status_code == 302
    assert _status(app, import_id) == ImportStatus.CANCELLED
