"""The request desk in the super-app's API: submit with a real key (the form's checks), read
the state by code in the body, the same answer for a wrong code and a wrong NIK."""

from __future__ import annotations

import pytest

from portal.api.services import create_api_key
from portal.extensions import db
from portal.facilities.services import ensure_facility
from portal.models import PublicRequest, RequestKind
from portal.public_requests import codes
from tests.factories import LETTE, make_member, new_nik
from tests.public_requests.helpers import DESCRIPTION, code_of, send, track, valid_fields


@pytest.fixture
def key(app) -> str:
    with app.app_context():
        _, key = create_api_key("lontara-plus")
        db.session.commit()
    return key


@pytest.fixture
def member(app) -> str:
    with app.app_context():
        person, _ = make_member("Siti Aminah")
        return person.nik


def _post(client, path: str, key: str | None, body):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return client.post(path, json=body, headers=headers)


def _body(nik: str, **changes) -> dict:
    return {"kind": "card_missing", "description": DESCRIPTION, "kelurahan_code": LETTE, "rw": 2, "rt": 1,
            "subject_nik": nik, "subject_name": "Siti Aminah", "requester_phone": "081234567890", **changes}


def test_the_super_app_submits_a_request_and_reads_its_state_by_code(app, client, key, member):
    response = _post(client, "/api/v1/permintaan", key, _body(member))
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    received = response.get_json()
    assert codes.normalise(received["code"]) and received["kind"] == "card_missing" and received["due_at"]
    with app.app_context():
        [stored] = db.session.scalars(db.select(PublicRequest)).all()
        assert stored.channel == "api" and stored.api_key.name == "lontara-plus" and stored.subject_person_id
    tracked = _post(client, "/api/v1/permintaan/lacak", key, {"code": received["code"], "nik": member}).get_json()
    assert tracked["found"] and tracked["state"] == "new" and tracked["state_label"] == "Diterima"
    assert [line["state"] for line in tracked["timeline"]] == ["new"]
    # The page tracks what the API received, and the other way round.
    assert "Permintaan tidak ditemukan" not in track(client, received["code"], member).get_data(as_text=True)
    web_code = code_of(send(client, RequestKind.OTHER, valid_fields(RequestKind.OTHER)))
    assert _post(client, "/api/v1/permintaan/lacak", key, {"code": web_code}).get_json()["found"]


def test_a_wrong_code_and_a_wrong_nik_answer_the_same_through_the_api(app, client, key, member):
    code = _post(client, "/api/v1/permintaan", key, _body(member)).get_json()["code"]
    wrong_nik = _post(client, "/api/v1/permintaan/lacak", key, {"code": code, "nik": new_nik()})
    unknown = _post(client, "/api/v1/permintaan/lacak", key, {"code": codes.new_code(), "nik": member})
    assert wrong_nik.get_data() == unknown.get_data() == b'{"found":false}\n'


@pytest.mark.parametrize(("change", "field"), [
    ({"kind": "complaint"}, "kind"),
    ({"subject_nik": "123"}, "subject_nik"),
    ({"rw": "2"}, "rw"),
    ({"description": "aaaaaaaaaaaaaaaaaaaaaaaa"}, "description"),
    ({"requester_phone": None}, "requester_phone"),
    ({"kelurahan_code": "0000000000"}, "kelurahan_code"),
    ({"kind": "data_wrong", "proposed_changes": {"nik": "1"}}, "proposed_changes"),
    ({"kind": "data_wrong"}, "proposed_changes"),
], ids=["kind", "nik", "rw-text", "description", "no-phone", "kelurahan", "unknown-change", "no-change"])
def test_a_bad_submission_gets_400_naming_the_field_and_stores_nothing(app, client, key, member, change, field):
    response = _post(client, "/api/v1/permintaan", key, _body(member, **change))
    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(PublicRequest.id))) == 0


def test_a_correction_through_the_api_keeps_its_proposed_values(app, client, key, member):
    body = _body(member, kind="data_wrong", proposed_changes={"full_name": "Sitti Aminah", "birth_date": "1980-05-17"})
    assert _post(client, "/api/v1/permintaan", key, body).status_code == 201
    with app.app_context():
        [stored] = db.session.scalars(db.select(PublicRequest)).all()
        assert stored.proposed_changes == {"full_name": "Sitti Aminah", "birth_date": "1980-05-17"}


def test_without_a_key_or_with_a_facility_key_nothing_is_received(app, client, member):
    assert _post(client, "/api/v1/permintaan", None, _body(member)).status_code == 401
    assert _post(client, "/api/v1/permintaan/lacak", "mbk_wrong", {"code": codes.new_code()}).status_code == 401
    with app.app_context():
        facility, _ = ensure_facility("Primaya Hospital Makassar")
        _, facility_key = create_api_key("rs", facility.id)
        db.session.commit()
    assert _post(client, "/api/v1/permintaan", facility_key, _body(member)).status_code == 403
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(PublicRequest.id))) == 0


def test_the_api_shares_the_per_nik_budget_with_the_form(app_factory):
    from portal.seed.reference import seed_reference

    app = app_factory(REQUEST_LIMIT_PER_NIK="2 per day")
    with app.app_context():
        seed_reference()
        _, key = create_api_key("lontara-plus")
        db.session.commit()
    client = app.test_client()
    nik = new_nik()
    assert send(client, RequestKind.CARD_MISSING, valid_fields(RequestKind.CARD_MISSING, nik=nik)).status_code == 200
    assert _post(client, "/api/v1/permintaan", key, _body(nik)).status_code == 201
    limited = _post(client, "/api/v1/permintaan", key, _body(nik))
    assert limited.status_code == 429 and limited.get_json()["error"]["code"] == "rate_limited"


def test_the_openapi_document_describes_both_operations(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert paths["/api/v1/permintaan"]["post"]["operationId"] == "submitRequest"
    assert paths["/api/v1/permintaan/lacak"]["post"]["operationId"] == "trackRequest"
