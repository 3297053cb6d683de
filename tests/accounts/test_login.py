"""Signing in and out, throttling, disabled accounts, idle timeout and CSRF."""

import time

from portal.accounts.services import disable_user
from portal.extensions import db
from portal.models import AuditEvent, Role, User
from tests.conftest import PASSWORD, AuthActions, csrf_token
from tests.factories import make_user


def test_staff_logs_in_lands_on_their_home_and_logs_out(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    response = auth.login("staff1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/beranda"
    home = client.get("/beranda")
    assert home.status_code == 200
    assert "Peserta aktif" in home.get_data(as_text=True)

    response = auth.logout()
    assert response.status_code == 302
    assert client.get("/beranda").status_code == 302  # back to the login page


def test_wrong_password_is_refused_with_a_message_and_recorded(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    response = auth.login("staff1", "wrong-password-123")
    assert response.status_code == 200
    assert "Nama pengguna atau kata sandi salah." in response.get_data(as_text=True)
    assert client.get("/beranda").status_code == 302
    with app.app_context():
        actions = db.session.scalars(db.select(AuditEvent.action)).all()
        assert "auth.login_failed" in actions


def test_repeated_failed_logins_throttle_their_address_even_with_the_right_password(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    for _ in range(5):
        assert auth.login("staff1", "wrong-password-123").status_code == 200
    blocked = auth.login("staff1", PASSWORD)
    assert blocked.status_code == 429
    page = blocked.get_data(as_text=True)
    assert "Terlalu banyak percobaan masuk yang gagal" in page
    assert "Retry-After" in blocked.headers


def test_successful_logins_do_not_count_towards_the_throttle(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    for _ in range(7):
        assert auth.login("staff1").status_code == 302
        auth.logout()


def test_a_disabled_user_loses_an_open_session(app, client, auth):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW)
    auth.login("rtrw1")
    assert client.get("/beranda").status_code == 200
    with app.app_context():
        disable_user(db.session.scalar(db.select(User).filter_by(username="rtrw1")))
        db.session.commit()
    response = client.get("/beranda")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/masuk")
    assert auth.login("rtrw1").status_code == 200  # and cannot sign in again


def test_logout_ends_the_session_on_the_server_for_a_copied_cookie(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    auth.login("staff1")
    stolen = client.get_cookie("portal_session").value
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("portal_session", stolen)
    assert thief.get("/beranda").status_code == 302


def test_a_session_idle_longer_than_the_timeout_ends(app_factory):
    app = app_factory(IDLE_TIMEOUT_MINUTES=1)
    client = app.test_client()
    with app.app_context():
        from portal.seed.reference import seed_reference

        seed_reference()
        make_user("staff1", Role.STAFF)
    AuthActions(client).login("staff1")
    assert client.get("/beranda").status_code == 200
    with client.session_transaction() as session:
        session["last_seen"] = int(time.time()) - 120
    response = client.get("/beranda")
    assert response.status_code == 302
    assert client.get("/beranda").status_code == 302


def test_a_post_without_csrf_token_is_refused_and_changes_nothing(app, client):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    response = client.post("/masuk", data={"username": "staff1", "password": PASSWORD})
    assert response.status_code == 400
    assert "Formulir sudah kedaluwarsa" in response.get_data(as_text=True)
    assert client.get("/beranda").status_code == 302


def test_login_follows_only_local_next_addresses(app, client):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW)
    token = csrf_token(client, "/masuk")
    response = client.post(
        "/masuk?next=https://evil.example/x",
        data={"username": "rtrw1", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/beranda"
    client.post("/keluar", data={"csrf_token": csrf_token(client)})
    token = csrf_token(client, "/masuk")
    response = client.post(
        "/masuk?next=/daftar/", data={"username": "rtrw1", "password": PASSWORD, "csrf_token": token}
    )
    assert response.headers["Location"] == "/daftar/"


def test_session_cookie_is_httponly_and_samesite_lax(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    response = auth.login("staff1")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_passwords_are_stored_as_argon2id_hashes(app):
    with app.app_context():
        user = make_user("staff1", Role.STAFF)
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
