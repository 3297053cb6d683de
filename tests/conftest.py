"""Fixtures: an app per test on a real, migrated database (SQLite, and PostgreSQL in CI)."""

from __future__ import annotations

import functools
import re

import pytest
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.schema import sort_tables_and_constraints

from portal import create_app
from portal.config import Config
from portal.extensions import db
from portal.seed.reference import load_categories, load_regions, seed_reference
from tests.databases import backends, drop_finished_databases, new_database
from tests.redis_server import RedisServer
from tests.speedups import install as install_speedups

install_speedups()

PASSWORD = "correct-horse-battery"
# Reference tables survive between tests; everything else is emptied after each test.
KEPT_TABLES = {"kecamatan", "kelurahan", "category"}


def make_config(url: str, **overrides) -> type[Config]:
    attributes = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        "RATELIMIT_STORAGE_URI": "memory://",
        "REDIS_URL": None,
        "BASE_URL": "http://portal.test",
        "AUDIT_SEAL_SECONDS": 0,  # seal after every commit, so tests see the chain at once
        "AUDIT_BATCH_SECONDS": 0,  # and write status checks' access records at once
        "NOTIFY_SEND_AFTER_COMMIT": False,  # tests send the outbox themselves (tests/notifications)
        **overrides,
    }
    return type("TestConfig", (Config,), attributes)


# The tests that take 15 s to 2 minutes each (docs/testing.md): they run first, so the two
# test workers end together instead of one of them finishing such a test alone at the end.
SLOW_FIRST = (
    "tests/test_hostile_input.py::test_a_control_or_bidi_character",
    "tests/ops/test_production_smoke.py",
    "tests/ops/test_database_outage.py::test_after_postgresql",
    "tests/ops/test_worker_crash.py",
    "tests/certificates/test_worker_command.py",
    "tests/ops/test_redis_outage.py::test_with_redis_down",
    "tests/seed/test_demo.py",
    "tests/test_security_headers.py::test_session_cookie",
    "tests/test_migrations.py",
    "tests/storage/test_across_machines.py",
    "tests/test_hostile_input.py::test_a_huge_id",
    "tests/test_area_probing.py",
    "tests/test_audit_batches.py::test_a_process_that_exits",
    "tests/test_config.py::test_make_run",
    "tests/ops/test_rate_limit_storage.py::test_production_gunicorn",
)


def pytest_collection_modifyitems(items):
    def rank(item):
        for position, prefix in enumerate(SLOW_FIRST):
            if item.nodeid.startswith(prefix):
                return position
        return len(SLOW_FIRST)

    items.sort(key=rank)  # stable: everything else keeps its order


def pytest_sessionfinish(session, exitstatus):
    drop_finished_databases()


@pytest.fixture(scope="session")
def migrated_databases(tmp_path_factory, worker_id):
    """One migrated database per backend for this worker, with regions loaded."""
    folder = tmp_path_factory.mktemp("db")
    urls = {}
    for backend in backends():
        url = new_database(backend, f"portal_test_{worker_id}", folder)
        app = create_app(make_config(url))
        with app.app_context():
            upgrade()
            load_regions()
            load_categories()
            db.session.commit()
            for engine in db.engines.values():
                engine.dispose()
        urls[backend] = url
    return urls


@functools.cache
def _cyclic_foreign_keys() -> tuple:
    """The foreign keys that make cycles between tables (SQLAlchemy leaves them unsorted)."""
    return tuple(
        constraint
        for table, constraints in sort_tables_and_constraints(db.metadata.tables.values())
        if table is None
        for constraint in constraints
    )


def _empty_tables() -> None:
    """Delete every row a test left outside the reference tables, and restart the ids.

    Only the tables that hold rows are emptied (a test touches a few of the ~40), with
    DELETE, children first: on PostgreSQL a TRUNCATE of every table took ~0.3 s per test,
    as each truncated table and index gets a new file. Every sequence a test advanced is
    restarted, as TRUNCATE ... RESTART IDENTITY did, so ids start at 1 in every test.
    """
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in KEPT_TABLES]
    probe = " UNION ALL ".join(f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM \"{t.name}\")" for t in tables)
    filled = set(db.session.scalars(text(probe)))
    # Two tables that refer to each other (an account and the batch that created it) cannot
    # be deleted child first: their nullable references are cleared first.
    for constraint in _cyclic_foreign_keys():
        if constraint.table.name in filled:
            columns = {column.name: None for column in constraint.columns if column.nullable}
            if columns:
                db.session.execute(constraint.table.update().values(columns))
    for table in tables:
        if table.name in filled:
            db.session.execute(table.delete())
    if db.engine.dialect.name == "postgresql":
        kept = ", ".join(f"'{name}'" for name in KEPT_TABLES)
        db.session.execute(
            text(
                "SELECT setval(format('%I.%I', s.schemaname, s.sequencename), s.start_value, false) "
                "FROM pg_sequences s WHERE s.schemaname = current_schema() AND s.last_value IS NOT NULL "
                "AND NOT EXISTS (SELECT 1 FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid "
                f"WHERE d.objid = format('%I.%I', s.schemaname, s.sequencename)::regclass AND t.relname IN ({kept}))"
            )
        )
    db.session.commit()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A redis-server of this test worker's own, on a free port, for the whole session."""
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server) -> str:
    """The URL of the session's Redis, emptied before each test."""
    import redis

    connection = redis.Redis.from_url(redis_server.url())
    connection.flushall()
    connection.close()
    return redis_server.url()


@pytest.fixture(params=backends())
def backend(request) -> str:
    return request.param


@pytest.fixture
def app_factory(backend, migrated_databases):
    """Build apps on this test's database; each test leaves the database empty again."""
    created = []

    def factory(**overrides):
        app = create_app(make_config(migrated_databases[backend], **overrides))
        created.append(app)
        return app

    yield factory
    for app in created[:1]:
        with app.app_context():
            db.session.rollback()
            _empty_tables()
    for app in created:
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose()


@pytest.fixture
def app(app_factory):
    app = app_factory()
    with app.app_context():
        seed_reference()
        db.session.commit()
    return app


@pytest.fixture
def db_session(app):
    """The app's database session, inside an application context."""
    with app.app_context():
        yield db.session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF_PATTERN = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def csrf_token(client, path: str = "/") -> str:
    """The CSRF token of the client's session, as a page would give it to a form."""
    page = client.get(path).get_data(as_text=True)
    match = CSRF_PATTERN.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def current_totp(app, username: str) -> str:
    """The code the user's authenticator app shows now.

    Tests sign the same user in several times within one 30-second step; the portal
    refuses a replayed step, so the helper forgets the last step as if time had passed.
    """
    import pyotp

    from portal.models import User

    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(username=username))
        user.totp_last_step = None
        db.session.commit()
        return pyotp.TOTP(user.totp_secret).now()


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, username: str, password: str = PASSWORD):
        """Sign in; for accounts with a second factor, also enter the current code."""
        token = csrf_token(self.client, "/masuk")
        response = self.client.post(
            "/masuk", data={"username": username, "password": password, "csrf_token": token}
        )
        if response.status_code == 302 and response.headers["Location"].startswith("/masuk/kode"):
            code = current_totp(self.client.application, username)
            token = csrf_token(self.client, "/masuk/kode")
            response = self.client.post("/masuk/kode", data={"code": code, "csrf_token": token})
        return response

    def logout(self):
        token = csrf_token(self.client, "/")
        return self.client.post("/keluar", data={"csrf_token": token})


@pytest.fixture
def auth(client):
    return AuthActions(client)
