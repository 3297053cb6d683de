"""Searching the review queue by NIK or by name (canonical matching), never through a URL."""

from __future__ import annotations

import re

from portal.extensions import db
from portal.models import ListEntry, Role
from tests.factories import make_user
from tests.review.helpers import pending_entries, post

ROW = re.compile(r'<tr id="entry-(\d+)"')


def test_queue_search_by_exact_nik_is_a_post_and_the_nik_stays_out_of_urls_and_the_field(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        ids = pending_entries(3)
        nik = db.session.get(ListEntry, ids[1]).nik
    auth.login("staff1")
    response = post(client, "/verifikasi/", {"cari": f"{nik[:8]} {nik[8:]}"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert [int(i) for i in ROW.findall(page)] == [ids[1]]
    assert nik not in page
    assert len(ROW.findall(client.get(f"/verifikasi/?cari={nik}").get_data(as_text=True))) == 3  # GET ignores it
    htmx = post(client, "/verifikasi/", {"cari": nik}, headers={"HX-Request": "true"})
    body = htmx.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="queue-results"') and [int(i) for i in ROW.findall(body)] == [ids[1]]


def test_queue_search_by_name_matches_titles_abbreviations_and_spacing(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        (ilham,) = pending_entries(1, full_name="Muh. Ilham Dg. Naba")
        (siti,) = pending_entries(1, full_name="Hj. ST. Nur Alam")
        pending_entries(1, full_name="Andi Rahmawati")
    auth.login("staff1")
    for typed, found in (("muhammad ilham daeng", ilham), ("M Ilham Naba", ilham), ("Siti Nuralam", siti), ("ILHAM", ilham)):
        page = post(client, "/verifikasi/", {"cari": typed}).get_data(as_text=True)
        shown = [int(i) for i in ROW.findall(page)]
        if found:
            assert shown == [found], typed
        assert "Setujui semua tanpa peringatan dalam filter ini" not in page


def test_a_bad_queue_search_says_why_and_shows_the_queue(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        pending_entries(2)
    auth.login("staff1")
    for typed, message in (("", "Tulis NIK (16 angka) atau nama."), ("737101", "NIK harus 16 angka."), ("Hj.", "Tulis sedikitnya dua huruf nama")):
        response = post(client, "/verifikasi/", {"cari": typed})
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and message in page, typed
        assert len(ROW.findall(page)) == 2
    assert client.post("/verifikasi/", data={"cari": "Budi"}).status_code == 400  # no CSRF token
