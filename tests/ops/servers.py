"""The real processes an operator runs, for ops tests: gunicorn and `flask worker`, and a
tiny cookie-keeping HTTP client to talk to them."""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.redis_server import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

needs_postgresql = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL (TEST_DATABASE_URL)"
)


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The environment of a production deployment (README, "Production"), made for tests."""
    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        {
            "PORTAL_ENV": "production",
            "SECRET_KEY": secrets.token_hex(32),
            "PRINT_OUTPUT_DIR": str(tmp_path / "prints"),
            "BASE_URL": "http://127.0.0.1",
            "ARGON2_TIME_COST": "1",
            "ARGON2_MEMORY_COST": "1024",
            "GUNICORN_WORKERS": "2",
            "LOG_FORMAT": "json",
            "PDF_PRELOAD": "0",
        }
    )
    env.update(overrides)
    return env


def wait_until(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class Browser:
    """A tiny HTTP client that keeps cookies (also Secure ones: the test talks plain HTTP)."""

    def __init__(self, base: str):
        self.base = base
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(NoRedirect)

    def request(self, path: str, data: dict | None = None, headers: dict | None = None, json_body: bytes | None = None):
        body = json_body if json_body is not None else urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        try:
            response = self.opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
            return response.status, response.headers, response.read()

    def token(self, path: str) -> str:
        _, _, page = self.request(path)
        return re.search(rb'name="csrf_token"(?: type="hidden")? value="([^"]+)"', page).group(1).decode()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Gunicorn:
    """gunicorn started as in production: `gunicorn -c python:portal.gunicorn_conf wsgi:app`."""

    def __init__(self, tmp_path: Path, env: dict[str, str], name: str = "gunicorn"):
        self.port = free_port()
        self.env = production_env(tmp_path, **env, GUNICORN_BIND=f"127.0.0.1:{self.port}")
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp_path / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self, wait: bool = True) -> Gunicorn:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(BIN / "gunicorn"), "-c", "python:portal.gunicorn_conf", "wsgi:app"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )
        if wait:
            wait_until(self._answers, 60, f"gunicorn to answer; log:\n{self.log_path}")
        return self

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"gunicorn exited:\n{self.log()[-3000:]}")
        try:
            return Browser(self.base).request("/masuk")[0] == 200
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        """The worker processes (children of the gunicorn master)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return [int(pid) for pid in children]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
