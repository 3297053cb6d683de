"""The public /statistik page: the same totals, no personal data, small cells hidden."""

from __future__ import annotations

import html
import io
import re

from pypdf import PdfReader

from portal import clock
from portal.models import Role
from portal.reports.services import suppress_small_cells
from tests.factories import LETTE, PABAENG, make_member, make_user
from tests.reports.helpers import MAMAJANG_KELURAHAN, csv_table, members_column


def _row(page: str, label: str) -> list[str]:
    """The cells of the table row headed `label` (the first table that has one)."""
    match = re.search(rf'<th scope="row">{re.escape(label)}</th>(.*?)</tr>', page, re.S)
    assert match, label
    return [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)]


def test_small_cells_are_suppressed_and_one_hidden_cell_takes_the_next_smallest_along():
    assert suppress_small_cells([0, 3, 12, 7, 40]) == [0, "<5", 12, "≥5", 40]
    assert suppress_small_cells([2, 4, 9]) == ["<5", "<5", 9]
    assert suppress_small_cells([5, 6, 0]) == [5, 6, 0]
    assert suppress_small_cells([3]) == ["<5"]


def test_stats_hide_kecamatan_and_categories_under_five_people(app, client):
    with app.app_context():
        for _ in range(3):
            make_member(kelurahan_code=MAMAJANG_KELURAHAN, category_code="non_asn")
        for _ in range(7):
            make_member(kelurahan_code=LETTE, category_code="kader")
        for _ in range(6):
            make_member(kelurahan_code=PABAENG, category_code="ketua_rt_rw")
    page = client.get("/statistik").get_data(as_text=True)
    # Mamajang has 3: hidden; Tamalate (6, the next smallest) goes with it.
    assert _row(page, "Mamajang")[0] == "<5"
    assert _row(page, "Tamalate")[0] == "≥5"
    assert _row(page, "Mariso")[0] == "7"
    assert _row(page, "Tallo")[0] == "0"
    assert _row(page, "Tenaga non-ASN")[0] == "<5"
    assert _row(page, "Ketua RT/RW")[0] == "≥5"
    assert _row(page, "Kader Posyandu dan KB")[0] == "7"
    assert "<dd>16</dd>" in page  # the city total is published
    assert "(3)" not in page and "(6)" not in page  # nor in the charts' labels


def test_stats_show_the_same_totals_as_the_staff_dashboard(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        for _ in range(8):
            make_member(kelurahan_code=PABAENG, category_code="ketua_rt_rw")
    public = client.get("/statistik").get_data(as_text=True)
    auth.login("staff1")
    staff = members_column(csv_table(client, "kecamatan"))
    assert _row(public, "Tamalate")[0] == str(staff["Tamalate"]) == "8"
    assert _row(public, "Jumlah")[0] == str(staff["Jumlah"])


def test_stats_expose_no_name_or_nik(app, client):
    with app.app_context():
        people = [make_member("Andi Wijaya Daeng Rani", kelurahan_code=PABAENG)[0] for _ in range(6)]
        niks = [p.nik for p in people]
    response = client.get("/statistik")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Andi" not in page and "Wijaya" not in page
    for nik in niks:
        assert nik not in page and nik[-4:] + "<" not in page
        assert nik[:6] + "******" not in page


def test_stats_need_no_sign_in_and_are_linked_from_home_and_the_menu(client):
    home = client.get("/").get_data(as_text=True)
    assert home.count('href="/statistik"') >= 2  # the menu and the home page
    response = client.get("/statistik?year=abc")
    assert response.status_code == 200
    assert "Statistik cakupan" in response.get_data(as_text=True)


def _table(page: str, caption: str) -> list[list[str]]:
    """Every row of the table with `caption` (its total row last), as cell texts."""
    table = next(t for t in page.split("<table")[1:] if f"<caption>{caption}</caption>" in t)
    return [
        [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", table.split("</thead>")[1], re.S)
    ]


def _people(text: str) -> int:
    return int(text.replace(".", ""))


def test_stats_and_the_monthly_pdf_show_one_target_total_that_the_kecamatan_rows_add_up_to(app, runner, client, auth):
    # The demo's kecamatan targets share out the city's: 101,458 people (DOMAIN.md).
    assert runner.invoke(args=["seed", "demo", "--password", "demo-password-2026"]).exit_code == 0
    page = client.get("/statistik").get_data(as_text=True)
    assert re.search(r"<dt>Target</dt><dd>([\d.]+)</dd>", page).group(1) == "101.458"
    for caption in ("Peserta dan target per kecamatan", "Peserta dan target per kategori"):
        *rows, total = _table(page, caption)
        assert total[0] == "Jumlah" and total[2] == "101.458", caption
        assert sum(_people(row[2]) for row in rows) == 101_458, caption

    auth.login("staff1", "demo-password-2026")
    pdf = client.get(f"/laporan/bulanan.pdf?year={clock.today().year}&month=12")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    targets = re.findall(r"^Jumlah [\d.]+ ([\d.]+) ", text, re.M)
    # The kategori and the kecamatan table (whose total row repeats on every page it spans).
    assert len(targets) >= 2 and set(targets) == {"101.458"}
    assert re.search(r"^Target\s+([\d.]+)", text, re.M).group(1) == "101.458"
