"""htmx requests that meet an error or an ended session: a message or a whole page, never an
error page or the sign-in page swapped into the row that asked."""

from __future__ import annotations

import time

from portal.models import Role
from portal.seed.reference import seed_reference
from tests.conftest import AuthActions, csrf_token, current_totp
from tests.factories import make_user
from tests.review.helpers import pending_entries

QUEUE = "/verifikasi/?kecamatan=737101"


def row_action(client, url: str, token: str):
    """POST a row's button the way htmx sends it from the review queue."""
    return client.post(
        url,
        data={"csrf_token": token},
        headers={"HX-Request": "true", "HX-Target": "entry-1", "HX-Current-URL": f"http://localhost{QUEUE}"},
    )


def assert_message_not_a_page(response, text: str) -> None:
    body = response.get_data(as_text=True)
    assert response.headers["HX-Retarget"] == "#flashes"
    assert response.headers["HX-Reswap"].startswith("innerHTML")
    assert body.lstrip().startswith('<p class="flash flash-error" role="alert">')
    assert text in body
    assert "<html" not in body and "<tr" not in body and "<main" not in body


def test_a_row_action_on_a_missing_entry_answers_404_with_a_message_for_the_message_area(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    auth.login("staff1")
    response = row_action(client, "/verifikasi/999999/setujui", csrf_token(client, QUEUE))
    assert response.status_code == 404
    assert_message_not_a_page(response, "Halaman tidak ditemukan")
    # A browser's own request still gets the whole error page.
    page = client.post("/verifikasi/999999/setujui", data={"csrf_token": csrf_token(client, QUEUE)})
    assert page.status_code == 404 and "<html" in page.get_data(as_text=True)


def test_an_htmx_request_over_its_rate_limit_answers_429_with_a_message_and_when_to_retry(app_factory):
    # No row action has a limit of its own; Cek Status swaps its answer into the page the same way.
    # (A default limit for every route would outlive this app: Flask-Limiter keeps it globally.)
    app = app_factory(STATUS_LIMIT_PER_ADDRESS="1 per minute")
    client = app.test_client()
    check = {"nik": "7371011302850003", "name": "Siti Aminah"}
    htmx = {"HX-Request": "true", "HX-Target": "status-answer", "HX-Current-URL": "http://localhost/cek-status"}
    assert client.post("/cek-status", data=check, headers=htmx).status_code == 200
    response = client.post("/cek-status", data=check, headers=htmx)
    assert response.status_code == 429
    assert_message_not_a_page(response, "Terlalu banyak percobaan")
    assert "Silakan coba lagi dalam" in response.get_data(as_text=True)


def test_a_row_action_that_fails_answers_500_with_a_message_and_no_details(app_factory):
    app = app_factory()

    @app.post("/verifikasi/<int:entry_id>/rusak")
    def broken_row_action(entry_id: int):
        raise RuntimeError("NIK 7371011302850003 leaked")

    app.testing = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with app.app_context():
        seed_reference()
        make_user("staff1", Role.STAFF)
    client = app.test_client()
    AuthActions(client).login("staff1")
    response = row_action(client, "/verifikasi/1/rusak", csrf_token(client, QUEUE))
    assert response.status_code == 500
    assert_message_not_a_page(response, "Terjadi kesalahan pada sistem")
    assert "7371011302850003" not in response.get_data(as_text=True)


def test_a_row_action_after_the_idle_timeout_sends_the_browser_to_sign_in_and_back_to_the_queue(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        (entry_id,) = pending_entries()
    auth.login("staff1")
    token = csrf_token(client, QUEUE)
    with client.session_transaction() as session:
        session["last_seen"] = int(time.time()) - 3600

    response = row_action(client, f"/verifikasi/{entry_id}/setujui", token)

    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/masuk?next=%2Fverifikasi%2F%3Fkecamatan%3D737101"
    assert response.get_data() == b""
    sign_in = client.get(response.headers["HX-Redirect"]).get_data(as_text=True)
    assert "Sesi Anda berakhir karena tidak ada aktivitas" in sign_in
    token = csrf_token(client, response.headers["HX-Redirect"])
    answer = client.post(
        response.headers["HX-Redirect"], data={"username": "staff1", "password": "correct-horse-battery", "csrf_token": token}
    )
    assert answer.headers["Location"].startswith("/masuk/kode")
    code = {"code": current_totp(app, "staff1"), "csrf_token": csrf_token(client, "/masuk/kode")}
    assert client.post("/masuk/kode", data=code).headers["Location"] == QUEUE


def test_a_row_action_with_a_session_ended_elsewhere_sends_the_browser_to_sign_in(app, client, auth):
    with app.app_context():
        from portal.extensions import db

        staff = make_user("staff1", Role.STAFF)
        (entry_id,) = pending_entries()
    auth.login("staff1")
    token = csrf_token(client, QUEUE)
    with app.app_context():
        db.session.merge(staff).rotate_session_token()  # signed out on another device
        db.session.commit()

    response = row_action(client, f"/verifikasi/{entry_id}/setujui", token)

    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/masuk?next=%2Fverifikasi%2F%3Fkecamatan%3D737101"
    assert "Silakan masuk untuk membuka halaman ini." in client.get("/masuk").get_data(as_text=True)
    # A browser's own visit is redirected as before, back to the page it asked for.
    assert client.get(QUEUE).headers["Location"] == "/masuk?next=%2Fverifikasi%2F%3Fkecamatan%3D737101"
