"""Second factor: office accounts need a TOTP code; others may opt in; recovery codes."""

import re

import pyotp

from portal.extensions import db
from portal.models import AuditEvent, Role, User
from tests.conftest import PASSWORD, current_totp, csrf_token
from tests.factories import make_user

SECRET_PATTERN = re.compile(r'<code class="mono secret">([A-Z2-7]+)</code>')


def password_step(client, username):
    token = csrf_token(client, "/masuk")
    return client.post("/masuk", data={"username": username, "password": PASSWORD, "csrf_token": token})


def code_step(client, code):
    token = csrf_token(client, "/masuk/kode")
    return client.post("/masuk/kode", data={"code": code, "csrf_token": token})


def test_staff_login_without_the_second_factor_is_refused(app, client):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    response = password_step(client, "staff1")
    assert response.headers["Location"] == "/masuk/kode"
    assert client.get("/beranda").status_code == 302  # the password alone opens nothing
    wrong = code_step(client, "000000")
    assert wrong.status_code == 200
    assert "Kode salah" in wrong.get_data(as_text=True)
    assert client.get("/beranda").status_code == 302
    assert code_step(client, current_totp(app, "staff1")).headers["Location"] == "/beranda"
    assert client.get("/beranda").status_code == 200


def test_a_code_cannot_be_used_twice(app, client):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        secret = db.session.scalar(db.select(User.totp_secret).filter_by(username="staff1"))
    code = pyotp.TOTP(secret).now()
    password_step(client, "staff1")
    assert code_step(client, code).status_code == 302
    client.post("/keluar", data={"csrf_token": csrf_token(client)})
    password_step(client, "staff1")
    assert code_step(client, code).status_code == 200  # replay refused


def test_the_code_step_cannot_be_reached_without_the_password(app, client):
    response = client.get("/masuk/kode")
    assert response.headers["Location"] == "/masuk"


def test_new_staff_enrol_with_the_qr_secret_and_get_recovery_codes(app, client):
    with app.app_context():
        make_user("staff1", Role.STAFF, totp=False)
    assert password_step(client, "staff1").headers["Location"] == "/masuk/aktifkan-kode"
    page = client.get("/masuk/aktifkan-kode").get_data(as_text=True)
    assert "<svg" in page
    secret = SECRET_PATTERN.search(page).group(1)
    token = csrf_token(client, "/masuk/aktifkan-kode")
    done = client.post("/masuk/aktifkan-kode", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token})
    codes = re.findall(r"<li>([0-9A-F]{5}-[0-9A-F]{5})</li>", done.get_data(as_text=True))
    assert len(codes) == 10
    assert done.headers["Cache-Control"] == "no-store"
    assert client.get("/beranda").status_code == 200
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(username="staff1"))
        assert user.has_totp and user.totp_secret == secret
        assert codes[0] not in str(user.recovery_code_hashes)

    # A lost phone: one recovery code signs in, once.
    client.post("/keluar", data={"csrf_token": csrf_token(client)})
    password_step(client, "staff1")
    assert code_step(client, codes[0]).headers["Location"] == "/beranda"
    client.post("/keluar", data={"csrf_token": csrf_token(client)})
    password_step(client, "staff1")
    assert code_step(client, codes[0]).status_code == 200


def test_rt_rw_heads_sign_in_with_a_password_and_may_opt_in(app, client, auth):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW)
    assert auth.login("rtrw1").headers["Location"] == "/beranda"
    page = client.get("/akun/keamanan").get_data(as_text=True)
    assert "belum aktif" in page
    secret = SECRET_PATTERN.search(client.get("/masuk/aktifkan-kode").get_data(as_text=True)).group(1)
    token = csrf_token(client, "/akun/keamanan")
    client.post("/masuk/aktifkan-kode", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token})
    auth.logout()
    assert password_step(client, "rtrw1").headers["Location"] == "/masuk/kode"


def test_wrong_codes_end_the_sign_in_and_then_throttle_the_guessing_address(app, client):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    password_step(client, "staff1")
    for _ in range(4):
        assert code_step(client, "123456").status_code == 200
    assert code_step(client, "123456").headers["Location"] == "/masuk"  # the fifth: password again
    assert client.get("/masuk/kode").headers["Location"] == "/masuk"
    password_step(client, "staff1")
    assert code_step(client, current_totp(app, "staff1")).status_code == 429
    with app.app_context():
        failures = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent).filter_by(action="auth.mfa_failed"))
        assert failures == 5


def test_reset_mfa_cli_makes_the_user_enrol_again(app, client, runner):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    assert runner.invoke(args=["users", "reset-mfa", "staff1"]).exit_code == 0
    assert password_step(client, "staff1").headers["Location"] == "/masuk/aktifkan-kode"


def test_totp_code_cli_helps_demos_but_is_refused_in_production(app, runner, app_factory):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    result = runner.invoke(args=["users", "totp-code", "staff1"])
    assert result.exit_code == 0 and re.fullmatch(r"\d{6}\n", result.output)
    production = app_factory(PORTAL_ENV="production", SECRET_KEY="s" * 40)
    assert production.test_cli_runner().invoke(args=["users", "totp-code", "staff1"]).exit_code == 2


def test_common_passwords_are_refused(app, runner):
    for weak in ("password1234", "Makassar12345", "qwertyuiop12"):
        result = runner.invoke(args=["users", "create", "--username", "staff9", "--role", "staff"], input=weak + "\n")
        assert result.exit_code == 1, weak
        assert "terlalu mudah ditebak" in result.output
