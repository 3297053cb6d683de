"""Staff record a member's consent to messages where they correct the member's phone."""

from __future__ import annotations

import json

from portal.extensions import db
from portal.models import AuditEvent, Person, Role
from tests.factories import make_member, make_user
from tests.review.helpers import post


def correction(**values) -> dict:
    return {
        "full_name": "Budi Santoso", "birth_date": "1980-05-17", "sex": "P", "kelurahan_code": "7371011004", "rw": "2", "rt": "1",
        "street": "", "category_code": "kader", "phone": "081234567890", "reason": "Warga datang ke kantor", **values,
    }


def person_of(app, person_id: int) -> Person:
    with app.app_context():
        person = db.session.get(Person, person_id)
        db.session.expunge(person)
        return person


def test_staff_record_and_withdraw_a_members_consent_audited_without_the_number(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        person, _membership = make_member("Budi Santoso", phone="081234567890")
        person_id = person.id
    auth.login("staff1")
    url = f"/anggota/{person_id}/koreksi"
    page = client.get(url).get_data(as_text=True)
    assert "Setuju menerima kabar lewat WhatsApp/SMS di nomor ini" in page and "Balas STOP" in page

    assert post(client, url, correction(phone_consent="y"), page=url).status_code == 302
    assert person_of(app, person_id).phone_consent
    member_page = client.get(f"/anggota/{person_id}").get_data(as_text=True)
    assert "<dt>Setuju menerima kabar WhatsApp/SMS</dt><dd>Ya</dd>" in member_page

    assert post(client, url, correction(consent_phone="081234567890"), page=url).status_code == 302
    assert not person_of(app, person_id).phone_consent
    with app.app_context():
        events = db.session.scalars(db.select(AuditEvent).filter_by(action="person.correct").order_by(AuditEvent.id)).all()
        assert [(e.details["fields"], e.details["phone_consent"]) for e in events] == [(["phone_consent"], True), (["phone_consent"], False)]
        assert "081234567890" not in json.dumps([e.details for e in events])


def test_a_new_number_needs_consent_ticked_again_and_none_without_a_number(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        person, _membership = make_member("Budi Santoso", phone="081234567890", phone_consent=True)
        person_id = person.id
    auth.login("staff1")
    url = f"/anggota/{person_id}/koreksi"

    response = post(client, url, correction(phone="", phone_consent="y"), page=url)
    assert "Persetujuan menerima kabar perlu nomor HP" in response.get_data(as_text=True)
    response = post(client, url, correction(phone="081299998888", phone_consent="y", consent_phone="081234567890"), page=url)
    assert "Nomor HP diganti" in response.get_data(as_text=True)
    unchanged = person_of(app, person_id)
    assert (unchanged.phone, unchanged.phone_consent) == ("081234567890", True)

    # Saved with the box unticked: the new number has no consent.
    assert post(client, url, correction(phone="081299998888", consent_phone="081299998888"), page=url).status_code == 302
    changed = person_of(app, person_id)
    assert (changed.phone, changed.phone_consent) == ("081299998888", False)
