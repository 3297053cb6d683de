"""BPJS exchange: registration files in numbered batches and KPJ answers matched by NIK."""

from __future__ import annotations

import csv
import io

import pytest

from openpyxl import Workbook, load_workbook

from portal import clock
from portal.extensions import db
from portal.models import AuditEvent, BpjsBatch, Membership, Role
from portal.config import Config
from tests.factories import make_member, make_user, new_nik
from tests.lists.spreadsheets import csv_bytes, ods_bytes, xlsx_bomb
from tests.spreadsheets.bombs import in_child_of_app, three_bombs
from tests.review.helpers import post

HYPERLINK = '=HYPERLINK("http://evil.example/x","Klik")'


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_export_batches_members_once_and_kpj_answer_round_trips(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        people = [make_member(name)[0] for name in ("Siti Aminah", "Budi Santoso", "Ani Wijaya")]
        niks = [p.nik for p in people]
    auth.login("staff1")
    response = post(client, "/bpjs/batch", {"file_format": "xlsx"}, page="/bpjs/")
    assert response.status_code == 302
    download = client.get("/bpjs/batch/1.xlsx")
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(download.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("NIK", "Nama", "Tanggal lahir", "Jenis kelamin")
    assert sorted(r[0] for r in rows[1:]) == sorted(niks)
    assert all(isinstance(r[0], str) for r in rows[1:])
    assert {r[10] for r in rows[1:]} == {"JKK+JKM"}
    assert {r[11] for r in rows[1:]} == {1_000_000}

    # Nobody is sent twice: a second batch has nothing to carry.
    post(client, "/bpjs/batch", {"file_format": "csv"}, page="/bpjs/")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(BpjsBatch)) == 1
        exports = db.session.scalars(db.select(AuditEvent).filter_by(action="bpjs.export")).all()
        assert {e.person_id for e in exports} == {p.id for p in people}

    answer = _xlsx(
        [
            ["No", "NIK", "No KPJ"],
            [1, niks[0], "12345678901"],
            [2, niks[1], "1234567"],  # not 11 digits
            [3, new_nik(), "12345678903"],  # nobody we know
            [4, niks[2], "12345678901"],  # KPJ already given to niks[0] in this file
        ]
    )
    response = post(
        client,
        "/bpjs/jawaban",
        {"answer": (io.BytesIO(answer), "jawaban.xlsx")},
        page="/bpjs/",
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "1 nomor KPJ dicatat" in page
    assert "Baris 3" in page and "11 digit" in page
    assert "Baris 4" in page and "tidak cocok" in page
    assert "Baris 5" in page and "sudah dipakai" in page
    for nik in niks:
        assert nik not in page
    with app.app_context():
        kpj = dict(db.session.execute(db.select(Membership.person_id, Membership.kpj_number)).all())
        assert kpj == {people[0].id: "12345678901", people[1].id: None, people[2].id: None}


def test_exported_formula_cell_arrives_as_text(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        make_member("Siti Aminah", street=HYPERLINK)
    auth.login("staff1")
    post(client, "/bpjs/batch", {"file_format": "xlsx"}, page="/bpjs/")
    sheet = load_workbook(io.BytesIO(client.get("/bpjs/batch/1.xlsx").data)).active
    cell = sheet.cell(row=2, column=5)
    assert cell.data_type == "s"
    assert cell.value == HYPERLINK
    rows = list(csv.reader(io.StringIO(client.get("/bpjs/batch/1.csv").data.decode("utf-8-sig"))))
    assert rows[1][4] == "'" + HYPERLINK


def test_answer_file_that_is_not_a_table_changes_nothing(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        make_member("Siti Aminah")
    auth.login("staff1")
    response = post(
        client,
        "/bpjs/jawaban",
        {"answer": (io.BytesIO(b"PK\x03\x04 broken"), "jawaban.xlsx")},
        page="/bpjs/",
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "tidak dapat dibaca" in response.get_data(as_text=True) or "rusak" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(Membership.kpj_number)) is None


def _upload_answer(client, content: bytes, filename: str):
    return post(
        client,
        "/bpjs/jawaban",
        {"answer": (io.BytesIO(content), filename)},
        page="/bpjs/",
        content_type="multipart/form-data",
    )


def _kpj_numbers(app) -> list:
    with app.app_context():
        return db.session.scalars(db.select(Membership.kpj_number)).all()


def test_answer_csv_from_excel_in_windows_1252_with_semicolons_is_read(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        nik = make_member("Siti Aminah")[0].nik
    auth.login("staff1")
    # "–" and "’" are single bytes in Windows-1252 that UTF-8 cannot decode.
    answer = csv_bytes([[1, nik, "Siti Aminah – Pa’baeng-baeng", "12345678901"]], header=["No", "NIK", "Nama", "No KPJ"])
    response = _upload_answer(client, answer, "jawaban.csv")
    assert response.status_code == 200
    assert "1 nomor KPJ dicatat" in response.get_data(as_text=True)
    assert _kpj_numbers(app) == ["12345678901"]


def test_answer_saved_as_ods_is_read(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        nik = make_member("Siti Aminah")[0].nik
    auth.login("staff1")
    response = _upload_answer(client, ods_bytes([[nik, "12345678901"]], header=["NIK", "No KPJ"]), "jawaban.ods")
    assert response.status_code == 200
    assert "1 nomor KPJ dicatat" in response.get_data(as_text=True)
    assert _kpj_numbers(app) == ["12345678901"]


def test_answer_whose_content_is_not_its_type_is_refused_and_changes_nothing(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        nik = make_member("Siti Aminah")[0].nik
    auth.login("staff1")
    response = _upload_answer(client, f"NIK;No KPJ\n{nik};12345678901\n".encode(), "jawaban.xlsx")
    assert response.status_code == 400
    assert "Isi berkas tidak sesuai dengan jenisnya (XLSX)" in response.get_data(as_text=True)
    assert _kpj_numbers(app) == [None]


def test_answer_that_is_a_zip_bomb_is_refused_before_parsing(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        make_member("Siti Aminah")
    auth.login("staff1")
    bomb = xlsx_bomb(Config.SPREADSHEET_BULK_MAX_UNCOMPRESSED_BYTES // (1024 * 1024) + 10)
    response = _upload_answer(client, bomb, "jawaban.xlsx")
    assert response.status_code == 400
    assert "terlalu besar setelah dibuka" in response.get_data(as_text=True)
    assert _kpj_numbers(app) == [None]


@pytest.mark.parametrize(("filename", "bomb", "says"), three_bombs(), ids=["xfd1048576", "ods-repeats", "zz200000"])
def test_answer_that_is_a_tiny_spreadsheet_bomb_is_refused_and_the_portal_stays_up(app, client, auth, filename, bomb, says):
    """Uploaded in a memory-capped child: a regression kills the child, not the test run."""
    with app.app_context():
        make_user("staff1", Role.STAFF)
        make_member("Siti Aminah")
    auth.login("staff1")

    def upload():
        response = _upload_answer(client, bomb, filename.replace("usulan", "jawaban"))
        return response.status_code, response.get_data(as_text=True)

    status, page = in_child_of_app(app, upload)
    assert status == 400
    assert "Simpan hanya tabel datanya" in page
    assert _kpj_numbers(app) == [None]
    assert client.get("/bpjs/").status_code == 200


def test_a_kpj_answered_after_a_renewal_reaches_both_years_and_may_repeat_across_years(app, client, auth):
    from datetime import date

    from portal.memberships.services import grant_membership
    from portal.models import CategorySetting
    from portal.seed.reference import ensure_programme_year

    year = clock.today().year
    with app.app_context():
        make_user("staff1", Role.STAFF)
        ensure_programme_year(year + 1)
        person, _membership = make_member("Siti Aminah", year=year)
        # Renewed before BPJS answered: the new year's membership has no KPJ either.
        grant_membership(person, db.session.get(CategorySetting, (year + 1, person.category_code)), date(year + 1, 1, 1))
        db.session.commit()
        nik = person.nik
    auth.login("staff1")
    answer = csv_bytes([[nik, "12345678901"]], header=["NIK", "No KPJ"])
    response = _upload_answer(client, answer, "jawaban.csv")
    assert "1 nomor KPJ dicatat" in response.get_data(as_text=True)
    assert sorted(_kpj_numbers(app)) == ["12345678901", "12345678901"]
    # The same answer again is no conflict: the KPJ is the same person's.
    again = _upload_answer(client, answer, "jawaban.csv").get_data(as_text=True)
    assert "dipakai peserta lain" not in again


def _renew_into_next_year(person):
    """Give the person next year's membership, as a renewal run does before BPJS answers."""
    from datetime import date

    from portal.memberships.services import grant_membership
    from portal.models import CategorySetting
    from portal.seed.reference import ensure_programme_year

    year = clock.today().year
    ensure_programme_year(year + 1)
    grant_membership(person, db.session.get(CategorySetting, (year + 1, person.category_code)), date(year + 1, 1, 1))
    db.session.commit()


def _batch_niks(client, number: int) -> list[str]:
    rows = list(csv.reader(io.StringIO(client.get(f"/bpjs/batch/{number}.csv").data.decode("utf-8-sig"))))
    return [row[0] for row in rows[1:]]


def test_a_member_renewed_before_bpjs_answered_is_not_sent_in_a_second_batch(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        person = make_member("Siti Aminah")[0]
        nik = person.nik
    auth.login("staff1")
    post(client, "/bpjs/batch", {"file_format": "csv"}, page="/bpjs/")
    assert _batch_niks(client, 1) == [nik]
    with app.app_context():
        _renew_into_next_year(db.session.get(type(person), person.id))
        newcomer = make_member("Budi Santoso")[0].nik

    # Only the newcomer goes: the renewed member's registration (batch 1) is still open.
    response = post(client, "/bpjs/batch", {"file_format": "csv"}, page="/bpjs/")
    assert response.status_code == 302
    assert _batch_niks(client, 2) == [newcomer]
    again = post(client, "/bpjs/batch", {"file_format": "csv"}, page="/bpjs/", follow_redirects=True)
    assert "Tidak ada peserta baru" in again.get_data(as_text=True)

    # BPJS's answer to batch 1 reaches both years' memberships.
    _upload_answer(client, csv_bytes([[nik, "12345678901"]], header=["NIK", "No KPJ"]), "jawaban.csv")
    with app.app_context():
        kpjs = db.session.scalars(db.select(Membership.kpj_number).where(Membership.person.has(nik=nik))).all()
        assert kpjs == ["12345678901", "12345678901"]
        assert db.session.scalar(db.select(db.func.count()).select_from(BpjsBatch)) == 2


def test_a_person_with_two_unsent_memberships_is_sent_once(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        person = make_member("Siti Aminah")[0]
        _renew_into_next_year(person)
        nik = person.nik
    auth.login("staff1")
    post(client, "/bpjs/batch", {"file_format": "csv"}, page="/bpjs/")
    assert _batch_niks(client, 1) == [nik]
