"""What the rate limits tell a refused client, the same on pages and in the API."""

from __future__ import annotations

import time

from portal.extensions import limiter


def retry_after_seconds(default: int | None = None) -> int | None:
    """Seconds until the breached limit resets, as Flask-Limiter computed it; `default` when unknown."""
    limit = limiter.current_limit
    if limit is None:
        return default
    return max(1, int(limit.reset_at - time.time()))
