"""Helpers of the institutional import tests: a city-wide file and what staff do with it."""

from __future__ import annotations

import io
import re
from datetime import date

from portal.extensions import db
from portal.models import InstitutionalImport
from tests.conftest import csrf_token
from tests.factories import LETTE, PABAENG, new_nik
from tests.lists.spreadsheets import xlsx_bytes

PAGE = "/impor-instansi/"
CITY_HEADER = ["NIK", "Nama", "Tgl Lahir", "L/P", "Kelurahan", "RW", "RT", "Kategori"]


def city_rows() -> list[list]:
    """Two people of Lette RW 002, one of Pa'baeng-Baeng RW 005, one without an address,
    and three the validator refuses (a NIK Excel rounded, a repeated NIK, an unknown kelurahan)."""
    repeated = new_nik(date(1982, 3, 4))
    return [
        [new_nik(date(1980, 1, 1)), "Andi Baso", date(1980, 1, 1), "L", LETTE, 2, 1, "KPPS"],
        [repeated, "Becce Daeng", date(1982, 3, 4), "L", "Lette", 2, 3, ""],
        [new_nik(date(1990, 5, 6)), "Cici Amir", date(1990, 5, 6), "L", PABAENG, 5, 1, "PPS"],
        [new_nik(date(1975, 7, 8)), "Dodi Tanpa Alamat", date(1975, 7, 8), "L", "", "", "", ""],
        ["7.37101E+15", "@SUM(1+1)", "01/01/1980", "L", LETTE, 2, 1, ""],
        [repeated, "Becce Lagi", date(1982, 3, 4), "L", LETTE, 2, 3, ""],
        [new_nik(date(1970, 1, 2)), "Eka Nowhere", date(1970, 1, 2), "L", "Atlantis", 2, 1, ""],
    ]


def upload(client, rows: list[list] | None = None, *, data: bytes | None = None, filename: str = "kpu.xlsx",
           category: str = "penyelenggara_pemilu", source: str = "KPU Kota Makassar"):
    body = data if data is not None else xlsx_bytes(rows if rows is not None else city_rows(), header=CITY_HEADER)
    response = client.post(
        PAGE,
        data={"csrf_token": csrf_token(client, PAGE), "spreadsheet": (io.BytesIO(body), filename), "category": category, "source": source},
        content_type="multipart/form-data",
    )
    # Past 500 KB the test client spools the form to a temporary file it leaves open.
    stream = response.request.environ.get("wsgi.input")
    if stream is not None:
        stream.close()
    return response


def import_id_of(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/impor-instansi/(\d+)$", response.location).group(1))


def wait_for_worker(app) -> None:
    app.extensions["renewal_worker"].submit(lambda: None).result(timeout=120)


def expected_count(client, import_id: int) -> str:
    page = client.get(f"{PAGE}{import_id}").get_data(as_text=True)
    found = re.search(r'name="expected" type="hidden" value="(\d+)"', page)
    assert found, page[:3000]
    return found.group(1)


def confirm(client, import_id: int, expected: str | None = None):
    expected = expected if expected is not None else expected_count(client, import_id)
    url = f"{PAGE}{import_id}"
    return client.post(f"{url}/konfirmasi", data={"csrf_token": csrf_token(client, url), "expected": expected})


def record(app, import_id: int) -> InstitutionalImport:
    with app.app_context():
        found = db.session.get(InstitutionalImport, import_id)
        db.session.expunge(found)
        db.session.remove()
        return found
