"""A partner facility's staff look a patient up: cover today, and nothing else, audited and limited."""

from __future__ import annotations


from flask import url_for

from portal import clock
from portal.extensions import db
from portal.names import mask_name
from portal.models import AuditEvent, EndReason, MembershipStatus, Role
from tests.conftest import csrf_token
from tests.factories import make_entry, make_list, make_member, make_user, new_nik
from tests.hospitals.helpers import make_facility, make_hospital_user


def _signed_in_hospital(app, auth, username="rs1"):
    with app.app_context():
        facility = make_facility("RS Uji Makassar")
        make_hospital_user(username, facility)
    auth.login(username)


def _by_nik(client, nik, name, **headers):
    token = csrf_token(client, "/rs/cek-pasien")
    return client.post("/rs/cek-pasien", data={"nik": nik, "name": name, "csrf_token": token}, headers=headers)


def _by_kpj(client, kpj):
    token = csrf_token(client, "/rs/cek-pasien")
    return client.post("/rs/cek-pasien/kpj", data={"kpj": kpj, "csrf_token": token})


def test_hospital_sees_a_covered_patient_by_nik_and_a_tolerated_name(app, client, auth):
    with app.app_context():
        person, membership = make_member("Muh. Ilham Dg. Naba", phone="081234567890")
        nik = person.nik
    _signed_in_hospital(app, auth)
    response = _by_nik(client, nik, "Muhammad Ilham Daeng Naba")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "Terlindungi hari ini" in page
    assert mask_name("Muh. Ilham Dg. Naba") in page
    assert "JKK, JKM" in page and "Per " in page
    # Nothing else about the person: no NIK, full name, address, phone or kelurahan.
    for secret in (nik, "Ilham", "081234567890", "Lette"):
        assert secret not in page


