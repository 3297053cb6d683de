"""Signing in (password, then a second factor where required), signing out, account security."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, request, session, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from portal import audit
from portal.accounts import activation, mfa, services, sessions, throttle
from portal.access import roles_required
from portal.accounts.forms import ActivationForm, EnrolForm, LoginForm, OwnPhoneConsentForm, SecondFactorForm
from portal.extensions import db
from portal.forms import CsrfOnlyForm
from portal.hx import render
from portal.hospital.routes import start_url
from portal.models import AREA_ROLES, PendingLogin, Role, User
from portal.ratelimit import retry_after_seconds
from portal.redirects import safe_next

bp = Blueprint("accounts", __name__)

PENDING_LOGIN = "pending_login"  # the cookie's only mark of a password awaiting its code
ENROL_SECRET = "enrol_totp_secret"


def _fresh_session() -> None:
    """Drop everything from the old session but the language (no session fixation)."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language


def _pending_login() -> PendingLogin | None:
    """The pending sign-in the cookie names, looked up once per request."""
    if "pending_login" not in g:
        g.pending_login = sessions.pending_login(session.get(PENDING_LOGIN))
    return g.pending_login


def _form_account() -> str:
    return throttle.account_key(request.form.get("username") or "")


def _pending_account() -> str:
    pending = _pending_login()
    return throttle.account_key(pending.user.username if pending else "")


def _attack_notice(attempts: services.FailedAttempts) -> str:
    text = _(
        "Ada %(n)d percobaan masuk gagal ke akun Anda sejak %(since)s; yang terakhir %(last)s.",
        n=attempts.passwords + attempts.codes,
        since=format_datetime(attempts.since, "short"),
        last=format_datetime(attempts.last, "short"),
    )
    if attempts.codes:
        text += " " + _(
            "%(n)d di antaranya memakai kata sandi yang benar dengan kode verifikasi yang salah: "
            "kata sandi Anda mungkin diketahui orang lain.",
            n=attempts.codes,
        )
    return text + " " + _("Jika itu bukan Anda, minta admin mengganti kata sandi Anda.")


def _sign_in(user: User, remember: bool, pending: PendingLogin | None = None) -> None:
    """Open a fresh server-side session for the account; tell the owner of failed attempts."""
    _fresh_session()
    if pending is not None:
        sessions.end_pending(pending)
    session.permanent = remember  # without "Ingat saya" the cookie ends with the browser
    sessions.start(user, remember)
    login_user(user)
    attempts = services.note_login(user)
    db.session.commit()
    throttle.forget_failures(user.username)
    if attempts:
        flash(_attack_notice(attempts), "warning")


def _complete_login(user: User, next_url: str | None, remember: bool, pending: PendingLogin | None = None):
    _sign_in(user, remember, pending)
    if user.role == Role.HOSPITAL:
        # A facility's account has one page; a `next` elsewhere would only answer 404.
        return redirect(url_for("hospital.lookup"))
    return redirect(safe_next(next_url) or url_for("main.dashboard"))


@bp.errorhandler(429)
def too_many_attempts(_error):
    """Sign-in refused for a while: say why, and that the owner can still get in elsewhere."""
    return render(
        "errors/error.html",
        block="content",
        status=429,
        code=429,
        title=_("Terlalu banyak percobaan masuk yang gagal"),
        message=_(
            "Demi keamanan akun, percobaan masuk dari jaringan ini ditahan sementara. Pemilik "
            "akun tetap dapat masuk dari jaringan lain, misalnya data seluler."
        ),
        retry_after=retry_after_seconds(),
    )


@bp.route("/masuk", methods=["GET", "POST"])
@throttle.limit_failures("password", _form_account)
def login():
    """Sign in with username and password."""
    if current_user.is_authenticated:
        return redirect(start_url())
    form = LoginForm()
    next_url = safe_next(request.args.get("next"))
    if form.validate_on_submit():
        user = services.authenticate(form.username.data, form.password.data)
        if user is None:
            throttle.note_failure()
            services.note_failed_login(form.username.data)
            db.session.commit()
            form.password.errors.append(_("Nama pengguna atau kata sandi salah."))
        elif mfa.required_for(user):
            _fresh_session()
            session[PENDING_LOGIN] = sessions.begin_pending(user, next_url, form.remember.data)
            db.session.commit()
            return redirect(url_for("accounts.second_factor" if user.has_totp else "accounts.enrol"))
        else:
            return _complete_login(user, next_url, form.remember.data)
    return render("accounts/login.html", form=form, next_url=next_url)


