"""Portal accounts and their roles, each bound to the area it may see."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import TimestampMixin, enum_column, utcnow
from portal.models.facilities import PartnerFacility
from portal.models.regions import Kelurahan


class Role(enum.StrEnum):
    ADMIN = "admin"
    STAFF = "staff"  # labour office (Dinas Ketenagakerjaan) at Balai Kota
    RT_RW = "rt_rw"  # an RT/RW head: one kelurahan and RW, optionally one RT
    AGENT = "agent"  # Agen Perisai: one kelurahan and RW
    HOSPITAL = "hospital"  # staff of one partner facility: the patient cover look-up only


AREA_ROLES = frozenset({Role.RT_RW, Role.AGENT})
OFFICE_ROLES = frozenset({Role.ADMIN, Role.STAFF})


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    kelurahan_code: Mapped[str | None] = mapped_column(ForeignKey("kelurahan.code"), index=True)
    # The partner facility a hospital account works for (hospital role only).
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("partner_facility.id"), index=True)
    rw: Mapped[int | None] = mapped_column(Integer)
    rt: Mapped[int | None] = mapped_column(Integer)
    phone: Mapped[str | None] = mapped_column(String(20))
    # The head agreed that citizens asking about eligibility may see their phone number.
    phone_public: Mapped[bool] = mapped_column(Boolean, default=False)
    # The account's owner agreed to get messages on that phone (portal.notifications).
    phone_consent: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # The language of those messages (the owner's choice on the security page): "id" or "en".
    message_locale: Mapped[str] = mapped_column(String(5), default="id", server_default="id")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Rotated at logout, disabling and password change: every sign-in made under the old
    # token (user_session, pending_login) stops working at once, on every device.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Failed attempts on this account since its last sign-in, shown to the owner once at
    # the next one: wrong passwords, and wrong codes after the right password.
    failed_password_count: Mapped[int | None] = mapped_column(Integer)
    failed_code_count: Mapped[int | None] = mapped_column(Integer)
    last_failed_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Second factor (TOTP, RFC 6238): required for office roles, optional for the others.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The last 30-second step accepted, so a code cannot be replayed.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    # SHA-256 hashes of the unused one-time recovery codes.
    recovery_code_hashes: Mapped[list] = mapped_column(JSON, default=list)
    # Accounts made from an uploaded sheet (AccountBatch) have no password until their owner
    # activates them with the one-time code of their activation letter: only its SHA-256
    # hash is kept, with its expiry; activated_at is when the owner set a password.
    account_batch_id: Mapped[int | None] = mapped_column(ForeignKey("account_batch.id"), index=True)
    activation_code_hash: Mapped[str | None] = mapped_column(String(64))
    activation_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    activated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    kelurahan: Mapped[Kelurahan | None] = relationship()
    facility: Mapped[PartnerFacility | None] = relationship()
    account_batch: Mapped[AccountBatch | None] = relationship(back_populates="users", foreign_keys=[account_batch_id])

    # The secret of the browser session this object was loaded or signed in with; never
    # stored (user_session keeps its hash). Flask-Login keeps it in the cookie.
    session_secret = None

    def get_id(self) -> str | None:
        return self.session_secret

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_office(self) -> bool:
        return self.role in OFFICE_ROLES

    @property
    def is_area_bound(self) -> bool:
        return self.role in AREA_ROLES

    @property
    def is_hospital(self) -> bool:
        return self.role == Role.HOSPITAL

    @property
    def awaiting_activation(self) -> bool:
        """Made from a sheet and its owner has not yet set a password."""
        return self.account_batch_id is not None and self.activated_at is None

    @property
    def has_totp(self) -> bool:
        return self.totp_enabled_at is not None and bool(self.totp_secret)

    def rotate_session_token(self) -> None:
        self.session_token = new_session_token()

    @property
    def area_label(self) -> str:
        if self.facility is not None:
            return self.facility.name
        if not self.kelurahan:
            return ""
        label = f"{self.kelurahan.name} RW {self.rw:03d}"
        if self.rt:
            label += f" RT {self.rt:03d}"
        return label


class AccountBatch(db.Model):
    """RT/RW heads' and agents' accounts an admin created from one uploaded sheet."""

    __tablename__ = "account_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # use_alter: user_account and account_batch refer to each other.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", use_alter=True))
    account_count: Mapped[int] = mapped_column(Integer, default=0)
    # When activation letters of the whole batch were last printed (each print issues new codes).
    letters_printed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    users: Mapped[list[User]] = relationship(
        back_populates="account_batch", foreign_keys="User.account_batch_id", order_by="User.username"
    )


class PendingLogin(db.Model):
    """A sign-in whose password was right and whose second factor is still to come.

    The browser holds only a random secret whose hash is `token_hash`; the account, the
    tries left and where to go next stay here, so no cookie can skip the code.
    """

    __tablename__ = "pending_login"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # The account's session_token when the password was given: rotating it ends this too.
    generation: Mapped[str] = mapped_column(String(64))
    next_url: Mapped[str | None] = mapped_column(String(2048))
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    code_failures: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)

    user: Mapped[User] = relationship()


class UserSession(db.Model):
    """One signed-in browser: the cookie holds a random secret, this row its SHA-256 hash.

    A cookie forged with SECRET_KEY names no secret the table knows, and a copy of the
    database gives no cookie.
    """

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # The account's session_token at sign-in: logout, disabling and a new password rotate it.
    generation: Mapped[str] = mapped_column(String(64))
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)

    user: Mapped[User] = relationship()
