"""Administration: accounts bound to areas, password resets, a year's programme settings."""

from __future__ import annotations


from portal import clock
from portal.extensions import db
from portal.models import AuditEvent, CategorySetting, ProgrammeYear, Role, User
from tests.conftest import PASSWORD
from tests.factories import LETTE, make_user
from tests.review.helpers import post


def test_admin_creates_an_rt_rw_head_bound_to_an_area(app, client, auth):
    with app.app_context():
        make_user("admin", Role.ADMIN)
    auth.login("admin")
    form = {"username": "rtbaru", "role": "rt_rw", "full_name": "Ketua Baru", "kelurahan_code": LETTE, "rw": "3", "password": PASSWORD}
    response = post(client, "/admin/pengguna/baru", {**form, "rw": ""}, page="/admin/pengguna/baru")
    assert response.status_code == 200
    assert "RW wajib diisi" in response.get_data(as_text=True)
    response = post(client, "/admin/pengguna/baru", form, page="/admin/pengguna/baru")
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(username="rtbaru"))
        assert (user.role, user.kelurahan_code, user.rw) == (Role.RT_RW, LETTE, 3)
    auth.logout()
    assert auth.login("rtbaru").status_code == 302


def test_admin_edits_area_disables_and_resets_password(app, client, auth):
    with app.app_context():
        make_user("admin", Role.ADMIN)
        head_id = make_user("rtrw1", Role.RT_RW).id
    auth.login("admin")
    page = f"/admin/pengguna/{head_id}"
    post(client, page, {"full_name": "Ketua Pindah", "kelurahan_code": LETTE, "rw": "7"}, page=page)
    post(client, f"{page}/sandi", {"password": "sandi-baru-yang-panjang", "confirm": "sandi-baru-yang-panjang"}, page=page)
    post(client, f"{page}/status", page="/admin/pengguna")
    with app.app_context():
        head = db.session.get(User, head_id)
        assert (head.full_name, head.rw, head.active) == ("Ketua Pindah", 7, False)
        actions = set(db.session.scalars(db.select(AuditEvent.action)))
        assert {"user.update", "user.password", "user.disable"} <= actions
    post(client, f"{page}/status", page="/admin/pengguna")
    auth.logout()
    assert auth.login("rtrw1", "sandi-baru-yang-panjang").status_code == 302


def test_admin_cannot_disable_their_own_account(app, client, auth):
    with app.app_context():
        admin_id = make_user("admin", Role.ADMIN).id
    auth.login("admin")
    post(client, f"/admin/pengguna/{admin_id}/status", page="/admin/pengguna")
    with app.app_context():
        assert db.session.get(User, admin_id).active


def test_admin_edits_a_years_settings_and_categories(app, client, auth):
    year = clock.today().year
    with app.app_context():
        make_user("admin", Role.ADMIN)
        codes = [s.category_code for s in db.session.get(ProgrammeYear, year).categories]
    auth.login("admin")
    page = client.get(f"/admin/tahun/{year}").get_data(as_text=True)
    assert "unknown_desil_blocks_approval" in page
    form = {
        "min_age": "17", "max_age": "60", "desil_max": "4", "unknown_desil_blocks_approval": "y",
        "income_floor": "1000000", "jkk_rate": "0.0100", "jkm_monthly": "6800", "jht_rate": "0.0200",
        "coverage_months": "12", "budget_ceiling": "", "reverification_opens_days_before_end": "35",
    }
    for n, code in enumerate(codes):
        form[f"categories-{n}-category_code"] = code
        form[f"categories-{n}-eligible"] = "y"
        form[f"categories-{n}-jkk"] = "y"
        form[f"categories-{n}-jkm"] = "y"
        if code == "kader":
            form[f"categories-{n}-jht"] = "y"
        form[f"categories-{n}-target_population"] = "100"
    response = post(client, f"/admin/tahun/{year}", form, page=f"/admin/tahun/{year}")
    assert response.status_code == 302
    with app.app_context():
        programme_year = db.session.get(ProgrammeYear, year)
        assert (programme_year.min_age, programme_year.max_age) == (17, 60)
        assert programme_year.unknown_desil_blocks_approval is True
        assert programme_year.reverification_opens_days_before_end == 35
        assert db.session.get(CategorySetting, (year, "kader")).jht is True
        assert db.session.get(CategorySetting, (year, "non_asn")).jht is False
    response = post(client, f"/admin/tahun/{year}", {**form, "min_age": "70"}, page=f"/admin/tahun/{year}")
    assert response.status_code == 200
    assert "lebih kecil" in response.get_data(as_text=True)


