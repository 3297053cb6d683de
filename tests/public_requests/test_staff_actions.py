"""Staff handle a request through its page: assign, acknowledge, escalate, answer, close; each
a CSRF-protected POST with a timeline line, an audit event and a clear message."""

from __future__ import annotations

from portal.extensions import db
from portal.models import AuditEvent, RequestEvent, RequestKind, RequestOutcome, RequestState, Role
from tests.factories import make_user
from tests.public_requests.staff_helpers import post, receive, reload


def _actions(request_id: int) -> list[str]:
    return [e.action for e in db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.target_type == "public_request", AuditEvent.target_id == str(request_id)).order_by(AuditEvent.id))]


def test_staff_take_acknowledge_answer_and_close_a_request(app, client, auth):
    with app.app_context():
        staff = make_user("staff1", Role.STAFF)
        staff_id = staff.id
        request_id = receive(RequestKind.PERSONAL_DATA, data_action=None).id
    auth.login("staff1")
    url = f"/meja-permintaan/{request_id}"
    page = client.get(url).get_data(as_text=True)
    assert "Konfirmasi penerimaan" in page and "Buka laporan data pribadi orang ini" not in page

    response = post(client, f"{url}/petugas", {"assignee": str(staff_id)}, page=url)
    assert response.status_code == 302
    assert "Penanggung jawab disimpan." in client.get(url).get_data(as_text=True)
    post(client, f"{url}/konfirmasi", page=url)
    answered = post(client, f"{url}/jawab", {"answer": "Data Anda kami kirim lewat kantor kelurahan."}, page=url)
    assert answered.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Jawaban disimpan; pemohon melihatnya di halaman lacak." in page
    post(client, f"{url}/tutup", {"outcome": "information", "note": "Diambil di kelurahan."}, page=url)
    page = client.get(url).get_data(as_text=True)
    assert "Permintaan ditutup." in page and "Dijawab dengan informasi" in page
    with app.app_context():
        request = reload(request_id)
        assert request.state == RequestState.CLOSED and request.outcome == RequestOutcome.INFORMATION
        assert request.assignee_id == staff_id and request.acknowledged_at and request.answered_at
        public = [(e.action, e.note) for e in request.events if e.public]
        assert public[0][0] == "received" and public[1][0] == "acknowledged"
        assert public[2] == ("answered", "Data Anda kami kirim lewat kantor kelurahan.")
        assert [e.action for e in request.events if not e.public] == ["assigned", "closed"]
        changes = [a for a in _actions(request_id) if a != "request.view"]
        assert changes == ["request.receive", "request.assign", "request.acknowledge", "request.answer", "request.close"]
        assert "request.view" in _actions(request_id)


def test_closing_before_an_answer_is_refused_and_changes_nothing(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        request_id = receive().id
    auth.login("staff1")
    url = f"/meja-permintaan/{request_id}"
    post(client, f"{url}/tutup", {"outcome": "rejected"}, page=url)
    assert "Tulis jawaban untuk pemohon sebelum menutup permintaan." in client.get(url).get_data(as_text=True)
    with app.app_context():
        assert reload(request_id).state == RequestState.NEW


def test_bad_input_is_a_specific_message_never_a_change(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        request_id = receive().id
    auth.login("staff1")
    url = f"/meja-permintaan/{request_id}"
    post(client, f"{url}/jawab", {"answer": "   "}, page=url)
    assert "Tuliskan jawaban untuk pemohon." in client.get(url).get_data(as_text=True)
    post(client, f"{url}/petugas", {"assignee": "999999"}, page=url)
    assert "Pilihan ini tidak tersedia" in client.get(url).get_data(as_text=True)
    post(client, f"{url}/tutup", {"outcome": "bogus"}, page=url)
    assert client.get(url).status_code == 200
    assert client.post(f"{url}/jawab", data={"answer": "Tanpa token."}).status_code in (302, 400)
    with app.app_context():
        request = reload(request_id)
        assert request.state == RequestState.NEW and request.answer is None and request.assignee_id is None
        assert db.session.scalar(db.select(db.func.count(RequestEvent.id))) == 1


def test_an_escalated_request_is_answered_by_an_admin_only(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        make_user("admin1", Role.ADMIN)
        request_id = receive(RequestKind.REJECTED).id
    url = f"/meja-permintaan/{request_id}"
    auth.login("staff1")
    post(client, f"{url}/teruskan", {"reason": "Pemohon mengadu sudah tiga kali."}, page=url)
    assert "Permintaan diteruskan ke pimpinan." in client.get(url).get_data(as_text=True)
    post(client, f"{url}/jawab", {"answer": "Kami periksa ulang."}, page=url)
    assert "hanya admin yang dapat menjawab" in client.get(url).get_data(as_text=True)
    auth.logout()
    auth.login("admin1")
    post(client, f"{url}/jawab", {"answer": "Kami periksa ulang; Anda layak dan diusulkan kembali."}, page=url)
    with app.app_context():
        request = reload(request_id)
        assert request.state == RequestState.ANSWERED and request.escalated_at is not None
        assert [e.actor_name for e in request.events if e.action in ("escalated", "answered")] == ["staff1", "admin1"]


def test_a_personal_data_request_links_to_the_persons_data_subject_report(app, client, auth):
    from tests.factories import make_member

    with app.app_context():
        make_user("staff1", Role.STAFF)
        person, _ = make_member("Sitti Aminah")
        nik = person.nik
        request_id = receive(RequestKind.PERSONAL_DATA, subject=person).id
    auth.login("staff1")
    url = f"/meja-permintaan/{request_id}"
    page = client.get(url).get_data(as_text=True)
    assert 'action="/privasi/laporan"' in page and f'name="nik" value="{nik}"' in page
    report = post(client, "/privasi/laporan", {"nik": nik, "format": "html"}, page=url)
    assert report.status_code == 200 and "Sitti Aminah" in report.get_data(as_text=True)


def test_an_answer_queues_one_text_to_the_requester_without_the_code_or_nik(app, client, auth):
    """The requester's contact phone hears that an answer waits on the tracking page; nothing
    of the request (its code, the NIK, the answer) is in the text."""
    from portal.models import NotificationMessage

    with app.app_context():
        make_user("staff1", Role.STAFF)
        request_id = receive(RequestKind.CARD_MISSING, requester_name="Siti Aminah", subject_nik="7371014102900001",
                             subject_name="Siti Aminah").id
    auth.login("staff1")
    url = f"/meja-permintaan/{request_id}"
    post(client, f"{url}/jawab", {"answer": "Kartu Anda ada di kantor Kelurahan Lette, ambil hari Senin."}, page=url)
    with app.app_context():
        messages = db.session.scalars(db.select(NotificationMessage)).all()
        assert [m.template for m in messages] == ["request_answered"]
        body = messages[0].body
        assert body.startswith("Halo Siti,") and "/permintaan/lacak" in body
        assert "7371014102900001" not in body and "Aminah" not in body and "Kelurahan Lette" not in body
