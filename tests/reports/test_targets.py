"""Admins set the year's targets per category and kecamatan and the budget ceiling."""

from __future__ import annotations


from portal import clock
from portal.extensions import db
from portal.models import AuditEvent, Category, CategorySetting, Kecamatan, KecamatanTarget, ProgrammeYear, Role
from tests.conftest import csrf_token
from tests.factories import make_member, make_user
from tests.reports.helpers import csv_table

YEAR = clock.today().year


def _form(app, client, **overrides) -> dict:
    data = {"csrf_token": csrf_token(client, f"/laporan/target/{YEAR}"), "budget_ceiling": "30000000000"}
    with app.app_context():
        data |= {f"category_{c.code}": "1000" for c in db.session.scalars(db.select(Category))}
        data |= {f"kecamatan_{k.code}": "400" for k in db.session.scalars(db.select(Kecamatan))}
    return data | overrides


def test_admin_sets_targets_and_the_reports_use_them(app, client, auth):
    with app.app_context():
        make_user("admin", Role.ADMIN)
        make_member(category_code="kader")
    auth.login("admin")
    # Six categories of 1,000 shared out over 15 kecamatan: 250 + 550 + 13 x 400 = 6,000.
    response = client.post(
        f"/laporan/target/{YEAR}", data=_form(app, client, kecamatan_737101="250", kecamatan_737102="550")
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(ProgrammeYear, YEAR).budget_ceiling == 30_000_000_000
        assert db.session.get(CategorySetting, (YEAR, "kader")).target_population == 1000
        assert db.session.get(KecamatanTarget, (YEAR, "737101")).target_population == 250
        event = db.session.scalar(db.select(AuditEvent).filter_by(action="settings.targets"))
        assert "kecamatan:737101" in event.details["changed"]
    rows = {row[0]: row for row in csv_table(client, "kecamatan")}
    assert rows["Mariso"][1:4] == ["1", "250", "0.4"]
    assert rows["Jumlah"][2] == "6000"


def test_bad_targets_are_refused_with_a_message_and_nothing_changes(app, client, auth):
    with app.app_context():
        make_user("admin", Role.ADMIN)
    auth.login("admin")
    response = client.post(
        f"/laporan/target/{YEAR}", data=_form(app, client, category_kader="-5", kecamatan_737101="")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Target harus antara 0 dan 10.000.000 orang." in page
    assert "Isi target (0 jika belum ada)." in page
    with app.app_context():
        assert db.session.get(CategorySetting, (YEAR, "kader")).target_population == 6107
        assert db.session.scalar(db.select(KecamatanTarget)) is None
        assert db.session.get(ProgrammeYear, YEAR).budget_ceiling is None


def test_kecamatan_targets_must_share_out_the_category_targets_or_be_left_at_zero(app, client, auth):
    with app.app_context():
        make_user("admin", Role.ADMIN)
    auth.login("admin")
    response = client.post(f"/laporan/target/{YEAR}", data=_form(app, client))  # 15 x 400 = 6,000
    assert response.status_code == 302
    response = client.post(f"/laporan/target/{YEAR}", data=_form(app, client, category_kader="1002"))
    assert response.status_code == 200
    assert (
        "Jumlah target kecamatan (6.000) harus sama dengan jumlah target kategori (6.002), "
        "atau 0 di semua kecamatan bila pembagiannya belum ada." in response.get_data(as_text=True)
    )
    with app.app_context():
        assert db.session.get(CategorySetting, (YEAR, "kader")).target_population == 1000
    with app.app_context():
        not_yet = {f"kecamatan_{k.code}": "0" for k in db.session.scalars(db.select(Kecamatan))}
    response = client.post(f"/laporan/target/{YEAR}", data=_form(app, client, category_kader="1002", **not_yet))
    assert response.status_code == 302
    rows = {row[0]: row for row in csv_table(client, "kecamatan")}
    assert rows["Mariso"][2] == "0" and rows["Jumlah"][2] == "6002"


def test_only_admins_edit_targets(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        make_user("admin", Role.ADMIN)
    auth.login("staff1")
    assert client.get(f"/laporan/target/{YEAR}").status_code == 404
    assert "/laporan/target/" not in client.get("/laporan/").get_data(as_text=True)
    auth.logout()
    auth.login("admin")
    assert client.get("/laporan/target/1900").status_code == 404
    assert f"/laporan/target/{YEAR}" in client.get("/laporan/").get_data(as_text=True)
