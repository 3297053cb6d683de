"""Rate limits per process: production refuses several gunicorn workers without Redis."""

from __future__ import annotations

import logging
import subprocess

from portal import InsecureConfigurationError, refuse_per_process_limits
from tests.ops.servers import BIN, ROOT, Gunicorn, production_env


def test_production_gunicorn_refuses_several_workers_with_rate_limits_in_memory(tmp_path):
    env = production_env(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'portal.db'}", GUNICORN_WORKERS="2")

    result = subprocess.run(
        [str(BIN / "gunicorn"), "-c", "python:portal.gunicorn_conf", "wsgi:app"],
        cwd=ROOT, env={**env, "GUNICORN_BIND": "127.0.0.1:0"}, capture_output=True, text=True, timeout=120,
    )

    assert result.returncode != 0
    assert "refuses 2 worker processes with rate limits in memory" in result.stderr
    assert "REDIS_URL" in result.stderr


def test_production_gunicorn_with_one_worker_and_no_redis_starts(tmp_path):
    server = Gunicorn(tmp_path, {"DATABASE_URL": f"sqlite:///{tmp_path / 'portal.db'}", "GUNICORN_WORKERS": "1"})
    try:
        server.start()
    finally:
        server.stop()


def test_outside_production_several_processes_with_memory_limits_are_warned_about(app, caplog):
    with caplog.at_level(logging.WARNING):
        refuse_per_process_limits(app, 4)

    assert "4 worker processes with rate limits in memory" in caplog.text


def test_production_with_redis_limits_may_run_several_workers(app_factory, redis_url):
    app = app_factory(PORTAL_ENV="production", SECRET_KEY="s" * 40, RATELIMIT_STORAGE_URI=redis_url)

    refuse_per_process_limits(app, 4)  # no exception


def test_production_refusal_is_an_insecure_configuration_error(app_factory):
    app = app_factory(PORTAL_ENV="production", SECRET_KEY="s" * 40)
    try:
        refuse_per_process_limits(app, 2)
    except InsecureConfigurationError as error:
        assert "GUNICORN_WORKERS=1" in str(error)
    else:
        raise AssertionError("several workers with memory limits were accepted in production")
