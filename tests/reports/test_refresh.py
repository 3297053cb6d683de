"""The year's counts: recounted by `flask reports refresh`, every filtered report added up
from them equals the same report counted live, and pages say how fresh they are."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from portal.extensions import db
from portal.memberships.services import issue_certificate
from portal.models import EntryState, MembershipStatus, Role
from portal.reports.figures import ReportFilters
from portal.reports.services import compute_report, count_year, report_from_counts
from portal.seed.reference import seed_reference
from tests.conftest import AuthActions
from tests.factories import LETTE, PABAENG, make_entry, make_list, make_member, make_user
from tests.reports.helpers import MAMAJANG_KELURAHAN, csv_table, members_column

YEAR = date.today().year


def _city():
    """Members, premiums, decisions and certificates spread over three kecamatan."""
    now = datetime.now(timezone.utc)
    head = make_user("rtrw1", Role.RT_RW)
    member_list = make_list(head)
    for number, (kelurahan, category) in enumerate(
        [(LETTE, "kader"), (LETTE, "non_asn"), (PABAENG, "kader"), (PABAENG, "ketua_rt_rw"), (MAMAJANG_KELURAHAN, "kader")]
    ):
        person, membership = make_member(kelurahan_code=kelurahan, category_code=category)
        person.monthly_income = 1_000_000 * (number + 1)
        if number % 2 == 0:
            issue_certificate(membership)
        make_entry(member_list, state=EntryState.APPROVED, submitted_at=now - timedelta(days=9 * number + 1))
    _, ended = make_member(kelurahan_code=PABAENG, category_code="kader")
    ended.status = MembershipStatus.ENDED
    make_entry(member_list, state=EntryState.REJECTED, submitted_at=now - timedelta(days=2))
    make_entry(member_list, submitted_at=now - timedelta(days=30))
    db.session.commit()


def test_every_filtered_report_added_up_from_the_year_counts_equals_the_live_count(app):
    with app.test_request_context():
        seed_reference()
        _city()
        counts = count_year(YEAR)
        for kecamatan in (None, "737101", "737110", "737102", "737103"):
            for category in (None, "kader", "non_asn", "ketua_rt_rw"):
                filters = ReportFilters(YEAR, kecamatan, category)
                live = compute_report(filters)
                added_up = report_from_counts(filters, counts)
                for figure in ("by_category", "by_kecamatan", "category_total", "kecamatan_total",
                               "pipeline", "certificates_by_month", "waiting_lists", "budget"):
                    assert getattr(added_up, figure) == getattr(live, figure), (filters, figure)


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
    stats = client.get("/stats").get_data(as_text=True)
    assert "Angka per" in stats
    assert app.test_cli_runner().invoke(args=["reports", "refresh", "--year", str(YEAR)]).exit_code == 0
    assert members_column(csv_table(client, "kategori", kecamatan="737110"))["Jumlah"] == 2
