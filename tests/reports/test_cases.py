"""The case desk's figures in the reports: the dashboard, the monthly PDF and /statistik."""

from __future__ import annotations

import html
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from pypdf import PdfReader

from portal import clock
from portal.extensions import db
from portal.models import Case, Role, User
from portal.reports.services import suppress_small_cells, suppress_small_total
from tests.cases.helpers import report_case_of
from tests.factories import LETTE, PABAENG, make_member, make_user

YEAR = clock.today().year
TAMALATE = PABAENG[:6]


def _cases(app, *, mariso_jkk=2, mariso_jkm=1, tamalate_jkk=1, paid=((LETTE, 1_500_000),)):
    """Cases reported by staff1 in Mariso and Tamalate; the first accident of each paid kelurahan paid."""
    from portal.cases import services

    with app.app_context():
        staff = make_user("staff1", Role.STAFF)
        cases = []
        for kelurahan, kind, n in ((LETTE, "jkk", mariso_jkk), (LETTE, "jkm", mariso_jkm), (PABAENG, "jkk", tamalate_jkk)):
            for _ in range(n):
                person, _ = make_member("Sitti Aminah", kelurahan_code=kelurahan)
                extra = {"heir_name": "Andi"} if kind == "jkm" else {}
                cases.append(report_case_of(staff, person, kind=kind, **extra))
        for kelurahan, amount in paid:
            case = next(c for c in cases if c.kelurahan_code == kelurahan and c.kind.value == "jkk")
            services.record_payment(case, clock.today(), amount, "jkk_care", staff)
        db.session.commit()
        return [c.id for c in cases]


def _section(page: str, start: str) -> str:
    match = re.search(rf'<section aria-labelledby="{start}".*?</section>', page, re.S)
    assert match, start
    return match.group(0)


def _stats(section: str) -> dict[str, str]:
    """{label: value} of a section's headline figures."""
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", section, re.S)
    return {html.unescape(dt): html.unescape(dd) for dt, dd in pairs}


def _row(section: str, label: str) -> list[str]:
    match = re.search(rf'<th scope="row">{re.escape(label)}</th>(.*?)</tr>', section, re.S)
    assert match, label
    return [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)]


def test_the_dashboard_shows_cases_by_kind_and_state_overdue_days_to_payment_and_benefits_per_month(app, client, auth):
    ids = _cases(app)
    with app.app_context():  # one case past its stage I due time
        case = db.session.get(Case, ids[1])
        case.stage_one_due_at = datetime.now(timezone.utc) - timedelta(hours=1)
        db.session.commit()
    auth.login("staff1")
    section = _section(client.get("/laporan/").get_data(as_text=True), "cases")
    assert "Kasus kecelakaan kerja dan kematian" in section
    assert _stats(section) == {
        "Kasus yang dilaporkan": "4",
        "Terlambat dikirim ke BPJS (tahap I), sekarang": "1",
        "Median hari dari laporan sampai dibayar": "0,0",  # Indonesian decimals
        "Kasus yang manfaatnya dibayar": "1",
        "Jumlah manfaat dibayar": "Rp 1.500.000",
    }
    assert _row(section, "Dilaporkan") == ["2", "1"]  # accidents, deaths
    assert _row(section, "Manfaat dibayar") == ["1", "0"]
    assert re.search(r'<th scope="row">\w+ %d</th><td class="num">1</td><td class="num">1.500.000</td>' % YEAR, section)
    assert 'href="/kasus/ringkasan?tahun=%d"' % YEAR in section


def test_the_dashboards_kecamatan_filter_narrows_the_case_figures(app, client, auth):
    _cases(app)
    auth.login("staff1")
    section = _section(client.get(f"/laporan/?year={YEAR}&kecamatan={TAMALATE}").get_data(as_text=True), "cases")
    assert _stats(section)["Kasus yang dilaporkan"] == "1"
    assert _stats(section)["Kasus yang manfaatnya dibayar"] == "0"
    assert _stats(section)["Median hari dari laporan sampai dibayar"] == "—"
    assert "Belum ada manfaat yang dibayar pada periode ini." in section
    # The htmx refresh of the filters answers with the same section.
    fragment = client.get(f"/laporan/?year={YEAR}&kecamatan={TAMALATE}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert _stats(_section(fragment, "cases")) == _stats(section)


def test_the_monthly_pdf_holds_the_dashboards_case_figures(app, client, auth):
    _cases(app)
    auth.login("staff1")
    page = _stats(_section(client.get(f"/laporan/?year={YEAR}").get_data(as_text=True), "cases"))
    pdf = client.get(f"/laporan/bulanan.pdf?year={YEAR}&month={clock.today().month}")
    assert pdf.status_code == 200
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Kasus kecelakaan kerja dan kematian" in text
    flat = re.sub(r"\s+", " ", text)
    for label, value in page.items():
        assert f"{label} {value}" in flat, (label, value)


def test_the_monthly_pdf_counts_cases_up_to_the_months_end(app, client, auth):
    if clock.today().month == 1:
        pytest.skip("payments are made today: January's report holds them")
    ids = _cases(app, mariso_jkm=0, tamalate_jkk=0)
    with app.app_context():  # reported (and paid) after the year's first month
        for case in db.session.scalars(db.select(Case).where(Case.id.in_(ids))):
            case.reported_at = datetime(YEAR, 2, 1, 1, tzinfo=timezone.utc)  # 09.00 WITA
        db.session.commit()
    auth.login("staff1")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(client.get(f"/laporan/bulanan.pdf?year={YEAR}&month=1").data)).pages)
    flat = re.sub(r"\s+", " ", text)
    assert "Kasus yang dilaporkan 0" in flat and "Kasus yang manfaatnya dibayar 0" in flat
    assert "Belum ada manfaat yang dibayar pada periode ini." in flat


