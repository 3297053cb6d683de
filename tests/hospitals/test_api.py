"""The cover look-up for a partner facility's own system: a facility-scoped key, nothing else."""

from __future__ import annotations

from portal.api.services import create_api_key
from portal.extensions import db
from portal.models import AuditEvent, PartnerFacility
from tests.factories import make_member, new_nik
from tests.hospitals.helpers import make_facility

URL = "/api/v1/rs/cek-pasien"


def _key(app, facility_id=None, name="rs-uji") -> str:
    with app.app_context():
        _row, key = create_api_key(name, facility_id)
        db.session.commit()
        return key


def _facility_key(app, **facility):
    with app.app_context():
        facility_id = make_facility(**facility).id
    return _key(app, facility_id), facility_id


def _post(client, key, body):
    return client.post(URL, json=body, headers={"Authorization": f"Bearer {key}"})


def test_facility_system_checks_a_patient_by_nik_and_name_and_by_kpj(app, client):
    with app.app_context():
        person, membership = make_member("Sitti Aminah")
        membership.kpj_number = "12345678901"
        db.session.commit()
        nik, person_id = person.nik, person.id
    key, _facility_id = _facility_key(app)
    response = _post(client, key, {"nik": nik, "name": "Siti Aminah"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert (body["found"], body["covered"], body["programmes"]) == (True, True, ["JKK", "JKM"])
    assert body["name_masked"] == "Si*** Am****" and body["coverage"]["starts_on"] and body["as_of"]
    assert set(body) == {"found", "covered", "name_masked", "programmes", "coverage", "as_of"}
    assert _post(client, key, {"kpj": "123-4567-8901"}).get_json()["covered"] is True
    with app.app_context():
        events = db.session.scalars(db.select(AuditEvent).filter_by(action="hospital.lookup")).all()
        assert [(e.person_id, e.actor_name, e.details["facility"], e.details["method"]) for e in events] == [
            (person_id, "api:rs-uji", "RS Uji Makassar", "nik"),
            (person_id, "api:rs-uji", "RS Uji Makassar", "kpj"),
        ]


def test_unknown_nik_and_wrong_name_answer_alike_and_bad_input_is_a_400(app, client):
    with app.app_context():
        nik = make_member("Sitti Aminah")[0].nik
    key, _ = _facility_key(app)
    wrong = _post(client, key, {"nik": nik, "name": "Sitti Rahmah"}).get_json()
    unknown = _post(client, key, {"nik": new_nik(), "name": "Sitti Rahmah"}).get_json()
    wrong.pop("as_of"), unknown.pop("as_of")
    assert wrong == unknown == {"found": False, "covered": False, "name_masked": None, "programmes": [], "coverage": None}
    for body, field in (({"nik": "123", "name": "X Y"}, "nik"), ({"nik": nik, "name": " "}, "name"), ({"kpj": "12"}, "kpj")):
        response = _post(client, key, body)
        assert response.status_code == 400 and field in response.get_json()["error"]["fields"]
    assert _post(client, key, {"nik": 7371}).status_code == 400
    assert _post(client, key, ["nik"]).status_code == 400


def test_keys_are_scoped_a_city_key_cannot_ask_for_a_patient_nor_a_facility_key_for_a_status(app, client):
    city_key = _key(app, None, "lontara-plus")
    facility_key, _ = _facility_key(app)
    response = _post(client, city_key, {"kpj": "12345678901"})
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    response = client.post("/api/v1/status", json={"nik": new_nik(), "name": "Sitti"}, headers={"Authorization": f"Bearer {facility_key}"})
    assert response.status_code == 403
    assert _post(client, "mbk_not-a-key", {"kpj": "12345678901"}).status_code == 401


def test_a_deactivated_facilitys_key_stops_working(app, client):
    key, facility_id = _facility_key(app)
    assert _post(client, key, {"kpj": "12345678901"}).status_code == 200
    with app.app_context():
        db.session.get(PartnerFacility, facility_id).active = False
        db.session.commit()
    assert _post(client, key, {"kpj": "12345678901"}).status_code == 401


def test_apikeys_cli_creates_a_facility_key_only_for_an_active_facility(app, runner):
    result = runner.invoke(args=["apikeys", "create", "--name", "primaya", "--facility", "Primaya Hospital Makassar"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["apikeys", "create", "--name", "x", "--facility", "RS Tidak Ada"])
    assert result.exit_code != 0 and "No active partner facility" in result.output


def test_facility_system_checks_a_patient_by_what_the_cards_qr_code_says(app, client):
    from portal.certificates.services import verify_url
    from portal.memberships.services import issue_certificate

    with app.app_context():
        person, membership = make_member("Sitti Aminah")
        scanned, person_id = verify_url(issue_certificate(membership).code), person.id
        db.session.commit()
    key, _ = _facility_key(app)
    body = _post(client, key, {"card": scanned}).get_json()
    assert (body["found"], body["covered"], body["name_masked"]) == (True, True, "Si*** Am****")
    assert _post(client, key, {"card": "https://example.org/v/AAAAAAAAAAAAAAAAAAAAAA"}).get_json()["found"] is False
    for bad in (" ", "x" * 301):
        response = _post(client, key, {"card": bad})
        assert response.status_code == 400 and "card" in response.get_json()["error"]["fields"], bad
    with app.app_context():
        events = db.session.scalars(db.select(AuditEvent).filter_by(action="hospital.lookup").order_by(AuditEvent.id)).all()
        assert [(e.person_id, e.details["method"]) for e in events] == [(person_id, "card"), (None, "card")]
