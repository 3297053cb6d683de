"""The main menu marks the page one is on and invites everyone who signs in."""

from __future__ import annotations

from portal.models import Role
from tests.factories import LETTE, make_user


def test_the_sign_in_link_is_for_everyone_who_signs_in(client):
    page = client.get("/").get_data(as_text=True)
    assert ">Masuk</a>" in page and "Masuk petugas</a></li>" not in page


def test_the_current_page_is_marked_in_the_menu(app, client, auth):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
    auth.login("rtrw1")
    page = client.get("/daftar/").get_data(as_text=True)
    assert page.count('aria-current="page"') == 1
    assert 'href="/daftar/" aria-current="page"' in page
