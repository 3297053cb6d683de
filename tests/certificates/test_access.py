"""Printing is for the labour office only: RT/RW heads and agents get 404, visitors the login page."""

from __future__ import annotations

import pytest

from portal.certificates.services import ensure_certificate
from portal.extensions import db
from portal.models import PrintJob, PrintDocument, Role
from tests.certificates.pdfs import post
from tests.factories import LETTE, make_member, make_user


@pytest.fixture
def records(app):
    with app.app_context():
        _, membership = make_member()
        certificate = ensure_certificate(membership, None)
        job = PrintJob(document=PrintDocument.CARD, kelurahan_code=LETTE, total=1)
        db.session.add(job)
        db.session.commit()
        return {"m": membership.id, "c": certificate.id, "j": job.id}


STAFF_PAGES = (
    "/cetak/anggota/{m}",
    "/cetak/anggota/{m}/card.pdf",
    "/cetak/anggota/{m}/certificate.pdf",
    "/cetak/batch",
    "/cetak/batch/{j}",
    "/cetak/batch/{j}/unduh",
    "/cetak/log",
)
STAFF_ACTIONS = (
    "/cetak/anggota/{m}/card",
    "/cetak/anggota/{m}/certificate",
    "/cetak/sertifikat/{c}/cabut",
    "/cetak/batch",
    "/cetak/batch/{j}/ulang",
)


@pytest.mark.parametrize("role", [Role.RT_RW, Role.AGENT])
def test_area_users_get_404_on_every_printing_url(app, auth, records, role):
    with app.app_context():
        make_user("ketua", role)
    auth.login("ketua")

    for url in STAFF_PAGES:
        assert auth.client.get(url.format(**records)).status_code == 404, url
    for url in STAFF_ACTIONS:
        assert post(auth.client, url.format(**records), {"reason": "lost"}).status_code == 404, url
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(PrintJob)) == 1


def test_visitors_are_sent_to_the_login_page(client, records):
    response = client.get("/cetak/anggota/{m}/card.pdf".format(**records))

    assert response.status_code == 302
    assert "/masuk" in response.headers["Location"]


def test_rt_rw_users_do_not_see_the_printing_links(app, auth):
    with app.app_context():
        make_user("ketua", Role.RT_RW)
    auth.login("ketua")

    page = auth.client.get("/beranda").get_data(as_text=True)

    assert "/cetak/batch" not in page
