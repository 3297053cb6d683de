"""The JSON API for the city's super-app: POST /api/v1/status with a Bearer key.

The same answer as the Cek Status page (portal.citizen.services.check_status), the same
privacy rules (NIK and name only in the body; unknown NIK and wrong name answer alike),
and JSON errors: 400 bad body, 401 bad key, 429 too many requests.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, current_app, g, jsonify, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from portal.api import services
from portal.api.openapi import OPENAPI_DOCUMENT
from portal.citizen.forms import StatusCheckForm
from portal.citizen.services import StatusAnswer, answer_status_check, nik_limit_key
from portal.edge import HostileInput, json_body
from portal.extensions import csrf, db, limiter
from portal.text import has_surrogates
from portal.hospital import services as hospital_services
from portal.hospital.forms import CardLookupForm, KpjLookupForm, NikLookupForm
from portal.models import ApiKey
from portal.nik import clean_nik
from portal.ratelimit import retry_after_seconds

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # no cookies, no session: a Bearer key authenticates each request

BODY_FIELDS = ("nik", "name")
HOSPITAL_BODY_FIELDS = ("nik", "name", "kpj", "card")
LOOKUP_FIELDS = {"kpj": ("kpj",), "card": ("card",), "nik": ("nik", "name")}
# The document's `pattern` for the name: KTP names are written in Latin letters.
NAME_PATTERN = re.compile(r"[A-Za-z]")
NAME_MAX_LENGTH = 120
CARD_MAX_LENGTH = 300


def _bearer_key() -> str | None:
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _client() -> ApiKey | None:
    """The active key of this request, looked up once (the limits ask before the view does)."""
    if "api_client" not in g:
        g.api_client = services.authenticate(_bearer_key())
    return g.api_client


def _unauthenticated() -> bool:
    return _client() is None


def _client_limit_key() -> str:
    return f"api-key:{_client().id}"


def _body_nik() -> str:
    body = json_body()
    nik = body.get("nik") if isinstance(body, dict) else None
    # A lone surrogate cannot be hashed into a limit key; the form refuses it with a message.
    return clean_nik(nik)[0] if isinstance(nik, str) and not has_surrogates(nik) else ""


def _sent_text_errors(body: dict) -> dict:
    """What the document's lengths and the name's pattern refuse, counted as sent.

    The forms count a text after control characters and outer spaces are removed; the
    document (and a client) can only count what was sent.
    """
    name, card = body.get("name"), body.get("card")
    if isinstance(name, str) and len(name) > NAME_MAX_LENGTH:
        return {"name": [_("Nama paling banyak 120 huruf.")]}
    if isinstance(name, str) and name and not NAME_PATTERN.search(name):
        return {"name": [_("Nama harus memuat huruf A-Z seperti pada KTP.")]}
    if isinstance(card, str) and len(card) > CARD_MAX_LENGTH:
        return {"card": [_("Kode kartu paling banyak 300 karakter.")]}
    return {}


def _json_error(status: int, code: str, message: str, **extra) -> Response:
    response = jsonify({"error": {"code": code, "message": message, **extra}})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="makassar-berjasa"'
    return response


@bp.post("/status")
# Authentication comes first: requests without a valid key are counted per address (like
# failed sign-ins) and never touch a client's or a citizen's budget.
@limiter.limit(
    lambda: current_app.config["STATUS_LIMIT_PER_ADDRESS"],
    exempt_when=lambda: not _unauthenticated(),
)
@limiter.limit(
    lambda: current_app.config["API_LIMIT_PER_KEY"], key_func=_client_limit_key, exempt_when=_unauthenticated
)
@limiter.shared_limit(
    lambda: current_app.config["STATUS_LIMIT_PER_NIK"],
    scope="status-nik",
    key_func=lambda: nik_limit_key(_body_nik()),
    exempt_when=lambda: _unauthenticated() or not _body_nik(),
)
def status():
    """A person's status from their NIK and KTP name, for an authenticated client."""
    client = _client()
    if client is None:
        abort(401)
    if client.facility_id is not None:
        return _json_error(403, "forbidden", _("Kunci fasilitas kesehatan hanya untuk pemeriksaan kepesertaan pasien."))
    body = json_body()
    if not isinstance(body, dict):
        return _json_error(400, "invalid_body", _("Isi permintaan harus objek JSON dengan nik dan name."))
    not_text = {name: [_("Harus berupa teks.")] for name in BODY_FIELDS if name in body and not isinstance(body[name], str)}
    if not_text:
        return _json_error(400, "invalid_body", _("Periksa isian permintaan."), fields=not_text)
    errors = _sent_text_errors(body)
    if errors:
        return _json_error(400, "invalid_body", _("Periksa isian permintaan."), fields=errors)
    form = StatusCheckForm(formdata=MultiDict({name: body.get(name) or "" for name in BODY_FIELDS}))
    if not form.validate():
        return _json_error(400, "invalid_body", _("Periksa isian permintaan."), fields=form.errors)
    answer = answer_status_check(form.nik.data, form.name.data, channel=f"api:{client.name}")
    response = jsonify(status_document(answer))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/rs/cek-pasien")
