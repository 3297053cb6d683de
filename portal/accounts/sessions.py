"""Sign-in state kept on the server: pending second factors and signed-in browsers.

Flask's session cookie is signed, not encrypted: anyone can read it, and anyone who learns
SECRET_KEY can write one. So the cookie holds only random secrets, and these tables hold
their SHA-256 hashes with the account: reading a cookie tells nothing, forging one signs no
one in (and skips no second factor), and a copy of the database gives no cookie.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import PendingLogin, User, UserSession
from portal.models.base import utcnow

PENDING_SECONDS = 300  # to type the code after the password


def _digest(secret: object) -> str | None:
    """The stored form of a cookie secret; None for anything no secret looks like."""
    if not isinstance(secret, str) or not 20 <= len(secret) <= 100:
        return None
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_secret() -> tuple[str, str]:
    secret = secrets.token_urlsafe(32)
    return secret, _digest(secret)


def begin_pending(user: User, next_url: str | None, remember: bool) -> str:
    """Hold a sign-in until its second factor; returns the secret for the cookie."""
    now = utcnow()
    db.session.execute(delete(PendingLogin).where(PendingLogin.expires_at <= now))
    secret, token_hash = _new_secret()
    db.session.add(
        PendingLogin(
            token_hash=token_hash,
            user_id=user.id,
            generation=user.session_token,
            next_url=next_url,
            remember=remember,
            code_failures=0,
            expires_at=now + timedelta(seconds=PENDING_SECONDS),
        )
    )
    return secret


def pending_login(secret: object) -> PendingLogin | None:
    """The live pending sign-in this cookie secret names, for an active account."""
    token_hash = _digest(secret)
    if token_hash is None:
        return None
    return db.session.scalar(
        select(PendingLogin)
        .join(User, User.id == PendingLogin.user_id)
        .where(
            PendingLogin.token_hash == token_hash,
            PendingLogin.expires_at > utcnow(),
            PendingLogin.generation == User.session_token,
            User.active.is_(True),
        )
    )


def note_code_failure(pending: PendingLogin) -> bool:
    """Count a wrong code; True when this sign-in has no tries left (and is ended)."""
    db.session.execute(
        update(PendingLogin)
        .where(PendingLogin.id == pending.id)
        .values(code_failures=PendingLogin.code_failures + 1)
    )
    db.session.refresh(pending)
    if pending.code_failures >= current_app.config["MFA_CODES_PER_SIGN_IN"]:
        db.session.delete(pending)
        return True
    return False


def end_pending(pending: PendingLogin) -> None:
    db.session.delete(pending)


def start(user: User, remember: bool) -> None:
    """Open a signed-in session; its secret goes to the cookie through `user.get_id()`."""
    now = utcnow()
    db.session.execute(
        delete(UserSession).where(
            or_(
                UserSession.expires_at <= now,
                (UserSession.user_id == user.id) & (UserSession.generation != user.session_token),
            )
        )
    )
    if remember:
        lifetime = current_app.permanent_session_lifetime
    else:
        lifetime = timedelta(hours=current_app.config["SESSION_HOURS_WITHOUT_REMEMBER"])
    secret, token_hash = _new_secret()
    db.session.add(
        UserSession(
            token_hash=token_hash,
            user_id=user.id,
            generation=user.session_token,
            remember=remember,
            expires_at=now + lifetime,
        )
    )
    user.session_secret = secret


def signed_in_user(secret: object) -> User | None:
    """The active account whose live session this cookie secret names."""
    token_hash = _digest(secret)
    if token_hash is None:
        return None
    user = db.session.scalar(
        select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            UserSession.token_hash == token_hash,
            UserSession.expires_at > utcnow(),
            UserSession.generation == User.session_token,
            User.active.is_(True),
        )
        # A hospital account's every request asks for its facility: in the same round trip.
        .options(joinedload(User.facility))
    )
    if user is not None:
        user.session_secret = secret
    return user


def end(secret: object) -> None:
    """End the session this cookie secret names (signing out, the idle timeout)."""
    token_hash = _digest(secret)
    if token_hash is not None:
        db.session.execute(delete(UserSession).where(UserSession.token_hash == token_hash))
