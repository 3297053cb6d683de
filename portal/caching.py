"""The shared cache (Redis), which answers "not cached" while Redis is unreachable.

Reports are the cache's only users, and every cached figure can be counted again: so a
Redis outage makes report pages slower, never broken. One warning is logged when Redis goes
away and one line when it answers again, not one per request.
"""

from __future__ import annotations

import functools
import logging
import threading

import redis
from flask import Flask
from flask_caching.backends.rediscache import RedisCache

logger = logging.getLogger(__name__)


def _unless_unreachable(missing):
    """Run a cache operation; while Redis is unreachable answer `missing` instead."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                result = method(self, *args, **kwargs)
            except (redis.ConnectionError, redis.TimeoutError) as error:
                self._unreachable(error)
                return missing(*args) if callable(missing) else missing
            self._reachable()
            return result

        return wrapper

    return decorate


class FallbackRedisCache(RedisCache):
    """Flask-Caching's RedisCache with timeouts, falling back to no cache on connection errors."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._down = False
        self._state_lock = threading.Lock()

    @classmethod
    def factory(cls, app: Flask, config: dict, args: list, kwargs: dict) -> FallbackRedisCache:
        seconds = app.config["REDIS_TIMEOUT_SECONDS"]
        kwargs["host"] = redis.Redis.from_url(
            config["CACHE_REDIS_URL"], socket_connect_timeout=seconds, socket_timeout=seconds
        )
        if config.get("CACHE_KEY_PREFIX"):
            kwargs["key_prefix"] = config["CACHE_KEY_PREFIX"]
        return cls(*args, **kwargs)

    def _unreachable(self, error: Exception) -> None:
        with self._state_lock:
            if self._down:
                return
            self._down = True
        logger.warning("Cache storage (Redis) unreachable (%s): going on without a cache", type(error).__name__)

    def _reachable(self) -> None:
        if not self._down:
            return
        with self._state_lock:
            self._down = False
        logger.info("Cache storage (Redis) recovered")

    get = _unless_unreachable(None)(RedisCache.get)
    get_many = _unless_unreachable(lambda *keys: [None] * len(keys))(RedisCache.get_many)
    has = _unless_unreachable(False)(RedisCache.has)
    set = _unless_unreachable(False)(RedisCache.set)
    add = _unless_unreachable(False)(RedisCache.add)
    set_many = _unless_unreachable([])(RedisCache.set_many)
    delete = _unless_unreachable(False)(RedisCache.delete)
    delete_many = _unless_unreachable([])(RedisCache.delete_many)
    inc = _unless_unreachable(None)(RedisCache.inc)
    dec = _unless_unreachable(None)(RedisCache.dec)
    clear = _unless_unreachable(False)(RedisCache.clear)
