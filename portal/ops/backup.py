"""Backup and restore of the portal's database (pg_dump/pg_restore, or SQLite's backup API).

With STORAGE_BACKEND=database (the default on PostgreSQL) the stored files, batch PDFs and
uploads waiting for their column mapping, are rows of stored_file(_chunk) and so are in the
dump; with the local backend they stay in STORAGE_DIR, outside it. Both kinds are short-lived
(PRINT_FILE_RETENTION_DAYS, two hours), so a restore that lacks them loses nothing lasting.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
# The PostgreSQL client tools run with fixed arguments; connection settings go in the environment.
import subprocess  # nosec B404
from pathlib import Path

from sqlalchemy.engine import URL, make_url


class BackupError(RuntimeError):
    pass


def _pg_environment(url: URL) -> dict[str, str]:
    """libpq settings from the URL, passed in the environment (never argv: `ps` shows argv)."""
    env = dict(os.environ)
    for name, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value is not None:
            env[name] = str(value)
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (Debian: apt-get install postgresql-client)")
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # nosec B603
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-500:]}")


def create_backup(database_url: str, target: Path) -> Path:
    """Write a consistent backup of the database to `target`."""
    url = make_url(database_url)
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target)], _pg_environment(url))
    elif url.get_backend_name() == "sqlite":
        with sqlite3.connect(url.database) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
    else:
        raise BackupError(f"No backup method for {url.get_backend_name()}")
    return target


def restore_backup(database_url: str, source: Path) -> None:
    """Replace the database's contents with the backup in `source`."""
    if not source.is_file():
        raise BackupError(f"{source} does not exist")
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        _run(
            ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
             "--exit-on-error", "--dbname", url.database, str(source)],
            _pg_environment(url),
        )
    elif url.get_backend_name() == "sqlite":
        with sqlite3.connect(source) as backup, sqlite3.connect(url.database) as live:
            backup.backup(live)
    else:
        raise BackupError(f"No restore method for {url.get_backend_name()}")
