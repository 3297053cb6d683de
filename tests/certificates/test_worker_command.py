"""`flask worker` runs one job after another, each in a work horse forked for it: a horse must
not reuse the database connections it inherited, or the next horse shares the server session
the last one left behind (psycopg's prepared statements there failed the later job with
DuplicatePreparedStatement).

A real `flask worker --burst` on PostgreSQL and the test's own Redis, as in production."""

from __future__ import annotations

import io
import os
from datetime import date, timedelta

from openpyxl import Workbook

from portal import clock, create_app
from portal.admin.services import copy_year
from portal.extensions import db
from portal.models import (
    ImportStatus,
    InstitutionalImport,
    ProgrammeYear,
    RenewalRun,
    RenewalRunStatus,
    Reverification,
    ReverificationAnswer,
    Role,
    Sex,
)
from portal.nik import make_nik
from portal.seed.reference import seed_reference
from tests.conftest import AuthActions, csrf_token, make_config
from tests.factories import LETTE, make_member, make_user
from tests.institutional.helpers import CITY_HEADER, import_id_of, upload
from tests.ops.servers import needs_postgresql
from tests.ops.test_database_outage import migrated_postgresql  # noqa: F401 - a fixture
from tests.ops.test_worker_crash import _worker, _worker_log

YEAR = clock.today().year
# Six registry checks of 2,000 rows each: psycopg prepares a statement run five times.
IMPORT_ROWS = 12_000
MEMBERS = 5


def _city_file(first_serial: int) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("KPPS")
    sheet.append(CITY_HEADER)
    for i in range(IMPORT_ROWS):
        born = date(1960, 1, 1) + timedelta(days=(i * 37) % (40 * 365))
        sheet.append([make_nik("737101", born, Sex.MALE, first_serial + i % 4000), f"Anggota {i}",
                      born.strftime("%d/%m/%Y"), "L", LETTE, 1 + i % 20, 1, "KPPS"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@needs_postgresql
def test_the_worker_runs_an_import_preview_a_renewal_dry_run_and_another_preview_and_all_succeed(
    migrated_postgresql, redis_url, tmp_path  # noqa: F811 - the fixture imported above
):
    settings = {"REDIS_URL": redis_url, "PRINT_QUEUE_NAME": "jobs-in-a-row", "PRINT_OUTPUT_DIR": str(tmp_path / "prints")}
    app = create_app(make_config(migrated_postgresql, **settings))
    with app.app_context():
        seed_reference()
        make_user("staff1", Role.STAFF)
        copy_year(db.session.get(ProgrammeYear, YEAR), YEAR + 1, None)
        for index in range(MEMBERS):
            _, membership = make_member(f"Peserta Nomor {index}", year=YEAR)
            db.session.add(Reverification(membership_id=membership.id, answer=ReverificationAnswer.CONFIRMED))
        db.session.commit()
    client = app.test_client()
    AuthActions(client).login("staff1")
    first = import_id_of(upload(client, data=_city_file(1)))
    response = client.post("/perpanjangan", data={"from_year": str(YEAR), "preview": "1", "csrf_token": csrf_token(client, "/perpanjangan")})
    assert response.status_code == 302
    second = import_id_of(upload(client, data=_city_file(5001), filename="kpu-2.xlsx"))
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "PDF_PRELOAD": "0",
           **{key: str(value) for key, value in settings.items()}}

    worker = _worker(env, "--burst")  # runs the three queued jobs, one work horse each, then stops
    try:
        assert worker.wait(timeout=300) == 0, _worker_log(env)
    finally:
        worker.kill()

    with app.app_context():
        for import_id in (first, second):
            record = db.session.get(InstitutionalImport, import_id)
            assert record.status == ImportStatus.READY, (record.error, _worker_log(env))
            assert record.rows_read == IMPORT_ROWS
        run = db.session.scalar(db.select(RenewalRun))
        assert run.status == RenewalRunStatus.DONE and run.summary["members"] == MEMBERS, (run.error, _worker_log(env))
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
