"""The database unreachable or restarted: a calm 503 (JSON on the API), never a 500.

The unreachable database is a PostgreSQL URL to a closed port (no server needed) and a
SQLite file that cannot be opened; the restart ends the connections of a running gunicorn
with pg_terminate_backend (needs TEST_DATABASE_URL). Both use the production engine options.
"""

from __future__ import annotations

import logging
import secrets
import socket
from concurrent.futures import ThreadPoolExecutor

import jsonschema_rs
import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.api.openapi import OPENAPI_DOCUMENT
from portal.api.services import KEY_PREFIX
from portal.config import Config
from portal.extensions import db
from tests.conftest import make_config
from tests.databases import drop_postgres_database
from tests.ops.servers import Browser, Gunicorn, needs_postgresql
from tests.redis_server import free_port

NIK, NAME = "7371011302850003", "Siti Aminah"


def unreachable_urls(tmp_path) -> dict[str, str]:
    return {
        "postgresql": f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/portal",
        "sqlite": f"sqlite:///{tmp_path / 'missing-folder' / 'portal.db'}",
    }


@pytest.fixture(params=["postgresql", "sqlite"])
def down_app(request, tmp_path):
    """An app whose database cannot be reached, with the production engine options."""
    app = create_app(
        make_config(unreachable_urls(tmp_path)[request.param], SQLALCHEMY_ENGINE_OPTIONS=Config.SQLALCHEMY_ENGINE_OPTIONS)
    )
    yield app
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


def test_pages_answer_503_in_the_portal_layout_while_the_database_is_unreachable(down_app, caplog):
    client = down_app.test_client()
    with caplog.at_level(logging.INFO):
        status = client.post("/cek-status", data={"nik": NIK, "name": NAME})
        with client.session_transaction() as session:  # a signed-in visitor's cookie
            session["_user_id"] = "a-signed-in-visitors-cookie-secret-0123456"
        signed_in = client.get("/beranda")

    for response in (status, signed_in):
        page = response.get_data(as_text=True)
        assert response.status_code == 503
        assert int(response.headers["Retry-After"]) >= 30  # Flask-Limiter may name a later reset
        assert "Layanan sedang tidak tersedia" in page and 'class="error-page"' in page
        assert "Traceback" not in page and "psycopg" not in page and "sqlite" not in page.lower()
    assert "Siti" not in caplog.text and NIK not in caplog.text
    assert "Database unavailable (OperationalError) on POST /cek-status" in caplog.text


def test_the_api_answers_json_503_with_retry_after_while_the_database_is_unreachable(down_app):
    response = down_app.test_client().post(
        "/api/v1/status", json={"nik": NIK, "name": NAME}, headers={"Authorization": "Bearer " + KEY_PREFIX + "x" * 40}
    )

    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 30
    assert response.json["error"]["code"] == "unavailable"
    assert response.json["error"]["retry_after"] == 30
    # The super-app's developers find this answer in the API's document.
    documented = OPENAPI_DOCUMENT["paths"]["/api/v1/status"]["post"]["responses"]["503"]
    assert documented["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    jsonschema_rs.validate(OPENAPI_DOCUMENT["components"]["schemas"]["Error"], response.json)
    assert "Retry-After" in documented["headers"]


def test_healthz_names_the_database_while_it_is_unreachable(down_app):
    response = down_app.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_a_database_host_that_never_answers_costs_a_request_the_connect_timeout_not_the_worker():
    # A listening socket that accepts connections (the kernel's backlog) and never says a
    # word: what a hung or firewalled PostgreSQL host looks like to libpq.
    with socket.create_server(("127.0.0.1", 0), backlog=16) as silent:
        port = silent.getsockname()[1]
        app = create_app(
            make_config(
                f"postgresql+psycopg://postgres@127.0.0.1:{port}/portal",
                SQLALCHEMY_ENGINE_OPTIONS=Config.SQLALCHEMY_ENGINE_OPTIONS,
                DATABASE_CONNECT_TIMEOUT_SECONDS=2,
            )
        )
        with ThreadPoolExecutor(1) as pool:
            request = pool.submit(app.test_client().post, "/cek-status", data={"nik": NIK, "name": NAME})
            try:
                # Without the timeout libpq waits for ever (until gunicorn kills the worker).
                response = request.result(timeout=20)
            finally:
                silent.close()  # resets the waiting connection, so a failing run ends too
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose()

    assert response.status_code == 503
    assert "Layanan sedang tidak tersedia" in response.get_data(as_text=True)


@needs_postgresql
def test_after_postgresql_ends_every_connection_the_next_requests_of_gunicorn_succeed(
    tmp_path, migrated_postgresql, redis_url
):
    url = migrated_postgresql
    limits = {"STATUS_LIMIT_PER_NIK": "1000 per hour", "STATUS_LIMIT_PER_ADDRESS": "1000 per hour"}
    server = Gunicorn(tmp_path, {"DATABASE_URL": url, "REDIS_URL": redis_url, **limits}).start()
    try:
        browser = Browser(server.base)
        # Every worker holds pooled connections on both engines (the status check reads on
        # the "reads" engine, the sign-in page's session on the default one).
        for _ in range(12):
            assert browser.request("/cek-status", {"nik": NIK, "name": NAME})[0] == 200
            assert browser.request("/masuk")[0] == 200
        _terminate_connections(url)

        answers = [browser.request("/cek-status", {"nik": NIK, "name": NAME})[0] for _ in range(12)]
        answers += [browser.request("/masuk")[0] for _ in range(12)]
    finally:
        server.stop()
    assert answers == [200] * 24, server.log()[-3000:]
    assert "Siti" not in server.log() and NIK not in server.log()


def _terminate_connections(url: str) -> int:
    """End every server-side connection to the database (what a restart does to them)."""
    name = make_url(url).database
    app = create_app(make_config(url))
    with app.app_context():
        ended = db.session.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )
        db.session.commit()
        for engine in db.engines.values():
            engine.dispose()
    assert ended >= 2, "gunicorn held no connections to end"
    return ended


@pytest.fixture
def migrated_postgresql(migrated_databases, worker_id):
    """A database of this test's own, copied from the session's migrated one (regions loaded)."""
    template = make_url(migrated_databases["postgresql"])
    name = f"{template.database}_faults_{secrets.token_hex(3)}"
    admin = template.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template.database}"')
    yield template.set(database=name).render_as_string(hide_password=False)
    drop_postgres_database(name)
