"""Kinerja as agents, RT/RW heads and staff meet it: entries with known outcomes across two
months, counted per month for an agent, per RW / agent / kecamatan for staff, and exported."""

from __future__ import annotations

import io
from datetime import datetime, timezone

import pytest
from openpyxl import load_workbook

from portal import clock
from portal.models import AuditEvent, EntryState, ProgrammeYear, Role, User
from portal.extensions import db
from tests.factories import LETTE, PABAENG, make_entry, make_list, make_user
from tests.review.helpers import post

YEAR = clock.today().year
JANUARY = datetime(YEAR, 1, 15, 4, 0, tzinfo=timezone.utc)
FEBRUARY = datetime(YEAR, 2, 10, 4, 0, tzinfo=timezone.utc)


def _entries(member_list, when, *outcomes):
    for state, reason in outcomes:
        make_entry(member_list, state=state, submitted_at=when, reason_code=reason)


A, R, T, P = EntryState.APPROVED, EntryState.REJECTED, EntryState.RETURNED, EntryState.PENDING


@pytest.fixture
def proposals(app):
    """agen1 (Lette RW 002): Jan 3 approved, 1 rejected, 1 waiting; Feb 1 approved, 1 rejected, 2 returned; a draft.
    rtrw1 (same RW): Feb 2 approved, 1 waiting. rtrw2 (Pa'baeng-Baeng RW 005): Jan 1 rejected."""
    with app.app_context():
        agent = make_user("agen1", Role.AGENT, kelurahan_code=LETTE, rw=2)
        head = make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
        other = make_user("rtrw2", Role.RT_RW, kelurahan_code=PABAENG, rw=5)
        agent_list = make_list(agent)
        _entries(agent_list, JANUARY, (A, None), (A, None), (A, None), (R, "not_eligible"), (P, None))
        _entries(agent_list, FEBRUARY, (A, None), (R, "duplicate"), (T, "returned"), (T, "returned"))
        make_entry(agent_list, state=EntryState.DRAFT)
        _entries(make_list(head), FEBRUARY, (A, None), (A, None), (P, None))
        _entries(make_list(other), JANUARY, (R, "not_eligible"))


def _row_cells(page: str, header: str) -> list[str]:
    """The cells after the row header `header` in an HTML table, as text."""
    import re

    start = page.index(f'<th scope="row">{header}</th>')
    row = page[start:page.index("</tr>", start)]
    return re.findall(r"<td[^>]*>([^<]*)</td>", row)


def test_an_agent_sees_their_own_figures_per_month_and_the_approval_rate(client, auth, proposals):
    auth.login("agen1")
    page = client.get(f"/kinerja/?tahun={YEAR}").get_data(as_text=True)
    assert _row_cells(page, f"Januari {YEAR}") == ["5", "3", "1", "0", "1", "75 %"]
    assert _row_cells(page, f"Februari {YEAR}") == ["4", "1", "1", "2", "0", "50 %"]
    assert "Tidak memenuhi syarat program: <strong>1</strong>" in page
    assert "Terdaftar ganda: <strong>1</strong>" in page
    # 4 approved of 6 decided.
    assert "<dt>Tingkat persetujuan</dt><dd>67 %</dd>" in page
    assert "<dt>Diusulkan</dt><dd>9</dd>" in page


def test_an_rt_head_counts_only_the_lists_they_made(client, auth, proposals):
    auth.login("rtrw1")
    page = client.get(f"/kinerja/?tahun={YEAR}").get_data(as_text=True)
    assert _row_cells(page, f"Februari {YEAR}") == ["3", "2", "0", "0", "1", "100 %"]
    assert f"Januari {YEAR}" not in page
    assert "Kinerja saya" in client.get("/beranda").get_data(as_text=True)


