"""Signing in (password, then a second factor where required), signing out, account security."""

from __future__ import annotations

import time

from flask import Blueprint, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from portal import audit
from portal.accounts import mfa, services
from portal.accounts.forms import EnrolForm, LoginForm, SecondFactorForm
from portal.extensions import db, limiter
from portal.forms import CsrfOnlyForm
from portal.hx import render
from portal.models import User
from portal.redirects import safe_next
from portal.security import load_user

bp = Blueprint("accounts", __name__)

PENDING_LOGIN = "pending_login"  # password accepted, second factor still to come
PENDING_SECONDS = 300
ENROL_SECRET = "enrol_totp_secret"


def _login_failed(_response) -> bool:
    return bool(g.get("login_failed"))


def _username_key() -> str:
    return "login-user:" + (request.form.get("username") or "").strip().lower()


def _pending_key() -> str:
    return "login-code:" + str((session.get(PENDING_LOGIN) or {}).get("token", request.remote_addr))


def _fresh_session() -> None:
    """Drop everything from the old session but the language (no session fixation)."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language


def _complete_login(user: User, next_url: str | None = None):
    _fresh_session()
    session.permanent = True
    login_user(user)
    services.note_login(user)
    db.session.commit()
    return redirect(safe_next(next_url) or url_for("main.dashboard"))


def _pending_user() -> User | None:
    pending = session.get(PENDING_LOGIN)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        session.pop(PENDING_LOGIN, None)
        return None
    return load_user(pending["token"])


@bp.route("/masuk", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"], deduct_when=_login_failed)
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
    next_url = safe_next(request.args.get("next"))
    if form.validate_on_submit():
        user = services.authenticate(form.username.data, form.password.data)
        if user is None:
            g.login_failed = True
            services.note_failed_login(form.username.data)
            db.session.commit()
            form.password.errors.append(_("Nama pengguna atau kata sandi salah."))
        elif mfa.required_for(user):
            _fresh_session()
            session[PENDING_LOGIN] = {
                "token": user.session_token,
                "at": int(time.time()),
                "next": next_url,
            }
            if user.has_totp:
                return redirect(url_for("accounts.second_factor"))
            return redirect(url_for("accounts.enrol"))
        else:
            return _complete_login(user, next_url)
    return render("accounts/login.html", form=form, next_url=next_url)


@bp.route("/masuk/kode", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["MFA_CODE_LIMIT"], key_func=_pending_key, methods=["POST"], deduct_when=_login_failed
)
def second_factor():
    """Second step of signing in: a code from the authenticator app or a recovery code."""
    user = _pending_user()
    if user is None or not user.has_totp:
        flash(_("Silakan masuk lagi."), "info")
        return redirect(url_for("accounts.login"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        code = form.code.data.strip()
        if mfa.verify_code(user, code) or mfa.use_recovery_code(user, code):
            return _complete_login(user, session.get(PENDING_LOGIN, {}).get("next"))
        g.login_failed = True
        audit.record("auth.mfa_failed", "user", user.id, actor=None)
        db.session.commit()
        form.code.errors.append(_("Kode salah atau sudah kedaluwarsa. Coba kode yang baru muncul."))
    return render("accounts/second_factor.html", form=form)


@bp.route("/masuk/aktifkan-kode", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["MFA_CODE_LIMIT"], key_func=_pending_key, methods=["POST"], deduct_when=_login_failed
)
def enrol():
    """Set up the authenticator app: scan the QR code, confirm with a first code."""
    user = current_user if current_user.is_authenticated else _pending_user()
    if user is None:
        return redirect(url_for("accounts.login"))
    if user.has_totp:
        return redirect(url_for("accounts.security"))
    secret = session.get(ENROL_SECRET) or mfa.new_secret()
    session[ENROL_SECRET] = secret
    form = EnrolForm()
    if form.validate_on_submit():
        if mfa.verify_code(user, form.code.data, secret=secret):
            session.pop(ENROL_SECRET, None)
            codes = mfa.enable(user, secret)
            db.session.commit()
            if not current_user.is_authenticated:
                next_url = session.get(PENDING_LOGIN, {}).get("next")
                _complete_login(user, next_url)
            return render("accounts/recovery_codes.html", codes=codes)
        g.login_failed = True
        form.code.errors.append(_("Kode tidak cocok. Pastikan jam ponsel tepat lalu coba kode yang baru."))
    uri = mfa.provisioning_uri(user, secret)
    return render("accounts/enrol.html", form=form, qr_svg=mfa.qr_svg(uri), secret=secret)


@bp.get("/akun/keamanan")
@login_required
def security():
    """The signed-in user's second factor and recovery codes."""
    return render(
        "accounts/security.html",
        form=CsrfOnlyForm(),
        required=current_user.role.value in current_app.config["MFA_REQUIRED_ROLES"],
        remaining=len(current_user.recovery_code_hashes or []),
    )


@bp.post("/akun/keamanan/kode-pemulihan")
@login_required
def new_recovery_codes():
    """Replace the recovery codes (the old ones stop working)."""
    if not current_user.has_totp:
        return redirect(url_for("accounts.security"))
    codes = mfa.new_recovery_codes(current_user)
    audit.record("auth.recovery_codes_renewed", "user", current_user.id)
    db.session.commit()
    return render("accounts/recovery_codes.html", codes=codes)


@bp.post("/keluar")
def logout():
    """Sign out everywhere: the session token is rotated on the server."""
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        user.rotate_session_token()
        db.session.commit()
        logout_user()
    _fresh_session()
    flash(_("Anda sudah keluar."), "info")
    return redirect(url_for("main.home"))
