"""Guessing is throttled per address and per account, yet no one can lock the owner out."""

from portal.extensions import db
from portal.models import AuditEvent, Role
from tests.conftest import PASSWORD, AuthActions, current_totp, csrf_token
from tests.factories import make_user

WRONG = "wrong-password-123"


def client_at(app, address: str):
    """A browser at one client address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def password_step(client, username: str, password: str = PASSWORD):
    token = csrf_token(client, "/masuk")
    return client.post("/masuk", data={"username": username, "password": password, "csrf_token": token})


def code_step(client, code: str):
    token = csrf_token(client, "/masuk/kode")
    return client.post("/masuk/kode", data={"code": code, "csrf_token": token})


def assert_throttled(response) -> None:
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    page = response.get_data(as_text=True)
    assert "Terlalu banyak percobaan masuk yang gagal" in page
    assert "Pemilik akun tetap dapat masuk dari jaringan lain" in page


def test_wrong_passwords_from_one_address_throttle_it_but_the_owner_signs_in_from_another(app):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    guesser = client_at(app, "198.51.100.7")
    for _ in range(5):
        assert password_step(guesser, "staff1", WRONG).status_code == 200
    assert_throttled(password_step(guesser, "staff1", PASSWORD))

    owner = client_at(app, "203.0.113.20")
    assert AuthActions(owner).login("staff1").headers["Location"] == "/beranda"
    assert owner.get("/beranda").status_code == 200


def test_an_address_guessing_many_accounts_is_throttled_on_all_of_them(app):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW)
    guesser = client_at(app, "198.51.100.7")
    for number in range(20):
        assert password_step(guesser, f"nobody{number}", WRONG).status_code == 200
    assert_throttled(password_step(guesser, "rtrw1", PASSWORD))
    assert AuthActions(client_at(app, "203.0.113.20")).login("rtrw1").headers["Location"] == "/beranda"


def test_an_attack_from_many_addresses_leaves_each_further_address_one_try_and_the_owner_in(app):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW)
    # Four addresses, none reaching its own limit of five failures; the account counts the
    # failures of addresses that had failed on it before: 3 + 3 + 3 + 1 = 10, its limit.
    attackers = [client_at(app, f"198.51.100.{n}") for n in range(1, 5)]
    for attacker, failures in zip(attackers, (4, 4, 4, 2)):
        for _ in range(failures):
            assert password_step(attacker, "rtrw1", WRONG).status_code == 200
    assert_throttled(password_step(attackers[0], "rtrw1", PASSWORD))

    newcomer = client_at(app, "198.51.100.99")
    assert password_step(newcomer, "rtrw1", WRONG).status_code == 200  # its one try
    assert_throttled(password_step(newcomer, "rtrw1", PASSWORD))

    owner = client_at(app, "203.0.113.20")
    assert AuthActions(owner).login("rtrw1").headers["Location"] == "/beranda"


def test_the_owner_is_told_once_of_failed_attempts_and_the_notice_is_audited(app):
    with app.app_context():
        user = make_user("rtrw1", Role.RT_RW)
        user_id = user.id
    guesser = client_at(app, "198.51.100.7")
    for _ in range(3):
        password_step(guesser, "rtrw1", WRONG)

    owner = client_at(app, "203.0.113.20")
    AuthActions(owner).login("rtrw1")
    home = owner.get("/beranda").get_data(as_text=True)
    assert "Ada 3 percobaan masuk gagal ke akun Anda sejak" in home
    assert "minta admin mengganti kata sandi" in home
    assert "Ada 3 percobaan" not in owner.get("/beranda").get_data(as_text=True)
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).filter_by(action="auth.failures_reported"))
        assert event.target_id == str(user_id)
        assert event.details == {"failed_passwords": 3, "failed_codes": 0}

    AuthActions(owner).logout()
    AuthActions(owner).login("rtrw1")
    assert "percobaan masuk gagal" not in owner.get("/beranda").get_data(as_text=True)


def test_wrong_codes_after_a_known_password_leave_the_owner_able_to_sign_in_from_another_address(app):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    thief = client_at(app, "198.51.100.7")  # knows the password, not the phone
    assert password_step(thief, "staff1").headers["Location"] == "/masuk/kode"
    for _ in range(4):
        assert code_step(thief, "000000").status_code == 200
    ended = code_step(thief, "000000")  # the fifth ends this sign-in
    assert ended.headers["Location"] == "/masuk"
    assert "Terlalu banyak kode yang salah" in thief.get("/masuk").get_data(as_text=True)
    assert password_step(thief, "staff1").headers["Location"] == "/masuk/kode"
    assert_throttled(code_step(thief, current_totp(app, "staff1")))

    owner = client_at(app, "203.0.113.20")
    assert AuthActions(owner).login("staff1").headers["Location"] == "/beranda"
    home = owner.get("/beranda").get_data(as_text=True)
    assert "Ada 5 percobaan masuk gagal" in home
    assert "5 di antaranya memakai kata sandi yang benar" in home


def test_wrong_codes_from_many_addresses_leave_each_further_address_one_try_and_the_owner_in(app):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    thieves = [client_at(app, f"198.51.100.{n}") for n in range(1, 5)]
    for thief, failures in zip(thieves, (4, 4, 4, 2)):  # as with passwords: 3 + 3 + 3 + 1 = 10
        assert password_step(thief, "staff1").headers["Location"] == "/masuk/kode"
        for _ in range(failures):
            assert code_step(thief, "000000").status_code == 200
    assert_throttled(code_step(thieves[0], current_totp(app, "staff1")))

    newcomer = client_at(app, "198.51.100.99")
    password_step(newcomer, "staff1")
    assert code_step(newcomer, "000000").status_code == 200
    assert_throttled(code_step(newcomer, current_totp(app, "staff1")))

    owner = client_at(app, "203.0.113.20")
    assert AuthActions(owner).login("staff1").headers["Location"] == "/beranda"
