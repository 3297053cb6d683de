"""Partner facilities: admins keep the list, citizens see the active ones on /bantuan."""

from __future__ import annotations

from portal.extensions import db
from portal.models import AuditEvent, FacilityKind, PartnerFacility, Role, User
from portal.seed.reference import seed_reference
from tests.conftest import PASSWORD
from tests.factories import make_user
from tests.hospitals.helpers import make_facility, make_hospital_user
from tests.review.helpers import post

FORM = {"name": "RS Bhayangkara Uji", "kind": "rumah_sakit", "address": "Jl. Uji No. 1, Makassar", "phone": "0411 123456"}


def _admin(app, auth):
    with app.app_context():
        make_user("admin", Role.ADMIN)
    auth.login("admin")


def test_reference_seed_adds_primaya_once_without_an_invented_address_or_phone(app):
    with app.app_context():
        seed_reference()
        db.session.commit()
        facilities = db.session.scalars(db.select(PartnerFacility)).all()
        assert [(f.name, f.kind, f.address, f.phone, f.active) for f in facilities] == [
            ("Primaya Hospital Makassar", FacilityKind.HOSPITAL, "", "", True)
        ]


def test_admin_adds_a_facility_that_citizens_see_with_a_tel_link(app, client, auth):
    _admin(app, auth)
    response = post(client, "/admin/fasilitas/baru", FORM, page="/admin/fasilitas/baru")
    assert response.status_code == 302
    page = client.get("/bantuan").get_data(as_text=True)
    assert "RS Bhayangkara Uji" in page and "Jl. Uji No. 1, Makassar" in page
    assert 'href="tel:0411123456"' in page
    assert "Primaya Hospital Makassar" in page
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).filter_by(action="facility.create"))
        assert event.actor_name == "admin" and event.details["name"] == "RS Bhayangkara Uji"


def test_facility_form_refuses_bad_input_in_indonesian_and_changes_nothing(app, client, auth):
    _admin(app, auth)
    for data, message in (
        ({**FORM, "name": "  "}, "Nama fasilitas wajib diisi."),
        ({**FORM, "phone": "telp 0411"}, "Tulis nomor telepon dengan angka saja"),
        ({**FORM, "name": "primaya hospital makassar"}, "sudah ada"),
        ({**FORM, "kind": "apotek"}, "Not a valid choice"),
    ):
        response = post(client, "/admin/fasilitas/baru", data, page="/admin/fasilitas/baru")
        assert response.status_code == 200
        assert message in response.get_data(as_text=True) or data["kind"] == "apotek"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(PartnerFacility)) == 1


def test_admin_edits_then_deactivates_a_facility_hidden_from_citizens_and_its_accounts_signed_out(app, client, auth):
    with app.app_context():
        primaya = db.session.scalar(db.select(PartnerFacility))
        facility_id = primaya.id
        make_hospital_user("rs1", primaya)
    rs_client = app.test_client()
    from tests.conftest import AuthActions

    AuthActions(rs_client).login("rs1")
    assert rs_client.get("/rs/cek-pasien").status_code == 200
    _admin(app, auth)
    page = f"/admin/fasilitas/{facility_id}"
    assert "Primaya Hospital Makassar" in client.get(page).get_data(as_text=True)
    post(client, page, {"name": "Primaya Hospital Makassar", "kind": "rumah_sakit", "address": "Alamat uji", "phone": ""}, page=page)
    assert "Alamat uji" in client.get("/bantuan").get_data(as_text=True)
    post(client, f"{page}/status", page="/admin/fasilitas")
    assert "dinonaktifkan" in client.get("/admin/fasilitas").get_data(as_text=True)  # the flash, shown once
    help_page = client.get("/bantuan").get_data(as_text=True)
    assert "Primaya Hospital Makassar" not in help_page
    assert "Daftar rumah sakit mitra sedang diperbarui" in help_page
    # The facility's open session ends at once.
    assert rs_client.get("/rs/cek-pasien").status_code == 302
    with app.app_context():
        actions = [e.action for e in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))]
        assert "facility.update" in actions and "facility.deactivate" in actions
        assert db.session.get(PartnerFacility, facility_id).active is False


def test_admin_creates_a_hospital_account_bound_to_an_active_facility(app, client, auth):
    _admin(app, auth)
    with app.app_context():
        primaya_id = db.session.scalar(db.select(PartnerFacility.id))
        closed_id = make_facility("Klinik Tutup", kind=FacilityKind.CLINIC, active=False).id
    form = {"username": "rsbaru", "role": "hospital", "full_name": "Perawat IGD", "password": PASSWORD}
    for facility, message in (("", "Pilih fasilitas kesehatan mitra yang aktif"), (str(closed_id), "Pilih fasilitas kesehatan mitra yang aktif")):
        response = post(client, "/admin/pengguna/baru", {**form, "facility_id": facility}, page="/admin/pengguna/baru")
        assert message in response.get_data(as_text=True)
    response = post(client, "/admin/pengguna/baru", {**form, "role": "staff", "facility_id": str(primaya_id)}, page="/admin/pengguna/baru")
    assert "Hanya petugas fasilitas" in response.get_data(as_text=True)
    response = post(client, "/admin/pengguna/baru", {**form, "facility_id": str(primaya_id)}, page="/admin/pengguna/baru")
    assert response.status_code == 302
    assert "Primaya Hospital Makassar" in client.get("/admin/pengguna?peran=hospital").get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(username="rsbaru"))
        assert (user.role, user.facility_id) == (Role.HOSPITAL, primaya_id)


def test_hospital_account_must_set_up_a_second_factor_before_its_first_look_up(app, client, auth):
    with app.app_context():
        facility = make_facility()
        make_user("rs2", Role.HOSPITAL, facility_id=facility.id, totp=False)
    response = auth.login("rs2")
    assert response.headers["Location"].startswith("/masuk/aktifkan-kode")
    assert client.get("/rs/cek-pasien").status_code == 302  # not signed in yet


def test_only_admins_open_the_facility_pages(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        facility_id = db.session.scalar(db.select(PartnerFacility.id))
    auth.login("staff1")
    for url in ("/admin/fasilitas", "/admin/fasilitas/baru", f"/admin/fasilitas/{facility_id}"):
        assert client.get(url).status_code == 404


def test_users_cli_creates_a_hospital_account_bound_to_a_facility_by_name(app, runner):
    args = ["users", "create", "--username", "rs9", "--role", "hospital"]
    result = runner.invoke(args=[*args, "--facility", "Primaya Hospital Makassar"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "Primaya Hospital Makassar" in result.output
    result = runner.invoke(args=["users", "create", "--username", "rs8", "--role", "hospital"], input=PASSWORD + "\n")
    assert result.exit_code != 0 and "Pilih fasilitas kesehatan mitra" in result.output
    result = runner.invoke(args=[*args[:3], "rs7", *args[4:], "--facility", "RS Tidak Ada"], input=PASSWORD + "\n")
    assert result.exit_code != 0 and "No partner facility" in result.output
