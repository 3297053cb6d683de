"""Uploading real spreadsheet files to a list, previewing them, and the safety limits."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest

from portal.extensions import db
from portal.models import EntryState, ListEntry, ListSource, MemberList, Role, Sex
from tests.conftest import csrf_token
from tests.factories import LETTE, PABAENG, make_list, make_user, new_nik
from tests.lists.spreadsheets import HEADER, csv_bytes, ods_bytes, person_row, xlsx_bomb, xlsx_bytes
from tests.spreadsheets.bombs import in_child_of_app, three_bombs


def entries(app, list_id: int) -> list[ListEntry]:
    with app.app_context():
        found = db.session.scalars(db.select(ListEntry).filter_by(list_id=list_id).order_by(ListEntry.id)).all()
        db.session.expunge_all()
        return found


def codes(entry: ListEntry) -> list[str]:
    return [issue["code"] for issue in entry.issues]


def test_xlsx_with_titles_merged_cells_number_niks_and_a_total_row_is_read(app, head):
    text_nik = new_nik(date(1985, 2, 13))
    number_nik = int(new_nik(date(1990, 6, 1)))
    rounded = 7371011302850010  # what Excel leaves of 7371011302850013 typed as a number
    rows = [
        person_row(text_nik, "Budi Santoso"),
        [number_nik, "Siti Aminah", date(1990, 6, 1), "L", 3, 2, "Kader Posyandu dan KB", 81234567890],
        [None, None, None, None, None, None, None, None],
        [rounded, "Andi Wijaya", "13/02/1985", "L", "001", "RW 02", "pedagang sayur", "+62 812-3456-7890"],
    ]
    data = xlsx_bytes(rows, titles=["DAFTAR USULAN PESERTA", "RW 002 KELURAHAN LETTE"], merge_title=True, total_row=True)

    response = head.upload(data, "usulan rw 2.xlsx")

    assert response.status_code == 302
    saved = entries(app, head.list_id)
    assert [e.full_name for e in saved] == ["Budi Santoso", "Siti Aminah", "Andi Wijaya"]
    assert [e.row_number for e in saved] == [4, 5, 7]
    assert saved[0].nik == text_nik and saved[0].issues == []
    assert saved[1].nik == str(number_nik)
    assert saved[1].phone == "081234567890"
    assert "nik_numeric_cell" in codes(saved[2]) and saved[2].errors == []
    assert saved[2].category_code == "pekerja_rentan" and saved[2].occupation == "pedagang sayur"
    assert all(e.state == EntryState.DRAFT for e in saved)
    with app.app_context():
        member_list = db.session.get(MemberList, head.list_id)
        assert member_list.source == ListSource.UPLOAD and member_list.source_filename == "usulan rw 2.xlsx"
    page = head.client.get(head.url).get_data(as_text=True)
    assert text_nik not in page
    assert text_nik[:6] + "******" + text_nik[-4:] in page
    assert "Siap dikirim" in page


def test_semicolon_csv_in_windows_1252_with_apostrophes_and_nbsp_in_niks(app, client, auth):
    with app.app_context():
        list_id = make_list(make_user("rtrw2", Role.RT_RW, kelurahan_code=PABAENG, rw=5)).id
    auth.login("rtrw2")
    his, hers = new_nik(date(1975, 8, 17)), new_nik(date(1985, 2, 13), Sex.FEMALE)
    rows = [
        ["'" + his, "Daeng Ngalle", "17-08-1975", "L", "3", "5", "Ketua RT/RW", "0812 3456 7890"],
        ["\u2019" + hers[:4] + "\u00a0" + hers[4:8] + " " + hers[8:], "Hj. Nurhaeda Pa\u2019baeng-Baeng", "1985-02-13", "P", "3", "5", "Kader", ""],
    ]
    data = csv_bytes(rows, delimiter=";", encoding="cp1252", header=HEADER)
    assert b"\x92" in data and b"\xa0" in data  # the Windows-1252 apostrophe, not UTF-8

    response = client.post(
        f"/daftar/{list_id}/unggah",
        data={"csrf_token": csrf_token(client, f"/daftar/{list_id}"), "spreadsheet": (io.BytesIO(data), "usulan.csv")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 302
    saved = entries(app, list_id)
    assert [e.nik for e in saved] == [his, hers]
    assert saved[1].full_name == "Hj. Nurhaeda Pa\u2019baeng-Baeng"
    assert saved[0].birth_date == date(1975, 8, 17) and saved[1].birth_date == date(1985, 2, 13)
    assert saved[0].category_code == "ketua_rt_rw" and saved[1].category_code == "kader"
    assert [e.errors for e in saved] == [[], []]


def test_comma_csv_with_utf8_bom_and_invisible_characters(app, head):
    nik = new_nik()
    dirty = " \ufeff" + nik[:6] + "\u00a0" + nik[6:] + "\u200b "
    data = csv_bytes([person_row(dirty, "Pa'baeng-Baeng \u00d1o\u00f1a")], delimiter=",", encoding="utf-8", bom=True)
    assert head.upload(data, "usulan.csv").status_code == 302
    [entry] = entries(app, head.list_id)
    assert entry.nik == nik and entry.full_name == "Pa'baeng-Baeng \u00d1o\u00f1a" and entry.errors == []


def test_ods_from_a_spreadsheet_program_is_read(app, head):
    nik = new_nik(date(1980, 5, 17))
    data = ods_bytes([person_row(nik, "Ibu Hasnah", date(1980, 5, 17)), person_row("7.37101E+15", "Pak Baso")], titles=["Usulan"])
    assert head.upload(data, "usulan.ods").status_code == 302
    saved = entries(app, head.list_id)
    assert saved[0].nik == nik and saved[0].birth_date == date(1980, 5, 17) and saved[0].errors == []
    assert codes(saved[1])[0] == "nik_scientific_notation"


def test_headers_the_reader_cannot_tell_are_mapped_by_the_head(app, head):
    nik = new_nik()
    data = xlsx_bytes([[nik, "Budi Santoso", "13/02/1985"]], header=["Kolom 1", "Kolom 2", "Kolom 3"])

    response = head.upload(data, "usulan.xlsx")

    assert response.status_code == 302 and response.headers["Location"].endswith("/kolom")
    page = head.client.get(f"{head.url}/kolom").get_data(as_text=True)
    assert "Kolom mana berisi apa?" in page and "A: Kolom 1" in page
    assert entries(app, head.list_id) == []
    token = csrf_token(head.client, f"{head.url}/kolom")
    refused = head.client.post(f"{head.url}/kolom", data={"csrf_token": token, "nik": 0, "full_name": 0})
    assert refused.status_code == 200 and "Satu kolom hanya boleh" in refused.get_data(as_text=True)
    mapped = head.client.post(f"{head.url}/kolom", data={"csrf_token": token, "nik": 0, "full_name": 1, "birth_date": 2})
    assert mapped.status_code == 302
    [entry] = entries(app, head.list_id)
    assert entry.nik == nik and entry.birth_date == date(1985, 2, 13)
    assert head.client.get(f"{head.url}/kolom").status_code == 302  # the held file is gone


def test_a_broken_file_imports_nothing_and_says_why(app, head):
    good = xlsx_bytes([person_row()])
    response = head.upload(good[: len(good) // 2], "usulan.xlsx")
    assert response.status_code == 400
    assert "Berkas rusak" in response.get_data(as_text=True)
    assert entries(app, head.list_id) == []


def test_a_file_whose_content_is_not_its_type_is_refused(app, head):
    response = head.upload(b"NIK;Nama\n1;2\n", "usulan.xlsx")
    assert response.status_code == 400
    assert "Isi berkas tidak sesuai" in response.get_data(as_text=True)
    response = head.upload(xlsx_bytes([person_row()]), "usulan.pdf")
    assert response.status_code == 400 and "Jenis berkas tidak didukung" in response.get_data(as_text=True)
    assert entries(app, head.list_id) == []


def test_an_xlsx_bomb_is_refused_before_parsing(app, head):
    bomb = xlsx_bomb()
    assert len(bomb) < 1024 * 1024
    response = head.upload(bomb, "usulan.xlsx")
    assert response.status_code == 400
    assert "terlalu besar setelah dibuka" in response.get_data(as_text=True)
    assert entries(app, head.list_id) == []


@pytest.mark.parametrize(("filename", "bomb", "says"), three_bombs(), ids=["xfd1048576", "ods-repeats", "zz200000"])
def test_a_tiny_spreadsheet_bomb_is_refused_with_the_reason_and_the_portal_stays_up(app, head, filename, bomb, says):
    """Uploaded in a child process with capped memory: a regression kills the child, not the test run."""

    def upload():
        response = head.upload(bomb, filename)
        return response.status_code, response.get_data(as_text=True)

    status, page = in_child_of_app(app, upload)
    assert status == 400
    assert says in page and "Simpan hanya tabel datanya" in page
    assert entries(app, head.list_id) == []
    assert head.client.get(head.url).status_code == 200


def test_an_archive_with_too_many_entries_is_refused(app, head):
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes([person_row()]))) as source, zipfile.ZipFile(buffer, "w") as padded:
        for item in source.infolist():
            padded.writestr(item, source.read(item.filename))
        for number in range(300):
            padded.writestr(f"xl/media/padding{number}.bin", b"")
    response = head.upload(buffer.getvalue(), "usulan.xlsx")
    assert response.status_code == 400 and "terlalu banyak bagian" in response.get_data(as_text=True)


def test_an_upload_above_the_size_limit_answers_413_and_imports_nothing(app, head):
    app.config["MAX_CONTENT_LENGTH"] = 50_000
    big = csv_bytes([person_row() for _ in range(1500)], delimiter=";")
    assert len(big) > 50_000
    response = head.upload(big, "besar.csv")
    assert response.status_code == 413
    assert "Berkas terlalu besar" in response.get_data(as_text=True)
    assert entries(app, head.list_id) == []


def test_more_rows_than_the_upload_limit_imports_nothing(app_factory, client):
    app = app_factory(UPLOAD_ROW_LIMIT=3)
    from portal.extensions import db as database
    from portal.seed.reference import seed_reference

    with app.app_context():
        seed_reference()
        database.session.commit()
        user = make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
        list_id = make_list(user).id
    client = app.test_client()
    from tests.conftest import AuthActions

    AuthActions(client).login("rtrw1")
    token = csrf_token(client, f"/daftar/{list_id}")
    data = xlsx_bytes([person_row() for _ in range(4)])
    response = client.post(f"/daftar/{list_id}/unggah", data={"csrf_token": token, "spreadsheet": (io.BytesIO(data), "a.xlsx")}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "lebih dari 3 baris" in response.get_data(as_text=True)
    assert entries(app, list_id) == []


def test_rows_outside_the_heads_rw_are_errors(app, head):
    rows = [person_row(rw=2), person_row(rw=3)]
    head.upload(xlsx_bytes(rows), "usulan.xlsx")
    inside, outside = entries(app, head.list_id)
    assert inside.errors == []
    assert codes(outside) == ["outside_area"]
    assert "Lette RW 002" in outside.issues[0]["message"]


def test_another_areas_list_cannot_be_seen_or_changed(app, head):
    with app.app_context():
        other = make_user("rtrw2", Role.RT_RW, kelurahan_code=PABAENG, rw=5)
        other_id = make_list(other).id
    token = head.token()
    assert head.client.get(f"/daftar/{other_id}").status_code == 404
    upload = head.client.post(
        f"/daftar/{other_id}/unggah",
        data={"csrf_token": token, "spreadsheet": (io.BytesIO(xlsx_bytes([person_row()])), "a.xlsx")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 404
    assert head.client.post(f"/daftar/{other_id}/baris", data={"csrf_token": token, "nik": new_nik(), "full_name": "X"}).status_code == 404
    assert head.client.post(f"/daftar/{other_id}/kirim", data={"csrf_token": token}).status_code == 404
    assert entries(app, other_id) == []


def test_staff_see_a_list_but_do_not_fill_it(app, client, auth, head):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    head.upload(xlsx_bytes([person_row()]), "usulan.xlsx")
    auth.logout()
    auth.login("staff1")
    page = client.get(head.url)
    assert page.status_code == 200 and "Budi Santoso" in page.get_data(as_text=True)
    assert "Unggah berkas" not in page.get_data(as_text=True)
    assert client.post(f"{head.url}/kirim", data={"csrf_token": csrf_token(client, head.url)}).status_code == 404


def test_the_template_has_a_text_nik_column_dropdowns_and_instructions(app, head):
    from openpyxl import load_workbook

    response = head.client.get("/daftar/templat.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.data))
    sheet = workbook["Daftar"]
    assert [c.value for c in sheet[1]][:2] == ["NIK", "Nama Lengkap"]
    assert sheet["A2"].number_format == "@"
    formulas = {v.formula1 for v in sheet.data_validations.dataValidation}
    assert '"L,P"' in formulas and any("Pilihan" in f for f in formulas)
    assert "Kader Posyandu dan KB" in [c.value for c in workbook["Pilihan"]["A"]]
    assert "NIK" in " ".join(str(c.value) for c in workbook["Petunjuk"]["A"])
    # A filled-in template reads back without any mapping.
    sheet["A2"], sheet["B2"], sheet["C2"], sheet["D2"], sheet["E2"], sheet["F2"], sheet["I2"] = new_nik(), "Budi", "13/02/1985", "L", 1, 2, "Kader Posyandu dan KB"
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert head.upload(buffer.getvalue(), "templat.xlsx").status_code == 302
    [entry] = entries(app, head.list_id)
    assert entry.errors == [] and entry.category_code == "kader"


def test_headers_are_matched_flexibly(app, head):
    nik = new_nik()
    header = ["No.", "No. KTP", "Nama", "Tgl Lahir", "L/P", "Pekerjaan", "Telepon", "RT", "RW"]
    data = xlsx_bytes([[1, nik, "Budi", 31091, "L", "Imam masjid", "081234567890", 1, 2]], header=header, extra_sheets=["Petunjuk"])
    assert head.upload(data, "usulan.xlsx").status_code == 302
    [entry] = entries(app, head.list_id)
    assert entry.nik == nik and entry.birth_date == date(1985, 2, 13)
    assert entry.category_code == "pekerja_keagamaan" and entry.errors == []


def test_the_portal_refuses_to_start_without_defusedxml(app_factory, monkeypatch):
    import openpyxl.xml
    import pytest

    monkeypatch.setattr(openpyxl.xml, "DEFUSEDXML", False)
    with pytest.raises(RuntimeError, match="defusedxml"):
        app_factory()
