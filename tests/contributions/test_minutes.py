"""The berita acara: the month's totals as the page shows them, differences by kind, the disputed annex, signers."""

from __future__ import annotations

import io
import re
from datetime import date

from pypdf import PdfReader

from portal.extensions import db
from portal.models import AuditEvent, Role, SiteSetting
from tests.conftest import csrf_token
from tests.factories import make_user
from tests.contributions.helpers import JKK_JKM, MONTH, YEAR, csv_bill, died, differences, member, staff, upload_and_reconcile

PERIOD = f"{YEAR}-{MONTH:02d}"
MONTH_PAGE = f"/iuran/tagihan/{YEAR}/{MONTH}"


def _page_totals(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-total="(\w+)">Rp ([\d.]+)<', html))


def test_the_berita_acaras_totals_equal_the_pages_and_it_annexes_the_disputes(app, client, auth):
    staff(app)
    with app.app_context():
        right, _m = member("Andi Right", "10000000001")
        wrong, _m = member("Budi Amount", "10000000002")
        dead, dead_m = member("Dewi Died", "10000000004")
        died(dead_m, date(YEAR, 3, 10))
        _unbilled, _m = member("Citra Unbilled", "10000000003")
        db.session.merge(SiteSetting(key="minutes_office_name", value="Dr. H. Andi Pangerang, M.Si."))
        db.session.merge(SiteSetting(key="minutes_bpjs_position", value="Kepala Bidang Kepesertaan BPJS Cabang Makassar"))
        db.session.commit()
        niks = (right.nik, wrong.nik, dead.nik)
    auth.login("staff1")
    upload_and_reconcile(app, client, csv_bill([
        ("10000000001", niks[0], "ANDI", PERIOD, "JKK, JKM", JKK_JKM),
        ("10000000002", niks[1], "BUDI", PERIOD, "JKK, JKM", 36_800),
        ("10000000004", niks[2], "DEWI", PERIOD, "JKK, JKM", JKK_JKM),
    ]))
    with app.app_context():
        after_end = differences()["after_end"][0].id
    client.post(f"{MONTH_PAGE}/selesaikan", data={
        "csrf_token": csrf_token(client, MONTH_PAGE), "ids": [str(after_end)], "resolution": "disputed",
        "note": "Peserta meninggal 10 Maret.",
    })
    totals = _page_totals(client.get(MONTH_PAGE).get_data(as_text=True))
    assert set(totals) == {"billed", "expected", "agreed", "disputed", "open"}
    assert totals["billed"] == "70.400" and totals["disputed"] == "16.800"

    response = client.get(f"{MONTH_PAGE}/berita-acara.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    for label, key in (("Ditagih BPJS", "billed"), ("Terutang menurut registri", "expected"), ("Disepakati", "agreed"),
                       ("Disanggah", "disputed"), ("Belum diputuskan", "open")):
        assert f"{label} Rp {totals[key]}" in text, label
    assert "Berita acara rekonsiliasi iuran Mei 2026" in text
    assert "Ditagih setelah meninggal atau keluar 1" in text and "Peserta tidak ditagih 1" in text
    assert "Lampiran: perbedaan yang disanggah (1)" in text and "Peserta meninggal 10 Maret." in text
    assert "Dr. H. Andi Pangerang, M.Si." in text and "Kepala Bidang Kepesertaan BPJS Cabang Makassar" in text
    assert "Kepala Dinas Ketenagakerjaan Kota Makassar" in text  # the starting value of the office's signer
    assert niks[2] not in text and niks[2][:6] + "******" + niks[2][-4:] in text
    with app.app_context():
        assert db.session.scalar(db.select(AuditEvent).filter_by(action="bill.minutes")) is not None


def test_the_signers_are_admin_settings(app, client, auth):
    with app.app_context():
        make_user("admin", Role.ADMIN)
    auth.login("admin")
    page = client.get("/admin/bantuan").get_data(as_text=True)
    assert "Berita acara iuran: nama penandatangan BPJS" in page
    assert 'value="Kepala Kantor Cabang BPJS Ketenagakerjaan Makassar"' in page
