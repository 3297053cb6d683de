"""The review queue: filters, counts, oldest first, keyset pages, without JavaScript too."""

from __future__ import annotations

import re
from datetime import date

from portal.extensions import db
from portal.models import DesilRecord, ListEntry, Role
from portal.review import queue
from tests.factories import LETTE, PABAENG, make_user
from tests.review.helpers import pending_entries

ROW = re.compile(r'<tr id="entry-(\d+)"')


def test_queue_lists_oldest_first_in_keyset_pages(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        ids = pending_entries(queue.PAGE_SIZE + 5)
    auth.login("staff1")
    first = client.get("/verifikasi/").get_data(as_text=True)
    assert [int(i) for i in ROW.findall(first)] == ids[: queue.PAGE_SIZE]
    next_link = re.search(r'href="(/verifikasi/\?[^"]*setelah=\d+[^"]*)"', first).group(1)
    assert "OFFSET" not in next_link.upper()
    second = client.get(next_link.replace("&amp;", "&")).get_data(as_text=True)
    assert [int(i) for i in ROW.findall(second)] == ids[queue.PAGE_SIZE :]


def test_queue_filters_by_area_flag_and_desil_with_counts(app, client, auth):
    duplicate = [{"code": "possible_duplicate", "severity": "warning", "message": "Mungkin ganda", "column": "nik", "params": {}}]
    with app.app_context():
        make_user("staff1", Role.STAFF)
        make_user("rtrw2", Role.RT_RW, kelurahan_code=PABAENG, rw=5)
        lette = pending_entries(2)
        (flagged,) = pending_entries(1, issues=duplicate)
        tamalate = pending_entries(1, head_name="rtrw2")
        db.session.add(DesilRecord(nik=db.session.get(ListEntry, lette[0]).nik, desil=3, source_date=date(2026, 1, 5)))
        db.session.commit()
    auth.login("staff1")
    page = client.get(f"/verifikasi/?kelurahan={PABAENG}").get_data(as_text=True)
    assert [int(i) for i in ROW.findall(page)] == tamalate
    page = client.get("/verifikasi/?kecamatan=737101&tanda=duplicate").get_data(as_text=True)
    assert [int(i) for i in ROW.findall(page)] == [flagged]
    page = client.get("/verifikasi/?kecamatan=737101&tanda=unknown_desil").get_data(as_text=True)
    assert [int(i) for i in ROW.findall(page)] == [lette[1], flagged]
    assert "Menunggu verifikasi: 3" in page
    assert "Kemungkinan ganda: 1" in page
    assert "Desil belum diketahui: 2" in page


def test_flag_counts_stop_at_their_cap_and_say_so(app, client, auth, monkeypatch):
    monkeypatch.setattr(queue, "FLAG_COUNT_CAP", 2)
    with app.app_context():
        make_user("staff1", Role.STAFF)
        pending_entries(3)
    auth.login("staff1")
    page = client.get("/verifikasi/").get_data(as_text=True)
    assert "Menunggu verifikasi: 3" in page
    assert "Tanpa peringatan: 2+" in page
    assert "Desil belum diketahui: 2+" in page
    assert "Ada peringatan: 0" in page


def test_filter_request_from_htmx_gets_only_the_results_block(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        pending_entries(1)
    auth.login("staff1")
    body = client.get("/verifikasi/?tanda=no_warnings", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert body.lstrip().startswith('<section id="queue-results"')
    assert "<html" not in body


def test_queue_shows_masked_nik_only(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        (entry_id,) = pending_entries(1)
        nik = db.session.get(ListEntry, entry_id).nik
    auth.login("staff1")
    page = client.get("/verifikasi/").get_data(as_text=True)
    assert nik not in page
    assert nik[:6] + "******" + nik[-4:] in page


def _kelurahan_options(page: str) -> set[str]:
    select = page.split('<select id="kelurahan"', 1)[1].split("</select>", 1)[0]
    return set(re.findall(r'<option[^>]*value="(\d+)"', select))


def test_the_kelurahan_filter_follows_the_chosen_kecamatan_with_and_without_javascript(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        make_user("rtrw2", Role.RT_RW, kelurahan_code=PABAENG, rw=5)
        (lette,) = pending_entries(1)
        (tamalate,) = pending_entries(1, head_name="rtrw2")
    auth.login("staff1")
    page = client.get("/verifikasi/?kecamatan=737110").get_data(as_text=True)
    options = _kelurahan_options(page)
    assert PABAENG in options and LETTE not in options and all(o.startswith("737110") for o in options)
    # htmx: choosing a kecamatan re-renders the results and, out of band, the kelurahan field
    fragment = client.get("/verifikasi/?kecamatan=737110", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert '<div id="kelurahan-field" hx-swap-oob="true">' in fragment
    assert _kelurahan_options(fragment) == options
    # a kelurahan left from the kecamatan chosen before is dropped, not combined into nothing
    page = client.get(f"/verifikasi/?kecamatan=737110&kelurahan={LETTE}").get_data(as_text=True)
    assert [int(i) for i in ROW.findall(page)] == [tamalate]
    assert f'value="{LETTE}" selected' not in page
    assert [int(i) for i in ROW.findall(client.get(f"/verifikasi/?kelurahan={LETTE}").get_data(as_text=True))] == [lette]
