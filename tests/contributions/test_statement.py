"""The monthly statement page and its exports, through HTTP, as staff meet them."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from portal.contributions import ledger
from portal.contributions.ledger import Month
from portal.contributions.months import ledger_by_month
from portal.extensions import db
from portal.memberships.services import end_membership
from portal.models import AuditEvent, EndReason, ProgrammeYear, Role
from tests.contributions.helpers import csv_rows, staff_signed_in
from tests.hospitals.helpers import make_hospital_user
from tests.factories import LETTE, PABAENG, make_member, make_user

YEAR = 2026


def _members(app):
    """A January member with JHT, a mid-year joiner (June), a death on 10 May and an exit on 20 August."""
    with app.app_context():
        _p, full_year = make_member("Siti Aminah", year=YEAR, category_code="kader", monthly_income=2_000_000)
        _p, joiner = make_member("Andi Baso", year=YEAR, category_code="non_asn", kelurahan_code=PABAENG)
        joiner.starts_on = date(YEAR, 6, 1)
        _p, died = make_member("Rahmat Hidayat", year=YEAR, category_code="non_asn")
        died.starts_on = date(YEAR, 3, 15)
        _p, left = make_member("Nurhayati", year=YEAR, category_code="non_asn", kelurahan_code=PABAENG)
        db.session.commit()
        end_membership(died, EndReason.DECEASED, date(YEAR, 5, 10), "Dilaporkan ketua RT.")
        end_membership(left, EndReason.MOVED_AWAY, date(YEAR, 8, 20), "Pindah ke Gowa.")
        db.session.commit()
        return {m.number: m.jht for m in (full_year, joiner, died, left)}, (full_year.number, joiner.number, died.number, left.number)


def _member_numbers(client, month: int) -> dict[str, list[str]]:
    rows = csv_rows(client.get(f"/iuran/{YEAR}/{month}/peserta.csv"))
    return {row[0]: row for row in rows[1:]}


def test_the_member_lines_show_a_joiner_from_june_a_death_until_april_and_an_exit_until_august(app, client, auth):
    _jht, (full_year, joiner, died, left) = _members(app)
    staff_signed_in(app, auth)
    april, may, june, august, september = (_member_numbers(client, m) for m in (4, 5, 6, 8, 9))
    assert set(april) == {full_year, died, left}
    assert set(may) == {full_year, left}  # died on 10 May, before the 15 May due date
    assert set(june) == {full_year, joiner, left}
    assert set(august) == {full_year, joiner, left}  # left on 20 August, after the 1 August due date
    assert set(september) == {full_year, joiner}
    line = april[died]
    assert line[3] == "Rahmat Hidayat" and line[-2] == f"{YEAR}-05-10" and line[-1] == "Meninggal dunia"
    # The programme parts of every line add up to its amount.
    for row in april.values():
        assert int(row[9]) + int(row[10]) + int(row[11]) == int(row[12])


def test_the_statement_page_counts_people_and_amounts_per_programme_category_and_kecamatan(app, client, auth):
    _members(app)
    staff_signed_in(app, auth)
    page = client.get(f"/iuran/{YEAR}/4").get_data(as_text=True)
    assert "Rekap iuran April 2026" in page
    with app.app_context():
        members, total = ledger.month_total(Month(YEAR, 4))
    assert members == 3
    totals = page[page.index('id="month-totals"'):]
    assert f"Rp {total:,}".replace(",", ".") in totals[:600]
    assert "Mariso" in page and "Tamalate" in page
    rows = csv_rows(client.get(f"/iuran/{YEAR}/4/rekap.csv"))
    assert rows[-1][:4] == ["Jumlah", "Jumlah", "3", str(total)]
    kecamatan = {row[1]: row for row in rows if row[0] == "Kecamatan"}
    assert kecamatan["Tamalate"][2] == "1" and kecamatan["Mariso"][2] == "2"
    programmes = {row[1]: row for row in rows if row[0] == "Program"}
    assert int(programmes["JKK"][3]) + int(programmes["JKM"][3]) + int(programmes["JHT"][3]) == total
    assert programmes["JKM"][2] == "3"


def test_the_year_ledger_in_one_query_equals_the_ledger_month_by_month(app):
    _members(app)
    with app.app_context():
        by_month = ledger_by_month(YEAR)
        for month in range(1, 13):
            assert by_month[month] == ledger.month_total(Month(YEAR, month)), month
        assert sum(due for _m, due in by_month.values()) == __import__("portal.programme.budget", fromlist=["x"]).committed(
            db.session.get(ProgrammeYear, YEAR)
        )


def test_exports_write_a_name_starting_with_a_formula_sign_as_text(app, client, auth):
    with app.app_context():
        person, _m = make_member("=HYPERLINK(\"http://x\")", year=YEAR)
        db.session.commit()
    staff_signed_in(app, auth)
    rows = csv_rows(client.get(f"/iuran/{YEAR}/3/peserta.csv"))
    assert rows[1][3] == "'=HYPERLINK(\"http://x\")"
    response = client.get(f"/iuran/{YEAR}/3/peserta.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    cell = sheet.cell(row=2, column=4)
    assert cell.data_type == "s" and cell.value == "=HYPERLINK(\"http://x\")"
    assert load_workbook(io.BytesIO(client.get(f"/iuran/{YEAR}/3/rekap.xlsx").data)).active.max_row > 10
    with app.app_context():
        exports = db.session.scalars(db.select(AuditEvent).filter_by(action="contributions.export")).all()
        assert {e.details["table"] for e in exports} == {"members", "statement"}


def test_other_roles_cannot_open_the_contribution_pages(app, client, auth):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
        make_user("agent1", Role.AGENT, kelurahan_code=LETTE, rw=2)
        make_hospital_user("rs1")
    for username in ("rtrw1", "agent1", "rs1"):
        auth.login(username)
        for url in ("/iuran/", f"/iuran/{YEAR}/4", f"/iuran/{YEAR}/4/peserta.csv", "/iuran/pembayaran/", "/iuran/pembayaran/baru"):
            assert client.get(url).status_code in (403, 404), (username, url)
        auth.logout()
    assert client.get("/iuran/").status_code == 302  # signed out: to the sign-in page