@limiter.limit(
    lambda: current_app.config["STATUS_LIMIT_PER_ADDRESS"],
    exempt_when=lambda: not _unauthenticated(),
)
@limiter.limit(
    lambda: current_app.config["HOSPITAL_API_LIMIT_PER_KEY"], key_func=_client_limit_key, exempt_when=_unauthenticated
)
def hospital_cover():
    """A patient's cover today for a partner facility's own system: {nik, name}, {kpj} or {card}."""
    client = _client()
    if client is None:
        abort(401)
    facility = client.facility
    if facility is None:
        return _json_error(403, "forbidden", _("Kunci ini bukan kunci fasilitas kesehatan mitra."))
    if not facility.active:
        abort(401)
    body = json_body()
    if not isinstance(body, dict) or not all(isinstance(body.get(n, ""), str) for n in HOSPITAL_BODY_FIELDS):
        return _json_error(400, "invalid_body", _("Isi permintaan harus objek JSON dengan nik dan name, kpj, atau card."))
    # One way per request, in this order (the document's oneOf says the same).
    method = "kpj" if body.get("kpj") else ("card" if body.get("card") else "nik")
    errors = _sent_text_errors({name: body.get(name) for name in LOOKUP_FIELDS[method]})
    if errors:
        return _json_error(400, "invalid_body", _("Periksa isian permintaan."), fields=errors)
    if method == "kpj":
        form = KpjLookupForm(formdata=MultiDict({"kpj": body["kpj"]}), meta={"csrf": False})
    elif method == "card":
        form = CardLookupForm(formdata=MultiDict({"code": body["card"]}), meta={"csrf": False})
    else:
        form = NikLookupForm(formdata=MultiDict({n: body.get(n) or "" for n in BODY_FIELDS}), meta={"csrf": False})
    if not form.validate():
        # Named as in the body: the card form's field is `code`, the body's `card`.
        errors = {"card" if name == "code" else name: errs for name, errs in form.errors.items() if name != "csrf_token"}
        return _json_error(400, "invalid_body", _("Periksa isian permintaan."), fields=errors)
    if method == "kpj":
        answer = hospital_services.cover_by_kpj(form.kpj.data)
    elif method == "card":
        answer = hospital_services.cover_by_card(form.code.data)
    else:
        answer = hospital_services.cover_by_nik(form.nik.data, form.name.data)
    hospital_services.record_lookup(answer, facility, method, actor_name=f"api:{client.name}"[:64])
    response = jsonify(cover_document(answer))
    response.headers["Cache-Control"] = "no-store"
    return response


def cover_document(answer) -> dict:
    """The API's JSON form of a facility's cover answer: nothing beyond what its page shows."""
    return {
        "found": answer.found,
        "covered": answer.covered,
        "name_masked": answer.masked_name,
        "programmes": list(answer.programmes),
        "coverage": {"starts_on": answer.starts_on.isoformat(), "ends_on": answer.ends_on.isoformat()}
        if answer.starts_on and answer.ends_on
        else None,
        "as_of": answer.as_of.isoformat(),
    }


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 description of this API."""
    return jsonify(OPENAPI_DOCUMENT)


def status_document(answer: StatusAnswer) -> dict:
    """The API's JSON form of a status answer (described in openapi.py)."""
    return {
        "found": answer.found,
        "status": answer.outcome.value,
        "title": answer.title,
        "explanation": answer.explanation,
        "name_masked": answer.masked_name,
        "kelurahan": answer.kelurahan,
        "kecamatan": answer.kecamatan,
        "programmes": list(answer.programmes),
        "coverage": {"starts_on": answer.starts_on.isoformat(), "ends_on": answer.ends_on.isoformat()}
        if answer.starts_on and answer.ends_on
        else None,
        "submitted_on": answer.submitted_on.isoformat() if answer.submitted_on else None,
        "reason": {"code": answer.reason_category, "label": answer.reason_label}
        if answer.reason_category
        else None,
        "card": answer.card_advice,
        "next_step": answer.next_step,
    }


def http_error(error: HTTPException):
    """Every HTTP error of the API answers in JSON, never with an HTML page."""
    code = error.code or 500
    if code == 401:
        return _json_error(401, "unauthorized", _("Kunci API tidak ada, salah atau sudah dicabut."))
    if code == 429:
        seconds = retry_after_seconds(default=60)
        return _json_error(
            429,
            "rate_limited",
            _("Terlalu banyak permintaan. Coba lagi dalam %(seconds)s detik.", seconds=seconds),
            retry_after=seconds,
        )
    if isinstance(error, HostileInput):
        # The edge's reason (too deep, a NUL, a lone surrogate), never the value itself.
        return _json_error(400, "invalid_body", error.description)
    if code == 400:
        return _json_error(400, "invalid_body", _("Isi permintaan harus objek JSON dengan nik dan name."))
    if code == 413:
        return _json_error(413, "too_large", _("Isi permintaan terlalu besar."))
    if code >= 500:
        db.session.rollback()
        # The type only: an exception's text can quote the submitted NIK.
        original = getattr(error, "original_exception", None) or error
        current_app.logger.error("Unhandled %s on %s %s", type(original).__name__, request.method, request.url_rule)
        return _json_error(500, "server_error", _("Terjadi kesalahan pada sistem. Coba lagi nanti."))
    return _json_error(code, "http_error", error.name)


# Registered per code: the app's HTML pages are registered per code too, and Flask prefers
# a handler for the exact code over one for the exception class.
for _code in (400, 401, 403, 404, 405, 413, 415, 429, 500):
    bp.register_error_handler(_code, http_error)
