"""`next` addresses: only paths on this site are followed, anything else goes to a local page."""

import pytest

from portal.models import Role
from portal.redirects import safe_next
from tests.conftest import PASSWORD, csrf_token
from tests.factories import make_user

HOSTILE = [
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\nSet-Cookie: stolen=1",
    "/beranda\r\nLocation: https://evil.example/",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\\t/evil.example",
    "https://evil.example/",
    "https:evil.example",
    "javascript:alert(1)",
    "evil.example",
    " /beranda",
    "/beranda ",
    "/beranda\x00",
    "/%09/evil.example",
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "/%5Cevil.example",
    "/%0d%0aSet-Cookie:%20x=1",
    "/%FF",
    "/\uff0f/evil.example",  # full-width solidus
    "/%EF%BC%8F/evil.example",  # the same, percent-encoded
    "/\u3000/evil.example",  # ideographic space
    "/\u202e/elpmaxe.live",  # right-to-left override
    "/\u200b/evil.example",  # zero-width space
    "/../evil.example",
    "/./beranda",
    "/" + "a" * 3000,
]

LOCAL = ["/", "/daftar/", "/beranda", "/verifikasi/?kecamatan=7371010&rw=2", "/cek-status?", "/daftar/12#baris-3"]


@pytest.mark.parametrize("target", HOSTILE)
def test_a_hostile_next_is_refused(target):
    assert safe_next(target) is None


@pytest.mark.parametrize("target", LOCAL)
def test_a_path_on_this_site_is_followed_unchanged(target):
    assert safe_next(target) == target


def test_nothing_is_followed_without_a_next():
    assert safe_next(None) is None
    assert safe_next("") is None


# A NUL never reaches a view: portal/edge.py answers 400 first (tests/test_hostile_input.py).
REACHING_VIEWS = [target for target in HOSTILE if "\x00" not in target]


@pytest.mark.parametrize("target", REACHING_VIEWS)
def test_the_language_switch_goes_home_for_a_hostile_next(client, target):
    response = client.post("/bahasa", data={"lang": "en", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_next_with_a_nul_is_refused_before_any_view(client):
    assert client.post("/bahasa", data={"lang": "en", "next": "/beranda\x00"}).status_code == 400
    assert client.get("/masuk", query_string={"next": "/beranda\x00"}).status_code == 400


def test_the_language_switch_goes_back_to_the_page_it_came_from(client):
    response = client.post("/bahasa", data={"lang": "en", "next": "/daftar/?halaman=2"})
    assert response.headers["Location"] == "/daftar/?halaman=2"


@pytest.mark.parametrize("target", REACHING_VIEWS)
def test_signing_in_with_a_hostile_next_lands_on_the_home_page(app, client, target):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW)
    page = client.get("/masuk", query_string={"next": target})
    assert page.status_code == 200
    assert '<form method="post" action="/masuk" novalidate>' in page.get_data(as_text=True)
    response = client.post(
        "/masuk",
        query_string={"next": target},
        data={"username": "rtrw1", "password": PASSWORD, "csrf_token": csrf_token(client, "/masuk")},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/beranda"
