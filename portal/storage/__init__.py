"""Stored files: batch PDFs and uploads waiting for their column mapping, behind one interface.

Two backends, chosen by STORAGE_BACKEND:
- "database": files live in the database (stored_file, content in stored_file_chunk rows of
  STORAGE_CHUNK_BYTES), so a PDF the print worker wrote on one machine downloads from any
  web server, with no shared disk; writes join the caller's transaction (the caller
  commits, as with any other row), and downloads stream one chunk at a time.
- "local": files live under STORAGE_DIR on this machine (the embedded SQLite setup); a
  write is visible at once.

Keys are "<kind>/<random name>[.ext]": random, so never personal data, and checked here so
no key can leave STORAGE_DIR. Access control stays with the views that serve a file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

from flask import Response, current_app, send_file
from sqlalchemy import delete as sql_delete
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from portal.extensions import db
from portal.models.storage import StoredFile, StoredFileChunk

KEY_PATTERN = re.compile(r"[a-z]+/[A-Za-z0-9_-]{1,100}(\.[a-z0-9]{1,10})?")
READ_BYTES = 1024 * 1024  # how much of a local file one read or one yielded piece holds


class StorageError(RuntimeError):
    """A stored file could not be written or read whole."""


@dataclass(frozen=True)
class StoredFileInfo:
    key: str
    size: int
    created_at: datetime


def check_key(key: str) -> str:
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise ValueError("A storage key is '<kind>/<random name>[.ext]'.")
    return key


def put(key: str, source: bytes | BinaryIO) -> None:
    """Store `source` (bytes, or a binary file read piece by piece) under `key`, replacing it."""
    _backend().put(check_key(key), source)


def get(key: str) -> bytes | None:
    """The whole content (for small files such as held uploads), None if there is none."""
    return _backend().get(check_key(key))


def stream(key: str) -> Iterator[bytes] | None:
    """The committed content piece by piece (one chunk in memory at a time), None if there is none."""
    return _backend().stream(check_key(key))


def exists(key: str) -> bool:
    return _backend().info(check_key(key)) is not None


def info(key: str) -> StoredFileInfo | None:
    return _backend().info(check_key(key))


def delete(key: str) -> None:
    """Delete the file if it is there."""
    _backend().delete(check_key(key))


def listing(prefix: str) -> list[StoredFileInfo]:
    """The files whose key starts with `prefix` (for example "uploads/"), oldest first."""
    return sorted(_backend().listing(prefix), key=lambda found: (found.created_at, found.key))


def purge(prefix: str, older_than: datetime) -> int:
    """Delete the files under `prefix` stored before `older_than`; how many were deleted."""
    stale = [found.key for found in listing(prefix) if found.created_at < older_than]
    backend = _backend()
    for key in stale:
        backend.delete(key)
    return len(stale)


def download(key: str, *, mimetype: str, download_name: str, as_attachment: bool = False) -> Response | None:
    """A response that sends the file, streamed; None if there is none."""
    disposition = "attachment" if as_attachment else "inline"
    return _backend().download(check_key(key), mimetype, download_name, disposition)


def _backend() -> DatabaseBackend | LocalBackend:
    config = current_app.config
    if config["STORAGE_BACKEND"] == "database":
        return DatabaseBackend(config["STORAGE_CHUNK_BYTES"])
    return LocalBackend(Path(config["STORAGE_DIR"]))


def _pieces(source: bytes | BinaryIO, size: int) -> Iterator[bytes]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        yield from (data[start:start + size] for start in range(0, len(data), size))
        return
    while piece := source.read(size):
        yield piece


class DatabaseBackend:
    """Files in stored_file and stored_file_chunk, written in the caller's transaction."""

    def __init__(self, chunk_bytes: int) -> None:
        self.chunk_bytes = max(chunk_bytes, 1)

    def put(self, key: str, source: bytes | BinaryIO) -> None:
        self.delete(key)
        stored = StoredFile(key=key, size=0)
        db.session.add(stored)
        db.session.flush()
        size = 0
        # One INSERT per chunk, not ORM objects: a 50 MB PDF never sits in the session.
        for seq, piece in enumerate(_pieces(source, self.chunk_bytes)):
            db.session.execute(insert(StoredFileChunk), {"file_id": stored.id, "seq": seq, "data": piece})
            size += len(piece)
        stored.size = size
        db.session.flush()

    def get(self, key: str) -> bytes | None:
        file_id = db.session.scalar(select(StoredFile.id).where(StoredFile.key == key))
        if file_id is None:
            return None
        pieces = db.session.scalars(
            select(StoredFileChunk.data).where(StoredFileChunk.file_id == file_id).order_by(StoredFileChunk.seq)
        )
        return b"".join(pieces)

    def stream(self, key: str) -> Iterator[bytes] | None:
        found = self._committed(key)
        return None if found is None else self._chunks(db.engine, *found)

    def info(self, key: str) -> StoredFileInfo | None:
        row = db.session.execute(
            select(StoredFile.key, StoredFile.size, StoredFile.created_at).where(StoredFile.key == key)
        ).first()
        return None if row is None else _info(*row)

    def delete(self, key: str) -> None:
        file_ids = select(StoredFile.id).where(StoredFile.key == key).scalar_subquery()
        db.session.execute(sql_delete(StoredFileChunk).where(StoredFileChunk.file_id == file_ids))
        db.session.execute(sql_delete(StoredFile).where(StoredFile.key == key))

    def listing(self, prefix: str) -> list[StoredFileInfo]:
        rows = db.session.execute(
            select(StoredFile.key, StoredFile.size, StoredFile.created_at).where(
                StoredFile.key.startswith(prefix, autoescape=True)
            )
        )
        return [_info(*row) for row in rows]

    def download(self, key: str, mimetype: str, download_name: str, disposition: str) -> Response | None:
        found = self._committed(key)
        if found is None:
            return None
        file_id, size, seqs = found
        response = Response(self._chunks(db.engine, file_id, size, seqs), mimetype=mimetype)
        # The length tells the browser when a download was cut short.
        response.headers["Content-Length"] = str(size)
        response.headers.set("Content-Disposition", disposition, filename=download_name)
        return response

    def _committed(self, key: str) -> tuple[int, int, list[int]] | None:
        """The file's id, size and chunk numbers, as committed (what a stream can read)."""
        with db.engine.connect() as connection:
            row = connection.execute(select(StoredFile.id, StoredFile.size).where(StoredFile.key == key)).first()
            if row is None:
                return None
            seqs = connection.scalars(
                select(StoredFileChunk.seq).where(StoredFileChunk.file_id == row.id).order_by(StoredFileChunk.seq)
            ).all()
        return row.id, row.size, list(seqs)

    @staticmethod
    def _chunks(engine: Engine, file_id: int, size: int, seqs: list[int]) -> Iterator[bytes]:
        # A connection per chunk: a slow download never holds one of the pool's connections
        # while the client reads, and the generator needs no app context after the view.
        sent = 0
        for seq in seqs:
            with engine.connect() as connection:
                piece = connection.scalar(
                    select(StoredFileChunk.data).where(StoredFileChunk.file_id == file_id, StoredFileChunk.seq == seq)
                )
            if piece is None:  # deleted while being sent
                raise StorageError(f"stored file {file_id} was deleted while being read")
            sent += len(piece)
            yield piece
        if sent != size:
            raise StorageError(f"stored file {file_id} is incomplete")


