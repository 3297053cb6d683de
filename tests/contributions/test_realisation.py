"""The budget's realisation per month on the contributions page, the dashboard and the
monthly PDF: committed, billed, paid and remaining, the same figures everywhere."""

from __future__ import annotations

import io
import re
from datetime import date

from pypdf import PdfReader

from portal.extensions import db
from portal.models import Bill, BillStatus, Payment, PaymentMonth, ProgrammeYear
from portal.programme import budget
from tests.contributions.helpers import staff_signed_in
from tests.factories import make_member

YEAR = 2026
CEILING = 5_000_000


def _year_with_a_bill_and_a_payment(app) -> None:
    with app.app_context():
        db.session.get(ProgrammeYear, YEAR).budget_ceiling = CEILING
        make_member("Siti Aminah", year=YEAR, category_code="non_asn")
        make_member("Andi Baso", year=YEAR, category_code="non_asn")
        # BPJS billed January for 40,000 (its reconciliation is recon20's; the totals are what matter here).
        db.session.add(Bill(year=YEAR, month=1, version=1, status=BillStatus.DONE, billed_lines=2, billed_total=40_000,
                            expected_members=2, expected_total=33_600))
        db.session.add(Payment(paid_on=date(YEAR, 2, 10), amount=40_000, order_number="SP2D-01",
                               months=[PaymentMonth(year=YEAR, month=1, amount=40_000)]))
        db.session.commit()


def _totals(html: str) -> list[str]:
    """The figures of the realisation's totals (ceiling, committed, billed, paid, remaining) on a page."""
    block = html[html.index('id="realisation-totals"'):]
    block = block[:block.index("</dl>")]
    return re.findall(r"<dd>(Rp [\d.]+|—)</dd>", block)


def test_the_realisation_shows_committed_billed_paid_and_remaining_against_the_ceiling(app, client, auth):
    _year_with_a_bill_and_a_payment(app)
    staff_signed_in(app, auth)
    page = client.get(f"/iuran/?tahun={YEAR}").get_data(as_text=True)
    with app.app_context():
        committed = budget.committed(db.session.get(ProgrammeYear, YEAR))
    assert committed == 2 * 12 * 16_800

    def rp(value: int) -> str:
        return "Rp " + f"{value:,}".replace(",", ".")

    assert _totals(page) == [rp(CEILING), rp(committed), rp(40_000), rp(40_000), rp(CEILING - committed)]
    assert 'id="chart-realisation-title"' in page
    dashboard = client.get(f"/laporan/?year={YEAR}").get_data(as_text=True)
    assert _totals(dashboard) == _totals(page)


def test_the_monthly_pdf_has_the_same_realisation_totals_as_the_page(app, client, auth):
    _year_with_a_bill_and_a_payment(app)
    staff_signed_in(app, auth)
    page_totals = _totals(client.get(f"/laporan/?year={YEAR}").get_data(as_text=True))
    response = client.get(f"/laporan/bulanan.pdf?year={YEAR}&month=2")
    assert response.status_code == 200
    # Words as the PDF holds them, whatever line breaks its layout put between them.
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages).split())
    assert "Realisasi anggaran iuran" in text
    section = text[text.index("Realisasi anggaran iuran"):]
    labels = ["Pagu anggaran", "Terutang sampai akhir tahun", "Ditagih", "Dibayar", "Sisa pagu"]
    for label, value in zip(labels, page_totals):
        assert f"{label} {value}" in section, (label, value)
    # The table's total row holds the same sums.
    assert "Jumlah " + " ".join(page_totals[1:4]) in section

