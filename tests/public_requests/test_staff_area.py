"""Asking the area: the RT/RW head of the request's kelurahan and RW sees it in their own list
and page while staff wait for them (only their area: 404 otherwise), and answers with a note
that returns it to the office. Hospital accounts see no request."""

from __future__ import annotations

from portal.extensions import db
from portal.models import AuditEvent, RequestKind, RequestState, Role
from tests.factories import LETTE, PABAENG, make_user
from tests.public_requests.staff_helpers import post, receive, reload


def test_staff_ask_the_head_who_sees_only_their_rw_and_answers(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
        make_user("rtrw2", Role.RT_RW, kelurahan_code=PABAENG, rw=5)
        make_user("rtrw3", Role.RT_RW, kelurahan_code=LETTE, rw=3)
        ours = receive(RequestKind.DIED_OR_MOVED, description="Pak Baso sudah pindah ke Gowa.").id
        theirs = receive(RequestKind.OBJECTION, kelurahan_code=PABAENG, rw=5).id
        other_rw = receive(RequestKind.OBJECTION, kelurahan_code=LETTE, rw=3).id
    auth.login("staff1")
    for request_id in (ours, theirs, other_rw):
        url = f"/meja-permintaan/{request_id}"
        response = post(client, f"{url}/tanya-rt-rw", {"question": "Benarkah yang bersangkutan sudah pindah?"}, page=url)
        assert response.status_code == 302
    assert "Pertanyaan dikirim ke ketua RT/RW wilayah ini." in client.get(f"/meja-permintaan/{ours}").get_data(as_text=True)
    auth.logout()

    auth.login("rtrw1")
    listing = client.get("/meja-permintaan/").get_data(as_text=True)
    with app.app_context():
        refs = {rid: reload(rid).reference for rid in (ours, theirs, other_rw)}
    assert refs[ours] in listing and refs[theirs] not in listing and refs[other_rw] not in listing
    page = client.get(f"/meja-permintaan/{ours}").get_data(as_text=True)
    assert "Benarkah yang bersangkutan sudah pindah?" in page and "Pak Baso sudah pindah ke Gowa." in page
    assert "081234567890" not in page  # the requester stays unknown to the neighbourhood
    assert client.get(f"/meja-permintaan/{theirs}").status_code == 404
    assert client.get(f"/meja-permintaan/{other_rw}").status_code == 404
    assert post(client, f"/meja-permintaan/{theirs}/keterangan", {"note": "Saya tidak tahu."}).status_code == 404
    # Staff actions are not the head's.
    assert post(client, f"/meja-permintaan/{ours}/jawab", {"answer": "Jawaban."}).status_code == 404

    empty = post(client, f"/meja-permintaan/{ours}/keterangan", {"note": " "}, page=f"/meja-permintaan/{ours}")
    assert empty.status_code == 422 and "Tuliskan keterangan Anda." in empty.get_data(as_text=True)
    answered = post(client, f"/meja-permintaan/{ours}/keterangan", {"note": "Benar, pindah bulan lalu."},
                    page=f"/meja-permintaan/{ours}")
    assert answered.status_code == 302 and answered.headers["Location"].endswith("/meja-permintaan/")
    assert "Tidak ada permintaan yang menunggu keterangan Anda." in client.get("/meja-permintaan/").get_data(as_text=True)
    # Answered, it is the office's again: the head no longer opens it.
    assert client.get(f"/meja-permintaan/{ours}").status_code == 404
    with app.app_context():
        request = reload(ours)
        assert request.state == RequestState.IN_PROGRESS
        assert [(e.action, e.actor_name) for e in request.events][-2:] == [("asked_area", "staff1"), ("area_answered", "rtrw1")]
        refused = db.session.scalars(db.select(AuditEvent).filter_by(action="access.refused", actor_name="rtrw1")).all()
        assert {(e.details["reason"], e.details.get("record")) for e in refused} == {("area", "public_request"), ("role", None)}


def test_asking_an_area_without_a_head_account_is_refused(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        request_id = receive(kelurahan_code=PABAENG, rw=9).id
    auth.login("staff1")
    url = f"/meja-permintaan/{request_id}"
    post(client, f"{url}/tanya-rt-rw", {"question": "Apakah kartu sudah dibagikan?"}, page=url)
    assert "Belum ada akun ketua RT/RW yang aktif" in client.get(url).get_data(as_text=True)
    with app.app_context():
        assert reload(request_id).state == RequestState.NEW


def test_a_head_sees_no_request_staff_did_not_ask_about(app, client, auth):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
        request_id = receive().id
    auth.login("rtrw1")
    assert client.get(f"/meja-permintaan/{request_id}").status_code == 404


def test_hospital_accounts_see_no_request(app, client, auth):
    from portal.models import PartnerFacility

    with app.app_context():
        facility = PartnerFacility(name="RS Uji", address="", phone="")
        db.session.add(facility)
        db.session.commit()
        make_user("rs1", Role.HOSPITAL, facility_id=facility.id)
        request_id = receive().id
    auth.login("rs1")
    assert client.get("/meja-permintaan/").status_code == 404
    assert client.get(f"/meja-permintaan/{request_id}").status_code == 404
