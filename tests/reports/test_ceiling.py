"""The dashboard's budget ceiling: committed, remaining and forecast to the year's end."""

from __future__ import annotations

from datetime import date

from portal import clock
from portal.extensions import db
from portal.models import ProgrammeYear, Role
from portal.programme import budget
from tests.factories import make_member, make_user
from tests.review.helpers import pending_entries

YEAR = clock.today().year


def _rp(value: int) -> str:
    return "Rp " + f"{value:,}".replace(",", ".")


def test_dashboard_shows_committed_remaining_and_forecast(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        make_member("Satu")
        make_member("Dua")
        pending_entries(1)
        programme_year = db.session.get(ProgrammeYear, YEAR)
        programme_year.budget_ceiling = 1_000_000
        db.session.commit()
        months = budget.new_membership_months(programme_year, clock.today())
    auth.login("staff1")
    page = client.get("/laporan/").get_data(as_text=True)
    committed = 2 * 12 * 16_800
    assert f"Pagu anggaran {YEAR}" in page
    assert _rp(committed) in page
    assert _rp(1_000_000 - committed) in page
    assert _rp(committed + months * 16_800) in page
    assert "40,3 %" in page


def test_dashboard_says_a_year_without_ceiling_is_unlimited(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        make_member("Satu")
    auth.login("staff1")
    page = client.get("/laporan/").get_data(as_text=True)
    assert f"Pagu anggaran {YEAR} belum ditetapkan: tidak ada batas." in page
    assert _rp(12 * 16_800) in page
    fragment = client.get("/laporan/", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "tidak ada batas" in fragment and "<html" not in fragment


def test_dashboard_and_monthly_pdf_show_the_one_committed_figure(app, client, auth):
    import io

    from pypdf import PdfReader

    from portal.memberships.services import coverage_period

    with app.app_context():
        make_user("staff1", Role.STAFF)
        make_member("Satu")
        _person, mid_year = make_member("Dua")
        # From 15 March: 10 months of this year, not 12 (monthly x 12 would say 33.600 more).
        mid_year.starts_on, mid_year.ends_on = coverage_period(date(YEAR, 3, 15), 12)
        programme_year = db.session.get(ProgrammeYear, YEAR)
        programme_year.budget_ceiling = 1_000_000
        db.session.commit()
    committed = 12 * 16_800 + 10 * 16_800
    auth.login("staff1")
    page = client.get("/laporan/").get_data(as_text=True)
    pdf = client.get(f"/laporan/bulanan.pdf?year={YEAR}&month=12")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    for shown in (page, text):
        assert "Sudah terpakai" in shown
        assert _rp(committed) in shown
        assert _rp(1_000_000 - committed) in shown
        assert "Terpakai dari pagu" not in shown
