"""Configuration: production refuses unsafe settings and hardens cookies."""

import os
import subprocess
from pathlib import Path

import pytest

from portal import InsecureConfigurationError, create_app
from portal.config import DEVELOPMENT_SECRET, ProductionConfig, base_url, database_url

ROOT = Path(__file__).resolve().parent.parent


def production(secret):
    return type("Prod", (ProductionConfig,), {"SECRET_KEY": secret, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


@pytest.mark.parametrize("secret", [DEVELOPMENT_SECRET, "", "short-secret"])
def test_production_refuses_a_default_missing_or_short_secret(secret):
    with pytest.raises(InsecureConfigurationError):
        create_app(production(secret))


def test_production_with_a_real_secret_sets_secure_cookies():
    app = create_app(production("x" * 48))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_postgres_urls_use_the_psycopg3_driver():
    assert database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"
    assert database_url(None).startswith("sqlite:///") and database_url(None).endswith("instance/portal.db")


def test_base_url_follows_where_flask_run_serves_unless_it_is_set():
    assert base_url({}) == "http://127.0.0.1:5000"
    assert base_url({"FLASK_RUN_HOST": "192.168.1.20", "FLASK_RUN_PORT": "5077"}) == "http://192.168.1.20:5077"
    assert base_url({"FLASK_RUN_PORT": "5077", "BASE_URL": "https://portal.makassar.go.id/"}) == "https://portal.makassar.go.id"


def test_make_run_on_another_port_puts_that_port_in_the_qr_codes():
    # The variables `make run PORT=5077` hands to the app, read by a probe target added to
    # the Makefile: the address a card's QR code encodes.
    probe = (
        "probe:\n"
        '\t@$(BIN)/python -c "from portal import create_app; from portal.certificates.services import verify_url; '
        "app = create_app(); app.app_context().push(); print(verify_url('ABC'))\"\n"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("BASE_URL", "FLASK_RUN_"))}
    environment |= {"DATABASE_URL": "sqlite://", "PDF_PRELOAD": "0"}
    result = subprocess.run(
        ["make", "--no-print-directory", "-s", "-f", "Makefile", "-f", "-", "probe", "PORT=5077"],
        input=probe, capture_output=True, text=True, cwd=ROOT, env=environment, check=True,
    )
    assert result.stdout.strip() == "http://127.0.0.1:5077/v/ABC"
