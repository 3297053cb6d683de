"""One-time activation codes: how an account made from a sheet gets its first password.

A code is issued when its letter is printed and exists in plain text only on that letter;
the account keeps its SHA-256 hash and an expiry. The owner gives username and code at
/aktivasi and chooses a password under the usual rules; the code then stops working.
Printing a letter again issues a new code and the old one stops working. No password is
ever printed or sent.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _

from portal import audit
from portal.accounts.passwords import burn_equal_time, hash_password
from portal.accounts.services import AccountError, check_password_rules
from portal.extensions import db
from portal.models import User
from portal.models.base import utcnow

# No 0/O, 1/I/L: the code is read off paper and typed on a phone.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12  # 31^12, about 2^59: with sign-in throttling, not guessable before it expires


class ActivationError(AccountError):
    """Username and code do not open an activation; the message is for the user."""


def normalise(code: str) -> str:
    """What the owner typed, without spaces and dashes, in capitals."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def new_code() -> str:
    """A fresh code, written in groups of four: 'K7QM-2XWP-9HDA'."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, CODE_LENGTH, 4))


def issue_codes(users: list[User], now: datetime | None = None) -> dict[int, str]:
    """A new code for each account still awaiting activation (earlier codes stop working); user id -> code."""
    now = now or utcnow()
    expires = now + timedelta(days=current_app.config["ACTIVATION_CODE_DAYS"])
    codes = {}
    for user in users:
        if not user.awaiting_activation:
            continue
        code = new_code()
        user.activation_code_hash = code_hash(code)
        user.activation_expires_at = expires
        codes[user.id] = code
    return codes


def _matching_user(username: str, code: str) -> User | None:
    user = db.session.scalar(db.select(User).filter_by(username=username.strip().lower()))
    if user is None or not user.activation_code_hash:
        return None
    return user if hmac.compare_digest(user.activation_code_hash, code_hash(code)) else None


def activate(username: str, code: str, password: str, confirm: str) -> User:
    """Set the first password of an account with its activation code; the code is then spent (the caller commits)."""
    user = _matching_user(username, code)
    if user is None or not user.active or not user.awaiting_activation:
        raise ActivationError(_("Nama pengguna atau kode aktivasi salah, atau kode sudah dipakai."))
    expires_at = user.activation_expires_at
    if expires_at is not None and expires_at.tzinfo is None:  # SQLite gives naive UTC
        expires_at = expires_at.replace(tzinfo=utcnow().tzinfo)
    if expires_at is None or expires_at <= utcnow():
        raise ActivationError(_("Kode aktivasi sudah kedaluwarsa. Minta Dinas Ketenagakerjaan mencetak surat aktivasi baru."))
    if password != confirm:
        raise AccountError(_("Kedua kata sandi tidak sama."))
    check_password_rules(password, user.username)
    user.password_hash = hash_password(password)
    user.activation_code_hash = None
    user.activation_expires_at = None
    user.activated_at = utcnow()
    user.rotate_session_token()
    audit.record("user.activate", "user", user.id, actor=user, username=user.username)
    return user


def note_failed_activation(username: str, password: str) -> None:
    """A wrong username or code: audited, in about the time a right one takes."""
    burn_equal_time(password or "x")
    user_id = db.session.scalar(db.select(User.id).filter_by(username=(username or "").strip().lower()))
    audit.record("auth.activation_failed", "user", user_id, actor=None)
