"""The public verify page /v/<code>: valid, revoked, expired, not found; masked, counted, rate-limited."""

from __future__ import annotations

from datetime import timedelta

from portal import clock
from portal.certificates.services import ensure_certificate
from portal.extensions import db
from portal.models import Certificate, CertificateScan, MembershipStatus
from portal.seed.reference import seed_reference
from tests.certificates.pdfs import post
from tests.factories import make_member


def _certified_member(full_name: str = "Budi Santoso", **fields):
    person, membership = make_member(full_name, **fields)
    certificate = ensure_certificate(membership, None)
    db.session.commit()
    return person, membership, certificate


def test_verify_page_of_a_valid_card_shows_masked_name_and_public_facts_but_no_nik(app, client):
    with app.app_context():
        person, membership, certificate = _certified_member(category_code="kader")
        membership.jht = True
        db.session.commit()
        code, nik, number = certificate.code, person.nik, membership.number

    response = client.get(f"/v/{code}")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Sah dan berlaku" in page
    assert f"{number}-01" in page
    assert "Bu** Sa*****" in page and "Budi Santoso" not in page
    assert "Lette" in page
    assert "JKK, JKM, JHT" in page
    assert str(clock.today().year) in page
    assert nik not in page and nik[:6] not in page and nik[-4:] + "<" not in page
    assert response.headers["Cache-Control"] == "no-store"
    assert "noindex" in response.headers["X-Robots-Tag"]


def test_verify_page_of_an_unknown_code_says_not_found(client):
    for code in ("AAAAAAAAAAAAAAAAAAAAAA", "bukan-kode", "x" * 200):
        response = client.get(f"/v/{code}")
        assert response.status_code == 404
        assert "Tidak ditemukan" in response.get_data(as_text=True)


def test_verify_page_of_an_expired_membership_says_no_longer_valid(app, client):
    with app.app_context():
        _, membership, certificate = _certified_member()
        membership.ends_on = clock.today() - timedelta(days=1)
        membership.status = MembershipStatus.EXPIRED
        db.session.commit()
        code = certificate.code

    page = client.get(f"/v/{code}").get_data(as_text=True)

    assert "Tidak berlaku lagi" in page
    assert "Sah dan berlaku" not in page


def test_cover_that_ran_out_is_expired_even_before_the_status_is_updated(app, client):
    with app.app_context():
        _, membership, certificate = _certified_member()
        membership.ends_on = clock.today() - timedelta(days=1)
        db.session.commit()
        code = certificate.code

    assert "Tidak berlaku lagi" in client.get(f"/v/{code}").get_data(as_text=True)


def test_revoking_a_lost_card_makes_its_old_qr_say_revoked_and_issues_a_new_valid_code(app, staff):
    with app.app_context():
        _, membership, certificate = _certified_member()
        old_code, certificate_id, membership_id = certificate.code, certificate.id, membership.id

    response = post(staff, f"/cetak/sertifikat/{certificate_id}/cabut", {"reason": "lost", "note": "hilang di pasar"})

    assert response.status_code == 302
    with app.app_context():
        certificates = db.session.scalars(
            db.select(Certificate).where(Certificate.membership_id == membership_id).order_by(Certificate.id)
        ).all()
        assert len(certificates) == 2
        old, new = certificates
        assert old.revoked_at is not None and old.revoked_reason == "lost: hilang di pasar"
        assert new.revoked_at is None and new.code != old_code
        new_code = new.code
    client = app.test_client()  # a visitor scanning the card
    old_page = client.get(f"/v/{old_code}").get_data(as_text=True)
    assert "Dicabut" in old_page and "Sah dan berlaku" not in old_page
    new_page = client.get(f"/v/{new_code}").get_data(as_text=True)
    assert "Sah dan berlaku" in new_page
    assert "-02" in new_page


def test_revoking_with_a_nik_in_the_note_is_refused_and_changes_nothing(app, staff):
    with app.app_context():
        person, _, certificate = _certified_member()
        certificate_id, nik = certificate.id, person.nik

    response = post(staff, f"/cetak/sertifikat/{certificate_id}/cabut", {"reason": "other", "note": f"NIK {nik}"}, follow_redirects=True)

    assert "Jangan menulis NIK" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Certificate, certificate_id).revoked_at is None


def test_revoking_twice_is_refused(app, staff):
    with app.app_context():
        _, _, certificate = _certified_member()
        certificate_id = certificate.id
    post(staff, f"/cetak/sertifikat/{certificate_id}/cabut", {"reason": "lost"})

    response = post(staff, f"/cetak/sertifikat/{certificate_id}/cabut", {"reason": "lost"}, follow_redirects=True)

    assert "sudah dicabut" in response.get_data(as_text=True)


def test_every_scan_is_counted(app, client):
    with app.app_context():
        _, _, certificate = _certified_member()
        code, certificate_id = certificate.code, certificate.id

    for _ in range(3):
        client.get(f"/v/{code}")

    with app.app_context():
        assert db.session.get(CertificateScan, certificate_id).scans == 3


def test_staff_see_how_often_a_card_was_scanned(app, staff):
    with app.app_context():
        _, membership, certificate = _certified_member()
        code, membership_id = certificate.code, membership.id
    visitor = app.test_client()
    visitor.get(f"/v/{code}")
    visitor.get(f"/v/{code}")

    page = staff.get(f"/cetak/anggota/{membership_id}").get_data(as_text=True)

    assert "Dipindai" in page and "<td>2×</td>" in page


def test_verify_page_is_rate_limited(app_factory, print_config):
    app = app_factory(VERIFY_RATE_LIMIT="2 per minute", **print_config)
    with app.app_context():
        seed_reference()
        _, _, certificate = _certified_member()
        code = certificate.code
    client = app.test_client()

    statuses = [client.get(f"/v/{code}").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
