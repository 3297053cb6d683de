"""Health check and request logs without personal data."""

import json
import logging

from portal.request_log import JsonFormatter
from tests.conftest import csrf_token


def test_healthz_reports_database_and_redis(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "not configured"}


def test_healthz_checks_a_real_redis_when_configured(app_factory, redis_url):
    app = app_factory(REDIS_URL=redis_url)
    assert app.test_client().get("/healthz").json["redis"] == "ok"


def test_healthz_answers_503_when_redis_is_unreachable(app_factory):
    app = app_factory(REDIS_URL="redis://127.0.0.1:1/0")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["redis"] == "unreachable"


def test_request_log_names_the_route_pattern_never_the_values(client, caplog):
    token = csrf_token(client, "/masuk")
    with caplog.at_level(logging.INFO, logger="portal.request"):
        client.post("/masuk?next=/x", data={"username": "7371011302850003", "password": "Siti Aminah 1985", "csrf_token": token})
        client.get("/daftar/12345")
    lines = [JsonFormatter().format(r) for r in caplog.records if r.name == "portal.request"]
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["method"] == "POST" and first["endpoint"] == "/masuk" and first["status"] == 200
    assert json.loads(lines[1])["endpoint"] == "/daftar/<int:list_id>"
    text = "\n".join(lines) + caplog.text
    assert "7371011302850003" not in text and "Siti" not in text and "12345" not in text


def test_behind_a_trusted_proxy_limits_count_the_real_client_address(app_factory):
    app = app_factory(TRUSTED_PROXIES=1)
    client = app.test_client()
    from flask import request

    @app.get("/_address")
    def address():
        return request.remote_addr

    assert client.get("/_address", headers={"X-Forwarded-For": "203.0.113.7"}).get_data(as_text=True) == "203.0.113.7"
    untrusted = app_factory().test_client()
    untrusted.application.add_url_rule("/_address", view_func=address)
    assert untrusted.get("/_address", headers={"X-Forwarded-For": "203.0.113.7"}).get_data(as_text=True) == "127.0.0.1"
