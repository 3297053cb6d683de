"""The storage module on both backends: put, get, stream, delete, purge by age, chunking."""

from __future__ import annotations

import io
import secrets
from datetime import timedelta

import pytest

from portal import create_app, storage
from portal.extensions import db
from portal.models import StoredFile, StoredFileChunk
from portal.models.base import utcnow
from tests.conftest import make_config
from tests.storage.files import age_stored_file

SMALL_CHUNK = 1000


@pytest.fixture(params=["database", "local"])
def stored(request, app_factory, tmp_path):
    """An app context whose storage uses one backend, with chunks small enough to count."""
    app = app_factory(STORAGE_BACKEND=request.param, STORAGE_DIR=str(tmp_path / "files"), STORAGE_CHUNK_BYTES=SMALL_CHUNK)
    with app.app_context():
        yield app


def _chunks_of(key: str) -> list[bytes]:
    file_id = db.session.scalar(db.select(StoredFile.id).where(StoredFile.key == key))
    return list(db.session.scalars(db.select(StoredFileChunk.data).where(StoredFileChunk.file_id == file_id).order_by(StoredFileChunk.seq)))


def test_a_file_of_several_chunks_is_read_back_whole_and_piece_by_piece(stored):
    data = secrets.token_bytes(3 * SMALL_CHUNK + 500)

    storage.put("prints/batch.pdf", io.BytesIO(data))
    db.session.commit()

    assert storage.get("prints/batch.pdf") == data
    pieces = list(storage.stream("prints/batch.pdf"))
    assert b"".join(pieces) == data
    assert storage.exists("prints/batch.pdf") and storage.info("prints/batch.pdf").size == len(data)
    if stored.config["STORAGE_BACKEND"] == "database":
        assert [len(piece) for piece in pieces] == [SMALL_CHUNK] * 3 + [500]
        assert [len(chunk) for chunk in _chunks_of("prints/batch.pdf")] == [SMALL_CHUNK] * 3 + [500]


def test_an_empty_file_is_stored_and_read_back(stored):
    storage.put("uploads/empty.upload", b"")
    db.session.commit()

    assert storage.get("uploads/empty.upload") == b""
    assert list(storage.stream("uploads/empty.upload")) == []


def test_putting_a_key_again_replaces_the_file(stored):
    storage.put("uploads/list.upload", b"first version, longer than the second" * 100)
    storage.put("uploads/list.upload", b"second")
    db.session.commit()

    assert storage.get("uploads/list.upload") == b"second"
    assert [found.key for found in storage.listing("uploads/")] == ["uploads/list.upload"]


def test_a_deleted_file_is_gone_and_deleting_it_again_is_harmless(stored):
    storage.put("prints/gone.pdf", b"%PDF")
    db.session.commit()

    storage.delete("prints/gone.pdf")
    storage.delete("prints/gone.pdf")
    db.session.commit()

    assert not storage.exists("prints/gone.pdf")
    assert storage.get("prints/gone.pdf") is None and storage.stream("prints/gone.pdf") is None
    assert db.session.scalar(db.select(db.func.count()).select_from(StoredFileChunk)) == 0


def test_purge_deletes_only_the_files_of_the_prefix_stored_before_the_cutoff(stored):
    for key in ("uploads/old.upload", "uploads/new.upload", "prints/old.pdf"):
        storage.put(key, key.encode() * 1000)
    db.session.commit()
    age_stored_file("uploads/old.upload", timedelta(hours=3))
    age_stored_file("prints/old.pdf", timedelta(hours=3))

    removed = storage.purge("uploads/", utcnow() - timedelta(hours=2))
    db.session.commit()

    assert removed == 1
    assert [found.key for found in storage.listing("uploads/")] == ["uploads/new.upload"]
    assert storage.exists("prints/old.pdf")  # another prefix: its own retention


@pytest.mark.parametrize("key", ["../portal.db", "prints/../../etc/passwd", "prints/a b.pdf", "/etc/passwd", "prints/", ""])
def test_a_key_that_could_leave_the_storage_folder_or_name_anything_is_refused(stored, key):
    with pytest.raises(ValueError):
        storage.put(key, b"x")


def test_a_database_write_is_undone_with_its_transaction(app_factory):
    app = app_factory(STORAGE_BACKEND="database")
    with app.app_context():
        storage.put("prints/undone.pdf", b"%PDF")
        db.session.rollback()

        assert not storage.exists("prints/undone.pdf")
        assert db.session.scalar(db.select(db.func.count()).select_from(StoredFileChunk)) == 0


def test_a_large_file_is_kept_in_rows_of_a_megabyte_and_sent_as_a_stream(app_factory):
    app = app_factory(STORAGE_BACKEND="database")
    data = secrets.token_bytes(3 * 1024 * 1024 + 17)
    with app.app_context():
        storage.put("prints/large.pdf", io.BytesIO(data))
        db.session.commit()
        assert max(len(chunk) for chunk in _chunks_of("prints/large.pdf")) == 1024 * 1024

    with app.test_request_context():
        response = storage.download("prints/large.pdf", mimetype="application/pdf", download_name="kartu-batch-1.pdf")
    assert response.is_streamed
    assert response.headers["Content-Length"] == str(len(data))
    assert response.headers["Content-Disposition"] == "inline; filename=kartu-batch-1.pdf"
    pieces = list(response.response)  # read after the request ended, as a WSGI server does
    assert len(pieces) == 4 and b"".join(pieces) == data


def test_a_file_deleted_while_it_is_sent_ends_the_stream_with_an_error(app_factory):
    app = app_factory(STORAGE_BACKEND="database", STORAGE_CHUNK_BYTES=SMALL_CHUNK)
    with app.app_context():
        storage.put("prints/cut.pdf", secrets.token_bytes(2 * SMALL_CHUNK))
        db.session.commit()
        pieces = storage.stream("prints/cut.pdf")
        assert len(next(pieces)) == SMALL_CHUNK
        storage.delete("prints/cut.pdf")
        db.session.commit()

        with pytest.raises(storage.StorageError):
            next(pieces)


def test_the_backend_is_the_database_on_postgresql_and_a_folder_on_sqlite(monkeypatch):
    monkeypatch.delenv("STORAGE_BACKEND", raising=False)
    assert create_app(make_config("postgresql+psycopg://portal@db.example/portal")).config["STORAGE_BACKEND"] == "database"
    assert create_app(make_config("sqlite:///portal.db")).config["STORAGE_BACKEND"] == "local"
    monkeypatch.setenv("STORAGE_BACKEND", "database")
    assert create_app(make_config("sqlite:///portal.db")).config["STORAGE_BACKEND"] == "database"


def test_an_unknown_storage_backend_stops_the_app_at_start(monkeypatch):
    monkeypatch.setenv("STORAGE_BACKEND", "s3")
    with pytest.raises(ValueError, match="STORAGE_BACKEND"):
        create_app(make_config("sqlite:///portal.db"))