def test_admin_starts_the_first_year_from_the_programme_defaults(app, client, auth):
    year = clock.today().year
    with app.app_context():
        make_user("admin", Role.ADMIN)
        db.session.execute(db.delete(CategorySetting))
        db.session.execute(db.delete(ProgrammeYear))
        db.session.commit()
    auth.login("admin")
    response = post(client, "/admin/tahun/baru", page="/admin/tahun")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/tahun/{year}"
    with app.app_context():
        created = db.session.get(ProgrammeYear, year)
        assert created is not None and created.categories
        assert db.session.scalar(db.select(AuditEvent).filter_by(action="settings.create", target_id=str(year))) is not None


def test_staff_cannot_open_administration(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    auth.login("staff1")
    assert client.get("/admin/pengguna").status_code == 404


def test_account_list_filters_by_role(app, client, auth):
    with app.app_context():
        make_user("admin", Role.ADMIN)
        make_user("agent1", Role.AGENT)
        make_user("rtrw1", Role.RT_RW)
    auth.login("admin")
    page = client.get("/admin/pengguna?peran=agent").get_data(as_text=True)
    assert ">agent1<" in page and ">rtrw1<" not in page


def test_admin_cannot_create_a_second_head_for_an_rw_that_has_one(app, client, auth):
    with app.app_context():
        make_user("admin", Role.ADMIN)
        make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
    auth.login("admin")
    form = {"username": "rwkedua", "role": "rt_rw", "full_name": "Ketua Kedua", "kelurahan_code": LETTE, "rw": "2", "password": PASSWORD}

    response = post(client, "/admin/pengguna/baru", form, page="/admin/pengguna/baru")

    assert response.status_code == 200
    assert "Lette RW 002 sudah punya akun ketua (rtrw1)." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(User).filter_by(username="rwkedua")) is None
    # An RT of that RW has its own head, and another RW is free.
    assert post(client, "/admin/pengguna/baru", {**form, "rt": "3"}, page="/admin/pengguna/baru").status_code == 302
    response = post(client, "/admin/pengguna/baru", {**form, "username": "rwtiga", "rw": "3"}, page="/admin/pengguna/baru")
    assert response.status_code == 302


def test_admin_cannot_move_or_re_enable_a_head_into_an_rw_that_has_one(app, client, auth):
    with app.app_context():
        make_user("admin", Role.ADMIN)
        make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
        other_id = make_user("rtrw7", Role.RT_RW, kelurahan_code=LETTE, rw=7).id
    auth.login("admin")
    page = f"/admin/pengguna/{other_id}"

    response = post(client, page, {"full_name": "Ketua Pindah", "kelurahan_code": LETTE, "rw": "2"}, page=page)

    assert "Lette RW 002 sudah punya akun ketua (rtrw1)." in response.get_data(as_text=True)
    post(client, page, {"full_name": "Ketua Tujuh", "kelurahan_code": LETTE, "rw": "7"}, page=page)  # its own RW: fine
    post(client, f"{page}/status", page="/admin/pengguna")  # disabled ...
    post(client, "/admin/pengguna/baru", {"username": "rwbaru", "role": "rt_rw", "full_name": "Ketua Baru",
                                          "kelurahan_code": LETTE, "rw": "7", "password": PASSWORD}, page="/admin/pengguna/baru")
    response = client.get(post(client, f"{page}/status", page="/admin/pengguna").location)  # ... and a new head took RW 007
    assert "Lette RW 007 sudah punya akun ketua (rwbaru)." in response.get_data(as_text=True)
    with app.app_context():
        other = db.session.get(User, other_id)
        assert (other.full_name, other.rw, other.active) == ("Ketua Tujuh", 7, False)
        assert db.session.scalar(db.select(User).filter_by(username="rwbaru")).active


def test_the_cli_refuses_a_second_head_for_an_rw(app, runner):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
    result = runner.invoke(
        args=["users", "create", "--username", "rwkedua", "--role", "rt_rw", "--kelurahan", LETTE, "--rw", "2"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code != 0 and "Lette RW 002 sudah punya akun ketua (rtrw1)." in result.output
    with app.app_context():
        assert db.session.scalar(db.select(User).filter_by(username="rwkedua")) is None
