"""Public pages for citizens: Cek Status (NIK and name) and Cek Kelayakan (self-check).

NIK and name travel only in POST bodies, never in a URL or a log line. Both pages answer
under the form: htmx swaps in the `answer` block, and without JavaScript the same POST
returns the whole page.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request, url_for

from portal.citizen import services
from portal.citizen.forms import EligibilityForm, StatusCheckForm
from portal.extensions import csrf, limiter
from portal.hx import render
from portal.nik import clean_nik
from portal.redirects import moved

bp = Blueprint("citizen", __name__)


def _form_nik_key() -> str:
    return services.nik_limit_key(clean_nik(request.form.get("nik"))[0])


def _form_without_nik() -> bool:
    return not clean_nik(request.form.get("nik"))[0]


def _private(response: Response) -> Response:
    """Answers about a person are never kept by a browser or proxy cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/cek-status", methods=["GET", "POST"])
@csrf.exempt  # see StatusCheckForm
@limiter.limit(lambda: current_app.config["STATUS_LIMIT_PER_ADDRESS"], methods=["POST"])
@limiter.shared_limit(
    lambda: current_app.config["STATUS_LIMIT_PER_NIK"],
    scope="status-nik",
    key_func=_form_nik_key,
    methods=["POST"],
    exempt_when=_form_without_nik,
)
def status():
    """Cek Status: a person's coverage or proposal status from their NIK and KTP name."""
    submitted = request.method == "POST"
    form = StatusCheckForm(request.form if submitted else None)
    answer = None
    if submitted and form.validate():
        answer = services.answer_status_check(form.nik.data, form.name.data, channel="web", with_contacts=True)
    contacts = answer.contacts if answer else ()
    return _private(render("citizen/status.html", block="answer", form=form, answer=answer, contacts=contacts))


@bp.route("/cek-kelayakan", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["ELIGIBILITY_LIMIT_PER_ADDRESS"], methods=["POST"])
def eligibility():
    """Cek Kelayakan: whether a visitor may qualify this year, and whom in their RW to ask."""
    if request.method == "GET":
        # The kecamatan is not personal: it may come in the URL, which is how the
        # kelurahan drop-down refreshes itself through htmx.
        form = EligibilityForm(kecamatan=request.args.get("kecamatan", ""))
        return render("citizen/eligibility.html", block="kelurahan_field", form=form, answer=None)
    form = EligibilityForm()
    answer = None
    if not form.only_choosing_kecamatan and form.validate_on_submit():
        answer = services.judge_eligibility(
            kelurahan_code=form.kelurahan.data,
            rw=form.rw.data,
            birth_date=form.birth_date.data,
            category_code=form.category.data,
            desil=form.desil_value,
            employer_covered=form.employer_covered.data == "ya",
            civil_servant=form.civil_servant.data == "ya",
        )
    return _private(render("citizen/eligibility.html", block="answer", form=form, answer=answer))


# The former English addresses answer 308: a browser repeats a POST, body and all, at the
# new address (a 301 would turn it into a GET and lose the form).
@bp.route("/status", methods=["GET", "POST"])
@csrf.exempt  # only a redirect: the new address checks what it needs
def old_status():
    """The former address of Cek Status."""
    return moved(url_for("citizen.status"), keep_query=False)


@bp.route("/eligibility", methods=["GET", "POST"])
@csrf.exempt  # only a redirect: the new address checks the form's token
def old_eligibility():
    """The former address of Cek Kelayakan."""
    return moved(url_for("citizen.eligibility"))
