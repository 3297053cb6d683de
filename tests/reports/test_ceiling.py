"""The dashboard's budget ceiling: committed, remaining and forecast to the year's end."""

from __future__ import annotations


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
