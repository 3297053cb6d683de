"""Makassar Berjasa portal: BPJS Ketenagakerjaan cover for the city's vulnerable workers."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from portal.config import DEVELOPMENT_SECRET, Config, config_for_environment

ROOT = Path(__file__).resolve().parent.parent


class InsecureConfigurationError(RuntimeError):
    """Raised when production settings are unsafe to serve with."""


def create_app(config_class: type[Config] | None = None) -> Flask:
    """Build the portal application."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object((config_class or config_for_environment())())
    _refuse_unsafe_production(app)
    _require_defusedxml()
    Path(app.instance_path).mkdir(exist_ok=True)

    from portal import edge

    edge.init_app(app)  # first: its converter binds every route, its guard runs before the limits
    _bind_extensions(app)
    _register_blueprints(app)
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from portal import request_log, security, templating
    from portal.main.errors import register_error_handlers

    request_log.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    register_error_handlers(app)
    return app


def _refuse_unsafe_production(app: Flask) -> None:
    if app.config["PORTAL_ENV"] != "production":
        return
    secret = app.config.get("SECRET_KEY") or ""
    if secret == DEVELOPMENT_SECRET or len(secret) < 32:
        raise InsecureConfigurationError(
            "PORTAL_ENV=production needs SECRET_KEY set to a random value of at least "
            "32 characters (for example: python -c 'import secrets; print(secrets.token_hex(32))')."
        )


def refuse_per_process_limits(app: Flask, processes: int) -> None:
    """Refuse to serve production from several processes whose rate limits are in memory.

    Without REDIS_URL each process counts on its own, so N gunicorn workers let N times the
    limits through (40 of 120 checks of one NIK instead of 10). Called by gunicorn's
    on_starting hook (portal/gunicorn_conf.py), which knows the number of workers.
    """
    if processes <= 1 or not app.config["RATELIMIT_ENABLED"]:
        return
    if not app.config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        return
    message = (
        f"{processes} worker processes with rate limits in memory: each would count on its own, "
        f"letting {processes} times the limits through. Set REDIS_URL (shared limits) or GUNICORN_WORKERS=1."
    )
    if app.config["PORTAL_ENV"] == "production":
        raise InsecureConfigurationError("PORTAL_ENV=production refuses " + message)
    app.logger.warning("WARNING: %s", message)


def _require_defusedxml() -> None:
    """Uploaded spreadsheets are XML: openpyxl guards against entity expansion only with defusedxml."""
    import openpyxl.xml

    if not openpyxl.xml.DEFUSEDXML:
        raise RuntimeError("defusedxml must be installed: uploaded XLSX files are parsed as XML.")


def _bind_extensions(app: Flask) -> None:
    from portal import i18n
    from portal.extensions import READS, cache, csrf, db, htmx, limiter, login_manager, migrate

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = _engine_options(app)
    # A second engine on the same database whose connections never open a transaction: Cek
    # Status reads on it (no BEGIN, and no ROLLBACK that would drop prepared statements).
    app.config["SQLALCHEMY_BINDS"] = {
        **app.config.get("SQLALCHEMY_BINDS", {}),
        READS: {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"],  # hide_parameters above all
            "url": app.config["SQLALCHEMY_DATABASE_URI"],
            "isolation_level": "AUTOCOMMIT",
            # No ping per check-out: its one reader retries a read on a dead connection
            # instead (portal.citizen.services._on_reads_engine).
            "pool_pre_ping": False,
        },
    }
    db.init_app(app)
    cache.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    login_manager.init_app(app)


def _engine_options(app: Flask) -> dict:
    """The configured engine options, with libpq's connect timeout on PostgreSQL."""
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
    timeout = app.config.get("DATABASE_CONNECT_TIMEOUT_SECONDS")
    if timeout and app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        options["connect_args"] = {"connect_timeout": int(timeout), **options.get("connect_args", {})}
    return options


def _register_blueprints(app: Flask) -> None:
    from portal.accounts.cli import users_cli
    from portal.accounts.routes import bp as accounts_bp
    from portal.admin.routes import bp as admin_bp
    from portal.api.cli import apikeys_cli
    from portal.api.routes import bp as api_bp
    from portal.audit.cli import audit_cli
    from portal.bpjs.routes import bp as bpjs_bp
    from portal.cases.routes import bp as cases_bp
    from portal.certificates.cli import worker_command
    from portal.certificates.routes import bp as certificates_bp
    from portal.citizen.routes import bp as citizen_bp
    from portal.contributions.routes import bp as contributions_bp
    from portal.contributions.bill_routes import bp as bills_bp
    from portal.desil.cli import desil_cli
    from portal.desil.routes import bp as dtsen_bp
    from portal.handout.routes import bp as handout_bp
    from portal.help.routes import bp as help_bp
    from portal.hospital.routes import bp as hospital_bp
    from portal.institutional.routes import bp as institutional_bp
    from portal.lists.cli import lists_cli
    from portal.lists.routes import bp as lists_bp
    from portal.main.routes import bp as main_bp
    from portal.notifications.cli import notifications_cli
    from portal.notifications.routes import bp as notifications_bp
    from portal.ops.cli import backup_cli
    from portal.ops.routes import bp as ops_bp
    from portal.performance.routes import bp as performance_bp
    from portal.privacy.cli import privacy_cli
    from portal.privacy.routes import bp as privacy_bp
    from portal.public_requests.staff_routes import bp as requests_desk_bp
    from portal.public_requests.public_routes import bp as requests_public_bp
    from portal.public_requests.api_routes import bp as requests_api_bp
    from portal.registry.routes import bp as registry_bp
    from portal.renewal.cli import programme_cli
    from portal.renewal.routes import bp as renewal_bp
    from portal.reports.cli import reports_cli
    from portal.reports.routes import bp as reports_bp
    from portal.review.routes import bp as review_bp
    from portal.seed.cli import seed_cli

    for blueprint in (main_bp, accounts_bp, citizen_bp, api_bp, lists_bp, review_bp, registry_bp, certificates_bp, bpjs_bp, admin_bp, reports_bp, ops_bp, privacy_bp, help_bp, renewal_bp, handout_bp, performance_bp, dtsen_bp, hospital_bp, cases_bp, institutional_bp, contributions_bp, bills_bp, requests_public_bp, requests_api_bp, requests_desk_bp, notifications_bp):
        app.register_blueprint(blueprint)
    for command in (users_cli, seed_cli, lists_cli, desil_cli, apikeys_cli, worker_command, audit_cli, backup_cli, reports_cli, privacy_cli, programme_cli, notifications_cli):
        app.cli.add_command(command)
