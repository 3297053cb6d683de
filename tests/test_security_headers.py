"""Every security header on every kind of response: public page, signed-in page, error
page, JSON API, PDF download and static file; HSTS in production only."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from portal.extensions import db
from portal.models import Role
from portal.seed.reference import seed_reference
from tests.conftest import CSRF_PATTERN, PASSWORD, AuthActions, csrf_token
from tests.factories import make_member, make_user

PRODUCTION = {"PORTAL_ENV": "production", "SECRET_KEY": "s" * 48}
ROOT = Path(__file__).resolve().parent.parent
KINDS = ("public page", "signed-in page", "error page", "JSON API", "OpenAPI document", "PDF download", "static file")


def _responses(app) -> dict:
    """One response of each kind, from a real request."""
    with app.app_context():
        seed_reference()
        make_user("staff1", Role.STAFF)
        person, _membership = make_member("Siti Aminah")
        nik = person.nik
        db.session.commit()
    client = app.test_client()
    found = {
        "public page": client.get("/cek-status"),
        "error page": client.get("/tidak-ada-halaman-ini"),
        "JSON API": client.post("/api/v1/status", json={"nik": nik, "name": "Siti Aminah"}),
        "OpenAPI document": client.get("/api/v1/openapi.json"),
    }
    found["static file"] = client.get("/static/css/portal.css")
    found["static file"].close()  # served from an open file
    AuthActions(client).login("staff1")
    found["signed-in page"] = client.get("/beranda")
    token = csrf_token(client, "/privasi/laporan")
    found["PDF download"] = client.post("/privasi/laporan", data={"nik": nik, "format": "pdf", "csrf_token": token})
    return found


@pytest.fixture
def production_responses(app_factory):
    return _responses(app_factory(**PRODUCTION))


def test_each_kind_of_response_is_what_the_test_means(production_responses):
    r = production_responses
    assert r["public page"].status_code == 200 and r["public page"].mimetype == "text/html"
    assert r["signed-in page"].status_code == 200 and "staff1" in r["signed-in page"].get_data(as_text=True)
    assert r["error page"].status_code == 404 and r["error page"].mimetype == "text/html"
    assert r["JSON API"].status_code == 401 and r["JSON API"].is_json
    assert r["OpenAPI document"].status_code == 200 and r["OpenAPI document"].is_json
    assert r["PDF download"].status_code == 200 and r["PDF download"].mimetype == "application/pdf"
    assert r["static file"].status_code == 200 and r["static file"].mimetype == "text/css"


@pytest.mark.parametrize("kind", KINDS)
def test_every_security_header_on_each_kind_of_response_in_production(production_responses, kind):
    headers = production_responses[kind].headers
    policy = headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in policy, (kind, directive)
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    if kind == "static file":
        assert "no-store" not in headers.get("Cache-Control", "")  # CSS and JS may be cached
    else:
        assert "no-store" in headers["Cache-Control"], kind


# Signs in through wsgi.py's app, configured from the environment alone, as a server starts it.
SIGN_IN = f"""
import re
from wsgi import app

client = app.test_client()
page = client.get("/masuk", base_url="https://portal.test").get_data(as_text=True)
token = re.search(r'{CSRF_PATTERN.pattern}', page).group(1)
form = {{"username": "rtrw1", "password": "{PASSWORD}", "csrf_token": token}}
response = client.post("/masuk", data=form, base_url="https://portal.test", headers={{"Referer": "https://portal.test/masuk"}})
print(response.status_code, response.headers.get("Location"))
print(response.headers["Set-Cookie"])
"""


def test_session_cookie_is_secure_httponly_and_samesite_in_production(app):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW)
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SESSION_", "BASE_URL", "REDIS_URL"))}
    environment |= {
        "PORTAL_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "PDF_PRELOAD": "0",
    }
    result = subprocess.run(
        [sys.executable, "-c", SIGN_IN], capture_output=True, text=True, cwd=ROOT, env=environment
    )
    assert result.returncode == 0, result.stderr[-2000:]
    signed_in, set_cookie = result.stdout.splitlines()[-2:]
    assert signed_in == "302 /beranda"
    attributes = {a.strip().split("=")[0].lower(): a.strip() for a in set_cookie.split(";")[1:]}
    assert set_cookie.startswith("portal_session=")
    assert "secure" in attributes and "httponly" in attributes and attributes["samesite"] == "SameSite=Lax"


def test_no_hsts_outside_production(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
