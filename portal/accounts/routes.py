"""Signing in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal.accounts import services
from portal.accounts.forms import LoginForm
from portal.extensions import db, limiter
from portal.forms import CsrfOnlyForm
from portal.hx import render

bp = Blueprint("accounts", __name__)


def _login_failed(_response) -> bool:
    return bool(g.get("login_failed"))


def _username_key() -> str:
    return "login-user:" + (request.form.get("username") or "").strip().lower()


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site (no scheme, no host) is followed after login."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/masuk", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
    methods=["POST"],
    deduct_when=_login_failed,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_USERNAME"],
    key_func=_username_key,
    methods=["POST"],
    deduct_when=_login_failed,
)
def login():
    """Sign in with username and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.username.data, form.password.data)
        if user is None:
            g.login_failed = True
            services.note_failed_login(form.username.data)
            db.session.commit()
            form.password.errors.append(_("Nama pengguna atau kata sandi salah."))
        else:
            language = session.get("lang")
            session.clear()  # a fresh session at every login
            if language:
                session["lang"] = language
            session.permanent = True
            login_user(user)
            services.note_login(user)
            db.session.commit()
            next_url = _safe_next(request.args.get("next"))
            return redirect(next_url or url_for("main.dashboard"))
    return render("accounts/login.html", form=form)


@bp.post("/keluar")
def logout():
    """Sign out everywhere: the session token is rotated on the server."""
    form = CsrfOnlyForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        user = current_user._get_current_object()
        user.rotate_session_token()
        db.session.commit()
        logout_user()
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    flash(_("Anda sudah keluar."), "info")
    return redirect(url_for("main.home"))
