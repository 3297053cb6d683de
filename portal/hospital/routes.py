"""The one page a partner facility's account sees: is this patient covered today?

NIK and name, and the code of a scanned card, travel only in POST bodies. The answer shows under the forms: htmx swaps in
the `answer` block, and without JavaScript the same POST returns the whole page.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import refuse, roles_required
from portal.cases.routes import REPORTER_ENDPOINTS
from portal.extensions import limiter
from portal.hospital import services
from portal.hospital.forms import CardLookupForm, KpjLookupForm, NikLookupForm
from portal.hx import render
from portal.models import Role
from portal.ratelimit import retry_after_seconds

bp = Blueprint("hospital", __name__, url_prefix="/rs")

# What a hospital account may open besides its look-up: signing in and out, its own second
# factor, the language switch, the static files and its facility's case reports
# (portal.cases.routes.REPORTER_ENDPOINTS). Everything else answers 404.
ALLOWED_ENDPOINTS = frozenset({
    "static",
    "accounts.login",
    "accounts.second_factor",
    "accounts.enrol",
    "accounts.security",
    "accounts.new_recovery_codes",
    "accounts.logout",
    "main.set_language",
})


@bp.before_app_request
def _hospital_accounts_see_only_their_page():
    # Anonymous requests never load a user here (no session cookie, no query).
    if not current_user.is_authenticated or current_user.role != Role.HOSPITAL:
        return None
    if request.endpoint in ALLOWED_ENDPOINTS or (request.endpoint or "").startswith("hospital."):
        return None
    if request.endpoint in REPORTER_ENDPOINTS:  # its own facility's cases (portal.cases)
        if _facility_closed():
            refuse(reason="facility_inactive")
        return None
    refuse(reason="role")


@bp.app_context_processor
def _start_page() -> dict:
    return {"start_url": start_url, "home_url": home_url}


def _is_hospital() -> bool:
    return current_user.is_authenticated and current_user.role == Role.HOSPITAL


def home_url() -> str:
    """The portal's front page, or for a facility's account (which may not open it) its look-up."""
    return url_for("hospital.lookup") if _is_hospital() else url_for("main.home")


def start_url() -> str:
    """Where the signed-in user begins: a facility's account at its look-up, others on their dashboard."""
    return url_for("hospital.lookup") if _is_hospital() else url_for("main.dashboard")


def _account_key() -> str:
    return f"hospital-account:{current_user.id}"


def _facility_closed() -> bool:
    facility = current_user.facility
    return facility is None or not facility.active


def _private(response: Response) -> Response:
    """Answers about a patient are never kept by a browser or proxy cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


_lookup_limit = limiter.shared_limit(
    lambda: current_app.config["HOSPITAL_LOOKUP_LIMIT_PER_ACCOUNT"],
    scope="hospital-lookup",
    key_func=_account_key,
    methods=["POST"],
)


def _page(nik_form: NikLookupForm, kpj_form: KpjLookupForm, card_form: CardLookupForm | None = None, answer=None):
    return _private(render(
        "hospital/lookup.html", block="answer",
        nik_form=nik_form, kpj_form=kpj_form, card_form=card_form or CardLookupForm(formdata=None),
        answer=answer, facility=current_user.facility,
    ))


@bp.route("/cek-pasien", methods=["GET", "POST"])
@roles_required(Role.HOSPITAL)
@_lookup_limit
def lookup():
    """Look a patient up by NIK and KTP name: covered today, period, programmes, masked name."""
    nik_form, kpj_form = NikLookupForm(), KpjLookupForm(formdata=None)
    if _facility_closed():
        refuse(reason="facility_inactive")
    answer = None
    if request.method == "POST" and nik_form.validate_on_submit():
        answer = services.cover_by_nik(nik_form.nik.data, nik_form.name.data)
        services.record_lookup(answer, current_user.facility, "nik")
        # Empty for the next patient: the page does not keep this one's NIK and name.
        nik_form = NikLookupForm(formdata=None)
    return _page(nik_form, kpj_form, answer=answer)


@bp.post("/cek-pasien/kpj")
@roles_required(Role.HOSPITAL)
@_lookup_limit
def lookup_kpj():
    """Look a patient up by their BPJS KPJ number."""
    nik_form, kpj_form = NikLookupForm(formdata=None), KpjLookupForm()
    if _facility_closed():
        refuse(reason="facility_inactive")
    answer = None
    if kpj_form.validate_on_submit():
        answer = services.cover_by_kpj(kpj_form.kpj.data)
        services.record_lookup(answer, current_user.facility, "kpj")
        kpj_form = KpjLookupForm(formdata=None)
    return _page(nik_form, kpj_form, answer=answer)


@bp.post("/cek-pasien/kartu")
@roles_required(Role.HOSPITAL)
@_lookup_limit
def lookup_card():
    """Look a patient up by what their card's QR code says, scanned in the browser or typed."""
    card_form = CardLookupForm()
    if _facility_closed():
        refuse(reason="facility_inactive")
    answer = None
    if card_form.validate_on_submit():
        answer = services.cover_by_card(card_form.code.data)
        services.record_lookup(answer, current_user.facility, "card")
        card_form = CardLookupForm(formdata=None)
    return _page(NikLookupForm(formdata=None), KpjLookupForm(formdata=None), card_form, answer)


@bp.errorhandler(429)
def too_many_lookups(_error):
    """The account's look-ups are held for a while: say so, and how long."""
    return render(
        "errors/error.html",
        block="content",
        status=429,
        code=429,
        title=_("Terlalu banyak pencarian"),
        message=_("Akun ini sudah mencari terlalu banyak pasien dalam waktu singkat. Coba lagi sebentar lagi, atau hubungi Dinas Ketenagakerjaan bila ini keliru."),
        retry_after=retry_after_seconds(),
    )
