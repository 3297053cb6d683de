"""Institutional lists through the browser: preview, confirm, background run, all or nothing."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from portal.extensions import db
from portal.models import (
    AuditEvent,
    EntryState,
    ImportStatus,
    ListEntry,
    MemberList,
    Role,
    UnplacedEntry,
    User,
)
from tests.factories import make_user
from tests.institutional.helpers import PAGE, confirm, import_id_of, record, upload, wait_for_worker


def _staff(app, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    auth.login("staff1")


def _counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(
            db.session.scalar(db.select(db.func.count()).select_from(model)) for model in (ListEntry, MemberList, UnplacedEntry)
        )


def test_staff_preview_a_city_wide_file_then_the_job_adds_it_with_the_chosen_category(app, client, auth):
    _staff(app, auth)
    import_id = import_id_of(upload(client))
    wait_for_worker(app)
    page = client.get(f"{PAGE}{import_id}").get_data(as_text=True)
    assert "Siap dikonfirmasi" in page and 'hx-trigger="every 1s"' not in page
    # The validator's findings by code, with the first rows of each, NIKs masked.
    for code in ("nik_scientific_notation", "duplicate_in_file", "address_invalid"):
        assert code in page
    assert "Becce Lagi" in page and "Tambahkan 4 baris" not in page
    assert "Ya, tambahkan 4 baris" in page  # 3 with an area + 1 waiting for one
    preview = record(app, import_id)
    assert (preview.rows_read, preview.accepted, preview.needs_area, preview.rejected) == (7, 3, 1, 3)
    assert _counts(app) == (0, 0, 0)  # a preview adds nothing

    upload_key = preview.file_key
    response = confirm(client, import_id)
    assert response.status_code == 302
    wait_for_worker(app)
    done = client.get(f"{PAGE}{import_id}").get_data(as_text=True)
    assert "3 baris ditambahkan untuk diverifikasi." in done and "1 baris menunggu wilayah." in done
    with app.app_context():
        entries = db.session.scalars(db.select(ListEntry).order_by(ListEntry.row_number)).all()
        assert [e.full_name for e in entries] == ["Andi Baso", "Becce Daeng", "Cici Amir"]
        assert {e.state for e in entries} == {EntryState.PENDING}
        assert {e.category_code for e in entries} == {"penyelenggara_pemilu"}
        assert entries[0].occupation == "KPPS"  # the file's own word is kept as the occupation
        lists = db.session.scalars(db.select(MemberList).order_by(MemberList.rw)).all()
        assert [(m.rw, m.institutional_import_id, m.title) for m in lists] == [
            (2, import_id, "KPU Kota Makassar · kpu.xlsx"), (5, import_id, "KPU Kota Makassar · kpu.xlsx"),
        ]
        waiting = db.session.scalars(db.select(UnplacedEntry)).all()
        assert [w.full_name for w in waiting] == ["Dodi Tanpa Alamat"]
        actions = set(db.session.scalars(db.select(AuditEvent.action)))
        assert {"institutional_import.upload", "institutional_import.preview", "institutional_import.confirm",
                "institutional_import.run", "list.import"} <= actions
        # The uploaded file is gone once imported (it holds personal data).
        from portal import storage

        assert record(app, import_id).file_key is None and not storage.exists(upload_key)
        assert storage.exists(record(app, import_id).rejected_key)


def test_the_rejected_rows_file_names_each_reason_and_runs_no_formula(app, client, auth):
    _staff(app, auth)
    import_id = import_id_of(upload(client))
    wait_for_worker(app)
    response = client.get(f"{PAGE}{import_id}/ditolak.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.data
    response.close()
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert rows[0][0] == "Baris" and rows[0][-1] == "Alasan"
    assert [r[0] for r in rows[1:]] == [6, 7, 8]
    reasons = {r[0]: r[-1] for r in rows[1:]}
    assert "notasi ilmiah" in reasons[6] and "baris 3" in reasons[7] and "tidak dikenal" in reasons[8]
    workbook = load_workbook(io.BytesIO(data))
    cell = workbook.active.cell(row=2, column=3)
    assert cell.data_type != "f" and cell.value == "@SUM(1+1)"  # stored as text, never a formula
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent).filter_by(action="institutional_import.rejected_download")) == 1


def test_a_job_that_fails_midway_adds_nothing_and_says_so(app, client, auth, monkeypatch):
    from portal.institutional import services

    _staff(app, auth)
    monkeypatch.setattr(services, "PROGRESS_EVERY", 1)  # one row per chunk: there is a "midway"
    written = []
    real_write = services.write_entries

    def write_then_fail(rows):
        real_write(rows)
        written.append(len(rows))
        if len(written) == 2:
            raise RuntimeError("disk full")

    monkeypatch.setattr(services, "write_entries", write_then_fail)
    import_id = import_id_of(upload(client))
    wait_for_worker(app)
    confirm(client, import_id)
    wait_for_worker(app)

    assert written == [1, 1]  # two entries were written inside the job's transaction...
    assert _counts(app) == (0, 0, 0)  # ...and rolled back with everything else
    failed = record(app, import_id)
    assert failed.status == ImportStatus.FAILED and failed.error == "RuntimeError"
    page = client.get(f"{PAGE}{import_id}").get_data(as_text=True)
    assert "Tidak ada baris yang ditambahkan" in page and "disk full" not in page
    with app.app_context():
        assert not db.session.scalar(db.select(AuditEvent.id).filter_by(action="list.import"))


def test_an_import_cancelled_while_it_writes_adds_nothing(app, client, auth, monkeypatch):
    import threading

    from portal.institutional import services

    _staff(app, auth)
    monkeypatch.setattr(services, "PROGRESS_EVERY", 1)
    writing, cancel_sent = threading.Event(), threading.Event()
    real_write = services.write_entries

    def write_and_wait(rows):
        real_write(rows)
        writing.set()
        cancel_sent.wait(30)

    monkeypatch.setattr(services, "write_entries", write_and_wait)
    import_id = import_id_of(upload(client))
    wait_for_worker(app)
    confirm(client, import_id)
    assert writing.wait(30)
    running = client.get(f"{PAGE}{import_id}").get_data(as_text=True)
    assert "Sedang diimpor" in running and "Batalkan impor" in running and 'hx-trigger="every 1s"' in running
    from tests.conftest import csrf_token

    url = f"{PAGE}{import_id}"
    assert client.post(f"{url}/batal", data={"csrf_token": csrf_token(client, url)}).status_code == 302
    cancel_sent.set()
    wait_for_worker(app)

    assert record(app, import_id).status == ImportStatus.CANCELLED
    assert _counts(app) == (0, 0, 0)
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).filter_by(action="institutional_import.cancel"))
        staff = db.session.scalar(db.select(User).filter_by(username="staff1"))
        assert event is not None and event.actor_id == staff.id


def test_a_previewed_import_can_be_cancelled_and_then_not_confirmed(app, client, auth):
    _staff(app, auth)
    import_id = import_id_of(upload(client))
    wait_for_worker(app)
    from tests.conftest import csrf_token

    url = f"{PAGE}{import_id}"
    client.post(f"{url}/batal", data={"csrf_token": csrf_token(client, url)})
    assert record(app, import_id).status == ImportStatus.CANCELLED
    assert record(app, import_id).file_key is None
    confirm(client, import_id, expected="4")
    wait_for_worker(app)
    assert _counts(app) == (0, 0, 0)


def test_a_confirmation_for_another_count_adds_nothing(app, client, auth):
    _staff(app, auth)
    import_id = import_id_of(upload(client))
    wait_for_worker(app)
    response = confirm(client, import_id, expected="5")
    assert response.status_code == 302
    assert "berbeda dengan yang dikonfirmasi" in client.get(response.location).get_data(as_text=True)
    assert record(app, import_id).status == ImportStatus.READY


def test_an_unusable_file_fails_its_preview_with_the_readers_reason(app, client, auth):
    _staff(app, auth)
    import_id = import_id_of(upload(client, data=b"NIK;Nama\r\n", filename="kosong.csv"))
    wait_for_worker(app)
    page = client.get(f"{PAGE}{import_id}").get_data(as_text=True)
    assert "Gagal" in page and "Berkas tidak berisi baris data." in page
    assert record(app, import_id).file_key is None


def test_a_file_over_the_row_limit_is_refused_whole(app_factory, auth):
    app = app_factory(INSTITUTIONAL_IMPORT_ROW_LIMIT=5)
    with app.app_context():
        from portal.seed.reference import seed_reference

        seed_reference()
        db.session.commit()
    client = app.test_client()
    auth.client = client
    _staff(app, auth)
    import_id = import_id_of(upload(client))
    wait_for_worker(app)
    assert "lebih dari 5 baris data" in client.get(f"{PAGE}{import_id}").get_data(as_text=True)


def test_the_upload_form_says_what_is_missing(app, client, auth):
    _staff(app, auth)
    from tests.conftest import csrf_token

    response = client.post(PAGE, data={"csrf_token": csrf_token(client, PAGE), "category": "", "source": ""})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Pilih berkas yang akan diunggah." in body and "Isi sumber daftar." in body and 'aria-invalid="true"' in body


def test_with_redis_the_preview_and_the_import_run_on_an_rq_worker(app_factory, auth, redis_url):
    import uuid

    from redis import Redis
    from rq import Queue, SimpleWorker

    from portal.seed.reference import seed_reference

    queue_name = f"instimport-test-{uuid.uuid4().hex}"
    app = app_factory(REDIS_URL=redis_url, PRINT_QUEUE_NAME=queue_name)
    with app.app_context():
        seed_reference()
        db.session.commit()
    client = app.test_client()
    auth.client = client
    _staff(app, auth)
    connection = Redis.from_url(redis_url)
    queue = Queue(queue_name, connection=connection)
    try:
        import_id = import_id_of(upload(client))
        assert len(queue) == 1 and record(app, import_id).status == ImportStatus.PREVIEW_QUEUED
        waiting = client.get(f"{PAGE}{import_id}", headers={"HX-Request": "true"}).get_data(as_text=True)
        assert "<html" not in waiting and "Menunggu giliran" in waiting and 'hx-trigger="every 1s"' in waiting
        with app.app_context():
            SimpleWorker([queue], connection=connection).work(burst=True)
        assert record(app, import_id).status == ImportStatus.READY
        confirm(client, import_id)
        with app.app_context():
            SimpleWorker([queue], connection=connection).work(burst=True)
        assert record(app, import_id).status == ImportStatus.DONE
        assert _counts(app) == (3, 2, 1)
    finally:
        queue.delete(delete_jobs=True)
        connection.close()
