"""Configuration: production refuses unsafe settings and hardens cookies."""

import pytest

from portal import InsecureConfigurationError, create_app
from portal.config import DEVELOPMENT_SECRET, ProductionConfig, database_url


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