def test_staff_see_the_figures_per_rw_agent_and_kecamatan_with_filters(app, client, auth, proposals):
    with app.app_context():
        make_user("petugas", Role.STAFF)
    auth.login("petugas")
    per_rw = client.get(f"/kinerja/petugas?per=rw&tahun={YEAR}").get_data(as_text=True)
    assert _row_cells(per_rw, "Lette RW 002") == ["12", "6", "2", "2", "2", "75 %"]
    assert _row_cells(per_rw, "Pa&#39;baeng-Baeng RW 005") == ["1", "0", "1", "0", "0", "0 %"]
    per_agent = client.get(f"/kinerja/petugas?per=agen&tahun={YEAR}").get_data(as_text=True)
    assert _row_cells(per_agent, "Agen1 (agen1)") == ["9", "4", "2", "2", "1", "67 %"]
    assert "Rtrw1" not in per_agent
    per_kecamatan = client.get(f"/kinerja/petugas?per=kecamatan&tahun={YEAR}").get_data(as_text=True)
    assert _row_cells(per_kecamatan, "Mariso") == ["12", "6", "2", "2", "2", "75 %"]
    assert _row_cells(per_kecamatan, "Tamalate") == ["1", "0", "1", "0", "0", "0 %"]
    january = client.get(f"/kinerja/petugas?per=rw&tahun={YEAR}&bulan=1").get_data(as_text=True)
    assert _row_cells(january, "Lette RW 002") == ["5", "3", "1", "0", "1", "75 %"]
    per_month = client.get(f"/kinerja/petugas?per=bulan&tahun={YEAR}").get_data(as_text=True)
    assert _row_cells(per_month, f"Januari {YEAR}") == ["6", "3", "2", "0", "1", "60 %"]
    assert _row_cells(per_month, f"Februari {YEAR}") == ["7", "3", "1", "2", "1", "75 %"]
    assert per_month.index(f"Januari {YEAR}") < per_month.index(f"Februari {YEAR}")
    tamalate = client.get(f"/kinerja/petugas?per=rw&tahun={YEAR}&kecamatan=737110").get_data(as_text=True)
    assert "Lette RW 002" not in tamalate and "RW 005" in tamalate


def test_agents_and_heads_cannot_open_the_staff_figures(client, auth, proposals):
    auth.login("agen1")
    assert client.get("/kinerja/petugas").status_code == 404
    assert client.get("/kinerja/petugas.xlsx").status_code == 404


def test_the_admin_sets_the_rate_and_the_export_shows_approved_times_rate(app, client, auth, proposals):
    with app.app_context():
        make_user("admin", Role.ADMIN)
        programme_year = db.session.get(ProgrammeYear, YEAR)
        form = {name: str(getattr(programme_year, name) if getattr(programme_year, name) is not None else "") for name in (
            "min_age", "max_age", "desil_max", "income_floor", "jkk_rate", "jkm_monthly", "jht_rate",
            "coverage_months", "budget_ceiling", "reverification_opens_days_before_end")}
        for n, setting in enumerate(programme_year.categories):
            form[f"categories-{n}-category_code"] = setting.category_code
            form[f"categories-{n}-target_population"] = str(setting.target_population)
            for flag in ("eligible", "jkk", "jkm", "jht", "requires_desil"):
                if getattr(setting, flag):
                    form[f"categories-{n}-{flag}"] = "y"
    auth.login("admin")
    assert "Insentif indikatif per peserta disetujui" in client.get(f"/admin/tahun/{YEAR}").get_data(as_text=True)
    response = post(client, f"/admin/tahun/{YEAR}", {**form, "incentive_per_approved": "5000"}, page=f"/admin/tahun/{YEAR}")
    assert response.status_code == 302
    export = client.get(f"/kinerja/petugas.xlsx?per=rw&tahun={YEAR}")
    assert export.status_code == 200
    assert export.headers["Content-Disposition"] == f'attachment; filename="kinerja-rw-{YEAR}.xlsx"'
    sheet = load_workbook(io.BytesIO(export.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Kelompok" and rows[0][-1] == "Insentif indikatif (Rp)"
    assert rows[1] == ("Lette RW 002", 12, 6, 2, 2, 2, 75.0, 5000, 30000)
    assert rows[2] == ("Pa'baeng-Baeng RW 005", 1, 0, 1, 0, 0, 0.0, 5000, 0)
    with app.app_context():
        assert db.session.scalar(db.select(AuditEvent).filter_by(action="performance.export")) is not None


def _statements_of(app, client, url: str) -> int:
    """How many SQL statements answering `url` ran."""
    from sqlalchemy import event

    statements = []

    def note(_connection, _cursor, statement, _parameters, _context, _executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return len(statements)


def test_the_figures_are_counted_in_the_database_whatever_the_number_of_entries(app, client, auth, proposals):
    with app.app_context():
        make_user("petugas", Role.STAFF)
    auth.login("petugas")
    url = f"/kinerja/petugas?per=agen&tahun={YEAR}"
    before = _statements_of(app, client, url)
    assert before > 0
    with app.app_context():
        agent_list = make_list(db.session.scalar(db.select(User).filter_by(username="agen1")))
        _entries(agent_list, FEBRUARY, *[(A, None)] * 30, *[(R, "duplicate")] * 10)
    assert _statements_of(app, client, url) == before
