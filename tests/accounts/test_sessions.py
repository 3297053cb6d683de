"""Sign-in state lives on the server: the cookie names only random secrets."""

import time
from datetime import datetime, timedelta, timezone

import pytest

from portal.extensions import db
from portal.models import Role, User, UserSession
from tests.conftest import PASSWORD, AuthActions, current_totp, csrf_token
from tests.factories import make_user


def cookie_contents(app, client) -> dict:
    """What anyone holding the cookie can read (it is signed, not encrypted)."""
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.loads(client.get_cookie("portal_session").value)


def forged_cookie(app, contents: dict) -> str:
    """A cookie as someone who knows SECRET_KEY could write it."""
    return app.session_interface.get_signing_serializer(app).dumps(contents)


def account(app, username: str) -> tuple[int, str]:
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(username=username))
        return user.id, user.session_token


def sign_in(client, username: str, remember: bool = False):
    data = {"username": username, "password": PASSWORD, "csrf_token": csrf_token(client, "/masuk")}
    if remember:
        data["remember"] = "y"
    response = client.post("/masuk", data=data)
    if response.headers["Location"] == "/masuk/kode":
        code = current_totp(client.application, username)
        token = csrf_token(client, "/masuk/kode")
        response = client.post("/masuk/kode", data={"code": code, "csrf_token": token})
    return response


def test_the_pending_second_factor_is_not_in_the_cookie(app, client):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    user_id, session_token = account(app, "staff1")
    token = csrf_token(client, "/masuk")
    client.post("/masuk", data={"username": "staff1", "password": PASSWORD, "csrf_token": token})
    contents = cookie_contents(app, client)
    assert set(contents) <= {"pending_login", "csrf_token", "lang"}
    assert isinstance(contents["pending_login"], str)
    assert session_token not in str(contents)
    assert "staff1" not in str(contents)
    assert "_user_id" not in contents and str(user_id) != contents["pending_login"]


def test_a_cookie_forged_with_the_secret_key_skips_no_second_factor(app):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    user_id, session_token = account(app, "staff1")
    now = int(time.time())
    forgeries = [
        {"pending_login": {"token": session_token, "at": now}},  # the old pending state
        {"pending_login": session_token},
        {"_user_id": session_token, "_fresh": True, "last_seen": now},
        {"_user_id": str(user_id), "_fresh": True, "last_seen": now},
    ]
    for contents in forgeries:
        forger = app.test_client()
        forger.set_cookie("portal_session", forged_cookie(app, contents))
        code_page = forger.get("/masuk/kode")
        assert code_page.status_code == 302 and code_page.headers["Location"] == "/masuk"
        assert forger.get("/beranda").status_code == 302, contents


def test_the_signed_in_cookie_holds_a_secret_the_database_keeps_only_hashed(app, client):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    _, session_token = account(app, "staff1")
    sign_in(client, "staff1")
    secret = cookie_contents(app, client)["_user_id"]
    assert secret != session_token
    with app.app_context():
        stored = db.session.scalars(db.select(UserSession.token_hash)).all()
    assert len(stored) == 1 and secret not in stored[0]


def test_without_remember_me_the_cookie_ends_with_the_browser(app, client):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW)
    response = sign_in(client, "rtrw1")
    assert response.headers["Location"] == "/beranda"
    assert "Expires" not in response.headers["Set-Cookie"]
    assert client.get_cookie("portal_session").expires is None
    assert "Expires" not in client.get("/beranda").headers.get("Set-Cookie", "")


@pytest.mark.parametrize("username, role", [("rtrw1", Role.RT_RW), ("staff1", Role.STAFF)])
def test_with_remember_me_the_cookie_lasts_31_days(app, client, username, role):
    with app.app_context():
        make_user(username, role)
    assert sign_in(client, username, remember=True).headers["Location"] == "/beranda"
    lasts = client.get_cookie("portal_session").expires - datetime.now(timezone.utc)
    assert timedelta(days=30) < lasts <= timedelta(days=31)
    assert client.get("/beranda").status_code == 200


def test_signing_out_ends_the_session_on_the_server(app, client):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW)
    sign_in(client, "rtrw1", remember=True)
    AuthActions(client).logout()
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(UserSession)) == 0


def test_a_session_ended_by_the_idle_timeout_ends_for_every_copy_of_its_cookie(app, client):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW)
    sign_in(client, "rtrw1")
    copy = app.test_client()
    copy.set_cookie("portal_session", client.get_cookie("portal_session").value)
    assert copy.get("/beranda").status_code == 200
    with client.session_transaction() as session:
        session["last_seen"] = int(time.time()) - 31 * 60
    assert client.get("/beranda").status_code == 302
    assert copy.get("/beranda").status_code == 302
