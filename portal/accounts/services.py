"""Accounts: creating, authenticating and disabling users, bound to their areas."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func
from zxcvbn import zxcvbn

from portal import audit
from portal.accounts.passwords import burn_equal_time, hash_password, verify_password
from portal.extensions import db
from portal.models import AREA_NUMBER_MAX, AREA_ROLES, Kelurahan, PartnerFacility, Role, User
from portal.models.base import utcnow
from portal.validation import consent_without_phone_message

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
MIN_PASSWORD_LENGTH = 12
MIN_PASSWORD_SCORE = 3  # zxcvbn: 0 (too guessable) .. 4 (very unguessable)
PORTAL_WORDS = ("makassar", "berjasa", "bpjs", "ketenagakerjaan", "portal", "perisai")


class AccountError(ValueError):
    """A request about an account that cannot be carried out; the message is for the user."""


def check_password_rules(password: str, username: str = "") -> None:
    """At least 12 characters, and not guessable: zxcvbn's bundled lists of common
    passwords, words and patterns (plus the username and the portal's own words)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_("Kata sandi minimal %(n)d karakter.", n=MIN_PASSWORD_LENGTH))
    verdict = zxcvbn(password[:100], user_inputs=[username, *PORTAL_WORDS])
    if verdict["score"] < MIN_PASSWORD_SCORE:
        raise AccountError(
            _("Kata sandi terlalu mudah ditebak (mirip kata sandi umum). Pakai gabungan beberapa kata yang hanya Anda ketahui.")
        )


def check_area(role: Role, kelurahan_code: str | None, rw: int | None, rt: int | None) -> None:
    """Area roles need a real kelurahan and an RW; office roles take no area."""
    if role in AREA_ROLES:
        if not kelurahan_code or db.session.get(Kelurahan, kelurahan_code) is None:
            raise AccountError(_("Kode kelurahan %(code)s tidak dikenal.", code=kelurahan_code or "-"))
        if rw is None or not 1 <= rw <= AREA_NUMBER_MAX:
            raise AccountError(_("Nomor RW wajib diisi (1-%(max)d) untuk peran ini.", max=AREA_NUMBER_MAX))
        if rt is not None and (role != Role.RT_RW or not 1 <= rt <= AREA_NUMBER_MAX):
            raise AccountError(_("Nomor RT hanya untuk ketua RT/RW dan harus 1-%(max)d.", max=AREA_NUMBER_MAX))
    elif kelurahan_code or rw is not None or rt is not None:
        raise AccountError(_("Peran %(role)s tidak terikat wilayah.", role=role.value))


def areas_with_heads(kelurahan_codes: set[str], *, except_user_id: int | None = None) -> dict[tuple, str]:
    """(kelurahan, RW, RT or None) -> username of the active RT/RW head already there: an
    area (an RW, or one RT of it) has one head."""
    if not kelurahan_codes:
        return {}
    query = db.select(User.kelurahan_code, User.rw, User.rt, User.username).where(
        User.role == Role.RT_RW, User.active.is_(True), User.kelurahan_code.in_(kelurahan_codes)
    )
    if except_user_id is not None:
        query = query.where(User.id != except_user_id)
    return {(k, rw, rt): username for k, rw, rt, username in db.session.execute(query)}


def area_label(kelurahan_name: str, rw: int, rt: int | None) -> str:
    """'Lette RW 002' or 'Lette RW 002 RT 003', as messages about an area name it."""
    return f"{kelurahan_name} RW {rw:03d}" + (f" RT {rt:03d}" if rt else "")


def area_has_head_message(area: str, username: str) -> str:
    return _("%(area)s sudah punya akun ketua (%(user)s).", area=area, user=username)


def check_area_free(role: Role, kelurahan_code: str | None, rw: int | None, rt: int | None,
                    *, except_user_id: int | None = None) -> None:
    """An RT/RW head's area must not have an active head already (the bulk creation checks
    its rows with the same `areas_with_heads`)."""
    if role != Role.RT_RW or not kelurahan_code or rw is None:
        return
    holder = areas_with_heads({kelurahan_code}, except_user_id=except_user_id).get((kelurahan_code, rw, rt))
    if holder is not None:
        kelurahan = db.session.get(Kelurahan, kelurahan_code)
        raise AccountError(area_has_head_message(area_label(kelurahan.name if kelurahan else kelurahan_code, rw, rt), holder))


def check_facility(role: Role, facility_id: int | None) -> None:
    """A hospital account needs an active partner facility; no other role takes one."""
    if role == Role.HOSPITAL:
        facility = db.session.get(PartnerFacility, facility_id) if facility_id else None
        if facility is None or not facility.active:
            raise AccountError(_("Pilih fasilitas kesehatan mitra yang aktif untuk petugas fasilitas."))
    elif facility_id is not None:
        raise AccountError(_("Hanya petugas fasilitas yang terikat pada fasilitas kesehatan."))


def create_user(
    username: str,
    role: Role,
    password: str,
    *,
    full_name: str = "",
    kelurahan_code: str | None = None,
    rw: int | None = None,
    rt: int | None = None,
    phone: str | None = None,
    phone_public: bool = False,
    phone_consent: bool = False,
    facility_id: int | None = None,
    actor: User | None = None,
    second_head: bool = False,
) -> User:
    """Create an account after checking its name, password and area (an area has one head;
    `second_head` is for test fixtures only)."""
    username = username.strip().lower()
    if not USERNAME_PATTERN.match(username):
        raise AccountError(
            _("Nama pengguna 3-64 karakter: huruf kecil, angka, titik, garis bawah atau strip.")
        )
    if db.session.scalar(db.select(User.id).filter_by(username=username)) is not None:
        raise AccountError(_("Nama pengguna %(u)s sudah dipakai.", u=username))
    check_password_rules(password, username)
    check_area(role, kelurahan_code, rw, rt)
    if not second_head:
        check_area_free(role, kelurahan_code, rw, rt)
    check_facility(role, facility_id)
    user = User(
        username=username,
        full_name=full_name,
        password_hash=hash_password(password),
        role=role,
        kelurahan_code=kelurahan_code,
        rw=rw,
        rt=rt,
        phone=phone,
        phone_public=phone_public,
        phone_consent=bool(phone_consent and phone),
        facility_id=facility_id,
    )
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", "user", user.id, actor=actor, role=role.value, username=username, phone_consent=user.phone_consent)
    return user


def authenticate(username: str, password: str) -> User | None:
    """The active user with this name and password, or None (in equal time either way)."""
    user = db.session.scalar(db.select(User).filter_by(username=username.strip().lower()))
    if user is None:
        burn_equal_time(password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    return user


def disable_user(user: User, actor: User | None = None) -> None:
    """Disable an account; its open sessions stop working on their next request."""
    user.active = False
    user.rotate_session_token()
    audit.record("user.disable", "user", user.id, actor=actor, username=user.username)


def set_password(user: User, password: str, actor: User | None = None) -> None:
    check_password_rules(password, user.username)
    user.password_hash = hash_password(password)
    user.rotate_session_token()
    if user.awaiting_activation:
        # A password set by an admin replaces the activation letter: its code stops working.
        user.activation_code_hash = user.activation_expires_at = None
        user.activated_at = utcnow()
    audit.record("user.password", "user", user.id, actor=actor, username=user.username)


@dataclass(frozen=True)
class FailedAttempts:
    """Failed attempts on an account between two of its owner's sign-ins."""

    passwords: int
    codes: int  # wrong second-factor codes after the right password
    since: datetime
    last: datetime


def note_login(user: User) -> FailedAttempts | None:
    """Record a sign-in; returns the failed attempts since the previous one, once."""
    attempts = None
    if user.failed_password_count or user.failed_code_count:
        attempts = FailedAttempts(
            passwords=user.failed_password_count or 0,
            codes=user.failed_code_count or 0,
            since=user.last_login_at or user.created_at,
            last=user.last_failed_login_at or utcnow(),
        )
        audit.record(
            "auth.failures_reported", "user", user.id, actor=user,
            failed_passwords=attempts.passwords, failed_codes=attempts.codes,
        )
    user.failed_password_count = user.failed_code_count = user.last_failed_login_at = None
    user.last_login_at = utcnow()
    audit.record("auth.login", "user", user.id, actor=user)
    return attempts


def _count_failure(user_id: int, column) -> None:
    # One UPDATE, so failures arriving together are all counted.
    db.session.execute(
        db.update(User)
        .where(User.id == user_id)
        .values({column: func.coalesce(column, 0) + 1, User.last_failed_login_at: utcnow()})
    )


def note_failed_login(username: str) -> None:
    """A wrong password: audited, and counted on the account (if there is one) for its owner."""
    # The attempted name is kept only when it is a real account, never the password.
    user_id = db.session.scalar(db.select(User.id).filter_by(username=username.strip().lower()))
    audit.record("auth.login_failed", "user", user_id, actor=None)
    if user_id is not None:
        _count_failure(user_id, User.failed_password_count)


def note_failed_code(user: User) -> None:
    """A wrong second-factor code after the right password: audited and counted."""
    audit.record("auth.mfa_failed", "user", user.id, actor=None)
    _count_failure(user.id, User.failed_code_count)


def set_phone_consent(user: User, consent: bool, actor: User) -> bool:
    """Record the account's consent to messages on its number; whether it changed (audited, without the number)."""
    if consent and not user.phone:
        raise AccountError(consent_without_phone_message())
    if user.phone_consent == consent:
        return False
    user.phone_consent = consent
    audit.record("user.phone_consent", "user", user.id, actor=actor, username=user.username, phone_consent=consent)
    return True


def set_message_locale(user: User, locale: str, actor: User) -> bool:
    """Record the language of the account's messages ("id" or "en"); whether it changed (audited)."""
    if locale not in current_app.config["LANGUAGES"]:
        raise AccountError(_("Pilih bahasa pesan."))
    if user.message_locale == locale:
        return False
    user.message_locale = locale
    audit.record("user.message_locale", "user", user.id, actor=actor, username=user.username, message_locale=locale)
    return True