def test_a_total_that_would_give_a_hidden_cell_away_is_hidden_too():
    values = [3, 0, 0]
    assert suppress_small_total(values, suppress_small_cells(values)) == "<5"
    values = [6, 3, 0]
    assert suppress_small_cells(values) == ["≥5", "<5", 0]
    assert suppress_small_total(values, suppress_small_cells(values)) == 9
    values = [6, 7]
    assert suppress_small_total(values, suppress_small_cells(values)) == 13
    assert suppress_small_total([0, 0], [0, 0]) == 0


def test_statistik_shows_cases_and_benefits_per_kecamatan_and_kind_with_small_cells_hidden(app, client):
    _cases(app, mariso_jkk=6, mariso_jkm=1, tamalate_jkk=2, paid=((LETTE, 1_500_000),))
    section = _section(client.get("/statistik").get_data(as_text=True), "stats-cases")
    # Per kind: reported, benefits paid, rupiah.
    assert _row(section, "Mariso") == ["≥5", "<5", "—", "<5", "0", "0"]
    assert _row(section, "Tamalate") == ["<5", "0", "0", "0", "0", "0"]
    assert _row(section, "Tallo") == ["0"] * 6
    # The accidents' total (8) hides nobody; the deaths' and the payments' would give one away.
    assert _row(section, "Jumlah") == ["8", "<5", "—", "<5", "0", "0"]
    assert "1.500.000" not in section and "1500000" not in section


def test_statistik_publishes_cases_and_benefits_where_cells_are_large_enough(app, client, auth):
    _cases(app, mariso_jkk=6, mariso_jkm=0, tamalate_jkk=7, paid=())
    with app.app_context():
        from portal.cases import services

        staff = db.session.scalar(db.select(User).filter_by(username="staff1"))
        for case in db.session.scalars(db.select(Case).order_by(Case.id)):
            services.record_payment(case, clock.today(), 1_000_000, "jkk_care", staff)
        db.session.commit()
    section = _section(client.get("/statistik").get_data(as_text=True), "stats-cases")
    assert _row(section, "Mariso") == ["6", "6", "6.000.000", "0", "0", "0"]
    assert _row(section, "Tamalate") == ["7", "7", "7.000.000", "0", "0", "0"]
    assert _row(section, "Jumlah") == ["13", "13", "13.000.000", "0", "0", "0"]
    # The same counts as the case desk's own page and the dashboard.
    auth.login("staff1")
    dashboard = _stats(_section(client.get("/laporan/").get_data(as_text=True), "cases"))
    assert dashboard["Kasus yang dilaporkan"] == "13" and dashboard["Jumlah manfaat dibayar"] == "Rp 13.000.000"


def test_the_demo_cases_show_on_the_dashboard_and_statistik(app, runner, client, auth):
    result = runner.invoke(args=["seed", "demo", "--password", "demo-password-2026"])
    assert result.exit_code == 0, result.output
    auth.login("staff1", "demo-password-2026")
    figures = _stats(_section(client.get("/laporan/").get_data(as_text=True), "cases"))
    if clock.today().timetuple().tm_yday > 20:  # the demo's cases were reported this year
        assert figures["Kasus yang dilaporkan"] == "3"
        assert figures["Jumlah manfaat dibayar"] == "Rp 3.750.000"
    assert figures["Terlambat dikirim ke BPJS (tahap I), sekarang"] == "1"
    public = _section(client.get("/statistik").get_data(as_text=True), "stats-cases")
    assert "&lt;5" in public and "3.750.000" not in public


def test_the_refresh_job_counts_the_case_figures_the_dashboard_narrows_without_counting(app_factory):
    from portal.seed.reference import seed_reference
    from tests.conftest import AuthActions

    app = app_factory(REPORTS_CACHE_SECONDS=300)
    with app.app_context():
        seed_reference()
        db.session.commit()
    _cases(app, paid=())
    assert app.test_cli_runner().invoke(args=["reports", "refresh"]).exit_code == 0
    with app.app_context():  # reported after the job: the dashboard has not counted it yet
        staff = db.session.scalar(db.select(User).filter_by(username="staff1"))
        report_case_of(staff, make_member("Sitti Aminah", kelurahan_code=PABAENG)[0])
    client = app.test_client()
    AuthActions(client).login("staff1")
    narrowed = _stats(_section(client.get(f"/laporan/?kecamatan={TAMALATE}").get_data(as_text=True), "cases"))
    assert narrowed["Kasus yang dilaporkan"] == "1"
    assert app.test_cli_runner().invoke(args=["reports", "refresh"]).exit_code == 0
    narrowed = _stats(_section(client.get(f"/laporan/?kecamatan={TAMALATE}").get_data(as_text=True), "cases"))
    assert narrowed["Kasus yang dilaporkan"] == "2"
