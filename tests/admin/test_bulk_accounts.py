"""Accounts in bulk: a sheet of RT/RW heads and agents, checked and created all or nothing,
activation letters with one-time codes, and activation by the owners."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest

from portal.extensions import db
from portal.models import AccountBatch, AuditEvent, Role, User
from portal.models.base import utcnow
from tests.certificates.pdfs import all_text, read_pdf
from tests.conftest import csrf_token
from tests.factories import LETTE, PABAENG, make_user
from tests.lists.spreadsheets import csv_bytes, xlsx_bytes

HEADER = ["Nama", "Jabatan", "Kelurahan", "RW", "RT", "No. HP"]
CODE = re.compile(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}\b")
NEW_PASSWORD = "pelangi-sore-di-losari-99"


def sheet(rows, header=HEADER, **kwargs) -> bytes:
    return xlsx_bytes(rows, header=header, titles=["DAFTAR KETUA RT/RW KELURAHAN LETTE"], **kwargs)


def good_rows():
    return [
        ["Muh. Ridwan", "Ketua RW", "Lette", 3, None, "0812 3456 7890"],
        ["St. Aminah", "Ketua RT", "lette", 3, 1, "+6281234567891"],
        ["Andi Baso", "Agen Perisai", "Pa'baeng-Baeng", "005", None, 81234567892],
    ]


def upload(client, data: bytes, filename: str = "akun.xlsx"):
    token = csrf_token(client, "/admin/akun-massal")
    return client.post(
        "/admin/akun-massal",
        data={"csrf_token": token, "spreadsheet": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def confirm(client):
    return client.post("/admin/akun-massal/buat", data={"csrf_token": csrf_token(client, "/admin/akun-massal")})


def batch_usernames(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(db.select(User.username).where(User.account_batch_id.is_not(None))))


def actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.fixture
def admin(app, auth):
    with app.app_context():
        make_user("admin", Role.ADMIN)
    auth.login("admin")


def create_batch(app, client, rows=None) -> int:
    assert upload(client, sheet(rows or good_rows())).status_code == 200
    response = confirm(client)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        return db.session.scalar(db.select(AccountBatch.id).order_by(AccountBatch.id.desc()))


def print_letters(client, batch_id: int, **data):
    page = f"/admin/akun-massal/{batch_id}"
    return client.post(f"{page}/surat", data={"csrf_token": csrf_token(client, page), "bagian": "1", **data})


def activate(client, username: str, code: str, password: str = NEW_PASSWORD, confirm_password: str | None = None):
    token = csrf_token(client, "/aktivasi")
    return client.post(
        "/aktivasi",
        data={"csrf_token": token, "username": username, "code": code, "password": password, "confirm": confirm_password or password},
    )


def test_admin_checks_a_sheet_then_creates_every_account_with_generated_usernames(app, client, admin):
    response = upload(client, sheet(good_rows()))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "3 baris benar" in page
    for username in ("rw.lette.003", "rt.lette.003.001", "agen.pabaengbaeng.005"):
        assert username in page
    assert batch_usernames(app) == set()  # the preview creates nothing

    response = confirm(client)
    assert response.status_code == 302
    assert batch_usernames(app) == {"rw.lette.003", "rt.lette.003.001", "agen.pabaengbaeng.005"}
    with app.app_context():
        head = db.session.scalar(db.select(User).filter_by(username="rt.lette.003.001"))
        assert (head.role, head.kelurahan_code, head.rw, head.rt, head.phone) == (Role.RT_RW, LETTE, 3, 1, "081234567891")
        agent = db.session.scalar(db.select(User).filter_by(username="agen.pabaengbaeng.005"))
        assert (agent.role, agent.kelurahan_code, agent.rw, agent.phone) == (Role.AGENT, PABAENG, 5, "081234567892")
        assert head.awaiting_activation and head.activation_code_hash is None
    assert {"account_batch.upload_checked", "account_batch.create", "user.create"} <= set(actions(app))
    batch_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 menunggu aktivasi" in batch_page

    # The same sheet again: every area now has its head, nothing more is created.
    response = upload(client, sheet(good_rows()))
    assert response.status_code == 422
    assert "sudah punya akun ketua" in response.get_data(as_text=True)
    assert confirm(client).status_code == 302
    assert len(batch_usernames(app)) == 3


def test_a_sheet_with_a_duplicate_username_is_refused_whole(app, client, admin):
    with app.app_context():
        make_user("ketua.lama", Role.RT_RW, rw=9)
    rows = [
        ["Muh. Ridwan", "Ketua RW", "Lette", 3, None, "081234567890", "ridwan"],
        ["St. Aminah", "Ketua RT", "Lette", 3, 1, "081234567891", "Ridwan"],
        ["Andi Baso", "Agen Perisai", "Lette", 4, None, "081234567892", "ketua.lama"],
        ["Hj. Nurhayati", "Ketua RT", "Lette", 3, 2, "081234567893", ""],
    ]
    response = upload(client, sheet(rows, header=HEADER + ["Nama Pengguna"]))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nama pengguna ridwan juga dipakai di baris" in page
    assert "Nama pengguna ketua.lama sudah dipakai akun lain" in page
    assert "Tidak ada akun yang dibuat" in page
    assert "/admin/akun-massal/buat" not in page  # no confirm button
    confirm(client)  # a forged confirmation finds no checked sheet
    assert batch_usernames(app) == set()


def test_each_problem_of_a_sheet_is_reported_and_nothing_is_created(app, client, admin):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW, rw=2)  # Lette RW 002 has its head
    rows = [
        ["Ketua Dua", "Ketua RW", "Lette", 2, None, "081234567890"],
        ["Orang Kota Lain", "Ketua RW", "Sungguminasa", 1, None, "081234567891"],
        ["Nomor Salah", "Ketua RW", "Lette", 6, None, "12345"],
        ["Dua Kali A", "Ketua RW", "Lette", 7, None, ""],
        ["Dua Kali B", "Ketua RW", "Lette", 7, None, ""],
        ["Agen Ber-RT", "Agen Perisai", "Lette", 8, 1, ""],
        ["Tanpa Peran", "Bendahara", "Lette", 8, None, ""],
        ["", "Ketua RT", "Lette", 8, None, ""],
    ]
    response = upload(client, csv_bytes(rows, header=HEADER), "akun.csv")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in (
        "Lette RW 002 sudah punya akun ketua (rtrw1)",
        "Kelurahan tidak dikenal di Kota Makassar",
        "Nomor HP tidak lazim",
        "Lette RW 007 juga tertulis di baris",
        "tidak terikat RT",
        "Peran tidak dikenal",
        "Nama wajib diisi",
        "Ketua RT perlu nomor RT",
    ):
        assert message in page, message
    assert "8 dari 8 baris bermasalah" not in page and "7 dari 8 baris bermasalah" in page  # "Dua Kali A" is fine
    assert batch_usernames(app) == set()


def test_a_sheet_without_the_needed_columns_is_refused_with_their_names(app, client, admin):
    response = upload(client, xlsx_bytes([["Budi", "Lette"]], header=["Nama", "Kelurahan"]))
    assert response.status_code == 422
    assert "Kolom Peran, RW tidak ditemukan" in response.get_data(as_text=True)


def test_confirming_checks_the_sheet_again(app, client, admin):
    assert upload(client, sheet(good_rows())).status_code == 200
    with app.app_context():
        make_user("rw.lette.003", Role.AGENT, rw=3)  # made by someone else meanwhile
    response = confirm(client)
    assert response.status_code == 409
    assert "sudah dipakai akun lain" in response.get_data(as_text=True)
    assert batch_usernames(app) == set()


def test_letters_one_page_each_with_username_code_and_address_and_codes_kept_hashed(app, client, auth, admin):
    batch_id = create_batch(app, client)
    response = print_letters(client, batch_id)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    reader = read_pdf(response.data)
    assert len(reader.pages) == 3
    pages = [page.extract_text() for page in reader.pages]
    codes = {}
    for text in pages:
        username = re.search(r"(rw\.lette\.003|rt\.lette\.003\.001|agen\.pabaengbaeng\.005)", text).group(1)
        codes[username] = CODE.search(text).group()
        assert "/aktivasi" in text and app.config["BASE_URL"] in text
        assert "kata sandi" in text.lower()
    assert len(set(codes.values())) == 3
    with app.app_context():
        for username, code in codes.items():
            user = db.session.scalar(db.select(User).filter_by(username=username))
            assert user.activation_code_hash and code not in user.activation_code_hash
            assert user.activation_code_hash != code.replace("-", "")
            assert user.activation_expires_at is not None
    assert "account_batch.letters_printed" in actions(app) and actions(app).count("user.activation_letter") == 3

    # Printing again needs the admin to agree that the old codes stop working.
    assert print_letters(client, batch_id).status_code == 302
    again = print_letters(client, batch_id, ulang="y")
    new_codes = CODE.findall(all_text(read_pdf(again.data)))
    assert len(new_codes) == 3 and not set(new_codes) & set(codes.values())
    auth.logout()
    response = activate(client, "rw.lette.003", codes["rw.lette.003"])
    assert "kode aktivasi salah" in response.get_data(as_text=True)  # the old code is dead


def test_one_persons_letter_from_the_account_page(app, client, admin):
    create_batch(app, client)
    with app.app_context():
        user_id = db.session.scalar(db.select(User.id).filter_by(username="agen.pabaengbaeng.005"))
    page = f"/admin/pengguna/{user_id}"
    response = client.post(f"{page}/surat-aktivasi", data={"csrf_token": csrf_token(client, page)})
    reader = read_pdf(response.data)
    assert len(reader.pages) == 1
    text = all_text(reader)
    assert "agen.pabaengbaeng.005" in text and "Andi Baso" in text and CODE.search(text)


def test_activation_sets_a_password_once_only(app, client, auth, admin):
    batch_id = create_batch(app, client)
    text = all_text(read_pdf(print_letters(client, batch_id).data))
    code = CODE.search(text.split("rt.lette.003.001")[1]).group()
    auth.logout()

    response = activate(client, "rt.lette.003.001", code, "makassar123456")
    assert response.status_code == 422 and "terlalu mudah ditebak" in response.get_data(as_text=True)  # the code still works after
    response = activate(client, "rt.lette.003.001", code.lower().replace("-", " "))
    assert response.status_code == 302 and response.headers["Location"].endswith("/masuk")
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(username="rt.lette.003.001"))
        assert user.activated_at is not None and user.activation_code_hash is None and not user.awaiting_activation
    assert "user.activate" in actions(app)

    response = activate(client, "rt.lette.003.001", code, "another-long-passphrase-77")
    assert response.status_code == 422
    assert "kode sudah dipakai" in response.get_data(as_text=True)
    assert auth.login("rt.lette.003.001", "another-long-passphrase-77").status_code == 200
    assert auth.login("rt.lette.003.001", NEW_PASSWORD).status_code == 302


def test_an_expired_or_wrong_code_is_refused(app, client, auth, admin):
    batch_id = create_batch(app, client)
    text = all_text(read_pdf(print_letters(client, batch_id).data))
    code = CODE.search(text.split("rw.lette.003")[1]).group()
    auth.logout()
    response = activate(client, "rw.lette.003", "AAAA-BBBB-CCCC")
    assert "Nama pengguna atau kode aktivasi salah" in response.get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(username="rw.lette.003"))
        user.activation_expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    response = activate(client, "rw.lette.003", code)
    assert response.status_code == 422
    assert "sudah kedaluwarsa" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(User).filter_by(username="rw.lette.003")).awaiting_activation
    assert "auth.activation_failed" in actions(app)


def test_an_account_awaiting_activation_cannot_sign_in(app, client, auth, admin):
    create_batch(app, client)
    auth.logout()
    assert auth.login("rw.lette.003", "!awaiting-activation").status_code == 200


@pytest.mark.parametrize("role", [Role.STAFF, Role.RT_RW])
def test_only_admins_reach_the_bulk_pages(app, client, auth, role):
    with app.app_context():
        make_user("someone", role)
    auth.login("someone")
    assert client.get("/admin/akun-massal").status_code == 404
    assert client.get("/admin/akun-massal/templat.xlsx").status_code == 404
    token = csrf_token(client, "/beranda")
    assert client.post("/admin/akun-massal", data={"csrf_token": token}).status_code == 404
    assert client.post("/admin/akun-massal/buat", data={"csrf_token": token}).status_code == 404
    assert client.post("/admin/akun-massal/1/surat", data={"csrf_token": token}).status_code == 404


def test_the_template_is_read_back_as_an_accounts_sheet(app, client, admin):
    from openpyxl import load_workbook

    response = client.get("/admin/akun-massal/templat.xlsx")
    workbook = load_workbook(io.BytesIO(response.data))
    sheet_ = workbook["Akun"]
    sheet_.append(["Muh. Ridwan", "Ketua RW", "Lette", "003", None, "081234567890", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(client, buffer.getvalue())
    assert response.status_code == 200 and "rw.lette.003" in response.get_data(as_text=True)


def test_accounts_page_filters_by_role_area_and_status_searches_and_pages(app, client, admin):
    create_batch(app, client)
    with app.app_context():
        make_user("rtrw1", Role.RT_RW, rw=2)
        make_user("tamalate1", Role.RT_RW, kelurahan_code=PABAENG, rw=1)
        off = make_user("pensiun", Role.AGENT, rw=9)
        off.active = False
        for n in range(55):
            make_user(f"staf{n:02d}", Role.STAFF, totp=False)
        db.session.commit()

    def names(page: str) -> set[str]:
        return set(re.findall(r'/admin/pengguna/\d+">([^<]+)<', page))

    page = client.get("/admin/pengguna?status=menunggu").get_data(as_text=True)
    assert names(page) == {"rw.lette.003", "rt.lette.003.001", "agen.pabaengbaeng.005"}
    page = client.get("/admin/pengguna?status=nonaktif").get_data(as_text=True)
    assert names(page) == {"pensiun"}
    page = client.get(f"/admin/pengguna?kelurahan={PABAENG}").get_data(as_text=True)
    assert names(page) == {"tamalate1", "agen.pabaengbaeng.005"}
    page = client.get("/admin/pengguna?kecamatan=737101&peran=rt_rw&status=aktif").get_data(as_text=True)
    assert names(page) == {"rtrw1"}
    # A kelurahan outside the chosen kecamatan is dropped, not mixed in.
    page = client.get(f"/admin/pengguna?kecamatan=737101&kelurahan={PABAENG}&peran=rt_rw").get_data(as_text=True)
    assert names(page) == {"rtrw1", "rw.lette.003", "rt.lette.003.001"}

    # htmx asks for the results only; the kelurahan choices follow the kecamatan out of band.
    fragment = client.get("/admin/pengguna?kecamatan=737110", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and 'id="kelurahan-field" hx-swap-oob="true"' in fragment
    assert "Pa&#39;baeng-Baeng" in fragment and ">Lette<" not in fragment
    first = client.get("/admin/pengguna?peran=staff").get_data(as_text=True)
    second = client.get("/admin/pengguna?peran=staff&halaman=2").get_data(as_text=True)
    assert len(names(first)) == 50 and len(names(second)) == 5 and not names(first) & names(second)
    assert "Halaman 1 dari 2" in first

    token = csrf_token(client, "/admin/pengguna")
    response = client.post("/admin/pengguna", data={"csrf_token": token, "cari": "aminah"})
    assert names(response.get_data(as_text=True)) == {"rt.lette.003.001"}
    response = client.post("/admin/pengguna?peran=agent", data={"csrf_token": token, "cari": "lette"})
    assert names(response.get_data(as_text=True)) == set()  # the Lette accounts are no agents
