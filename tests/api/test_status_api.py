"""POST /api/v1/status as the super-app calls it: Bearer key, JSON in, JSON out."""

from __future__ import annotations

import pytest

from portal.api.services import create_api_key
from portal.extensions import db
from portal.models import AuditEvent
from tests.citizen.factories import NAMES, make_people, unknown_nik


def new_key(app, name: str = "lontara-plus") -> str:
    with app.app_context():
        _, key = create_api_key(name)
        db.session.commit()
    return key


def ask(client, key: str | None, body=None, **kwargs):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    if body is None:
        return client.post("/api/v1/status", headers=headers, **kwargs)
    return client.post("/api/v1/status", json=body, headers=headers, **kwargs)


@pytest.fixture
def people(app):
    with app.app_context():
        return make_people()


@pytest.fixture
def key(app):
    return new_key(app)


@pytest.mark.parametrize(
    "outcome, extra",
    [
        ("active", {"programmes": ["JKK", "JKM"], "reason": None}),
        ("ended", {"reason": None}),
        ("expired", {"reason": None}),
        ("pending", {"programmes": [], "coverage": None}),
        ("returned", {"reason": {"code": "data_mismatch", "label": "Data tidak sesuai dengan KTP atau KK."}}),
        ("rejected", {"reason": {"code": "not_eligible_category", "label": "Kategori pekerjaan tidak termasuk program tahun ini."}}),
    ],
)
def test_every_status_outcome_through_the_api(client, people, key, outcome, extra):
    response = ask(client, key, {"nik": people[outcome], "name": NAMES[outcome].upper()})
    answer = response.get_json()
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert answer["found"] is True and answer["status"] == outcome
    assert answer["kelurahan"] == "Lette" and answer["kecamatan"] == "Mariso"
    assert answer["name_masked"].startswith(NAMES[outcome][:2]) and "*" in answer["name_masked"]
    for field, value in extra.items():
        assert answer[field] == value
    assert people[outcome] not in response.get_data(as_text=True)
    if outcome in ("active", "ended", "expired"):
        assert set(answer["coverage"]) == {"starts_on", "ends_on"}
    if outcome == "active":
        assert answer["card"].startswith("Kartu peserta sudah dicetak")


def test_a_draft_entry_is_not_found_through_the_api(client, people, key):
    answer = ask(client, key, {"nik": people["draft"], "name": "Dewi Lestari"}).get_json()
    assert answer["found"] is False and answer["status"] == "not_found"


def test_unknown_nik_and_wrong_name_are_indistinguishable_through_the_api(app, people):
    first_key, second_key = new_key(app, "first"), new_key(app, "second")
    unknown = ask(app.test_client(), first_key, {"nik": unknown_nik(), "name": "Siti Aminah Binti"})
    wrong = ask(app.test_client(), second_key, {"nik": people["active"], "name": "Siti Aminah Binti"})
    varying = ("X-RateLimit-Reset", "Retry-After", "X-Request-ID")  # the request id is random per request
    assert unknown.status_code == wrong.status_code == 200
    assert unknown.get_data() == wrong.get_data()
    assert [(k, v) for k, v in unknown.headers.items() if k not in varying] == [
        (k, v) for k, v in wrong.headers.items() if k not in varying
    ]


