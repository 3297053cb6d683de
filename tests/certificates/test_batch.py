"""Batch printing end to end: the form, the background job and its progress, the PDF, retries, RQ."""

from __future__ import annotations

import os
import re
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from redis import Redis

from portal import storage
from portal.certificates import jobs
from portal.extensions import db
from portal.models import AuditEvent, PrintJob, PrintJobStatus, PrintRecord
from portal.seed.reference import seed_reference
from tests.certificates.pdfs import MM, all_text, decode_qr_codes, page_size_mm, post, read_pdf
from tests.factories import LETTE, PABAENG, make_member, make_user

PROGRESS = re.compile(r'<progress max="(\d+)" value="(\d+)"')


def _start_batch(client, **choices) -> int:
    data = {"document": "card", "kelurahan_code": LETTE, "rw": "", "category_code": "", **choices}
    response = post(client, "/cetak/batch", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _watch_progress(client, job_id: int, timeout: float = 90) -> list[tuple[int, int, str]]:
    """Poll the progress fragment as htmx does until the job ends; every state seen."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fragment = client.get(f"/cetak/batch/{job_id}", headers={"HX-Request": "true"}).get_data(as_text=True)
        total, done = map(int, PROGRESS.search(fragment).groups())
        seen.append((total, done, fragment))
        if 'hx-trigger="every 1s"' not in fragment:
            return seen
        time.sleep(0.1)
    raise AssertionError(f"print job {job_id} did not finish in {timeout} s")


def _download(client, job_id: int) -> bytes:
    response = client.get(f"/cetak/batch/{job_id}/unduh")
    assert response.status_code == 200
    data = response.data
    response.close()  # send_file streams from an open file
    return data


def _members(count: int, **fields) -> list:
    return [make_member(f"Peserta Nomor {i:02d}", **fields)[1] for i in range(count)]


@pytest.fixture
def pooled_app(app_factory, print_config):
    """Rendering in two spawned processes, in small chunks, as in production."""
    app = app_factory(**{**print_config, "PRINT_RENDER_PROCESSES": 2, "PRINT_CHUNK_SIZE": 10})
    with app.app_context():
        seed_reference()
        make_user("petugas")
        db.session.commit()
    return app


def test_batch_of_cards_runs_in_the_background_with_progress_and_gives_one_duplex_pdf(pooled_app, tmp_path, monkeypatch):
    # Scratch chunks go to a folder of this test's own: other workers print a job 1 too.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    # What a worker killed mid-batch (kill -9) left behind an hour ago: its chunks hold names.
    abandoned = tmp_path / "print-job-99-abandoned"
    abandoned.mkdir()
    (abandoned / "00000.pdf").write_bytes(b"%PDF-")
    os.utime(abandoned, (time.time() - 3600, time.time() - 3600))
    client = pooled_app.test_client()
    with pooled_app.app_context():
        numbers = [m.number for m in _members(13)]
        make_member("Orang Lain", kelurahan_code=PABAENG)
    from tests.conftest import AuthActions

    AuthActions(client).login("petugas")

    job_id = _start_batch(client)
    page = client.get(f"/cetak/batch/{job_id}").get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in page and "<progress" in page
    seen = _watch_progress(client, job_id)

    total, done, final = seen[-1]
    assert (total, done) == (13, 13)
    dones = [d for t, d, _ in seen if t == 13]
    assert dones == sorted(dones)  # progress only moves forward
    assert "Unduh PDF" in final
    pdf = _download(client, job_id)
    reader = read_pdf(pdf)
    # 13 cards: two sheets, each front followed by its back.
    assert [page_size_mm(p) for p in reader.pages] == [(210.0, 297.0)] * 4
    text = all_text(reader)
    assert all(number in text for number in numbers)
    assert "Orang Lain" not in text
    front, back = reader.pages[0].extract_text(), reader.pages[1].extract_text()
    assert numbers[0] in front and "depan" in front
    assert "belakang" in back and "kecelakaan kerja" in back
    assert _positions(reader.pages[0], numbers[0])[0][0] < 105 * MM  # first card: left column
    # The second sheet holds 3 cards; on its back they sit mirrored for long-edge duplex.
    backs = sorted(_positions(reader.pages[3], "Kartu ini bukti"), key=lambda xy: -xy[1])
    assert len(backs) == 3, backs
    (x1, y1), (x2, y2), (x3, y3) = backs
    assert y1 == y2 > y3 and x3 > 105 * MM
    assert len(decode_qr_codes(pdf, 0, dpi=200)) == 10
    with pooled_app.app_context():
        job = db.session.get(PrintJob, job_id)
        assert job.status == PrintJobStatus.DONE
        assert db.session.scalar(db.select(db.func.count()).select_from(PrintRecord).where(PrintRecord.job_id == job_id)) == 13
        assert db.session.scalar(
            db.select(db.func.count()).select_from(AuditEvent).where(AuditEvent.action == "print")
        ) == 13
        assert not list(Path(tempfile.gettempdir()).glob(f"print-job-{job_id}-*"))  # scratch chunks removed
        assert not abandoned.exists()  # and what a killed worker left

    # The same page after a reload still offers the file; "never printed" now finds nobody.
    assert "Unduh PDF" in client.get(f"/cetak/batch/{job_id}").get_data(as_text=True)
    response = post(client, "/cetak/batch", {"document": "card", "kelurahan_code": LETTE, "never_printed": "y"})
    assert response.status_code == 200
    assert "Tidak ada kepesertaan aktif" in response.get_data(as_text=True)


def _positions(page, needle: str) -> list[tuple[float, float]]:
    """Where on the page (points from the bottom left) each text run holding `needle` starts."""
    found = []

    def visitor(text, cm, tm, font, size):
        if needle in text:
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append((round(x, 1), round(y, 1)))

    page.extract_text(visitor_text=visitor)
    assert found, needle
    return found


def test_batch_filters_by_rw_and_category_and_prints_certificates(app, staff):
    with app.app_context():
        wanted = _members(2, rw=3, category_code="kader")
        _members(1, rw=4, category_code="kader")
        make_member("Lain Kategori", rw=3, category_code="ketua_rt_rw")
        wanted_numbers = [m.number for m in wanted]

    job_id = _start_batch(staff, document="certificate", rw="3", category_code="kader")
    _watch_progress(staff, job_id)

    reader = read_pdf(_download(staff, job_id))
    assert [page_size_mm(p) for p in reader.pages] == [(210.0, 297.0)] * 2
    text = all_text(reader)
    assert all(number in text for number in wanted_numbers)
    assert "Lain Kategori" not in text


def test_batch_form_without_kelurahan_is_refused_and_starts_nothing(app, staff):
    response = post(staff, "/cetak/batch", {"document": "card", "kelurahan_code": ""})

    assert response.status_code == 200
    assert "Pilih kelurahan." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(PrintJob)) == 0


def test_a_failed_job_is_shown_and_runs_again_on_retry(app, staff):
    with app.app_context():
        _members(3)
    app.config["STORAGE_BACKEND"] = "local"  # a folder can be blocked, the database cannot
    blocker = Path(app.config["STORAGE_DIR"]) / "prints"
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("a file where the output folder should be")

    job_id = _start_batch(staff)
    failed = _watch_progress(staff, job_id)[-1][2]

    assert "Gagal" in failed and "Coba lagi" in failed
    assert "Unduh PDF" not in failed
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(PrintRecord)) == 0

    blocker.unlink()
    response = post(staff, f"/cetak/batch/{job_id}/ulang")
    assert response.status_code == 302
    final = _watch_progress(staff, job_id)[-1]
    assert final[:2] == (3, 3) and "Unduh PDF" in final[2]
    assert len(read_pdf(_download(staff, job_id)).pages) == 2


def test_an_abandoned_job_can_be_retried(app, staff):
    with app.app_context():
        _members(1)
        job = PrintJob(document="card", kelurahan_code=LETTE, total=1, status=PrintJobStatus.RUNNING)
        db.session.add(job)
        db.session.commit()
        db.session.execute(db.update(PrintJob).values(updated_at=db.func.datetime("now", "-1 hour")) if db.engine.dialect.name == "sqlite" else db.update(PrintJob).values(updated_at=db.text("now() - interval '1 hour'")))
        db.session.commit()
        job_id = job.id

    page = staff.get(f"/cetak/batch/{job_id}").get_data(as_text=True)
    assert "Coba lagi" in page and 'hx-trigger="every 1s"' not in page

    post(staff, f"/cetak/batch/{job_id}/ulang")
    assert _watch_progress(staff, job_id)[-1][:2] == (1, 1)


def test_with_redis_the_job_is_queued_on_rq_and_an_rq_worker_runs_it(app_factory, print_config, auth, redis_url):
    from rq import Queue, SimpleWorker

    connection = Redis.from_url(redis_url)
    queue_name = f"printing-test-{uuid.uuid4().hex}"
    app = app_factory(**print_config, REDIS_URL=redis_url, PRINT_QUEUE_NAME=queue_name)
    client = app.test_client()
    with app.app_context():
        seed_reference()
        make_user("petugas")
        numbers = [m.number for m in _members(2)]
    auth.client = client
    auth.login("petugas")

    try:
        job_id = _start_batch(client)
        queue = Queue(queue_name, connection=connection)
        assert len(queue) == 1
        queued = client.get(f"/cetak/batch/{job_id}", headers={"HX-Request": "true"}).get_data(as_text=True)
        assert "Menunggu" in queued and 'hx-trigger="every 1s"' in queued

        with app.app_context():
            SimpleWorker([queue], connection=connection).work(burst=True)

        total, done, final = _watch_progress(client, job_id, timeout=5)[-1]
        assert (total, done) == (2, 2) and "Unduh PDF" in final
        text = all_text(read_pdf(_download(client, job_id)))
        assert all(number in text for number in numbers)
    finally:
        Queue(queue_name, connection=connection).delete(delete_jobs=True)
        connection.close()


def test_worker_command_needs_redis(runner):
    result = runner.invoke(args=["worker", "--burst"])

    assert result.exit_code != 0
    assert "REDIS_URL" in result.output


def test_finished_batch_pdfs_are_deleted_after_the_retention_period(app, staff):
    with app.app_context():
        _members(1)
    first = _start_batch(staff)
    _watch_progress(staff, first)
    with app.app_context():
        job = db.session.get(PrintJob, first)
        key = jobs.output_key(job)
        assert storage.exists(key)
        job.finished_at = job.finished_at - timedelta(days=app.config["PRINT_FILE_RETENTION_DAYS"] + 1)
        db.session.commit()

    _watch_progress(staff, _start_batch(staff))  # any job run cleans up

    with app.app_context():
        assert not storage.exists(key)
    assert staff.get(f"/cetak/batch/{first}/unduh").status_code == 404
    assert "sudah dihapus" in staff.get(f"/cetak/batch/{first}").get_data(as_text=True)
