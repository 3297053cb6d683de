"""The monthly PDF report for the mayor's office: its pages, charts and tables."""

from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader

from portal import clock
from portal.extensions import db
from portal.memberships.services import issue_certificate
from portal.models import AuditEvent, Role
from tests.factories import PABAENG, make_member, make_user

YEAR = clock.today().year


def test_monthly_report_has_its_pages_charts_and_tables(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        for _ in range(4):
            make_member(kelurahan_code=PABAENG, category_code="ketua_rt_rw")
        _, membership = make_member(category_code="non_asn")
        issue_certificate(membership)
        db.session.commit()
    auth.login("staff1")
    response = client.get(f"/laporan/bulanan.pdf?year={YEAR}&month=12")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) >= 4
    text = "\n".join(page.extract_text() for page in reader.pages)
    for heading in ("Laporan bulanan Makassar Berjasa", "Cakupan per kategori", "Cakupan per kecamatan",
                    "Alur verifikasi per minggu", "Sertifikat diterbitkan", "Anggaran iuran"):
        assert heading in text, heading
    assert f"Halaman 1 / {len(reader.pages)}" in text
    assert "Peserta dihitung per 31 Desember" in text
    # The charts are drawn as SVG text and shapes: their labels are in the PDF too.
    assert "Garis putus-putus: target." in text
    assert "0,1 % (4)" in text  # RT/RW heads: 4 of 6,004 in the category chart
    assert "JKK + JKM setahun" in text  # the budget chart
    assert "Tamalate 4 " in text  # the kecamatan table
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).filter_by(action="report.print"))
        assert event.details == {"year": YEAR, "month": 12}


def test_monthly_report_counts_members_as_of_the_months_end(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        _, later = make_member(kelurahan_code=PABAENG)
        later.starts_on = date(YEAR, 6, 1)
        make_member(kelurahan_code=PABAENG)  # from 1 January
        db.session.commit()
    auth.login("staff1")
    text = "\n".join(
        p.extract_text()
        for p in PdfReader(io.BytesIO(client.get(f"/laporan/bulanan.pdf?year={YEAR}&month=3").data)).pages
    )
    assert "Tamalate 1 " in text


def test_an_unknown_month_sends_staff_back_with_a_message(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    auth.login("staff1")
    response = client.get("/laporan/bulanan.pdf?year=1900&month=13")
    assert response.status_code == 302
    assert "Pilih tahun dan bulan laporan" in client.get("/laporan/").get_data(as_text=True)
