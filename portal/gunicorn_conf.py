"""gunicorn settings for production: `gunicorn -c python:portal.gunicorn_conf wsgi:app`.

Sync workers were the stable choice on the 2-core reference machine (docs/benchmarks.md).
Every value can be overridden from the environment.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2))
worker_class = "sync"
threads = 1
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))  # large uploads are parsed in the request
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then: WeasyPrint's memory creeps up in long-lived processes.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = 200
# Load the app (and WeasyPrint) once in the master, so workers fork warm.
preload_app = True
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Access log without query strings (%(U)s is the path only); our URLs carry no personal data.
accesslog = "-"
access_log_format = '{"remote":"%(h)s","method":"%(m)s","path":"%(U)s","status":%(s)s,"bytes":"%(B)s","duration_us":%(D)s,"request_id":"%({x-request-id}o)s"}'
errorlog = "-"


def on_starting(server) -> None:
    """Refuse production with several workers and per-process rate limits (no REDIS_URL);
    load WeasyPrint and its fonts in the master, so every worker forks with them."""
    from portal import pdf, refuse_per_process_limits

    app = server.app.wsgi()
    refuse_per_process_limits(app, server.cfg.workers)
    with app.app_context():
        pdf.warm_up(app)
