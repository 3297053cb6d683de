"""Operations endpoints: health check for load balancers and monitoring."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from portal.extensions import db, limiter

bp = Blueprint("ops", __name__)


def _database_ok() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        db.session.rollback()
        return False


def _redis_status() -> str:
    url = current_app.config["REDIS_URL"]
    if not url:
        return "not configured"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
        return "ok"
    except redis.RedisError:
        return "unreachable"


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """Database and Redis reachable: 200, else 503 (no details beyond ok/unreachable)."""
    database = "ok" if _database_ok() else "unreachable"
    redis_status = _redis_status()
    healthy = database == "ok" and redis_status in ("ok", "not configured")
    response = jsonify(status="ok" if healthy else "unavailable", database=database, redis=redis_status)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
