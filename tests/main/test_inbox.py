"""'Perlu tindakan': the counts on an area's start page, their pages, and 'Kirim ulang' of one returned row."""

from __future__ import annotations

import re
from datetime import date

import pytest

from portal.extensions import db
from portal.models import AuditEvent, EntryState, ListEntry, Role
from portal.paging import NumberedPage
from tests.conftest import csrf_token
from tests.factories import LETTE, PABAENG, make_entry, make_list, make_user, new_nik

INBOX = "/beranda/perlu-tindakan"


@pytest.fixture
def area(app):
    """Lette RW 002: a list with a returned row, a returned row still wrong, two drafts and a
    pending row; an empty list; and another RW's list with rows of every state."""
    with app.app_context():
        head = make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
        make_user("agen1", Role.AGENT, kelurahan_code=LETTE, rw=2)
        other = make_user("rtrw2", Role.RT_RW, kelurahan_code=PABAENG, rw=5)
        first = make_list(head, title="Usulan tahap 1")
        make_list(head, title="Usulan kosong")
        returned = make_entry(first, state=EntryState.RETURNED, full_name="Hasnah", row_number=4, reason_code="returned", reason_text="Foto KTP buram, cocokkan tanggal lahir.")
        wrong = make_entry(
            first, state=EntryState.RETURNED, full_name="Baso", nik="12345", reason_code="returned", reason_text="NIK salah ketik.",
            issues=[{"code": "nik_length", "severity": "error", "message": "NIK harus 16 angka.", "column": "nik", "params": {}}],
        )
        drafts = [make_entry(first, state=EntryState.DRAFT, full_name=f"Draf {i}").id for i in range(2)]
        pending = make_entry(first, state=EntryState.PENDING, full_name="Menunggu").id
        elsewhere = make_list(other, title="Usulan Pa'baeng-Baeng")
        foreign = make_entry(elsewhere, state=EntryState.RETURNED, full_name="Orang Lain", reason_text="x").id
        make_entry(elsewhere, state=EntryState.DRAFT, full_name="Draf Lain")
        return {"list": first.id, "returned": returned.id, "wrong": wrong.id, "drafts": drafts, "pending": pending, "other_list": elsewhere.id, "foreign": foreign}


def _counts(page: str) -> dict[str, tuple[str, str]]:
    """Each inbox link of the start page: label -> (count, href)."""
    found = re.findall(r'<a href="([^"]*perlu-tindakan[^"]*)"><strong>(\d+)</strong> ([^<]+)</a>', page)
    return {label.strip(): (count, href.replace("&amp;", "&")) for href, count, label in found}


@pytest.mark.parametrize("username", ["rtrw1", "agen1"])
def test_the_start_page_counts_what_waits_for_the_area_each_count_a_link(app, client, auth, area, username):
    auth.login(username)

    counts = _counts(client.get("/beranda").get_data(as_text=True))

    assert counts == {
        "Dikembalikan petugas": ("2", f"{INBOX}?tampil=dikembalikan"),
        "Draf belum dikirim": ("2", f"{INBOX}?tampil=draf"),
        "Daftar menunggu Anda": ("2", f"{INBOX}?tampil=daftar"),
    }
    for _count, href in counts.values():
        assert client.get(href).status_code == 200


def test_returned_rows_show_the_staffs_note_and_only_the_areas_rows(app, client, auth, area):
    auth.login("rtrw1")

    page = client.get(f"{INBOX}?tampil=dikembalikan").get_data(as_text=True)

    assert "Hasnah" in page and "Baso" in page and "Orang Lain" not in page and "Draf 0" not in page
    assert "Catatan petugas: Foto KTP buram, cocokkan tanggal lahir." in page
    assert "NIK harus 16 angka." in page
    assert page.count("Kirim ulang") == 2
    with app.app_context():
        nik = db.session.get(ListEntry, area["returned"]).nik
        views = db.session.scalars(db.select(AuditEvent).filter_by(action="inbox.view")).all()
    assert nik not in page and nik[:6] + "******" + nik[-4:] in page
    assert [(e.target_id, e.details["entries"]) for e in views] == [(str(area["list"]), 2)]


def test_the_drafts_and_lists_pages(app, client, auth, area):
    auth.login("agen1")
    drafts = client.get(f"{INBOX}?tampil=draf").get_data(as_text=True)
    assert "Draf 0" in drafts and "Draf 1" in drafts and "Draf Lain" not in drafts and "Kirim ulang" not in drafts
    lists = client.get(f"{INBOX}?tampil=daftar").get_data(as_text=True)
    assert "Usulan tahap 1" in lists and "2 draf, 2 dikembalikan, 1 perlu diperbaiki" in lists
    assert "Usulan kosong" in lists and "Belum berisi orang" in lists and "Pa&#39;baeng" not in lists
    assert client.get(f"{INBOX}?tampil=apa-saja").status_code == 200  # an unknown page shows the returned rows


def test_empty_inbox_says_so(app, client, auth):
    with app.app_context():
        make_user("rtrw3", Role.RT_RW, kelurahan_code=LETTE, rw=7)
    auth.login("rtrw3")
    assert "Tidak ada yang menunggu Anda saat ini." in client.get("/beranda").get_data(as_text=True)
    assert "Tidak ada baris yang dikembalikan petugas." in client.get(INBOX).get_data(as_text=True)
    assert "Tidak ada draf yang belum dikirim." in client.get(f"{INBOX}?tampil=draf").get_data(as_text=True)
    assert "Tidak ada daftar yang menunggu Anda." in client.get(f"{INBOX}?tampil=daftar").get_data(as_text=True)


