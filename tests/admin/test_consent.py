"""Consent to messages on accounts: the admin's forms, the accounts sheet's column, the owner's own page."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook

from portal.extensions import db
from portal.models import AuditEvent, Role, User
from tests.admin.test_bulk_accounts import HEADER, confirm, good_rows, sheet, upload
from tests.conftest import PASSWORD, csrf_token
from tests.factories import LETTE, make_user
from tests.review.helpers import post


@pytest.fixture
def admin(app, auth):
    with app.app_context():
        make_user("admin", Role.ADMIN)
    auth.login("admin")


def account(app, username: str) -> User:
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(username=username))
        db.session.expunge(user)
        return user


def details(app, action: str) -> list[dict]:
    with app.app_context():
        return [e.details for e in db.session.scalars(db.select(AuditEvent).filter_by(action=action).order_by(AuditEvent.id))]


def test_admin_records_a_heads_consent_on_create_and_edit(app, client, admin):
    page = "/admin/pengguna/baru"
    form = {"username": "rtbaru", "role": "rt_rw", "full_name": "Ketua Baru", "kelurahan_code": LETTE, "rw": "3", "password": PASSWORD,
            "phone": "081234567890", "phone_consent": "y"}
    assert "Setuju menerima kabar lewat WhatsApp/SMS di nomor ini" in client.get(page).get_data(as_text=True)
    response = post(client, page, {**form, "phone": ""}, page=page)
    assert response.status_code == 200 and "Persetujuan menerima kabar perlu nomor HP" in response.get_data(as_text=True)
    assert db_count(app) == 1  # only the admin
    assert post(client, page, form, page=page).status_code == 302
    user = account(app, "rtbaru")
    assert user.phone_consent
    assert details(app, "user.create")[-1]["phone_consent"] is True

    edit = f"/admin/pengguna/{user.id}"
    common = {"full_name": "Ketua Baru", "kelurahan_code": LETTE, "rw": "3", "consent_phone": "081234567890"}
    response = post(client, edit, {**common, "phone": "081299998888", "phone_consent": "y"}, page=edit)
    assert response.status_code == 200 and "Nomor HP diganti" in response.get_data(as_text=True)
    assert account(app, "rtbaru").phone == "081234567890"
    assert post(client, edit, {**common, "phone": "081234567890"}, page=edit).status_code == 302
    assert not account(app, "rtbaru").phone_consent
    [update] = details(app, "user.update")
    assert update["phone_consent"] is False and "081234567890" not in json.dumps(update)


def db_count(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(User.id)))


def test_the_accounts_sheet_reads_the_optional_consent_column(app, client, admin):
    rows = [[*row, consent] for row, consent in zip(good_rows(), ("Ya", "tidak", None))]
    assert upload(client, sheet(rows, header=[*HEADER, "Setuju Dihubungi"])).status_code == 200
    assert confirm(client).status_code == 302
    consents = {u: account(app, u).phone_consent for u in ("rw.lette.003", "rt.lette.003.001", "agen.pabaengbaeng.005")}
    assert consents == {"rw.lette.003": True, "rt.lette.003.001": False, "agen.pabaengbaeng.005": False}


def test_a_bad_consent_cell_in_the_accounts_sheet_creates_nothing(app, client, admin):
    rows = [[*good_rows()[0], "mungkin"], ["St. Aminah", "Ketua RT", "lette", 3, 1, None, "Ya"]]
    response = upload(client, sheet(rows, header=[*HEADER, "Setuju Dihubungi"]))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Kolom Setuju Dihubungi harus Ya atau Tidak." in body and "Persetujuan menerima kabar perlu nomor HP" in body
    assert confirm(client).status_code == 302
    assert db_count(app) == 1


def test_a_sheet_without_the_column_makes_accounts_without_consent_and_the_template_has_it(app, client, admin):
    assert upload(client, sheet(good_rows())).status_code == 200
    assert confirm(client).status_code == 302
    assert not account(app, "rw.lette.003").phone_consent
    workbook = load_workbook(io.BytesIO(client.get("/admin/akun-massal/templat.xlsx").data))
    assert [c.value for c in workbook["Akun"][1]][-1] == "Setuju Dihubungi"
    assert "Setuju Dihubungi: Ya" in " ".join(str(r[0].value or "") for r in workbook["Petunjuk"].iter_rows())


def test_a_head_gives_and_withdraws_consent_on_their_own_page(app, client, auth):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW, phone="081234567890")
        make_user("rtrw2", Role.RT_RW, rw=5)
    auth.login("rtrw1")
    page = client.get("/akun/keamanan").get_data(as_text=True)
    assert "Kabar lewat WhatsApp/SMS" in page and "0812******90" in page and "081234567890" not in page
    token = csrf_token(client, "/akun/keamanan")
    assert client.post("/akun/kabar", data={"csrf_token": token, "phone_consent": "y"}).status_code == 302
    assert account(app, "rtrw1").phone_consent
    assert client.post("/akun/kabar", data={"csrf_token": token}).status_code == 302
    assert not account(app, "rtrw1").phone_consent
    assert [(d["phone_consent"], d["username"]) for d in details(app, "user.phone_consent")] == [(True, "rtrw1"), (False, "rtrw1")]

    # Without a number on record, consent is refused and nothing changes.
    auth.logout()
    auth.login("rtrw2")
    token = csrf_token(client, "/akun/keamanan")
    response = client.post("/akun/kabar", data={"csrf_token": token, "phone_consent": "y"})
    assert response.status_code == 400 and "Persetujuan menerima kabar perlu nomor HP" in response.get_data(as_text=True)
    assert not account(app, "rtrw2").phone_consent


def test_office_accounts_have_no_consent_page(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF, phone="081234567890")
    auth.login("staff1")
    assert "Kabar lewat WhatsApp/SMS" not in client.get("/akun/keamanan").get_data(as_text=True)
    assert client.post("/akun/kabar", data={"csrf_token": csrf_token(client, "/akun/keamanan"), "phone_consent": "y"}).status_code == 404