class LocalBackend:
    """Files under one folder of this machine; written to a temporary name, then renamed."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / key

    def put(self, key: str, source: bytes | BinaryIO) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.part")
        try:
            with partial.open("wb") as target:
                for piece in _pieces(source, READ_BYTES):
                    target.write(piece)
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        return path.read_bytes() if path.is_file() else None

    def stream(self, key: str) -> Iterator[bytes] | None:
        path = self._path(key)
        return self._read(path) if path.is_file() else None

    @staticmethod
    def _read(path: Path) -> Iterator[bytes]:
        with path.open("rb") as source:
            while piece := source.read(READ_BYTES):
                yield piece

    def info(self, key: str) -> StoredFileInfo | None:
        path = self._path(key)
        return self._info(key, path) if path.is_file() else None

    @staticmethod
    def _info(key: str, path: Path) -> StoredFileInfo:
        status = path.stat()
        return StoredFileInfo(key, status.st_size, datetime.fromtimestamp(status.st_mtime, timezone.utc))

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def listing(self, prefix: str) -> list[StoredFileInfo]:
        folder, _, start = prefix.rpartition("/")
        base = self.root / folder if folder else self.root
        if not base.is_dir():
            return []
        found = []
        for path in base.iterdir():
            key = f"{folder}/{path.name}" if folder else path.name
            if path.is_file() and path.name.startswith(start) and KEY_PATTERN.fullmatch(key):
                found.append(self._info(key, path))
        return found

    def download(self, key: str, mimetype: str, download_name: str, disposition: str) -> Response | None:
        path = self._path(key)
        if not path.is_file():
            return None
        return send_file(path, mimetype=mimetype, as_attachment=disposition == "attachment", download_name=download_name)


def _info(key: str, size: int, created_at: datetime) -> StoredFileInfo:
    if created_at.tzinfo is None:  # SQLite hands back naive UTC
        created_at = created_at.replace(tzinfo=timezone.utc)
    return StoredFileInfo(key, size, created_at)

