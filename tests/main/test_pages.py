"""Home page, language switch, role homes and error pages."""

import re

from portal.extensions import db
from portal.models import EntryState, Role
from tests.factories import LETTE, PABAENG, make_entry, make_list, make_user


def test_home_page_is_indonesian_by_default_and_speaks_to_each_visitor(client):
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="id">' in page
    assert "Untuk warga" in page
    assert "Untuk ketua RT/RW dan Agen Perisai" in page
    assert "Untuk petugas Dinas Ketenagakerjaan" in page


def test_language_switch_to_english_and_back(client):
    response = client.post("/bahasa", data={"lang": "en", "next": "/"})
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "For citizens" in page
    assert "Untuk warga" not in page
    client.post("/bahasa", data={"lang": "id", "next": "/"})
    assert "Untuk warga" in client.get("/").get_data(as_text=True)


def test_language_switch_ignores_unknown_languages_and_foreign_next(client):
    response = client.post("/bahasa", data={"lang": "fr", "next": "//evil.example"})
    assert response.headers["Location"] == "/"
    assert '<html lang="id">' in client.get("/").get_data(as_text=True)


def test_a_visitor_gets_no_cookie_until_they_pick_a_language(client):
    for path in ("/", "/cek-status"):
        response = client.get(path)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers, path
        assert "X-CSRFToken" not in response.get_data(as_text=True)
    response = client.post("/bahasa", data={"lang": "en", "next": "/cek-status"})
    assert "session=" in response.headers["Set-Cookie"]


def test_signed_in_pages_send_the_csrf_token_with_htmx_requests(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    auth.login("staff1")
    assert "X-CSRFToken" in client.get("/beranda").get_data(as_text=True)


def test_error_pages_use_the_portal_layout_in_indonesian(client):
    response = client.get("/tidak-ada")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in page
    assert "Makassar Berjasa" in page
    assert client.get("/bahasa").status_code == 405


def test_a_too_large_request_gets_the_413_page(app_factory):
    app = app_factory(MAX_CONTENT_LENGTH=1024)
    client = app.test_client()
    response = client.post("/masuk", data={"username": "x" * 5000})
    assert response.status_code == 413
    assert "Berkas terlalu besar" in response.get_data(as_text=True)


def test_an_unexpected_error_shows_the_500_page_without_details(app_factory):
    app = app_factory()

    @app.get("/boom")
    def boom():
        raise RuntimeError("NIK 7371011302850003 leaked")

    app.testing = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/boom")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Terjadi kesalahan pada sistem" in page
    assert "7371011302850003" not in page


def test_each_role_sees_its_own_home(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        make_user("rtrw1", Role.RT_RW)
    auth.login("rtrw1")
    page = client.get("/beranda").get_data(as_text=True)
    assert "Wilayah Anda: Lette RW 002" in page
    assert "Peserta aktif" not in page
    auth.logout()
    auth.login("staff1")
    page = client.get("/beranda").get_data(as_text=True)
    assert "seluruh wilayah Kota Makassar" in page


def _draft_count(page: str) -> int:
    match = re.search(r'state-draft">[^<]*</span></dt><dd>(\d+)</dd>', page)
    assert match, "no draft count on the home page"
    return int(match.group(1))


def test_a_heads_home_counts_entries_of_the_lists_the_head_can_open(app, client, auth):
    """Rows typed with another RW's address stay on the typist's list and count there only."""
    with app.app_context():
        rtrw1 = make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
        make_user("rtrw2", Role.RT_RW, kelurahan_code=PABAENG, rw=5)
        own = make_list(rtrw1)
        for _ in range(3):
            make_entry(own, state=EntryState.DRAFT)
        misplaced = make_entry(own, state=EntryState.DRAFT, issues=[{"code": "outside_area", "severity": "error", "message": "-", "column": "rw"}])
        misplaced.kelurahan_code, misplaced.rw = PABAENG, 5  # the address rtrw1 typed: rtrw2's RW
        db.session.commit()
    auth.login("rtrw2")
    assert _draft_count(client.get("/beranda").get_data(as_text=True)) == 0
    auth.logout()
    auth.login("rtrw1")
    assert _draft_count(client.get("/beranda").get_data(as_text=True)) == 4


def test_every_response_carries_security_headers(client):
    response = client.get("/")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_load_htmx_from_the_portal(client):
    page = client.get("/").get_data(as_text=True)
    assert "/static/js/htmx-2.0.11.min.js" in page
    assert "https://" not in page.split("<body")[0]  # no CDN in the head
