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
from portal.nik import NikError, parse_nik
from portal.seed.reference import seed_reference
from tests.citizen.factories import NAMES, make_people

SETTINGS = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.fixture
def app(app_factory):
    """Limits stay on (429 must match the document too) but leave room for the examples."""
    app = app_factory(STATUS_LIMIT_PER_ADDRESS="1000 per hour")
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


def impossible_nik(case) -> bool:
    """A NIK the pattern allows but the calendar does not (31 February, a future birth date)."""
    nik = case.body.get("nik") if isinstance(case.body, dict) else None
    if not isinstance(nik, str):
        return False
    try:
        parse_nik(nik)
    except NikError:
        return True
    return False


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_the_api_keeps_to_its_openapi_document(app, api_key, mode):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {api_key}"}

    @given(case=schema.as_strategy(generation_mode=mode))
    @SETTINGS
    def keeps_to_the_document(case):
        response = case.call(headers=headers)
        if mode == GenerationMode.POSITIVE and impossible_nik(case):
            assert response.status_code == 400
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