def test_the_inbox_is_paged(app, client, auth, area):
    with app.app_context():
        member_list = db.session.get(ListEntry, area["returned"]).member_list
        for i in range(30):
            make_entry(member_list, state=EntryState.DRAFT, full_name=f"Tambahan {i:02d}")
    auth.login("rtrw1")
    first = client.get(f"{INBOX}?tampil=draf").get_data(as_text=True)
    assert "Halaman 1 dari 2" in first and "Tambahan 22" in first and "Tambahan 23" not in first
    second = client.get(f"{INBOX}?tampil=draf&halaman=2").get_data(as_text=True)
    assert "Tambahan 23" in second and "Tambahan 29" in second and "Draf 0" not in second


def test_staff_have_no_inbox(app, client, auth, area):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    auth.login("staff1")
    assert client.get(INBOX).status_code == 404
    assert "Perlu tindakan" not in client.get("/beranda").get_data(as_text=True)


def _resend(client, area, entry_id: int, **data):
    token = csrf_token(client, INBOX)
    return client.post(f"/daftar/{area['list']}/baris/{entry_id}/kirim-ulang", data={"csrf_token": token, "next": f"{INBOX}?tampil=dikembalikan", **data})


def _states(app, ids) -> list[EntryState]:
    with app.app_context():
        return [db.session.get(ListEntry, i).state for i in ids]


def test_kirim_ulang_sends_only_that_row_and_records_it(app, client, auth, area):
    auth.login("rtrw1")

    response = _resend(client, area, area["returned"])

    assert response.status_code == 302 and response.headers["Location"] == f"{INBOX}?tampil=dikembalikan"
    assert _states(app, [area["returned"]]) == [EntryState.PENDING]
    assert _states(app, area["drafts"] + [area["wrong"]]) == [EntryState.DRAFT, EntryState.DRAFT, EntryState.RETURNED]
    with app.app_context():
        entry = db.session.get(ListEntry, area["returned"])
        assert entry.submitted_at is not None and entry.member_list.submitted_at is not None
        [event] = db.session.scalars(db.select(AuditEvent).filter_by(action="entry.resend")).all()
        assert event.target_id == str(area["returned"]) and event.actor_name == "rtrw1"
    page = client.get(INBOX).get_data(as_text=True)
    assert "Satu baris dikirim ulang" in page and "Hasnah" not in page


def test_kirim_ulang_of_a_row_still_wrong_sends_nothing(app, client, auth, area):
    auth.login("rtrw1")
    response = _resend(client, area, area["wrong"])
    assert response.status_code == 302
    assert _states(app, [area["wrong"]]) == [EntryState.RETURNED]
    assert "masih bermasalah dan belum dikirim" in client.get(INBOX).get_data(as_text=True)


def test_kirim_ulang_asks_the_head_to_acknowledge_the_rows_warnings(app, client, auth, area):
    warning = [{"code": "sex_mismatch", "severity": "warning", "message": "Jenis kelamin berbeda.", "column": "sex", "params": {}}]
    with app.app_context():
        member_list = db.session.get(ListEntry, area["returned"]).member_list
        born = date(1980, 5, 17)
        entry_id = make_entry(member_list, state=EntryState.RETURNED, nik=new_nik(born), birth_date=born, full_name="Ragu", issues=warning).id
    auth.login("rtrw1")
    _resend(client, area, entry_id)
    assert _states(app, [entry_id]) == [EntryState.RETURNED]
    assert "Centang pernyataan ini" in client.get(INBOX).get_data(as_text=True)
    _resend(client, area, entry_id, acknowledge_warnings="y")
    assert _states(app, [entry_id]) == [EntryState.PENDING]


def test_kirim_ulang_needs_the_csrf_token_and_a_returned_row(app, client, auth, area):
    auth.login("rtrw1")
    client.get(INBOX)
    refused = client.post(f"/daftar/{area['list']}/baris/{area['returned']}/kirim-ulang", data={})
    assert refused.status_code in (302, 400)
    assert _states(app, [area["returned"]]) == [EntryState.RETURNED]
    _resend(client, area, area["drafts"][0])
    _resend(client, area, area["pending"])
    assert _states(app, [area["drafts"][0], area["pending"]]) == [EntryState.DRAFT, EntryState.PENDING]


def test_kirim_ulang_outside_the_area_is_404(app, client, auth, area):
    auth.login("rtrw1")
    token = csrf_token(client, INBOX)
    for list_id, entry_id in ((area["other_list"], area["foreign"]), (area["list"], area["foreign"])):
        response = client.post(f"/daftar/{list_id}/baris/{entry_id}/kirim-ulang", data={"csrf_token": token})
        assert response.status_code == 404
    assert _states(app, [area["foreign"]]) == [EntryState.RETURNED]


def test_the_inbox_pages_in_sql_newest_return_first(app, area):
    from portal.main.inbox import InboxView, inbox_page
    from portal.models import User

    with app.app_context():
        head = db.session.scalars(db.select(User).filter_by(username="rtrw1")).one()
        page = inbox_page(head, InboxView.RETURNED, 1, size=1)
        assert isinstance(page, NumberedPage) and (page.total, page.pages, len(page.items)) == (2, 2, 1)