def test_unknown_nik_and_wrong_name_answer_identically(app, client, auth):
    with app.app_context():
        person, _ = make_member("Sitti Aminah")
        nik = person.nik
        # A proposal still under review is not cover either, and says nothing of itself.
        head = make_user("rtrw1", Role.RT_RW)
        pending_nik = make_entry(make_list(head), full_name="Budi Santoso").nik
    _signed_in_hospital(app, auth)

    def answer(response):
        text = response.get_data(as_text=True)
        start = text.index('id="lookup-answer"')
        return text[start:text.index("</article>", start)].split("Per ")[0]

    wrong = answer(_by_nik(client, nik, "Sitti Rahmah"))
    unknown = answer(_by_nik(client, new_nik(), "Sitti Rahmah"))
    pending = answer(_by_nik(client, pending_nik, "Budi Santoso"))
    assert "Tidak ditemukan sebagai peserta" in wrong
    assert wrong == unknown == pending
    # The htmx fragments, byte for byte apart from the time.
    fragment = _by_nik(client, nik, "Sitti Rahmah", **{"HX-Request": "true"}).get_data(as_text=True)
    other = _by_nik(client, new_nik(), "Sitti Rahmah", **{"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.split("Per ")[0] == other.split("Per ")[0]


def test_bad_input_gets_indonesian_messages_and_no_look_up(app, client, auth):
    _signed_in_hospital(app, auth)
    for nik, name, message in (
        ("12345", "Sitti Aminah", "NIK terdiri dari 16 angka."),
        ("7371abc", "Sitti Aminah", "NIK hanya berisi angka."),
        ("", "Sitti Aminah", "Isi NIK pasien sesuai KTP."),
        ("7371015702800001", "  ", "Isi nama lengkap pasien sesuai KTP."),
    ):
        response = _by_nik(client, nik, name)
        assert response.status_code == 200
        assert message in response.get_data(as_text=True)
    for kpj, message in (("", "Isi nomor KPJ pasien."), ("1234", "Nomor KPJ terdiri dari 11 angka."), ("abcdefghijk", "Nomor KPJ terdiri dari 11 angka.")):
        assert message in _by_kpj(client, kpj).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(AuditEvent).filter_by(action="hospital.lookup")) is None


def test_look_up_by_kpj_number_and_an_ended_membership_is_not_covered(app, client, auth):
    with app.app_context():
        _, membership = make_member("Andi Tenri Ajeng")
        membership.kpj_number = "12345678901"
        _, ended = make_member("Rahmat Hidayat")
        ended.kpj_number = "10987654321"
        ended.status = MembershipStatus.ENDED
        ended.end_reason = EndReason.DECEASED
        db.session.commit()
    _signed_in_hospital(app, auth)
    page = _by_kpj(client, "123 4567 8901").get_data(as_text=True)
    assert "Terlindungi hari ini" in page and mask_name("Andi Tenri Ajeng") in page
    page = _by_kpj(client, "10987654321").get_data(as_text=True)
    assert "Tidak terlindungi hari ini" in page and "Masa perlindungan" in page
    page = _by_kpj(client, "99999999999").get_data(as_text=True)
    assert "Tidak ditemukan sebagai peserta" in page


def test_every_look_up_enters_the_access_history_naming_the_facility(app, client, auth):
    with app.app_context():
        person, _ = make_member("Sitti Aminah")
        nik, person_id = person.nik, person.id
    _signed_in_hospital(app, auth)
    _by_nik(client, nik, "Siti Aminah")
    _by_nik(client, new_nik(), "Siti Aminah")
    with app.app_context():
        events = db.session.scalars(db.select(AuditEvent).filter_by(action="hospital.lookup").order_by(AuditEvent.id)).all()
        assert [(e.person_id, e.details["outcome"], e.details["facility"]) for e in events] == [
            (person_id, "covered", "RS Uji Makassar"),
            (None, "not_found", "RS Uji Makassar"),
        ]
        assert all(e.actor_name == "rs1" for e in events)
        assert nik not in str([e.details for e in events])
        from portal.privacy.report import build_report
        from portal.models.base import utcnow

        report = build_report(nik, utcnow())
        seen = [h for h in report.history if h["action"] == "hospital.lookup"]
        assert seen and seen[0]["kind"] == "view" and seen[0]["details"]["facility"] == "RS Uji Makassar"


def test_look_ups_are_rate_limited_per_account(app_factory, auth):
    app = app_factory(HOSPITAL_LOOKUP_LIMIT_PER_ACCOUNT="3 per hour")
    with app.app_context():
        from portal.seed.reference import seed_reference

        seed_reference()
        db.session.commit()
        facility = make_facility()
        make_hospital_user("rs1", facility)
        make_hospital_user("rs2", facility)
    first, second = app.test_client(), app.test_client()
    from tests.conftest import AuthActions

    AuthActions(first).login("rs1")
    AuthActions(second).login("rs2")
    answers = [_by_nik(first, new_nik(), "Sitti Aminah").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = _by_kpj(first, "12345678901")
    assert refused.status_code == 429 and "Terlalu banyak pencarian" in refused.get_data(as_text=True)
    assert _by_nik(second, new_nik(), "Sitti Aminah").status_code == 200


def test_hospital_account_reaches_nothing_but_its_look_up(app, client, auth):
    """Every rule of the URL map, with made-up ids: 404 (or 405), never a page."""
    with app.app_context():
        make_member("Sitti Aminah")
    _signed_in_hospital(app, auth)
    token = csrf_token(client, "/rs/cek-pasien")
    allowed = {"static", "hospital.lookup", "hospital.lookup_kpj", "hospital.lookup_card", "accounts.login", "accounts.second_factor",
               "accounts.enrol", "accounts.security", "accounts.new_recovery_codes", "accounts.logout", "main.set_language",
               # Its own facility's case reports (tests/cases): the list and the report form.
               "cases.index", "cases.report"}
    probed = 0
    with app.test_request_context():
        rules = [(rule, url_for(rule.endpoint, **{name: _value(rule, name) for name in rule.arguments}))
                 for rule in app.url_map.iter_rules() if rule.endpoint not in allowed]
    for rule, url in rules:
        for method in ("GET", "POST"):
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": token})
            expected = {404, 403} if method in rule.methods else {405, 404, 403}
            assert response.status_code in expected, f"{method} {url} ({rule.endpoint}) answered {response.status_code}"
            probed += 1
    assert probed > 150
    # Still signed in, still able to look up.
    assert client.get("/rs/cek-pasien").status_code == 200
    with app.app_context():
        refused = db.session.scalars(db.select(AuditEvent).filter_by(action="access.refused", actor_name="rs1")).all()
        assert len(refused) >= len(rules)


def _value(rule, name):
    converter = rule._converters[name]
    from werkzeug.routing import AnyConverter, IntegerConverter

    if isinstance(converter, IntegerConverter):
        return 1
    if isinstance(converter, AnyConverter):
        return next(iter(converter.items)) if hasattr(converter, "items") else "card"
    return "x"


def test_other_roles_cannot_open_the_hospital_look_up(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    assert client.get("/rs/cek-pasien").status_code == 302  # to sign-in
    auth.login("staff1")
    assert client.get("/rs/cek-pasien").status_code == 404
    token = csrf_token(client, "/beranda")
    hospital_rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("hospital.")]
    assert len(hospital_rules) == 3  # the page, the KPJ form and the card form
    for rule in hospital_rules:
        data = {"kpj": "12345678901", "code": "AAAAAAAAAAAAAAAAAAAAAA", "csrf_token": token}
        assert client.post(rule.rule, data=data).status_code == 404, rule.rule


def test_hospital_sign_in_lands_on_the_look_up(app, client, auth):
    with app.app_context():
        make_hospital_user("rs1")
    response = auth.login("rs1")
    assert response.headers["Location"] == "/rs/cek-pasien"
    page = client.get("/rs/cek-pasien").get_data(as_text=True)
    assert "RS Uji Makassar" in page and "Cek Status" not in page.split("<main")[0]
    assert clock.today()  # the page renders today's answers
