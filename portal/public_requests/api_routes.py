"""The request desk in the super-app's API (Lontara Plus, with its key): submit a request and
read its state by code. The same validation as the public form (its form class checks the
body), the same limits per NIK, and the code only ever in a POST body."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from portal.api.routes import _client, _client_limit_key, _json_error, _unauthenticated, http_error
from portal.cases.services import aware
from portal.citizen.services import nik_limit_key
from portal.edge import json_body
from portal.extensions import csrf, db, limiter
from portal.models import PublicRequest, RequestKind
from portal.nik import clean_nik
from portal.public_requests import kinds, public_services
from portal.public_requests.public_forms import CORRECTIONS, RequestForm, TrackingForm
from portal.text import has_surrogates

bp = Blueprint("requests_api", __name__, url_prefix="/api/v1/permintaan")
csrf.exempt(bp)  # no cookies, no session: a Bearer key authenticates each request

# Body field -> form field; the rest of the body's fields are named as the form's.
TEXT_FIELDS = ("kind", "description", "kelurahan_code", "subject_nik", "subject_name", "requester_name",
               "requester_phone", "data_action")
NUMBER_FIELDS = ("rw", "rt")
FORM_NAMES = {"kelurahan_code": "kelurahan"}


def _body_text(name: str) -> str:
    body = json_body()
    value = body.get(name) if isinstance(body, dict) else None
    # A lone surrogate cannot be hashed into a limit key; the form refuses it with a message.
    return clean_nik(value)[0] if isinstance(value, str) and not has_surrogates(value) else ""


def _limits(nik_field: str, setting: str, scope: str):
    """Unauthenticated calls count per address; a client's per key and per NIK (shared with the pages)."""
    def decorate(view):
        view = limiter.shared_limit(lambda: current_app.config[setting], scope=scope,
                                    key_func=lambda: nik_limit_key(_body_text(nik_field)),
                                    exempt_when=lambda: _unauthenticated() or not _body_text(nik_field))(view)
        view = limiter.limit(lambda: current_app.config["API_LIMIT_PER_KEY"], key_func=_client_limit_key,
                             exempt_when=_unauthenticated)(view)
        return limiter.limit(lambda: current_app.config["STATUS_LIMIT_PER_ADDRESS"],
                             exempt_when=lambda: not _unauthenticated())(view)
    return decorate


def _city_client():
    """The calling client's key; 401 without one, 403 for a partner facility's key."""
    client = _client()
    if client is None:
        abort(401)
    if client.facility_id is not None:
        abort(403)
    return client


def _type_errors(body: dict) -> dict:
    errors = {name: [_("Harus berupa teks.")] for name in (*TEXT_FIELDS, "code", "nik")
              if body.get(name) is not None and not isinstance(body[name], str)}
    errors |= {name: [_("Harus berupa bilangan bulat.")] for name in NUMBER_FIELDS
               if body.get(name) is not None and (not isinstance(body[name], int) or isinstance(body[name], bool))}
    changes = body.get("proposed_changes")
    if changes is not None and (not isinstance(changes, dict) or set(changes) - set(CORRECTIONS)
                                or not all(isinstance(v, str) for v in changes.values())):
        errors["proposed_changes"] = [_("Objek berisi teks untuk: %(fields)s.", fields=", ".join(CORRECTIONS))]
    return errors


def _form_data(body: dict) -> MultiDict:
    data = {FORM_NAMES.get(name, name): body.get(name) or "" for name in TEXT_FIELDS if name != "kind"}
    data |= {name: str(body[name]) for name in NUMBER_FIELDS if body.get(name) is not None}
    data |= {CORRECTIONS[key]: value for key, value in (body.get("proposed_changes") or {}).items()}
    return MultiDict(data)


def _errors_as_sent(form) -> dict:
    to_body = {form_name: name for name, form_name in FORM_NAMES.items()}
    to_body |= {form_name: "proposed_changes" for form_name in CORRECTIONS.values()}
    errors: dict[str, list] = {}
    for name, messages in form.errors.items():
        if name not in ("csrf_token", "photo", "website"):
            errors.setdefault(to_body.get(name, name), []).extend(str(m) for m in messages)
    return errors


def _bad_body(fields: dict | None = None):
    return _json_error(400, "invalid_body", _("Periksa isian permintaan."), **({"fields": fields} if fields else {}))


@bp.post("")
@_limits("subject_nik", "REQUEST_LIMIT_PER_NIK", "request-nik")
def submit():
    """Submit a request for a citizen, as the public form does; answers with its code."""
    client = _city_client()
    body = json_body()
    if not isinstance(body, dict):
        return _bad_body()
    errors = _type_errors(body)
    if errors:
        return _bad_body(errors)
    if body.get("kind") not in {kind.value for kind in RequestKind}:
        return _bad_body({"kind": [_("Jenis permintaan tidak dikenal.")]})
    form = RequestForm(RequestKind(body["kind"]), formdata=_form_data(body), meta={"csrf": False})
    if not form.validate():
        return _bad_body(_errors_as_sent(form))
    received = public_services.submit(public_services.submission_from(form), channel="api", api_key=client)
    db.session.commit()
    response = jsonify({
        "code": received.code, "kind": received.kind.value, "due_at": received.due_at.isoformat(),
        "acknowledge_due_at": received.acknowledge_due_at.isoformat() if received.acknowledge_due_at else None,
        "next_step": received.next_step,
    })
    response.status_code = 201
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/lacak")
@_limits("nik", "TRACKING_LIMIT_PER_NIK", "tracking-nik")
def track():
    """A request's state, deadline, public timeline and answer, from its code (and NIK)."""
    _city_client()
    body = json_body()
    if not isinstance(body, dict):
        return _bad_body()
    errors = _type_errors({name: body.get(name) for name in ("code", "nik")})
    if errors:
        return _bad_body(errors)
    form = TrackingForm(formdata=MultiDict({name: body.get(name) or "" for name in ("code", "nik")}))
    if not form.validate():
        return _bad_body(form.errors)
    found = public_services.tracked_request(form.code.data, form.nik.data)
    response = jsonify(tracking_document(found))
    response.headers["Cache-Control"] = "no-store"
    return response


def tracking_document(found: PublicRequest | None) -> dict:
    """The API's JSON form of the tracking page (described in openapi.py)."""
    if found is None:
        return {"found": False}
    return {
        "found": True,
        "kind": found.kind.value,
        "kind_label": str(kinds.KINDS[found.kind].label),
        "state": found.state.value,
        "state_label": str(kinds.STATE_LABELS[found.state]),
        "received_at": aware(found.received_at).isoformat(),
        "due_at": aware(found.due_at).isoformat(),
        "answer": found.answer,
        "outcome": found.outcome.value if found.outcome else None,
        "outcome_label": str(kinds.OUTCOME_LABELS[found.outcome]) if found.outcome else None,
        "timeline": [
            {"at": aware(event.occurred_at).isoformat(), "state": event.state.value if event.state else None,
             "state_label": str(kinds.STATE_LABELS[event.state]) if event.state else None, "note": event.note}
            for event in public_services.public_timeline(found)
        ],
    }


for _code in (400, 401, 403, 404, 405, 413, 415, 429, 500):
    bp.register_error_handler(_code, http_error)
