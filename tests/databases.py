"""Test databases: a SQLite file always, and PostgreSQL when TEST_DATABASE_URL is set.

Each pytest-xdist worker gets databases of its own, named after the worker.
"""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from portal.config import database_url


def backends() -> list[str]:
    names = ["sqlite"]
    if os.environ.get("TEST_DATABASE_URL"):
        names.append("postgresql")
    return names


def create_postgres_database(name: str) -> str:
    """(Re)create an empty PostgreSQL database beside TEST_DATABASE_URL's; return its URL."""
    base = make_url(database_url(os.environ["TEST_DATABASE_URL"]))
    admin = base.set(drivername="postgresql", database="postgres")
    conninfo = admin.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
        # A test database need not survive a crash of the server: commits do not wait for
        # the WAL to reach the disk (~2.5 ms each here, ~0.6 ms without the wait).
        connection.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    return base.set(database=name).render_as_string(hide_password=False)


# Databases a test is done with, dropped when the test worker's session ends.
_to_drop: list[str] = []


def drop_postgres_database(name: str) -> None:
    """Drop the database when this test worker's session ends (drop_finished_databases).

    PostgreSQL 15 makes every DROP DATABASE wait for a checkpoint of the whole server: a
    test dropping its database waited 10 to 135 s for it while the other tests wrote. At
    the end of the session the first drop pays the checkpoint and the others find little
    left to write; a leftover database (a killed run) is dropped by the next CREATE of
    its name, and .ci/run drops every database of its run.
    """
    if name not in _to_drop:
        _to_drop.append(name)


def drop_finished_databases() -> None:
    if not _to_drop:
        return
    base = make_url(database_url(os.environ["TEST_DATABASE_URL"]))
    conninfo = base.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        while _to_drop:
            connection.execute(f'DROP DATABASE IF EXISTS "{_to_drop.pop()}" WITH (FORCE)')


def new_database(backend: str, name: str, folder: Path) -> str:
    """An empty database of the given backend, as a SQLAlchemy URL."""
    if backend == "sqlite":
        path = folder / f"{name}.sqlite"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    base_name = make_url(database_url(os.environ["TEST_DATABASE_URL"])).database
    return create_postgres_database(f"{base_name}_{name}")
