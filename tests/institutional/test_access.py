"""Only the labour office reaches institutional imports; rows without an address wait for
staff, in no RT/RW head's list, until staff give them an area."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.models import AuditEvent, EntryState, ListEntry, Role, UnplacedEntry
from tests.conftest import csrf_token
from tests.factories import LETTE, PABAENG, make_user
from tests.institutional.helpers import PAGE, confirm, import_id_of, upload, wait_for_worker


def _imported(app, client, auth) -> int:
    with app.app_context():
        make_user("staff1", Role.STAFF)
        make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
    auth.login("staff1")
    import_id = import_id_of(upload(client))
    wait_for_worker(app)
    confirm(client, import_id)
    wait_for_worker(app)
    return import_id


def _waiting_id(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(UnplacedEntry.id))


@pytest.mark.parametrize("role", [Role.RT_RW, Role.AGENT])
def test_area_accounts_get_404_on_every_institutional_page(app, client, auth, role):
    import_id = _imported(app, client, auth)
    waiting = _waiting_id(app)
    auth.logout()
    with app.app_context():
        make_user("area1", role, kelurahan_code=LETTE, rw=2)
    auth.login("area1")
    token = csrf_token(client, "/daftar/")
    for url in (PAGE, f"{PAGE}{import_id}", f"{PAGE}{import_id}/ditolak.xlsx", f"{PAGE}perlu-wilayah"):
        assert client.get(url).status_code == 404, url
    for url in (PAGE, f"{PAGE}{import_id}/konfirmasi", f"{PAGE}{import_id}/batal", f"{PAGE}perlu-wilayah/{waiting}"):
        assert client.post(url, data={"csrf_token": token, "kelurahan": LETTE, "rw": "2"}).status_code == 404, url
    assert _waiting_id(app) == waiting


def test_a_row_without_an_address_is_in_no_heads_list_until_staff_place_it(app, client, auth):
    _imported(app, client, auth)
    waiting = _waiting_id(app)
    page = client.get(f"{PAGE}perlu-wilayah").get_data(as_text=True)
    assert "Dodi Tanpa Alamat" in page and "Tempatkan" in page
    assert "Dodi Tanpa Alamat" not in client.get("/verifikasi/").get_data(as_text=True)

    # An RW outside the limits and an RW elsewhere: a specific message, nothing moves.
    url = f"{PAGE}perlu-wilayah/{waiting}"
    refused = client.post(url, data={"csrf_token": csrf_token(client, f"{PAGE}perlu-wilayah"), "kelurahan": LETTE, "rw": "0"})
    assert refused.status_code == 400 and "Nomor RW antara 1 dan" in refused.get_data(as_text=True)
    assert _waiting_id(app) == waiting

    placed = client.post(url, data={"csrf_token": csrf_token(client, f"{PAGE}perlu-wilayah"), "kelurahan": PABAENG, "rw": "5", "rt": "2"})
    assert placed.status_code == 302
    with app.app_context():
        assert db.session.get(UnplacedEntry, waiting) is None
        entry = db.session.scalar(db.select(ListEntry).filter_by(full_name="Dodi Tanpa Alamat"))
        assert (entry.state, entry.kelurahan_code, entry.rw, entry.rt) == (EntryState.PENDING, PABAENG, 5, 2)
        # The import's own list of that RW takes it: no second list.
        assert entry.member_list.institutional_import_id is not None
        assert db.session.scalar(db.select(db.func.count()).select_from(ListEntry).filter_by(list_id=entry.list_id)) == 2
        assert db.session.scalar(db.select(AuditEvent.id).filter_by(action="entry.place", target_id=str(entry.id)))
    assert "Tidak ada baris yang menunggu wilayah." in client.get(f"{PAGE}perlu-wilayah").get_data(as_text=True)


def test_a_placed_row_already_proposed_elsewhere_stays_waiting_with_the_reason(app, client, auth):
    _imported(app, client, auth)
    waiting = _waiting_id(app)
    from tests.factories import make_entry, make_list
    from portal.models import User

    with app.app_context():
        nik = db.session.get(UnplacedEntry, waiting).nik
        head = db.session.scalar(db.select(User).filter_by(username="rtrw1"))
        make_entry(make_list(head), nik=nik, full_name="Dodi", state=EntryState.PENDING)
        db.session.commit()
    url = f"{PAGE}perlu-wilayah/{waiting}"
    refused = client.post(url, data={"csrf_token": csrf_token(client, f"{PAGE}perlu-wilayah"), "kelurahan": LETTE, "rw": "2"})
    assert refused.status_code == 400 and "sudah diusulkan" in refused.get_data(as_text=True)
    assert _waiting_id(app) == waiting
