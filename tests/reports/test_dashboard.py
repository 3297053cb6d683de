"""The staff dashboard: every figure equals the registry counted independently."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from portal import clock
from portal.extensions import db
from portal.memberships.services import issue_certificate
from portal.models import EntryState, MembershipStatus, Role
from portal.seed.reference import ensure_programme_year
from tests.factories import LETTE, PABAENG, make_entry, make_list, make_member, make_user
from tests.reports.helpers import MAMAJANG_KELURAHAN, csv_table, members_column

YEAR = clock.today().year
WITA = ZoneInfo("Asia/Makassar")
KECAMATAN_OF = {LETTE: "Mariso", PABAENG: "Tamalate", MAMAJANG_KELURAHAN: "Mamajang"}
CATEGORY_NAMES = {"kader": "Kader Posyandu dan KB", "non_asn": "Tenaga non-ASN", "ketua_rt_rw": "Ketua RT/RW"}

# (kelurahan, category) of each member made in the registry tests.
MEMBERS = (
    [(LETTE, "kader")] * 4
    + [(LETTE, "non_asn")] * 2
    + [(PABAENG, "kader")] * 3
    + [(PABAENG, "ketua_rt_rw")] * 5
    + [(MAMAJANG_KELURAHAN, "non_asn")] * 1
)


def _registry():
    """Members as MEMBERS says, plus records the reports must not count."""
    for kelurahan, category in MEMBERS:
        make_member(kelurahan_code=kelurahan, category_code=category)
    _, ended = make_member(kelurahan_code=LETTE, category_code="kader")
    ended.status = MembershipStatus.ENDED  # left the programme: not a member
    ensure_programme_year(YEAR - 1)
    make_member(kelurahan_code=LETTE, category_code="kader", year=YEAR - 1)  # another year
    db.session.commit()


def test_coverage_per_category_and_kecamatan_equals_the_registry(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        _registry()
    auth.login("staff1")

    by_category = members_column(csv_table(client, "kategori"))
    expected = Counter(CATEGORY_NAMES[category] for _, category in MEMBERS)
    for name, count in expected.items():
        assert by_category[name] == count
    assert by_category["Jumlah"] == len(MEMBERS)

    by_kecamatan = members_column(csv_table(client, "kecamatan"))
    for name, count in Counter(KECAMATAN_OF[k] for k, _ in MEMBERS).items():
        assert by_kecamatan[name] == count
    assert by_kecamatan["Tallo"] == 0
    assert by_kecamatan["Jumlah"] == len(MEMBERS)

    page = client.get("/laporan/").get_data(as_text=True)
    assert "Angka per" in page  # how fresh the figures are
    assert f"<dd>{len(MEMBERS)}</dd>" in page
    assert page.count('<svg class="chart" role="img"') == 4  # categories, kecamatan, budget, contributions' realisation
    assert "<title id=\"chart-category-title\">" in page and "<desc id=\"chart-category-desc\">" in page


def test_category_targets_give_the_coverage_percent(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        _registry()
    auth.login("staff1")
    rows = {row[0]: row for row in csv_table(client, "kategori")}
    # Seeded 2024 targets (DOMAIN.md): 6,107 cadres.
    assert rows["Kader Posyandu dan KB"][2] == "6107"
    assert float(rows["Kader Posyandu dan KB"][3]) == round(100 * 7 / 6107, 2)
    assert rows["Jumlah"][2] == "101458"


def test_filters_narrow_every_figure_to_the_kecamatan_and_category(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        _registry()
    auth.login("staff1")
    in_tamalate = members_column(csv_table(client, "kategori", kecamatan="737110"))
    assert in_tamalate["Kader Posyandu dan KB"] == 3
    assert in_tamalate["Ketua RT/RW"] == 5
    assert in_tamalate["Jumlah"] == 8
    cadres = members_column(csv_table(client, "kecamatan", category="kader"))
    assert cadres == {"Mariso": 4, "Tamalate": 3, **{k: v for k, v in cadres.items() if v == 0}, "Jumlah": 7}
    both = members_column(csv_table(client, "kecamatan", kecamatan="737101", category="non_asn"))
    assert both == {"Mariso": 2, "Jumlah": 2}
    page = client.get("/laporan/", query_string={"kecamatan": "737110", "category": "kader"})
    assert page.status_code == 200
    assert re.search(r'<option selected value="737110">', page.get_data(as_text=True))


def test_unknown_filter_values_fall_back_to_the_whole_city_without_error(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        make_member()
    auth.login("staff1")
    response = client.get("/laporan/", query_string={"year": "abc", "kecamatan": "999999", "category": "x"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"yang ditampilkan seluruh kota tahun {YEAR}" in page
    assert "Not a valid" not in page and "Invalid" not in page
    assert members_column(csv_table(client, "kategori", year="1900"))["Jumlah"] == 1


def _at_wita(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=WITA).astimezone(timezone.utc)


def test_pipeline_counts_submissions_and_decisions_per_week_in_city_time(app, client, auth):
    monday = date(YEAR, 3, 1) + timedelta(days=(7 - date(YEAR, 3, 1).weekday()) % 7)
    with app.app_context():
        staff = make_user("staff1", Role.STAFF)
        head = make_user("rtrw1", Role.RT_RW)
        member_list = make_list(head)
        # 02:00 WITA on Monday is still Sunday in UTC: it belongs to Monday's week.
        make_entry(member_list, submitted_at=_at_wita(monday, 2))
        make_entry(member_list, submitted_at=_at_wita(monday, 10))
        make_entry(
            member_list,
            state=EntryState.APPROVED,
            submitted_at=_at_wita(monday, 9),
            decided_at=_at_wita(monday + timedelta(days=8), 9),
            decided_by_id=staff.id,
        )
        make_entry(
            member_list,
            state=EntryState.RETURNED,
            submitted_at=_at_wita(monday - timedelta(days=1), 9),
            decided_at=_at_wita(monday + timedelta(days=9), 9),
        )
        make_entry(
            member_list,
            state=EntryState.REJECTED,
            category_code="non_asn",
            submitted_at=_at_wita(monday, 9),
            decided_at=_at_wita(monday + timedelta(days=2), 9),
        )
        make_entry(member_list, state=EntryState.DRAFT)  # never submitted
    auth.login("staff1")
    weeks = {row[0]: [int(v) for v in row[1:]] for row in csv_table(client, "alur")}
    previous = (monday - timedelta(days=7)).isoformat()
    assert weeks == {
        previous: [1, 0, 0, 0],
        monday.isoformat(): [4, 0, 1, 0],
        (monday + timedelta(days=7)).isoformat(): [0, 1, 0, 1],
    }
    cadres = {row[0]: [int(v) for v in row[1:]] for row in csv_table(client, "alur", category="kader")}
    assert cadres[monday.isoformat()] == [3, 0, 0, 0]
    elsewhere = csv_table(client, "alur", kecamatan="737110")
    assert elsewhere == []


def test_certificates_and_the_lists_waiting_longest(app, client, auth):
    now = datetime.now(timezone.utc)
    with app.app_context():
        make_user("staff1", Role.STAFF)
        head = make_user("rtrw1", Role.RT_RW)
        for _ in range(3):
            _, membership = make_member()
            issue_certificate(membership)
        issue_certificate(membership)  # a reprint counts as one more certificate
        fresh = make_list(head, title="Usulan baru")
        old = make_list(head, title="Usulan lama")
        make_entry(fresh, submitted_at=now - timedelta(days=2))
        make_entry(old, submitted_at=now - timedelta(days=20))
        make_entry(old, submitted_at=now - timedelta(days=3))
        make_entry(old, state=EntryState.APPROVED, submitted_at=now - timedelta(days=40))
        make_list(head, title="Usulan kosong")
        db.session.commit()
    auth.login("staff1")
    months = csv_table(client, "sertifikat")
    assert sum(int(count) for _, count in months) == 4
    waiting = csv_table(client, "antrean")
    assert [(row[0], row[4]) for row in waiting] == [("Usulan lama", "2"), ("Usulan baru", "1")]
    page = client.get("/laporan/").get_data(as_text=True)
    assert "Usulan lama" in page and "Usulan kosong" not in page


def test_budget_is_the_premium_of_each_member_against_the_ceiling(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        programme_year = ensure_programme_year(YEAR)
        programme_year.budget_ceiling = 1_000_000
        for setting in programme_year.categories:
            setting.jht = setting.category_code == "kader"
        db.session.commit()
        make_member(category_code="non_asn")  # no income declared: the Rp 1,000,000 floor
        make_member(category_code="non_asn", monthly_income=2_000_000)
        make_member(category_code="kader", monthly_income=1_500_000)  # with JHT
    auth.login("staff1")
    rows = {row[0]: row for row in csv_table(client, "anggaran")}
    # JKK 1 % of income (floor Rp 1,000,000) + JKM Rp 6,800; JHT 2 % of income.
    non_asn_monthly = (10_000 + 6_800) + (20_000 + 6_800)
    kader_jkk_jkm, kader_jht = 15_000 + 6_800, 30_000
    assert rows["Tenaga non-ASN"][1:5] == ["2", str(non_asn_monthly), "0", str(non_asn_monthly)]
    assert rows["Kader Posyandu dan KB"][2:4] == [str(kader_jkk_jkm), str(kader_jht)]
    monthly = non_asn_monthly + kader_jkk_jkm + kader_jht
    assert rows["Jumlah"][4:] == [str(monthly), str(monthly * 12)]
    assert rows["Pagu anggaran setahun"][5] == "1000000"
    page = client.get("/laporan/").get_data(as_text=True)
    assert f"Rp {monthly * 12:,}".replace(",", ".") in page
    assert f"{100 * monthly * 12 / 1_000_000:.1f} %".replace(".", ",") in page


def test_dashboard_is_for_office_staff_only(app, client, auth):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW)
        make_user("agent1", Role.AGENT)
        make_user("staff1", Role.STAFF)
    paths = ["/laporan/", "/laporan/ekspor/kategori.csv", f"/laporan/bulanan.pdf?year={YEAR}&month=1"]
    for path in paths:
        assert client.get(path).status_code == 302  # anonymous: to the sign-in page
    for username in ("rtrw1", "agent1"):
        auth.login(username)
        for path in paths:
            assert client.get(path).status_code == 404
        assert "/laporan/" not in client.get("/beranda").get_data(as_text=True)
        auth.logout()
    auth.login("staff1")
    assert client.get("/laporan/").status_code == 200
    assert client.get("/laporan/ekspor/nama-warga.csv").status_code == 404
    assert 'href="/laporan/"' in client.get("/beranda").get_data(as_text=True)


def test_htmx_filter_request_gets_only_the_report_block(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    auth.login("staff1")
    response = client.get("/laporan/?kecamatan=737101", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="report">')
    assert "<html" not in body
    assert "HX-Request" in response.headers["Vary"]


def test_figures_are_cached_briefly_and_refreshed_after_targets_change(app_factory):
    app = app_factory(REPORTS_CACHE_SECONDS=300)
    with app.app_context():
        from portal.seed.reference import seed_reference

        seed_reference()
        db.session.commit()
        make_user("admin", Role.ADMIN)
        make_member()
    client = app.test_client()
    from tests.conftest import AuthActions, csrf_token

    AuthActions(client).login("admin")
    assert members_column(csv_table(client, "kategori"))["Jumlah"] == 1
    with app.app_context():
        make_member()
    assert members_column(csv_table(client, "kategori"))["Jumlah"] == 1  # cached
    assert "paling lama setiap 5 menit" in client.get("/laporan/").get_data(as_text=True)
    form = client.get(f"/laporan/target/{YEAR}").get_data(as_text=True)
    assert "Pagu anggaran iuran setahun" in form
    data = {"csrf_token": csrf_token(client, f"/laporan/target/{YEAR}"), "budget_ceiling": "5000000"}
    with app.app_context():
        from portal.models import Category, Kecamatan

        data |= {f"category_{c.code}": "100" for c in db.session.scalars(db.select(Category))}
        data |= {f"kecamatan_{k.code}": "40" for k in db.session.scalars(db.select(Kecamatan))}  # 600 too
    assert client.post(f"/laporan/target/{YEAR}", data=data).status_code == 302
    rows = {row[0]: row for row in csv_table(client, "kategori")}
    assert rows["Jumlah"][1:3] == ["2", "600"]


def test_an_aging_report_is_served_and_recounted_after_the_response(app_factory):
    from portal.extensions import cache
    from portal.reports.figures import ReportFilters
    from portal.reports.services import report_cache_key
    from portal.seed.reference import seed_reference
    from tests.conftest import AuthActions

    app = app_factory(REPORTS_CACHE_SECONDS=300)
    with app.app_context():
        seed_reference()
        db.session.commit()
        make_user("staff1", Role.STAFF)
        make_member()
    client = app.test_client()
    AuthActions(client).login("staff1")
    assert members_column(csv_table(client, "kategori"))["Jumlah"] == 1
    with app.app_context():
        make_member()
        key = report_cache_key(ReportFilters(year=YEAR))
        report = cache.get(key)
        cache.set(key, replace(report, computed_at=report.computed_at - timedelta(seconds=200)))
    response = client.get("/laporan/ekspor/kategori.csv")
    assert response.get_data().decode("utf-8-sig").splitlines()[-1].split(",")[1] == "1"  # served as is
    response.close()  # the response has gone out: the recount runs now
    assert members_column(csv_table(client, "kategori"))["Jumlah"] == 2
    with app.app_context():
        report = cache.get(key)
        cache.set(key, replace(report, computed_at=report.computed_at - timedelta(seconds=301)))
        make_member()
    assert members_column(csv_table(client, "kategori"))["Jumlah"] == 3  # too old: recounted first
