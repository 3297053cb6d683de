"""Configuration read from the environment, with safe development defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"
DEVELOPMENT_SECRET = "development-only-secret-change-me"
STORAGE_BACKENDS = ("database", "local")


def database_url(raw: str | None) -> str:
    """Normalise a DATABASE_URL so PostgreSQL URLs use the psycopg 3 driver."""
    if not raw:
        return f"sqlite:///{INSTANCE_DIR / 'portal.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix):]
    return raw


def base_url(environ: Mapping[str, str]) -> str:
    """The portal's public address (printed in QR codes): BASE_URL, or else where `flask run`
    serves (FLASK_RUN_HOST and FLASK_RUN_PORT, which `make run` sets from HOST and PORT)."""
    if environ.get("BASE_URL"):
        return environ["BASE_URL"].rstrip("/")
    return f"http://{environ.get('FLASK_RUN_HOST') or '127.0.0.1'}:{environ.get('FLASK_RUN_PORT') or '5000'}"


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


class Config:
    """Settings for every environment; each value can be overridden by the environment."""

    PORTAL_ENV = os.environ.get("PORTAL_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET)
    # Key of the audit trail's hash chain; SECRET_KEY when unset. Keep it when rotating
    # SECRET_KEY, or `flask audit verify` reports every older event as changed.
    AUDIT_CHAIN_KEY = os.environ.get("AUDIT_CHAIN_KEY") or None
    # A process seals new audit events at most this often (0: after every commit).
    AUDIT_SEAL_SECONDS = float(os.environ.get("AUDIT_SEAL_SECONDS", "2"))
    # Access records of status checks are written in batches at most this old (0: at once).
    AUDIT_BATCH_SECONDS = float(os.environ.get("AUDIT_BATCH_SECONDS", "1"))
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL"))
    # Pessimistic disconnect handling: each connection taken from the pool is pinged first,
    # so after a PostgreSQL restart (failover, upgrade) a stale pooled connection is
    # replaced instead of failing the request. It costs one round trip per request;
    # bench/status_check.py --pre-ping-comparison measures it (docs/operations.md).
    # hide_parameters: SQL log lines and database errors never quote a NIK or a name.
    # Both engines use these (the default and the "reads" one, portal/__init__.py).
    SQLALCHEMY_ENGINE_OPTIONS = {
        "pool_pre_ping": os.environ.get("DATABASE_POOL_PRE_PING", "1") == "1",
        "pool_recycle": 1800,
        "hide_parameters": True,
    }
    # Seconds to wait for PostgreSQL to answer a new connection (libpq's connect_timeout,
    # at least 2): a database host that stops answering, rather than refusing, then costs a
    # request this long and a 503 instead of holding the worker until gunicorn's timeout.
    DATABASE_CONNECT_TIMEOUT_SECONDS = _int("DATABASE_CONNECT_TIMEOUT_SECONDS", 5)
    REDIS_URL = os.environ.get("REDIS_URL") or None
    # Seconds a Redis command may take (rate limits, cache, print queue) before Redis
    # counts as unreachable and the portal goes on without it.
    REDIS_TIMEOUT_SECONDS = float(os.environ.get("REDIS_TIMEOUT_SECONDS", "1"))
    # Reverse proxies in front of the app (nginx: 1). Their X-Forwarded-For/-Proto are
    # trusted, so rate limits count real client addresses; 0 trusts none.
    TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)
    BASE_URL = base_url(os.environ)

    SESSION_COOKIE_NAME = "portal_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = PORTAL_ENV == "production"
    # Staff sessions end after this many minutes without a request.
    IDLE_TIMEOUT_MINUTES = _int("IDLE_TIMEOUT_MINUTES", 30)
    # A batch of entries a reviewer took is released after this many minutes without any of
    # their review requests (portal.review.holds).
    REVIEW_HOLD_IDLE_MINUTES = _int("REVIEW_HOLD_IDLE_MINUTES", 30)
    REVIEW_BATCH_SIZE = _int("REVIEW_BATCH_SIZE", 20)

    # Sign-in throttling (Flask-Limiter syntax; portal/accounts/throttle.py). Only failures
    # count: wrong passwords, and apart from them wrong second-factor codes. Per client
    # address, firm; per username and address, with a longer wait as failures add up; per
    # username from every address, but only for addresses that already failed on it, so
    # an address that has not (the owner's) is never refused.
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "20 per 15 minutes; 100 per day")
    LOGIN_LIMIT_PER_USERNAME_AND_ADDRESS = os.environ.get(
        "LOGIN_LIMIT_PER_USERNAME_AND_ADDRESS", "5 per 15 minutes; 20 per day"
    )
    LOGIN_LIMIT_PER_USERNAME = os.environ.get("LOGIN_LIMIT_PER_USERNAME", "10 per 15 minutes; 50 per day")
    # Roles that must sign in with a second factor (TOTP); others may opt in.
    MFA_REQUIRED_ROLES = tuple(os.environ.get("MFA_REQUIRED_ROLES", "admin,staff,hospital").split(","))
    # Wrong codes one sign-in may try before the password must be given again.
    MFA_CODES_PER_SIGN_IN = _int("MFA_CODES_PER_SIGN_IN", 5)
    # A sign-in without "Ingat saya" keeps a browser-session cookie and ends after this many
    # hours at the latest; with it the cookie lasts PERMANENT_SESSION_LIFETIME (31 days).
    # Either ends after IDLE_TIMEOUT_MINUTES without a request.
    SESSION_HOURS_WITHOUT_REMEMBER = _int("SESSION_HOURS_WITHOUT_REMEMBER", 12)
    # Public status check (Cek Status): every POST counts, per client address and per NIK
    # (the NIK limit is shared with the API); the API also counts per key.
    STATUS_LIMIT_PER_ADDRESS = os.environ.get("STATUS_LIMIT_PER_ADDRESS", "20 per 10 minutes")
    STATUS_LIMIT_PER_NIK = os.environ.get("STATUS_LIMIT_PER_NIK", "10 per hour")
    ELIGIBILITY_LIMIT_PER_ADDRESS = os.environ.get("ELIGIBILITY_LIMIT_PER_ADDRESS", "60 per 10 minutes")
    # The public "find your RT/RW head" look-up (consenting officials' phones only).
    CONTACTS_LIMIT_PER_ADDRESS = os.environ.get("CONTACTS_LIMIT_PER_ADDRESS", "60 per 10 minutes")
    # How long a process keeps the help desk settings before reading them again.
    SITE_SETTINGS_CACHE_SECONDS = _int("SITE_SETTINGS_CACHE_SECONDS", 30)
    # Look-ups of one partner facility's account (portal.hospital): a ward's evening, not a scrape.
    HOSPITAL_LOOKUP_LIMIT_PER_ACCOUNT = os.environ.get("HOSPITAL_LOOKUP_LIMIT_PER_ACCOUNT", "60 per 10 minutes; 300 per day")
    HOSPITAL_API_LIMIT_PER_KEY = os.environ.get("HOSPITAL_API_LIMIT_PER_KEY", "120 per minute; 5000 per day")
    API_LIMIT_PER_KEY = os.environ.get("API_LIMIT_PER_KEY", "600 per minute")
    # The case desk (portal.cases): a work accident is reported to BPJS (stage I) within 2x24
    # hours of the report (Permenaker 5/2021); a case still "reported" after that is overdue.
    CASE_STAGE_ONE_HOURS = _int("CASE_STAGE_ONE_HOURS", 48)
    # One uploaded case document (a scan or a photo), checked by content, at most this big.
    CASE_DOCUMENT_MAX_BYTES = _int("CASE_DOCUMENT_MAX_BYTES", 4 * 1024 * 1024)
    # Photos larger than this many pixels are refused (a decompression bomb is small on disk).
    CASE_DOCUMENT_MAX_PIXELS = _int("CASE_DOCUMENT_MAX_PIXELS", 40_000_000)
    # The public request desk (portal.public_requests): days to answer each kind of request
    # (objections: 14, as the national "usul dan sanggah" practice), and hours to acknowledge a
    # personal-data request (UU PDP: 3x24 hours to produce the access history).
    REQUEST_ANSWER_DAYS = _int("REQUEST_ANSWER_DAYS", 14)
    REQUEST_ANSWER_DAYS_CARD_MISSING = _int("REQUEST_ANSWER_DAYS_CARD_MISSING", 7)
    REQUEST_ANSWER_DAYS_DIED_OR_MOVED = _int("REQUEST_ANSWER_DAYS_DIED_OR_MOVED", 7)
    REQUEST_ANSWER_DAYS_PERSONAL_DATA = _int("REQUEST_ANSWER_DAYS_PERSONAL_DATA", 14)
    REQUEST_ACKNOWLEDGE_HOURS_PERSONAL_DATA = _int("REQUEST_ACKNOWLEDGE_HOURS_PERSONAL_DATA", 72)
    # The public request form and tracking page (docs/request-desk.md): every POST counts, per
    # client address and per NIK (the super-app's API shares the NIK budgets).
    REQUEST_LIMIT_PER_ADDRESS = os.environ.get("REQUEST_LIMIT_PER_ADDRESS", "10 per hour; 30 per day")
    REQUEST_LIMIT_PER_NIK = os.environ.get("REQUEST_LIMIT_PER_NIK", "5 per day")
    TRACKING_LIMIT_PER_ADDRESS = os.environ.get("TRACKING_LIMIT_PER_ADDRESS", "30 per 10 minutes")
    TRACKING_LIMIT_PER_NIK = os.environ.get("TRACKING_LIMIT_PER_NIK", "10 per hour")
    # The shortest description a request may have (characters), and its photo's largest size.
    REQUEST_DESCRIPTION_MIN_CHARS = _int("REQUEST_DESCRIPTION_MIN_CHARS", 20)
    REQUEST_PHOTO_MAX_BYTES = _int("REQUEST_PHOTO_MAX_BYTES", 4 * 1024 * 1024)
    RATELIMIT_ENABLED = os.environ.get("RATELIMIT_ENABLED", "1") == "1"
    RATELIMIT_HEADERS_ENABLED = True
    # While Redis is unreachable each process counts in its own memory (one warning in the
    # log), and goes back to Redis when a health check finds it again (docs/operations.md).
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True

    # Argon2id cost; tests lower it, production keeps the library's defaults.
    ARGON2_TIME_COST = _int("ARGON2_TIME_COST", 3)
    ARGON2_MEMORY_COST = _int("ARGON2_MEMORY_COST", 65536)

    # "json" for one JSON object per log line (production), "text" otherwise.
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")

    MAX_CONTENT_LENGTH = _int("MAX_UPLOAD_BYTES", 5 * 1024 * 1024)
    # Member-list spreadsheets: data rows per web upload, and what an XLSX/ODS archive may
    # expand to, checked before any parser sees it (a 300 KB file can expand to gigabytes).
    UPLOAD_ROW_LIMIT = _int("UPLOAD_ROW_LIMIT", 5000)
    SPREADSHEET_MAX_UNCOMPRESSED_BYTES = _int("SPREADSHEET_MAX_UNCOMPRESSED_BYTES", 64 * 1024 * 1024)
    SPREADSHEET_MAX_ENTRIES = _int("SPREADSHEET_MAX_ENTRIES", 200)
    # NIKs known outside their own area (registry, other areas' lists) about which one RT/RW
    # head or agent account is told per day when adding rows; beyond it rows get a neutral
    # warning and staff check them. Counted in the rate limiter's storage (Redis in production).
    FOREIGN_NIK_LOOKUPS_PER_DAY = _int("FOREIGN_NIK_LOOKUPS_PER_DAY", 50)
    # What one sheet may span (from A1 to its farthest cell), checked in the file's XML before
    # the parser allocates its grid: a 1.5 KB XLSX with a cell at XFD1048576 would ask for
    # 512 GiB. Room for the upload's rows plus titles, blank rows and notes.
    SPREADSHEET_MAX_ROWS = _int("SPREADSHEET_MAX_ROWS", 2 * UPLOAD_ROW_LIMIT)
    SPREADSHEET_MAX_COLUMNS = _int("SPREADSHEET_MAX_COLUMNS", 256)
    SPREADSHEET_MAX_CELLS = _int("SPREADSHEET_MAX_CELLS", 500_000)
    # The same limits for files staff import in bulk: `flask lists import`, DTSEN desil
    # extracts and BPJS answers (a whole city runs to hundreds of thousands of rows).
    SPREADSHEET_BULK_MAX_UNCOMPRESSED_BYTES = _int("SPREADSHEET_BULK_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024)
    SPREADSHEET_BULK_MAX_ENTRIES = _int("SPREADSHEET_BULK_MAX_ENTRIES", 200)
    SPREADSHEET_BULK_MAX_ROWS = _int("SPREADSHEET_BULK_MAX_ROWS", 500_000)
    SPREADSHEET_BULK_MAX_COLUMNS = _int("SPREADSHEET_BULK_MAX_COLUMNS", 256)
    SPREADSHEET_BULK_MAX_CELLS = _int("SPREADSHEET_BULK_MAX_CELLS", 5_000_000)
    # Accounts in bulk (portal.admin.bulk): data rows per uploaded sheet of RT/RW heads and
    # agents, days an activation code stays valid after its letter is printed, and letters
    # in one PDF (rendered in the request, 35-100 ms a letter on 2 cores: keep one PDF under ~10 s).
    ACCOUNT_UPLOAD_ROW_LIMIT = _int("ACCOUNT_UPLOAD_ROW_LIMIT", 5000)
    ACTIVATION_CODE_DAYS = _int("ACTIVATION_CODE_DAYS", 30)
    ACTIVATION_LETTERS_PER_PDF = _int("ACTIVATION_LETTERS_PER_PDF", 100)
    # Data rows of one institutional list staff load through the browser (portal.institutional),
    # checked with the bulk limits above; the file's size is MAX_UPLOAD_BYTES, as every upload.
    INSTITUTIONAL_IMPORT_ROW_LIMIT = _int("INSTITUTIONAL_IMPORT_ROW_LIMIT", 60_000)
    # BPJS's monthly bill (portal.contributions): a city's bill of 100,000 lines is larger
    # than a member list, so its upload may be this big (the archive checks still apply).
    BILL_MAX_UPLOAD_BYTES = _int("BILL_MAX_UPLOAD_BYTES", 32 * 1024 * 1024)
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    # Cards and certificates (portal/certificates).
    VERIFY_RATE_LIMIT = os.environ.get("VERIFY_RATE_LIMIT", "30 per minute")
    PRINT_QUEUE_NAME = os.environ.get("PRINT_QUEUE_NAME", "printing")
    PRINT_RENDER_PROCESSES = _int("PRINT_RENDER_PROCESSES", 2)
    PRINT_CHUNK_SIZE = _int("PRINT_CHUNK_SIZE", 100)  # memberships per WeasyPrint document
    PRINT_CHUNKS_PER_PROCESS = _int("PRINT_CHUNKS_PER_PROCESS", 20)  # then the process is recycled
    PRINT_BATCH_MAX = _int("PRINT_BATCH_MAX", 5000)
    PRINT_JOB_TIMEOUT = _int("PRINT_JOB_TIMEOUT", 1800)  # seconds, for RQ
    PRINT_JOB_STALE_SECONDS = _int("PRINT_JOB_STALE_SECONDS", 600)
    PRINT_FILE_RETENTION_DAYS = _int("PRINT_FILE_RETENTION_DAYS", 7)  # batch PDFs hold names
    # Stored files (batch PDFs, uploads waiting for their column mapping): portal/storage.
    # "database" keeps them in PostgreSQL (or SQLite), so every web server and print worker
    # reads what another one wrote; "local" keeps them under STORAGE_DIR (one machine).
    # Unset: "database" on PostgreSQL (the setup that grows to several machines), "local"
    # on SQLite (the embedded setup, one machine by nature).
    STORAGE_DIR = os.environ.get("STORAGE_DIR") or str(INSTANCE_DIR)
    STORAGE_CHUNK_BYTES = _int("STORAGE_CHUNK_BYTES", 1024 * 1024)  # database rows of at most this
    # Import WeasyPrint and parse fonts when gunicorn or `flask worker` starts (portal.pdf.warm_up),
    # so the first PDF is as fast as the rest.
    PDF_PRELOAD = os.environ.get("PDF_PRELOAD", "1") == "1"

    # Retention of personal data (UU PDP): `flask privacy purge` anonymises rejected entries
    # decided, and people whose every membership ended, more than this many months ago. A
    # city-wide policy of the data controller (its archive retention schedule), the same for
    # every budget year, applied by the operator's scheduled purge: so configuration, not a
    # per-year programme setting.
    RETENTION_REJECTED_MONTHS = _int("RETENTION_REJECTED_MONTHS", 12)
    RETENTION_ENDED_MONTHS = _int("RETENTION_ENDED_MONTHS", 24)
    # Rows a proposer deleted from a list never sent (undo stays possible until then).
    RETENTION_DELETED_MONTHS = _int("RETENTION_DELETED_MONTHS", 3)
    # Cases (and their documents) closed (paid, refused, withdrawn) this long ago are deleted;
    # the right to a JKK benefit lapses 5 years after the accident (PP 82/2019).
    RETENTION_CASE_MONTHS = _int("RETENTION_CASE_MONTHS", 60)

    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Makassar"  # the same as portal.clock.CITY_TIMEZONE
    LANGUAGES = ("id", "en")

    # Report figures are never older than this (seconds); pages say how fresh they are.
    REPORTS_CACHE_SECONDS = _int("REPORTS_CACHE_SECONDS", 300)
    # The budget check adds the memberships granted since a recount of the year's committed
    # premiums kept this long (portal/programme/budget.py); memberships younger than
    # BUDGET_SETTLE_SECONDS are never in a recount (their transaction may still be open).
    BUDGET_SNAPSHOT_SECONDS = _int("BUDGET_SNAPSHOT_SECONDS", 600)
    BUDGET_SETTLE_SECONDS = _int("BUDGET_SETTLE_SECONDS", 120)
    # A contribution month still unpaid this many days after its end is in arrears (a warning
    # on the dashboard and the contributions page); after CONTRIBUTION_ARREARS_RISK_DAYS its
    # members' cover is at risk (BPJS ends memberships more than three months in arrears).
    CONTRIBUTION_ARREARS_WARNING_DAYS = _int("CONTRIBUTION_ARREARS_WARNING_DAYS", 60)
    CONTRIBUTION_ARREARS_RISK_DAYS = _int("CONTRIBUTION_ARREARS_RISK_DAYS", 90)
    CACHE_KEY_PREFIX = "portal:"

    # Notifications (portal.notifications, docs/notifications.md). The phone channel:
    # "whatsapp", "sms" or "dev"; unset: WhatsApp when its token and phone number id are set,
    # else the SMS gateway when its URL is, else the development channel (nothing sent).
    NOTIFY_PHONE_CHANNEL = os.environ.get("NOTIFY_PHONE_CHANNEL", "")
    NOTIFY_WHATSAPP_BASE_URL = os.environ.get("NOTIFY_WHATSAPP_BASE_URL", "https://graph.facebook.com")
    NOTIFY_WHATSAPP_API_VERSION = os.environ.get("NOTIFY_WHATSAPP_API_VERSION", "v21.0")
    NOTIFY_WHATSAPP_PHONE_NUMBER_ID = os.environ.get("NOTIFY_WHATSAPP_PHONE_NUMBER_ID", "")
    NOTIFY_WHATSAPP_TOKEN = os.environ.get("NOTIFY_WHATSAPP_TOKEN", "")
    # Approved templates are named <prefix><template key> (perisai_member_approved ...).
    NOTIFY_WHATSAPP_TEMPLATE_PREFIX = os.environ.get("NOTIFY_WHATSAPP_TEMPLATE_PREFIX", "perisai_")
    # The app secret that signs inbound replies (X-Hub-Signature-256), and the token of
    # Meta's subscription check; without the secret the reply endpoint answers 404.
    NOTIFY_WHATSAPP_APP_SECRET = os.environ.get("NOTIFY_WHATSAPP_APP_SECRET", "")
    NOTIFY_WHATSAPP_VERIFY_TOKEN = os.environ.get("NOTIFY_WHATSAPP_VERIFY_TOKEN", "")
    # A generic HTTP SMS gateway: where, how (GET query, POST form, or POST JSON), with which
    # credential ("bearer", "basic", "param" or "none") and parameter names, and the text a
    # successful answer contains (empty: any 2xx), and the JSON field holding its message id.
    NOTIFY_SMS_URL = os.environ.get("NOTIFY_SMS_URL", "")
    NOTIFY_SMS_METHOD = os.environ.get("NOTIFY_SMS_METHOD", "POST")
    NOTIFY_SMS_JSON = os.environ.get("NOTIFY_SMS_JSON", "0") == "1"
    NOTIFY_SMS_AUTH = os.environ.get("NOTIFY_SMS_AUTH", "bearer")
    NOTIFY_SMS_USER = os.environ.get("NOTIFY_SMS_USER", "")
    NOTIFY_SMS_TOKEN = os.environ.get("NOTIFY_SMS_TOKEN", "")
    NOTIFY_SMS_PARAM_TO = os.environ.get("NOTIFY_SMS_PARAM_TO", "to")
    NOTIFY_SMS_PARAM_TEXT = os.environ.get("NOTIFY_SMS_PARAM_TEXT", "message")
    NOTIFY_SMS_PARAM_USER = os.environ.get("NOTIFY_SMS_PARAM_USER", "user")
    NOTIFY_SMS_PARAM_TOKEN = os.environ.get("NOTIFY_SMS_PARAM_TOKEN", "key")
    NOTIFY_SMS_SUCCESS_TEXT = os.environ.get("NOTIFY_SMS_SUCCESS_TEXT", "")
    NOTIFY_SMS_ID_FIELD = os.environ.get("NOTIFY_SMS_ID_FIELD", "")
    # Replies the gateway forwards (POST /notifikasi/balasan/sms?token=...): the shared token
    # (unset: 404) and the names of the sender and text fields.
    NOTIFY_SMS_INBOUND_TOKEN = os.environ.get("NOTIFY_SMS_INBOUND_TOKEN", "")
    NOTIFY_SMS_INBOUND_FROM = os.environ.get("NOTIFY_SMS_INBOUND_FROM", "from")
    NOTIFY_SMS_INBOUND_TEXT = os.environ.get("NOTIFY_SMS_INBOUND_TEXT", "text")
    # The super-app's webhook (Lontara Plus): both set, or its events go to the development channel.
    NOTIFY_WEBHOOK_URL = os.environ.get("NOTIFY_WEBHOOK_URL", "")
    NOTIFY_WEBHOOK_SECRET = os.environ.get("NOTIFY_WEBHOOK_SECRET", "")
    # Key of the phone digests (opt-outs, caps); SECRET_KEY when unset: keep it when rotating
    # SECRET_KEY, or every STOP is forgotten.
    NOTIFY_DIGEST_KEY = os.environ.get("NOTIFY_DIGEST_KEY", "")
    NOTIFY_HTTP_TIMEOUT_SECONDS = float(os.environ.get("NOTIFY_HTTP_TIMEOUT_SECONDS", "10"))
    # Attempts before a message is dead (the dead-letter list), the first retry's wait (doubled
    # after each failure) and the longest wait.
    NOTIFY_MAX_ATTEMPTS = _int("NOTIFY_MAX_ATTEMPTS", 8)
    NOTIFY_RETRY_SECONDS = float(os.environ.get("NOTIFY_RETRY_SECONDS", "30"))
    NOTIFY_RETRY_MAX_SECONDS = float(os.environ.get("NOTIFY_RETRY_MAX_SECONDS", "3600"))
    # The provider's limit: messages a second one sender sends at most.
    NOTIFY_RATE_PER_SECOND = float(os.environ.get("NOTIFY_RATE_PER_SECOND", "20"))
    NOTIFY_BATCH_SIZE = _int("NOTIFY_BATCH_SIZE", 200)
    # A message a sender took this long ago and never finished goes back to the queue.
    NOTIFY_SENDING_STALE_SECONDS = _int("NOTIFY_SENDING_STALE_SECONDS", 300)
    # No phone messages from NOTIFY_QUIET_START to NOTIFY_QUIET_END (Makassar time): they
    # wait until morning. At most NOTIFY_DAILY_CAP phone messages to one number a day.
    NOTIFY_QUIET_START = os.environ.get("NOTIFY_QUIET_START", "21:00")
    NOTIFY_QUIET_END = os.environ.get("NOTIFY_QUIET_END", "07:00")
    NOTIFY_DAILY_CAP = _int("NOTIFY_DAILY_CAP", 3)
    # The hour (0-23, Makassar time) from which `flask notifications send --loop` queues the
    # RT/RW heads' daily digest, once a day; -1 leaves it to `flask notifications digest`.
    NOTIFY_DIGEST_HOUR = _int("NOTIFY_DIGEST_HOUR", 8)
    # Members whose cover ends within this many days are reminded once (the sender loop runs
    # the reminders daily from NOTIFY_DIGEST_HOUR; with -1 run `flask notifications
    # remind-expiring` from cron); 0 sends no reminders.
    NOTIFY_COVER_ENDING_DAYS = _int("NOTIFY_COVER_ENDING_DAYS", 30)
    # A commit that queued messages wakes the sender (RQ job or the local thread).
    NOTIFY_SEND_AFTER_COMMIT = os.environ.get("NOTIFY_SEND_AFTER_COMMIT", "1") == "1"
    # Stopping messages from the help page, per client address.
    NOTIFY_STOP_LIMIT_PER_ADDRESS = os.environ.get("NOTIFY_STOP_LIMIT_PER_ADDRESS", "10 per hour")

    @property
    def STORAGE_BACKEND(self) -> str:  # noqa: N802 - a setting read by portal/storage
        chosen = os.environ.get("STORAGE_BACKEND") or (
            "database" if self.SQLALCHEMY_DATABASE_URI.startswith("postgresql") else "local"
        )
        if chosen not in STORAGE_BACKENDS:
            raise ValueError(f"STORAGE_BACKEND must be one of {', '.join(STORAGE_BACKENDS)}, not {chosen!r}")
        return chosen

    @property
    def RATELIMIT_STORAGE_URI(self) -> str:  # noqa: N802 - Flask config name
        return self.REDIS_URL or "memory://"

    @property
    def RATELIMIT_STORAGE_OPTIONS(self) -> dict:  # noqa: N802 - Flask-Limiter config name
        if not self.REDIS_URL:
            return {}
        return {"socket_connect_timeout": self.REDIS_TIMEOUT_SECONDS, "socket_timeout": self.REDIS_TIMEOUT_SECONDS}

    @property
    def CACHE_TYPE(self) -> str:  # noqa: N802 - Flask-Caching config name
        # Reports are counted afresh while Redis is unreachable (portal/caching.py).
        return "portal.caching.FallbackRedisCache" if self.REDIS_URL else "SimpleCache"

    @property
    def CACHE_REDIS_URL(self) -> str | None:  # noqa: N802 - Flask-Caching config name
        return self.REDIS_URL


class ProductionConfig(Config):
    """Production: Secure cookies; create_app refuses a missing or default secret."""

    PORTAL_ENV = "production"
    SESSION_COOKIE_SECURE = True
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")


def config_for_environment() -> type[Config]:
    """Pick the configuration class named by PORTAL_ENV."""
    if os.environ.get("PORTAL_ENV", "development") == "production":
        return ProductionConfig
    return Config
