"""The year's counts: recounted by `flask reports refresh`, and pages say how fresh they are."""

from __future__ import annotations

import re

from portal import clock
from portal.extensions import db
from portal.models import Role
from portal.programme import budget
from portal.seed.reference import seed_reference
from tests.conftest import AuthActions
from tests.factories import PABAENG, make_member, make_user
from tests.reports.helpers import csv_table, members_column

YEAR = clock.today().year


def test_refresh_command_recounts_the_year_and_pages_show_when(app_factory):
    app = app_factory(REPORTS_CACHE_SECONDS=300)
    with app.app_context():
        seed_reference()
        db.session.commit()
        make_user("staff1", Role.STAFF)
        make_member(kelurahan_code=PABAENG, category_code="kader")
    result = app.test_cli_runner().invoke(args=["reports", "refresh"])
    assert result.exit_code == 0, result.output
    assert f"Report figures of {YEAR} counted at" in result.output
    with app.app_context():
        make_member(kelurahan_code=PABAENG, category_code="kader")  # after the job: not yet counted
    client = app.test_client()
    AuthActions(client).login("staff1")
    # Never asked for before, yet added up from the job's counts rather than counted now.
    assert members_column(csv_table(client, "kategori", kecamatan="737110"))["Jumlah"] == 1
    page = client.get("/laporan/").get_data(as_text=True)
    assert re.search(r"Angka per \d+ \w+ \d{4} \d\d\.\d\d WITA", page)
    assert "paling lama setiap 5 menit" in page
    stats = client.get("/statistik").get_data(as_text=True)
    assert "Angka per" in stats
    assert app.test_cli_runner().invoke(args=["reports", "refresh", "--year", str(YEAR)]).exit_code == 0
    assert members_column(csv_table(client, "kategori", kecamatan="737110"))["Jumlah"] == 2


def test_the_refresh_job_also_sums_the_budget_so_the_dashboard_does_not(app_factory, monkeypatch):
    app = app_factory(REPORTS_CACHE_SECONDS=300)
    with app.app_context():
        seed_reference()
        db.session.commit()
        make_user("staff1", Role.STAFF)
        make_member(kelurahan_code=PABAENG, category_code="kader")
    assert app.test_cli_runner().invoke(args=["reports", "refresh"]).exit_code == 0
    sums = []
    real = budget.budget_status
    monkeypatch.setattr(budget, "budget_status", lambda *args, **kwargs: sums.append(1) or real(*args, **kwargs))
    client = app.test_client()
    AuthActions(client).login("staff1")
    page = client.get("/laporan/").get_data(as_text=True)
    assert "Sudah terpakai" in page
    assert sums == []  # served from the job's sum
