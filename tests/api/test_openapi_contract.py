"""The API keeps to its OpenAPI document: schemathesis drives it through WSGI, no network.

Hypothesis draws the cases from schemathesis' strategies directly (schemathesis' own pytest
plugin does not run under this pytest version); the checks are schemathesis' defaults:
no server errors, documented status codes, content types, headers and response schemas,
valid data accepted and invalid data rejected.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from portal.api.services import create_api_key
from portal.extensions import db
from portal.facilities.services import ensure_facility
from portal.nik import NikError, parse_nik
from portal.seed.reference import seed_reference
from portal.certificates.services import verify_url
from portal.memberships.services import issue_certificate
from tests.citizen.factories import NAMES, make_people
from tests.factories import make_member

PATIENT_COVER = "/api/v1/rs/cek-pasien"
# A request's body is judged by rules no JSON Schema holds (the kind decides which fields are
# required, the kelurahan must be the city's, a description must say something): a body the
# document allows may still get 400, so that check is left out for this operation.
REQUEST_SUBMIT = "/api/v1/permintaan"
SETTINGS = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.fixture
def app(app_factory):
    """Limits stay on (429 must match the document too) but leave room for the examples."""
    app = app_factory(STATUS_LIMIT_PER_ADDRESS="1000 per hour", REQUEST_LIMIT_PER_NIK="1000 per day",
                      TRACKING_LIMIT_PER_NIK="1000 per hour")
    with app.app_context():
        seed_reference()
        db.session.commit()
    return app


@pytest.fixture
def api_key(app) -> str:
    with app.app_context():
        _, key = create_api_key("contract-test")
        db.session.commit()
    return key


@pytest.fixture
def facility_key(app) -> str:
    """A partner facility's key: the patient look-up answers only such keys."""
    with app.app_context():
        facility, _added = ensure_facility("Primaya Hospital Makassar")
        _, key = create_api_key("contract-test-rs", facility.id)
        db.session.commit()
    return key


def _headers(case, api_key: str, facility_key: str) -> dict:
    key = facility_key if case.path == PATIENT_COVER else api_key
    return {"Authorization": f"Bearer {key}"}


def impossible_nik(case) -> bool:
    """A NIK the pattern allows but the calendar does not (31 February, a future birth date).

    On the patient look-up only when the body asks by NIK (no `kpj` or `card`).
    """
    body = case.body if isinstance(case.body, dict) else {}
    if case.path not in ("/api/v1/status", PATIENT_COVER):
        return False  # tracking a request takes any NIK: a wrong one is only not found
    if case.path == PATIENT_COVER and (body.get("kpj") or body.get("card")):
        return False
    nik = body.get("nik")
    if not isinstance(nik, str):
        return False
    try:
        parse_nik(nik)
    except NikError:
        return True
    return False


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_the_api_keeps_to_its_openapi_document(app, api_key, facility_key, mode):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)

    @given(case=schema.as_strategy(generation_mode=mode))
    @SETTINGS
    def keeps_to_the_document(case):
        headers = _headers(case, api_key, facility_key)
        response = case.call(headers=headers)
        if mode == GenerationMode.POSITIVE and impossible_nik(case):
            assert response.status_code == 400
            case.validate_response(response, excluded_checks=[positive_data_acceptance], headers=headers)
        elif mode == GenerationMode.POSITIVE and case.path == REQUEST_SUBMIT:
            case.validate_response(response, excluded_checks=[positive_data_acceptance], headers=headers)
        else:
            case.validate_response(response, headers=headers)

    keeps_to_the_document()


def test_every_found_status_keeps_to_the_document(app, api_key):
    with app.app_context():
        people = make_people()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema["/api/v1/status"]["POST"]
    for outcome, nik in people.items():
        name = NAMES.get(outcome, "Dewi Lestari")
        case = operation.Case(body={"nik": nik, "name": name}, media_type="application/json")
        response = case.call_and_validate(headers={"Authorization": f"Bearer {api_key}"})
        assert response.json()["status"] == ("not_found" if outcome == "draft" else outcome)


def test_the_document_lists_the_facility_look_up_with_its_own_key_scheme(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"][PATIENT_COVER]["post"]
    assert operation["security"] == [{"facilityKey": []}]
    assert document["components"]["securitySchemes"]["facilityKey"]["scheme"] == "bearer"
    assert {"200", "400", "401", "403", "429"} <= set(operation["responses"])
    lookups = document["components"]["schemas"]["PatientLookup"]["oneOf"]
    assert [ref["$ref"].rsplit("/", 1)[1] for ref in lookups] == ["KpjLookup", "CardLookup", "NikLookup"]


def test_every_facility_look_up_answer_keeps_to_the_document(app, api_key, facility_key):
    with app.app_context():
        person, membership = make_member("Sitti Aminah")
        membership.kpj_number = "12345678901"
        certificate = issue_certificate(membership)
        db.session.commit()
        nik, scanned = person.nik, verify_url(certificate.code)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema[PATIENT_COVER]["POST"]
    facility = {"Authorization": f"Bearer {facility_key}"}
    answers = {}
    for label, body, headers in (
        ("nik", {"nik": nik, "name": "Siti Aminah"}, facility),
        ("kpj", {"kpj": "123-4567-8901"}, facility),
        ("card", {"card": scanned}, facility),
        ("unknown card", {"card": "https://example.org/v/AAAAAAAAAAAAAAAAAAAAAA"}, facility),
        ("bad kpj", {"kpj": "12"}, facility),
        ("no key", {"kpj": "12345678901"}, {}),
        ("city key", {"kpj": "12345678901"}, {"Authorization": f"Bearer {api_key}"}),
    ):
        case = operation.Case(body=body, media_type="application/json")
        response = case.call(headers=headers)
        # Documented status, content type and schema; no check that needs a generated case.
        case.validate_response(response, headers=headers, excluded_checks=[positive_data_acceptance])
        answers[label] = (response.status_code, response.json().get("covered"))
    assert answers == {
        "nik": (200, True), "kpj": (200, True), "card": (200, True), "unknown card": (200, False),
        "bad kpj": (400, None), "no key": (401, None), "city key": (403, None),
    }