def test_a_found_api_check_is_in_the_persons_access_history_under_the_clients_name(app, client, people, key):
    ask(client, key, {"nik": people["active"], "name": NAMES["active"]})
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).filter_by(action="status.checked"))
        assert event.actor_name == "api:lontara-plus"
        assert event.details["channel"] == "api:lontara-plus"


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer mbk_not-a-real-key", "Basic dXNlcjpwYXNz", "mbk_without-scheme"],
    ids=["missing", "empty", "unknown", "basic", "no-scheme"],
)
def test_missing_or_bad_keys_get_401_in_json(client, people, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = client.post("/api/v1/status", json={"nik": people["active"], "name": NAMES["active"]}, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_a_revoked_key_stops_working_at_once(app, client, runner, people, key):
    body = {"nik": people["active"], "name": NAMES["active"]}
    assert ask(client, key, body).status_code == 200
    result = runner.invoke(args=["apikeys", "revoke", "lontara-plus"])
    assert result.exit_code == 0, result.output
    response = ask(client, key, body)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"data": "nik=1&name=x", "content_type": "application/x-www-form-urlencoded"}, None),
        ({"data": "{not json", "content_type": "application/json"}, None),
        ({"json": ["7371011302850003", "Budi"]}, None),
        ({"json": {"name": "Budi Santoso"}}, "nik"),
        ({"json": {"nik": "7371011302850003"}}, "name"),
        ({"json": {"nik": 7371011302850003, "name": "Budi Santoso"}}, "nik"),
        ({"json": {"nik": "7371011302850003", "name": ["Budi"]}}, "name"),
        ({"json": {"nik": "737101130285", "name": "Budi Santoso"}}, "nik"),
        ({"json": {"nik": "0371011302850003", "name": "Budi Santoso"}}, "nik"),
        ({"json": {"nik": "7371011302850003", "name": "B" * 121}}, "name"),
    ],
    ids=["form-encoded", "broken-json", "array", "no-nik", "no-name", "nik-number", "name-list", "short-nik", "leading-zero", "long-name"],
)
def test_a_bad_body_gets_400_with_what_is_wrong(client, key, kwargs, field):
    response = client.post("/api/v1/status", headers={"Authorization": f"Bearer {key}"}, **kwargs)
    error = response.get_json()["error"]
    assert response.status_code == 400
    assert error["code"] == "invalid_body"
    assert error["message"]
    if field:
        assert field in error["fields"]


def test_too_many_requests_for_a_key_get_429_in_json_with_retry_after(app_factory):
    app = app_factory(API_LIMIT_PER_KEY="3 per minute")
    key = new_key(app)
    client = app.test_client()
    codes = [ask(client, key, {"nik": unknown_nik(), "name": "Budi"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = ask(client, key, {"nik": unknown_nik(), "name": "Budi"})
    error = response.get_json()["error"]
    assert response.status_code == 429
    assert error["code"] == "rate_limited" and error["retry_after"] >= 1
    assert f"Coba lagi dalam {error['retry_after']} detik" in error["message"]
    assert int(response.headers["Retry-After"]) >= 1
    # Another client's key has its own budget.
    assert ask(client, new_key(app, "other"), {"nik": unknown_nik(), "name": "Budi"}).status_code == 200


def test_the_nik_budget_is_shared_by_the_page_and_the_api_and_not_spent_without_a_key(app_factory):
    app = app_factory(STATUS_LIMIT_PER_NIK="3 per hour")
    key = new_key(app)
    client = app.test_client()
    body = {"nik": "7371011302850003", "name": "Budi Santoso"}
    for _ in range(5):
        assert ask(client, None, body).status_code == 401
    assert ask(client, key, body).status_code == 200
    assert ask(client, key, body).status_code == 200
    assert client.post("/cek-status", data=body).status_code == 200
    assert ask(client, key, body).status_code == 429


def test_guessing_keys_from_one_address_is_stopped_with_429(app_factory):
    app = app_factory(STATUS_LIMIT_PER_ADDRESS="3 per hour")
    key = new_key(app)
    client = app.test_client()
    codes = [ask(client, f"mbk_guess{n}", {"nik": unknown_nik(), "name": "Budi"}).status_code for n in range(4)]
    assert codes == [401, 401, 401, 429]
    assert ask(client, key, {"nik": unknown_nik(), "name": "Budi"}).status_code == 200


def test_the_api_needs_no_csrf_token_and_sets_no_cookie(client, key):
    response = ask(client, key, {"nik": unknown_nik(), "name": "Budi"})
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_the_openapi_document_describes_the_status_operation(client):
    response = client.get("/api/v1/openapi.json")
    document = response.get_json()
    assert response.status_code == 200
    assert document["openapi"].startswith("3.")
    operation = document["paths"]["/api/v1/status"]["post"]
    assert set(operation["responses"]) >= {"200", "400", "401", "429"}
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
