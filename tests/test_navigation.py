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


def test_the_menu_folds_behind_a_details_toggle_and_groups_items_by_task(app, client, auth):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
    auth.login("rtrw1")
    page = client.get("/daftar/").get_data(as_text=True)
    nav = page[page.index('<nav class="site-nav"'):page.index("</nav>")]
    assert '<details class="nav-menu"' in nav and "<summary" in nav
    assert "Untuk warga" in nav and "Pekerjaan saya" in nav and "Akun" in nav
    assert "Kantor" not in nav  # no office group for a head
    assert nav.index("Cek Status") < nav.index("Pekerjaan saya") < nav.index("Daftar usulan")


def test_radio_buttons_and_check_boxes_render_with_their_labels(app):
    from flask import render_template_string
    from flask_wtf import FlaskForm
    from wtforms import BooleanField, RadioField, SelectChoice

    class Choices(FlaskForm):
        receiver = RadioField("Diterima oleh", choices=[SelectChoice("member", "Peserta"), SelectChoice("family", "Keluarga")])
        agree = BooleanField("Saya setuju")

    with app.test_request_context("/"):
        form = Choices(meta={"csrf": False})
        html = render_template_string('{% from "_forms.html" import field %}{{ field(form.receiver) }}{{ field(form.agree) }}', form=form)
    assert "<legend>Diterima oleh</legend>" in html
    assert '<label class="choice" for="receiver-0"><input id="receiver-0" name="receiver" type="radio" value="member"> <span>Peserta</span></label>' in html
    assert html.index('type="checkbox"') < html.index('<label for="agree">Saya setuju</label>')
