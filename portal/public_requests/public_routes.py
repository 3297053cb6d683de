"""The public side of the request desk, under /permintaan: choose a kind, send a request (no
account), get a tracking code, and track it by code (and NIK, for personal requests).

The code is never in a URL: a sent form redirects to /permintaan/terkirim, which shows the
code kept in the session for that one page (so reloading the confirmation never sends the
request twice), and tracking is a POST. NIKs, names and phones travel only in POST bodies.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, redirect, request, session, url_for

from portal.citizen.services import nik_limit_key
from portal.extensions import csrf, db, limiter
from portal.hx import render
from portal.models import RequestKind
from portal.nik import clean_nik
from portal.public_requests import kinds, public_services
from portal.public_requests.public_forms import RequestForm, TrackingForm

bp = Blueprint("requests_public", __name__, url_prefix="/permintaan")

# The kind in a URL, in the language of the page addresses (/cek-status, /permintaan/lacak).
SLUGS = {
    RequestKind.SHOULD_BE_COVERED: "usulan",
    RequestKind.REJECTED: "ditolak",
    RequestKind.DATA_WRONG: "data-salah",
    RequestKind.CARD_MISSING: "kartu-belum-sampai",
    RequestKind.DIED_OR_MOVED: "meninggal-atau-pindah",
    RequestKind.OBJECTION: "sanggahan",
    RequestKind.PERSONAL_DATA: "data-pribadi",
    RequestKind.OTHER: "lainnya",
}
KIND_OF_SLUG = {slug: kind for kind, slug in SLUGS.items()}


def _private(response: Response) -> Response:
    """Answers about a request are never kept by a browser or proxy cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _typed_nik(name: str) -> str:
    return clean_nik(request.form.get(name))[0]


def _limit_by_nik(name: str, setting: str, scope: str):
    """A per-NIK limit on POSTs that carry a NIK in field `name` (keys are HMACs, never NIKs)."""
    return limiter.shared_limit(
        lambda: current_app.config[setting], scope=scope, key_func=lambda: nik_limit_key(_typed_nik(name)),
        methods=["POST"], exempt_when=lambda: not _typed_nik(name),
    )


@bp.get("")
def choose():
    """The kinds of request, each a link to its own short form."""
    return render("public_requests/public/choose.html", kinds=kinds.KINDS, slugs=SLUGS)


@bp.route("/lacak", methods=["GET", "POST"])
@csrf.exempt  # see TrackingForm
@limiter.limit(lambda: current_app.config["TRACKING_LIMIT_PER_ADDRESS"], methods=["POST"])
@_limit_by_nik("nik", "TRACKING_LIMIT_PER_NIK", "tracking-nik")
def track():
    """Tracking: a request's state, deadline, public timeline and answer, from its code."""
    submitted = request.method == "POST"
    form = TrackingForm(request.form if submitted else None)
    found, asked = None, False
    if submitted and form.validate():
        asked = True
        found = public_services.tracked_request(form.code.data, form.nik.data)
    timeline = public_services.public_timeline(found) if found else []
    return _private(render("public_requests/public/track.html", block="answer", form=form, found=found, asked=asked,
                           timeline=timeline, kinds=kinds))


RECEIVED_KEY = "request_received"


def _confirm(received: public_services.Received) -> Response:
    """Keep the confirmation in the session for the one page that shows it, and go there."""
    session[RECEIVED_KEY] = received.to_session()
    return redirect(url_for(".received"), code=303)


@bp.get("/terkirim")
def received():
    """The confirmation of the request just sent, with its tracking code, shown once."""
    kept = session.pop(RECEIVED_KEY, None)
    if kept is None:  # already shown (a reload) or never sent: tracking is where the code is used
        return redirect(url_for(".track"))
    return _private(render("public_requests/public/received.html", received=public_services.Received.from_session(kept)))


@bp.route("/<slug>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REQUEST_LIMIT_PER_ADDRESS"], methods=["POST"])
@_limit_by_nik("subject_nik", "REQUEST_LIMIT_PER_NIK", "request-nik")
def send(slug: str):
    """The form of one kind of request; a valid POST answers with the tracking code."""
    kind = KIND_OF_SLUG.get(slug) or abort(404)
    form = RequestForm(kind)
    if form.is_submitted() and form.honeypot_filled:
        return _confirm(public_services.pretend_received(kind))
    if form.validate_on_submit():
        received = public_services.submit(public_services.submission_from(form), photo=form.photo_content)
        db.session.commit()
        return _confirm(received)
    return _private(render("public_requests/public/form.html", form=form, kind=kind, rule=kinds.KINDS[kind],
                           slug=slug))