@bp.route("/masuk/kode", methods=["GET", "POST"])
@throttle.limit_failures("code", _pending_account)
def second_factor():
    """Second step of signing in: a code from the authenticator app or a recovery code."""
    pending = _pending_login()
    if pending is None or not pending.user.has_totp:
        session.pop(PENDING_LOGIN, None)
        flash(_("Silakan masuk lagi."), "info")
        return redirect(url_for("accounts.login"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        user = pending.user
        code = form.code.data.strip()
        if mfa.verify_code(user, code) or mfa.use_recovery_code(user, code):
            return _complete_login(user, pending.next_url, pending.remember, pending)
        throttle.note_failure()
        services.note_failed_code(user)
        if sessions.note_code_failure(pending):
            session.pop(PENDING_LOGIN, None)
            db.session.commit()
            flash(_("Terlalu banyak kode yang salah. Masukkan kata sandi Anda lagi."), "error")
            return redirect(url_for("accounts.login"))
        db.session.commit()
        form.code.errors.append(_("Kode salah atau sudah kedaluwarsa. Coba kode yang baru muncul."))
    return render("accounts/second_factor.html", form=form)


@bp.route("/masuk/aktifkan-kode", methods=["GET", "POST"])
def enrol():
    """Set up the authenticator app: scan the QR code, confirm with a first code."""
    pending = None if current_user.is_authenticated else _pending_login()
    user = current_user if current_user.is_authenticated else (pending.user if pending else None)
    if user is None:
        return redirect(url_for("accounts.login"))
    if user.has_totp:
        return redirect(url_for("accounts.security"))
    secret = session.get(ENROL_SECRET) or mfa.new_secret()
    session[ENROL_SECRET] = secret
    form = EnrolForm()
    if form.validate_on_submit():
        # Not throttled: the code checks a secret this very page shows, there is nothing to guess.
        if mfa.verify_code(user, form.code.data, secret=secret):
            session.pop(ENROL_SECRET, None)
            codes = mfa.enable(user, secret)
            db.session.commit()
            if pending is not None:
                _sign_in(user, pending.remember, pending)
            return render("accounts/recovery_codes.html", codes=codes)
        form.code.errors.append(_("Kode tidak cocok. Pastikan jam ponsel tepat lalu coba kode yang baru."))
    uri = mfa.provisioning_uri(user, secret)
    return render("accounts/enrol.html", form=form, qr_svg=mfa.qr_svg(uri), secret=secret)


@bp.route("/aktivasi", methods=["GET", "POST"])
@throttle.limit_failures("activation", _form_account)
def activate():
    """Activate an account from a sheet: username and the letter's code, then a password of one's own."""
    if current_user.is_authenticated:
        return redirect(start_url())
    form = ActivationForm()
    if form.validate_on_submit():
        try:
            user = activation.activate(form.username.data, form.code.data, form.password.data, form.confirm.data)
        except activation.ActivationError as error:
            db.session.rollback()
            throttle.note_failure()
            activation.note_failed_activation(form.username.data, form.password.data)
            db.session.commit()
            form.code.errors.append(str(error))
        except services.AccountError as error:
            db.session.rollback()
            form.password.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Akun %(u)s sudah aktif. Silakan masuk dengan kata sandi baru Anda.", u=user.username), "success")
            return redirect(url_for("accounts.login"))
    return render("accounts/activate.html", form=form, status=422 if form.errors else 200)


@bp.get("/akun/keamanan")
@login_required
def security():
    """The signed-in user's second factor and recovery codes."""
    return _security_page()


def _security_page(consent_form: OwnPhoneConsentForm | None = None, status: int = 200):
    area_account = current_user.role in AREA_ROLES
    return render(
        "accounts/security.html",
        status=status,
        form=CsrfOnlyForm(),
        required=current_user.role.value in current_app.config["MFA_REQUIRED_ROLES"],
        remaining=len(current_user.recovery_code_hashes or []),
        consent_form=(consent_form or OwnPhoneConsentForm(formdata=None, data={
            "phone_consent": current_user.phone_consent, "message_locale": current_user.message_locale})) if area_account else None,
        masked_phone=_masked_phone(current_user.phone),
    )


def _masked_phone(phone: str | None) -> str | None:
    """0812******90: enough for the owner to recognise their number, not to read it off a shared screen."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    return digits[:4] + "*" * max(len(digits) - 6, 0) + digits[-2:] if digits else None


@bp.post("/akun/kabar")
@roles_required(*AREA_ROLES)
def phone_consent():
    """The RT/RW head's or agent's own consent to messages on the number the office recorded."""
    form = OwnPhoneConsentForm()
    if not form.validate_on_submit():
        return _security_page(form, status=400)
    try:
        changed = services.set_phone_consent(current_user, bool(form.phone_consent.data), current_user)
        language_changed = services.set_message_locale(current_user, form.message_locale.data or current_user.message_locale, current_user)
    except services.AccountError as error:
        db.session.rollback()
        form.phone_consent.errors = [str(error)]
        return _security_page(form, status=400)
    db.session.commit()
    if changed:
        flash(_("Persetujuan menerima kabar disimpan.") if current_user.phone_consent else _("Anda tidak akan menerima kabar lewat WhatsApp/SMS."), "success")
    elif language_changed:
        flash(_("Bahasa pesan disimpan."), "success")
    return redirect(url_for("accounts.security", _anchor="kabar"))


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
    """Sign out everywhere: this session ends and the account's token is rotated."""
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        sessions.end(user.session_secret)
        user.rotate_session_token()
        db.session.commit()
        logout_user()
    _fresh_session()
    flash(_("Anda sudah keluar."), "info")
    return redirect(url_for("main.home"))
