"""Configuration read from the environment, with safe development defaults."""

from __future__ import annotations

import os
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"
DEVELOPMENT_SECRET = "development-only-secret-change-me"


def database_url(raw: str | None) -> str:
    """Normalise a DATABASE_URL so PostgreSQL URLs use the psycopg 3 driver."""
    if not raw:
        return f"sqlite:///{INSTANCE_DIR / 'portal.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix):]
    return raw


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


class Config:
    """Settings for every environment; each value can be overridden by the environment."""

    PORTAL_ENV = os.environ.get("PORTAL_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET)
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL"))
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL") or None
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")

    SESSION_COOKIE_NAME = "portal_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = PORTAL_ENV == "production"
    # Staff sessions end after this many minutes without a request.
    IDLE_TIMEOUT_MINUTES = _int("IDLE_TIMEOUT_MINUTES", 30)

    # Failed-login throttling (Flask-Limiter syntax); only failed attempts count.
    LOGIN_LIMIT_PER_USERNAME = os.environ.get("LOGIN_LIMIT_PER_USERNAME", "5 per 15 minutes")
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "20 per 15 minutes")
    RATELIMIT_ENABLED = os.environ.get("RATELIMIT_ENABLED", "1") == "1"
    RATELIMIT_HEADERS_ENABLED = True

    # Argon2id cost; tests lower it, production keeps the library's defaults.
    ARGON2_TIME_COST = _int("ARGON2_TIME_COST", 3)
    ARGON2_MEMORY_COST = _int("ARGON2_MEMORY_COST", 65536)

    MAX_CONTENT_LENGTH = _int("MAX_UPLOAD_BYTES", 5 * 1024 * 1024)
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    # Cards and certificates (portal/certificates).
    VERIFY_RATE_LIMIT = os.environ.get("VERIFY_RATE_LIMIT", "30 per minute")
    PRINT_OUTPUT_DIR = os.environ.get("PRINT_OUTPUT_DIR", str(INSTANCE_DIR / "prints"))
    PRINT_QUEUE_NAME = os.environ.get("PRINT_QUEUE_NAME", "printing")
    PRINT_RENDER_PROCESSES = _int("PRINT_RENDER_PROCESSES", 2)
    PRINT_CHUNK_SIZE = _int("PRINT_CHUNK_SIZE", 100)  # memberships per WeasyPrint document
    PRINT_CHUNKS_PER_PROCESS = _int("PRINT_CHUNKS_PER_PROCESS", 5)  # then the process is recycled
    PRINT_BATCH_MAX = _int("PRINT_BATCH_MAX", 5000)
    PRINT_JOB_TIMEOUT = _int("PRINT_JOB_TIMEOUT", 1800)  # seconds, for RQ
    PRINT_JOB_STALE_SECONDS = _int("PRINT_JOB_STALE_SECONDS", 600)
    PRINT_FILE_RETENTION_DAYS = _int("PRINT_FILE_RETENTION_DAYS", 7)  # batch PDFs hold names
    # Import WeasyPrint and parse fonts at start-up, so the first PDF is as fast as the rest.
    PDF_PRELOAD = os.environ.get("PDF_PRELOAD", "1") == "1"

    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Makassar"
    LANGUAGES = ("id", "en")

    @property
    def RATELIMIT_STORAGE_URI(self) -> str:  # noqa: N802 - Flask config name
        return self.REDIS_URL or "memory://"


class ProductionConfig(Config):
    """Production: Secure cookies; create_app refuses a missing or default secret."""

    PORTAL_ENV = "production"
    SESSION_COOKIE_SECURE = True


def config_for_environment() -> type[Config]:
    """Pick the configuration class named by PORTAL_ENV."""
    if os.environ.get("PORTAL_ENV", "development") == "production":
        return ProductionConfig
    return Config
