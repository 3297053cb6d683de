"""API keys: created once and shown once, stored as a SHA-256, revoked by name."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import ApiKey
from portal.models.base import utcnow

KEY_PREFIX = "mbk_"


class ApiKeyError(ValueError):
    """A key operation that cannot be done (duplicate or unknown name)."""


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(name: str, facility_id: int | None = None) -> tuple[ApiKey, str]:
    """A new key for client `name` (a partner facility's when `facility_id`); returns the row and the key, which is never stored."""
    name = name.strip()
    if not name:
        raise ApiKeyError("The key needs a name (the client that uses it).")
    if db.session.scalar(db.select(ApiKey.id).filter_by(name=name)) is not None:
        raise ApiKeyError(f"A key named {name!r} already exists; revoke it or pick another name.")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey(name=name, key_hash=hash_key(key), prefix=key[:12], facility_id=facility_id)
    db.session.add(api_key)
    return api_key, key


def revoke_api_key(name: str) -> ApiKey:
    """Revoke the key named `name`; it stops working at the next request."""
    api_key = db.session.scalar(db.select(ApiKey).filter_by(name=name.strip()))
    if api_key is None:
        raise ApiKeyError(f"No key named {name!r}.")
    if api_key.revoked_at is None:
        api_key.revoked_at = utcnow()
    return api_key


def authenticate(key: str | None) -> ApiKey | None:
    """The active key matching `key`, or None."""
    if not key or not key.startswith(KEY_PREFIX) or len(key) > 100:
        return None
    return db.session.scalar(
        db.select(ApiKey)
        .where(ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None))
        .options(joinedload(ApiKey.facility))  # a facility's key: its facility in the same round trip
    )
