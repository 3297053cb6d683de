"""The registry: search without personal data in URLs, the member page and its history."""

from __future__ import annotations

from portal import audit
from portal.extensions import db
from portal.models import AuditEvent, EndReason, Membership, MembershipStatus, Person, Role
from tests.factories import PABAENG, make_member, make_user
from tests.review.helpers import post


def test_search_by_exact_nik_is_a_post_and_the_nik_never_reaches_a_url(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        person, _membership = make_member("Siti Aminah")
        make_member("Siti Rahma")
        nik = person.nik
    auth.login("staff1")
    response = post(client, "/anggota/", {"nik": nik}, page="/anggota/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Siti Aminah" in page and "Siti Rahma" not in page
    assert nik not in page
    assert client.get(f"/anggota/?nik={nik}").get_data(as_text=True).count("Siti ") == 2  # GET ignores it
    page = post(client, "/anggota/", {"name": "siti  RAHMA"}, page="/anggota/").get_data(as_text=True)
    assert "Siti Rahma" in page and "Siti Aminah" not in page


def test_search_by_name_finds_people_however_titles_abbreviations_and_spaces_are_written(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        make_member("Muh. Ilham Dg. Naba")
        make_member("Hj. ST. Nur Alam")
        make_member("Andi Rahmawati")
    auth.login("staff1")
    for typed, found in (
        ("muhammad ilham daeng", "Muh. Ilham Dg. Naba"),
        ("M Ilham Naba", "Muh. Ilham Dg. Naba"),
        ("Siti Nuralam", "Hj. ST. Nur Alam"),
        ("rahma", "Andi Rahmawati"),  # part of a word, as typed
    ):
        page = post(client, "/anggota/", {"name": typed}, page="/anggota/").get_data(as_text=True)
        shown = [name for name in ("Muh. Ilham Dg. Naba", "Hj. ST. Nur Alam", "Andi Rahmawati") if name in page]
        assert shown == [found], typed
    page = post(client, "/anggota/", {"name": "Hj."}, page="/anggota/").get_data(as_text=True)
    assert "Hj. ST. Nur Alam" in page and "Andi Rahmawati" not in page  # a title alone is not "everyone"


def test_registry_filters_by_area_and_status(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        make_member("Ani Lette")
        make_member("Ani Tamalate", kelurahan_code=PABAENG, rw=5)
    auth.login("staff1")
    page = client.get(f"/anggota/?kelurahan={PABAENG}&status=active").get_data(as_text=True)
    assert "Ani Tamalate" in page and "Ani Lette" not in page
    page = client.get("/anggota/?status=ended").get_data(as_text=True)
    assert "Ani" not in page


def test_member_history_lists_views_changes_and_prints(app, client, auth):
    with app.app_context():
        staff = make_user("staff1", Role.STAFF)
        person, membership = make_member("Budi Santoso")
        person_id = person.id
        # Printing belongs to the certificates feature; its audit event is what matters here.
        audit.record("certificate.print", "membership", membership.id, person_id=person.id, actor=staff)
        db.session.commit()
    auth.login("staff1")
    client.get(f"/anggota/{person_id}")
    response = post(
        client,
        f"/anggota/{person_id}/koreksi",
        {
            "full_name": "Budi Santosa",
            "birth_date": "1980-05-17",
            "sex": "P",
            "kelurahan_code": "7371011004",
            "rw": "2",
            "rt": "1",
            "street": "Jl. Nuri 5",
            "category_code": "kader",
            "reason": "Salah ketik nama pada daftar",
        },
        page=f"/anggota/{person_id}/koreksi",
    )
    assert response.status_code == 302
    page = client.get(f"/anggota/{person_id}").get_data(as_text=True)
    assert "Melihat data" in page
    assert "Mengoreksi data" in page
    assert "Mencetak sertifikat" in page
    with app.app_context():
        person = db.session.get(Person, person_id)
        assert person.full_name == "Budi Santosa" and person.name_key == "budi santosa"
        assert person.name_canonical == "budi santosa"
        (correction,) = db.session.scalars(db.select(AuditEvent).filter_by(action="person.correct")).all()
        assert set(correction.details["fields"]) == {"full_name", "street"}
        views = db.session.scalars(db.select(AuditEvent).filter_by(action="person.view", person_id=person_id)).all()
        assert len(views) >= 2 and views[0].actor_name == "staff1"


def test_correction_without_reason_changes_nothing(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        person, _membership = make_member("Budi Santoso")
        person_id = person.id
    auth.login("staff1")
    response = post(
        client,
        f"/anggota/{person_id}/koreksi",
        {"full_name": "Orang Lain", "birth_date": "1980-05-17", "sex": "P", "kelurahan_code": "7371011004", "rw": "2", "category_code": "kader", "reason": ""},
        page=f"/anggota/{person_id}/koreksi",
    )
    assert response.status_code == 200
    assert "Tuliskan alasan koreksi." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Person, person_id).full_name == "Budi Santoso"


def test_ending_a_membership_needs_a_reason_and_is_audited(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        person, membership = make_member("Budi Santoso")
        person_id, membership_id = person.id, membership.id
    auth.login("staff1")
    url = f"/anggota/{person_id}/keanggotaan/{membership_id}/akhiri"
    post(client, url, {"reason": "other", "note": ""}, page=f"/anggota/{person_id}")
    with app.app_context():
        assert db.session.get(Membership, membership_id).status == MembershipStatus.ACTIVE
    post(client, url, {"reason": "deceased", "note": "Akta kematian 12/2026"}, page=f"/anggota/{person_id}")
    with app.app_context():
        membership = db.session.get(Membership, membership_id)
        assert membership.status == MembershipStatus.ENDED
        assert membership.end_reason == EndReason.DECEASED
        event = db.session.scalar(db.select(AuditEvent).filter_by(action="membership.end"))
        assert event.person_id == person_id and event.details["reason"] == "deceased"
    page = client.get(f"/anggota/{person_id}").get_data(as_text=True)
    assert "Mengakhiri keanggotaan" in page and "Meninggal dunia" in page
