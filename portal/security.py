"""Sessions, the idle timeout and the HTTP headers every response carries."""

from __future__ import annotations

import time

from flask import Flask, Response, current_app, flash, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_url, logout_user

from portal import hx
from portal.accounts import sessions
from portal.extensions import db, login_manager
from portal.models import User

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)


@login_manager.user_loader
def load_user(session_secret: str) -> User | None:
    """The active account whose live server-side session the cookie names."""
    return sessions.signed_in_user(session_secret)


def _enforce_idle_timeout() -> Response | None:
    if not current_user.is_authenticated:
        return None
    now = int(time.time())
    limit = current_app.config["IDLE_TIMEOUT_MINUTES"] * 60
    last_seen = session.get("last_seen", now)
    if now - last_seen > limit:
        sessions.end(current_user.session_secret)
        db.session.commit()
        logout_user()
        session.clear()
        flash(_l("Sesi Anda berakhir karena tidak ada aktivitas. Silakan masuk lagi."), "info")
        return _to_sign_in()
    session["last_seen"] = now
    return None


@login_manager.unauthorized_handler
def _sign_in_first() -> Response:
    """A page for signed-in users asked for without a session: sign in, then come back."""
    flash(login_manager.login_message, login_manager.login_message_category)
    return _to_sign_in()


def _to_sign_in() -> Response:
    # The whole page goes to the sign-in page, also from an htmx row action, and `next`
    # brings the user back to the page they were on (not to the row action's URL).
    return hx.redirect(login_url(login_manager.login_view, next_url=hx.current_page()))


def _set_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.endpoint != "static":
        # Pages may hold personal data (or a TOTP secret): no cache keeps them unless a
        # view says otherwise for a public page.
        response.headers.setdefault("Cache-Control", "no-store")
    if current_app.config["PORTAL_ENV"] == "production":
        response.headers.setdefault(
            "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
        )
    return response


def init_app(app: Flask) -> None:
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Silakan masuk untuk membuka halaman ini.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.before_request(_enforce_idle_timeout)
    app.after_request(_set_headers)
