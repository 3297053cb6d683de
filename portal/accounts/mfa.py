"""Second factor: TOTP codes from an authenticator app, and one-time recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp
import segno
from flask import current_app

from portal import audit
from portal.models import User
from portal.models.base import utcnow

ISSUER = "Makassar Berjasa"
RECOVERY_CODES = 10
STEP_SECONDS = 30


def required_for(user: User) -> bool:
    """Office accounts must use a second factor; others may opt in."""
    return user.role.value in current_app.config["MFA_REQUIRED_ROLES"] or user.has_totp


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG (no external image request, CSP-safe)."""
    return segno.make(uri, error="m").svg_inline(scale=4, title="QR")


def _matching_step(secret: str, code: str, at: float) -> int | None:
    totp = pyotp.TOTP(secret)
    current = int(at // STEP_SECONDS)
    for step in (current - 1, current, current + 1):  # tolerate clock drift of one step
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def verify_code(user: User, code: str, secret: str | None = None) -> bool:
    """Check a 6-digit code against the user's (or a pending) secret; refuse replays."""
    code = "".join(code.split())
    secret = secret or user.totp_secret
    if not secret or len(code) != 6 or not code.isdigit():
        return False
    step = _matching_step(secret, code, time.time())
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    return True


def _hash_recovery(code: str) -> str:
    normalised = code.replace("-", "").replace(" ", "").upper()
    return hashlib.sha256(normalised.encode()).hexdigest()


def enable(user: User, secret: str) -> list[str]:
    """Turn TOTP on with a confirmed secret; returns fresh recovery codes to show once."""
    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    codes = new_recovery_codes(user)
    audit.record("auth.mfa_enabled", "user", user.id, actor=user)
    return codes


def new_recovery_codes(user: User) -> list[str]:
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = secrets.token_hex(5).upper()
        codes.append(f"{raw[:5]}-{raw[5:]}")
    user.recovery_code_hashes = [_hash_recovery(c) for c in codes]
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    """Accept an unused recovery code once."""
    wanted = _hash_recovery(code)
    remaining = list(user.recovery_code_hashes or [])
    for stored in remaining:
        if hmac.compare_digest(stored, wanted):
            remaining.remove(stored)
            user.recovery_code_hashes = remaining
            audit.record("auth.recovery_code_used", "user", user.id, actor=user, remaining=len(remaining))
            return True
    return False


def disable(user: User, actor: User | None = None) -> None:
    """Remove the second factor (an admin's reset, e.g. after a lost phone)."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    user.recovery_code_hashes = []
    user.rotate_session_token()
    audit.record("auth.mfa_reset", "user", user.id, actor=actor, username=user.username)
