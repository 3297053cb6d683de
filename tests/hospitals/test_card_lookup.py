"""A partner facility's staff look a patient up by the card's QR code: the token, never the NIK."""

from __future__ import annotations

from datetime import date

from portal.certificates.services import verify_url
from portal.extensions import db
from portal.memberships.services import issue_certificate
from portal.models import AuditEvent, Membership, MembershipStatus
from portal.models.base import utcnow
from portal.names import mask_name
from tests.conftest import csrf_token
from tests.factories import make_member
from tests.hospitals.helpers import make_facility, make_hospital_user

URL = "/rs/cek-pasien/kartu"


def _signed_in_hospital(app, auth, username="rs1"):
    with app.app_context():
        make_hospital_user(username, make_facility("RS Uji Makassar"))
    auth.login(username)


def _card(app, full_name="Muh. Ilham Dg. Naba", *, revoked=False, **fields):
    """A member's card: its code, what its QR code says, and the person's id and NIK."""
    with app.app_context():
        person, membership = make_member(full_name, **fields)
        certificate = issue_certificate(membership)
        if revoked:
            certificate.revoked_at = utcnow()
        db.session.commit()
        return certificate.code, verify_url(certificate.code), person.id, person.nik


def _by_card(client, code, **headers):
    token = csrf_token(client, "/rs/cek-pasien")
    return client.post(URL, data={"code": code, "csrf_token": token}, headers=headers)


def test_hospital_sees_a_covered_patient_from_what_the_cards_qr_code_says(app, client, auth):
    code, scanned, _person_id, nik = _card(app, phone="081234567890")
    _signed_in_hospital(app, auth)
    response = _by_card(client, scanned)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "Terlindungi hari ini" in page and mask_name("Muh. Ilham Dg. Naba") in page and "JKK, JKM" in page
    for secret in (nik, "Ilham", "081234567890", code):
        assert secret not in page
    # The bare code, typed or pasted, answers the same.
    assert "Terlindungi hari ini" in _by_card(client, f"  {code} ").get_data(as_text=True)


def test_the_htmx_answer_is_the_answer_block_alone(app, client, auth):
    _code, scanned, _, _ = _card(app)
    _signed_in_hospital(app, auth)
    page = _by_card(client, scanned, **{"HX-Request": "true"}).get_data(as_text=True)
    assert "Terlindungi hari ini" in page and "<html" not in page and "Dengan nomor KPJ" not in page


def test_a_foreign_revoked_or_garbled_code_gets_the_not_found_answer(app, client, auth):
    revoked_code, _, _, _ = _card(app, "Sitti Aminah", revoked=True)
    _signed_in_hospital(app, auth)
    for scanned in (
        revoked_code,
        "https://example.org/v/AAAAAAAAAAAAAAAAAAAAAA",
        "https://www.bpjsketenagakerjaan.go.id/",
        "WIFI:S:ruang-igd;T:WPA;P:rahasia;;",
    ):
        response = _by_card(client, scanned)
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and "Tidak ditemukan sebagai peserta" in page, scanned
        assert "Masa perlindungan" not in page and mask_name("Sitti Aminah") not in page


def test_an_empty_or_overlong_code_gets_a_message_and_no_look_up(app, client, auth):
    _signed_in_hospital(app, auth)
    page = _by_card(client, "   ").get_data(as_text=True)
    assert "Pindai kode QR kartu, unggah fotonya" in page and "Tidak ditemukan" not in page
    page = _by_card(client, "x" * 301).get_data(as_text=True)
    assert "Kode kartu paling banyak 300 karakter." in page
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).filter_by(action="hospital.lookup")) == 0


def test_the_english_page_answers_a_bad_code_in_english(app, client, auth):
    _signed_in_hospital(app, auth)
    client.post("/bahasa", data={"lang": "en", "next": "/rs/cek-pasien", "csrf_token": csrf_token(client, "/rs/cek-pasien")})
    page = _by_card(client, "").get_data(as_text=True)
    assert "Scan the card's QR code" in page


def test_a_card_look_up_enters_the_access_history_naming_the_facility(app, client, auth):
    _code, scanned, person_id, _ = _card(app)
    _signed_in_hospital(app, auth)
    _by_card(client, scanned)
    _by_card(client, "https://example.org/v/AAAAAAAAAAAAAAAAAAAAAA")
    with app.app_context():
        events = db.session.scalars(db.select(AuditEvent).filter_by(action="hospital.lookup").order_by(AuditEvent.id)).all()
        assert [(e.person_id, e.details["method"], e.details["outcome"], e.details["facility"]) for e in events] == [
            (person_id, "card", "covered", "RS Uji Makassar"),
            (None, "card", "not_found", "RS Uji Makassar"),
        ]
        assert "AAAAAAAAAAAAAAAAAAAAAA" not in str([e.details for e in events])


def test_an_old_card_of_a_member_finds_the_current_period(app, client, auth):
    """The card names the person: their cover today, like the KPJ look-up, not the card's own period."""
    with app.app_context():
        person, current = make_member("Andi Tenri Ajeng")
        old = Membership(
            number="MKS-OLD-000001", person=person, year=current.year - 1, jkk=True, jkm=True, jht=False,
            starts_on=date(current.year - 1, 1, 1), ends_on=date(current.year - 1, 12, 31),
            status=MembershipStatus.EXPIRED,
        )
        certificate = issue_certificate(old)
        db.session.commit()
        scanned, year = verify_url(certificate.code), current.year
    _signed_in_hospital(app, auth)
    page = _by_card(client, scanned).get_data(as_text=True)
    assert "Terlindungi hari ini" in page and f"31 Des {year}" in page


def test_card_look_ups_share_the_accounts_rate_limit(app_factory, auth):
    app = app_factory(HOSPITAL_LOOKUP_LIMIT_PER_ACCOUNT="2 per hour")
    with app.app_context():
        from portal.seed.reference import seed_reference

        seed_reference()
        db.session.commit()
        make_hospital_user("rs1", make_facility())
    client = app.test_client()
    from tests.conftest import AuthActions

    AuthActions(client).login("rs1")
    assert [_by_card(client, "AAAAAAAAAAAAAAAAAAAAAA").status_code for _ in range(3)] == [200, 200, 429]
