"""Several machines, one database: what one process stores, another one serves.

Production grows to two web servers and a print worker on different machines; each has its
own working directory and instance folder, and PostgreSQL is the only thing they share. A
machine here is a process (or an app) with a folder of its own.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from portal.extensions import db
from portal.models import ListEntry, PrintJob, PrintJobStatus, Role, StoredFile
from portal.seed.reference import seed_reference
from tests.certificates.pdfs import all_text, post, read_pdf
from tests.conftest import AuthActions, csrf_token
from tests.factories import LETTE, make_list, make_member, make_user
from tests.lists.conftest import ListPages
from tests.lists.spreadsheets import xlsx_bytes

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    """A Redis server of this test's own, on a free port, stopped afterwards."""
    if not os.path.exists(REDIS_SERVER):
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is not installed")
        pytest.skip("redis-server is not installed")
    port = _free_port()
    server = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        connection = Redis.from_url(url)
        for _ in range(100):
            try:
                connection.ping()
                break
            except RedisConnectionError:
                time.sleep(0.05)
        connection.close()
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def _machine(app_factory, folder: Path, **settings):
    """An app with its own instance folder and storage folder, as on another machine."""
    folder.mkdir(parents=True)
    app = app_factory(STORAGE_DIR=str(folder / "storage"), PRINT_RENDER_PROCESSES=0, **settings)
    app.instance_path = str(folder / "instance")
    return app


def _files_in(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL (TEST_DATABASE_URL)")
@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_batch_pdf_rendered_by_the_print_worker_on_another_machine_downloads_from_the_web_server(
    app_factory, migrated_databases, redis_url, tmp_path
):
    queue = f"printing-{uuid.uuid4().hex}"
    web = _machine(app_factory, tmp_path / "web", REDIS_URL=redis_url, PRINT_QUEUE_NAME=queue)
    with web.app_context():
        seed_reference()
        make_user("petugas")
        numbers = [make_member(f"Peserta Nomor {i}")[1].number for i in range(3)]
    client = web.test_client()
    AuthActions(client).login("petugas")
    started = post(client, "/cetak/batch", {"document": "card", "kelurahan_code": LETTE, "rw": "", "category_code": ""})
    job_id = int(started.headers["Location"].rsplit("/", 1)[1])

    # The worker: `flask worker` in a folder of its own, STORAGE_BACKEND left to its default.
    worker_folder = tmp_path / "worker"
    worker_folder.mkdir()
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("STORAGE_", "PRINT_OUTPUT"))
    }
    environment.update(
        PYTHONPATH=str(ROOT),
        DATABASE_URL=migrated_databases["postgresql"],
        REDIS_URL=redis_url,
        PRINT_QUEUE_NAME=queue,
        STORAGE_DIR=str(worker_folder / "storage"),
        PRINT_RENDER_PROCESSES="0",
        PDF_PRELOAD="0",
    )
    finished = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "worker", "--burst"],
        cwd=worker_folder, env=environment, capture_output=True, text=True, timeout=300, check=False,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]

    with web.app_context():
        job = db.session.get(PrintJob, job_id)
        assert job.status == PrintJobStatus.DONE, (job.status, job.error, finished.stderr[-2000:])
        assert db.session.scalar(db.select(StoredFile.size).where(StoredFile.key == f"prints/{job.file_name}")) > 0
    assert _files_in(worker_folder / "storage") == [] and _files_in(tmp_path / "web" / "storage") == []
    assert "Unduh PDF" in client.get(f"/cetak/batch/{job_id}").get_data(as_text=True)
    response = client.get(f"/cetak/batch/{job_id}/unduh")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Length"] == str(len(response.data))
    text = all_text(read_pdf(response.data))
    assert all(number in text for number in numbers)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"] if os.environ.get("TEST_DATABASE_URL") else ["sqlite"])
def test_an_upload_held_for_its_column_mapping_by_one_web_server_is_mapped_on_another(app_factory, backend, tmp_path):
    first = _machine(app_factory, tmp_path / "web1", STORAGE_BACKEND="database")
    second = _machine(app_factory, tmp_path / "web2", STORAGE_BACKEND="database")
    with first.app_context():
        seed_reference()
        head = make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
        list_id = make_list(head, title="Usulan RW 002").id
    one, other = first.test_client(), second.test_client()
    AuthActions(one).login("rtrw1")
    nik = "7371011302850003"
    data = xlsx_bytes([[nik, "Budi Santoso", "13/02/1985"]], header=["Kolom 1", "Kolom 2", "Kolom 3"])

    held = ListPages(one, list_id).upload(data, "usulan.xlsx")
    assert held.status_code == 302 and held.headers["Location"].endswith("/kolom")

    # The load balancer sends the next requests to the other web server, same cookie.
    other.set_cookie("portal_session", one.get_cookie("portal_session").value)
    url = f"/daftar/{list_id}/kolom"
    page = other.get(url).get_data(as_text=True)
    assert "Kolom mana berisi apa?" in page
    mapped = other.post(url, data={"csrf_token": csrf_token(other, url), "nik": 0, "full_name": 1, "birth_date": 2})
    assert mapped.status_code == 302
    with second.app_context():
        [entry] = db.session.scalars(db.select(ListEntry).where(ListEntry.list_id == list_id)).all()
        assert entry.nik == nik
        assert db.session.scalar(db.select(db.func.count()).select_from(StoredFile)) == 0  # the held file is gone
    assert _files_in(tmp_path / "web1") == [] and _files_in(tmp_path / "web2") == []
