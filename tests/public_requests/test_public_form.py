"""The public request form: each kind end to end through HTTP without JavaScript, bad input
refused with a clear message and nothing stored, the honeypot, the limits, and nothing
personal in URLs."""

from __future__ import annotations

import io
import logging

import pytest
from PIL import Image

from portal import storage
from portal.extensions import db
from portal.models import AuditEvent, MembershipStatus, PublicRequest, RequestKind
from portal.public_requests.public_routes import SLUGS
from tests.conftest import csrf_token
from tests.factories import make_member, new_nik
from tests.public_requests.helpers import code_of, form_url, send, track, valid_fields


@pytest.fixture
def app(app_factory):
    from portal.seed.reference import seed_reference

    app = app_factory(REQUEST_LIMIT_PER_NIK="100 per day", REQUEST_LIMIT_PER_ADDRESS="100 per hour")
    with app.app_context():
        seed_reference()
        db.session.commit()
    return app


@pytest.fixture
def member(app) -> str:
    with app.app_context():
        person, _ = make_member("Siti Aminah")
        return person.nik


def _requests(app) -> list[PublicRequest]:
    with app.app_context():
        return db.session.scalars(db.select(PublicRequest).order_by(PublicRequest.id)).all()


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, format="JPEG")
    return out.getvalue()


def test_the_first_page_links_every_kind_to_its_own_form(client):
    page = client.get("/permintaan").get_data(as_text=True)
    for kind in RequestKind:
        assert f'href="{form_url(kind)}"' in page
    assert 'href="/permintaan/lacak"' in page


@pytest.mark.parametrize("kind", list(RequestKind), ids=[kind.value for kind in RequestKind])
def test_each_kind_is_received_with_a_code_and_deadline_and_can_be_tracked(app, client, member, kind):
    response = send(client, kind, valid_fields(kind, nik=member))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "Permintaan Anda diterima" in page and "Dijawab paling lambat" in page
    code = code_of(response)
    [stored] = _requests(app)
    assert stored.kind == kind and stored.channel == "web" and stored.kelurahan_code and stored.rw == 2
    assert code.replace("-", "") not in stored.code_digest
    tracked = track(client, code, member).get_data(as_text=True)
    assert "Diterima" in tracked and "Permintaan tidak ditemukan" not in tracked


def test_a_form_asks_only_what_its_kind_needs(client):
    card = client.get(form_url(RequestKind.CARD_MISSING)).get_data(as_text=True)
    assert 'name="subject_nik"' in card and 'name="requester_name"' not in card
    assert 'name="data_action"' not in card and 'name="correct_full_name"' not in card
    other = client.get(form_url(RequestKind.OTHER)).get_data(as_text=True)
    assert 'name="subject_nik"' not in other and 'name="requester_name"' in other
    personal = client.get(form_url(RequestKind.PERSONAL_DATA)).get_data(as_text=True)
    assert 'name="data_action"' in personal
    assert 'name="correct_birth_date"' in client.get(form_url(RequestKind.DATA_WRONG)).get_data(as_text=True)
    assert client.get("/permintaan/tidak-ada").status_code == 404


def test_a_correction_keeps_the_proposed_values_and_a_personal_request_its_action(app, client, member):
    send(client, RequestKind.DATA_WRONG, valid_fields(RequestKind.DATA_WRONG, nik=member) | {"correct_phone": "+62 811-4000-123"})
    send(client, RequestKind.PERSONAL_DATA, valid_fields(RequestKind.PERSONAL_DATA, nik=member) | {"data_action": "delete"})
    correction, personal = _requests(app)
    assert correction.proposed_changes == {"full_name": "Sitti Aminah", "birth_date": "1980-05-17", "phone": "08114000123"}
    assert personal.data_action.value == "delete" and personal.acknowledge_due_at is not None
    assert correction.requester_is_subject and correction.requester_name == "Siti Aminah"


def test_the_registry_person_is_kept_but_the_answer_is_the_same_whether_or_not_the_nik_is_known(app, client, member):
    known = send(client, RequestKind.OBJECTION, valid_fields(RequestKind.OBJECTION, nik=member))
    unknown = send(client, RequestKind.OBJECTION, valid_fields(RequestKind.OBJECTION, nik=new_nik()))
    wrong_name = send(client, RequestKind.OBJECTION, valid_fields(RequestKind.OBJECTION, nik=member, name="Budi Santoso"))
    pages = [r.get_data(as_text=True).replace(code_of(r), "CODE") for r in (known, unknown, wrong_name)]
    assert pages[0] == pages[1] == pages[2]
    assert [r.subject_person_id is not None for r in _requests(app)] == [True, False, False]


def test_an_anonymous_objection_needs_no_name_or_phone_but_others_do(app, client):
    anonymous = valid_fields(RequestKind.OBJECTION) | {"requester_name": "", "requester_phone": ""}
    assert "Permintaan Anda diterima" in send(client, RequestKind.OBJECTION, anonymous).get_data(as_text=True)
    page = send(client, RequestKind.OTHER, valid_fields(RequestKind.OTHER) | {"requester_phone": ""}).get_data(as_text=True)
    assert "Isi nomor HP agar petugas dapat menghubungi Anda." in page
    [objection] = _requests(app)
    assert objection.requester_name is None and objection.requester_phone is None


@pytest.mark.parametrize(("change", "message"), [
    ({"subject_nik": ""}, "Isi NIK sesuai KTP."),
    ({"subject_nik": "0371011302850003"}, "NIK tidak diawali angka 0."),
    ({"subject_name": "Hj."}, "Isi nama lengkap sesuai KTP."),
    ({"kelurahan": "9999999999"}, "Pilihan ini tidak tersedia."),
    ({"rw": ""}, "Isi nomor RW."),
    ({"rw": "0"}, "Nomor RW antara 1 dan"),
    ({"requester_phone": "12345"}, "Nomor HP tidak lazim."),
    ({"description": "Kartu belum."}, "paling sedikit 20 huruf"),
    ({"description": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}, "beberapa kata yang jelas"),
    ({"description": "asdf asdf asdf asdf asdf asdf"}, "beberapa kata yang jelas"),
], ids=["no-nik", "bad-nik", "title-only-name", "unknown-kelurahan", "no-rw", "rw-zero", "bad-phone", "short",
        "one-letter", "keyboard-mash"])
def test_bad_input_gets_a_clear_message_and_stores_nothing(app, client, member, change, message):
    fields = valid_fields(RequestKind.CARD_MISSING, nik=member) | change
    with app.app_context():
        files_before = storage.listing("requests/")
    response = send(client, RequestKind.CARD_MISSING, fields, files={"photo": (io.BytesIO(_jpeg()), "foto.jpg")})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _requests(app) == []
    with app.app_context():
        assert storage.listing("requests/") == files_before


def test_a_correction_without_any_new_value_is_refused(app, client, member):
    fields = valid_fields(RequestKind.DATA_WRONG, nik=member) | {"correct_full_name": "", "correct_birth_date": ""}
    assert "Isi paling sedikit satu data yang benar." in send(client, RequestKind.DATA_WRONG, fields).get_data(as_text=True)
    assert _requests(app) == []


def test_a_photo_is_checked_by_content_stored_without_metadata_and_a_fake_one_refused(app, client, member):
    fields = valid_fields(RequestKind.CARD_MISSING, nik=member)
    fake = send(client, RequestKind.CARD_MISSING, fields, files={"photo": (io.BytesIO(b"MZ not a photo"), "foto.jpg")})
    assert "bukan PDF, JPEG atau PNG" in fake.get_data(as_text=True) and _requests(app) == []
    send(client, RequestKind.CARD_MISSING, fields, files={"photo": (io.BytesIO(_jpeg()), "foto.jpg")})
    [stored] = _requests(app)
    assert stored.photo_key.startswith("requests/") and stored.photo_content_type == "image/jpeg"
    with app.app_context():
        assert storage.get(stored.photo_key).startswith(b"\xff\xd8\xff")


def test_a_filled_honeypot_looks_received_but_stores_nothing(app, client, member):
    fields = valid_fields(RequestKind.CARD_MISSING, nik=member) | {"website": "http://spam.example"}
    response = send(client, RequestKind.CARD_MISSING, fields)
    assert "Permintaan Anda diterima" in response.get_data(as_text=True)
    assert _requests(app) == []
    assert "Permintaan tidak ditemukan" in track(client, code_of(response), member).get_data(as_text=True)


def test_submissions_are_limited_per_address_and_per_nik(app_factory):
    from portal.seed.reference import seed_reference

    app = app_factory(REQUEST_LIMIT_PER_ADDRESS="3 per hour", REQUEST_LIMIT_PER_NIK="2 per day")
    with app.app_context():
        seed_reference()
        db.session.commit()
    client = app.test_client()
    nik = new_nik()
    statuses = [send(client, RequestKind.CARD_MISSING, valid_fields(RequestKind.CARD_MISSING, nik=nik), address=f"10.0.0.{i}").status_code
                for i in range(3)]
    assert statuses == [200, 200, 429]
    other = [send(client, RequestKind.OTHER, valid_fields(RequestKind.OTHER), address="10.0.1.1").status_code for _ in range(4)]
    assert other == [200, 200, 200, 429]


def test_the_english_form_and_confirmation(app, client, member):
    client.post("/bahasa", data={"lang": "en", "next": "/"})
    page = client.get(form_url(RequestKind.CARD_MISSING)).get_data(as_text=True)
    assert "Send request" in page
    response = send(client, RequestKind.CARD_MISSING, valid_fields(RequestKind.CARD_MISSING, nik=member))
    assert "Your tracking code" in response.get_data(as_text=True)
    assert _requests(app)[0].locale == "en"


def test_no_nik_name_or_phone_reaches_a_url_the_confirmation_or_the_audit_details(app, client, member):
    response = send(client, RequestKind.REJECTED, valid_fields(RequestKind.REJECTED, nik=member))
    code = code_of(response)
    page = response.get_data(as_text=True)
    assert member not in page and "081234567890" not in page and "Siti Aminah" not in page
    for url in [form_url(kind) for kind in RequestKind] + ["/permintaan", "/permintaan/lacak"]:
        assert member not in url and code not in url
    assert all(slug.isascii() and not any(ch.isdigit() for ch in slug) for slug in SLUGS.values())
    with app.app_context():
        details = " ".join(str(e.details) for e in db.session.scalars(db.select(AuditEvent)))
    assert member not in details and "081234567890" not in details and code not in details


def test_no_nik_phone_or_code_reaches_the_logs_even_at_debug_level(app_factory, caplog):
    from portal.seed.reference import seed_reference

    app = app_factory(REQUEST_LIMIT_PER_NIK="1 per day", TRACKING_LIMIT_PER_NIK="1 per hour")
    with app.app_context():
        seed_reference()
        person, _ = make_member("Siti Aminah")
        nik = person.nik
    caplog.set_level(logging.DEBUG)
    for name in ("werkzeug", "flask-limiter", app.logger.name):
        caplog.set_level(logging.DEBUG, logger=name)
    client = app.test_client()
    code = code_of(send(client, RequestKind.REJECTED, valid_fields(RequestKind.REJECTED, nik=nik)))
    assert send(client, RequestKind.REJECTED, valid_fields(RequestKind.REJECTED, nik=nik)).status_code == 429
    track(client, code, nik)
    assert track(client, code, nik).status_code == 429
    text = caplog.text + " ".join(str(r.args) for r in caplog.records)
    assert "exceeded" in text  # the limiter's breach lines were captured
    assert nik not in text and "081234567890" not in text and code not in text and code.replace("-", "") not in text


def test_the_form_is_linked_from_the_menu_the_help_page_and_cek_status_answers(app, client):
    assert 'href="/permintaan"' in client.get("/").get_data(as_text=True)
    assert 'href="/permintaan"' in client.get("/bantuan").get_data(as_text=True)
    not_found = client.post("/cek-status", data={"nik": new_nik(), "name": "Budi Santoso"}).get_data(as_text=True)
    assert "Data tidak ditemukan" in not_found and 'href="/permintaan"' in not_found.split('id="status-answer"')[1]
    with app.app_context():
        person, membership = make_member("Andi Baso")
        membership.status = MembershipStatus.ENDED
        db.session.commit()
        nik = person.nik
    ended = client.post("/cek-status", data={"nik": nik, "name": "Andi Baso"}).get_data(as_text=True)
    assert "Kepesertaan sudah berakhir" in ended and 'href="/permintaan/ditolak"' in ended


def test_a_sent_form_redirects_to_its_confirmation_which_a_reload_does_not_send_again(app, client):
    """POST, redirect, GET: the code is not in the redirect, the confirmation shows it once,
    and reloading the confirmation neither sends a second request nor shows the code again."""
    token_page = client.get(form_url(RequestKind.OTHER))
    assert token_page.status_code == 200
    data = {**valid_fields(RequestKind.OTHER), "csrf_token": csrf_token(client, form_url(RequestKind.OTHER))}
    sent = client.post(form_url(RequestKind.OTHER), data=data, content_type="multipart/form-data")
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/permintaan/terkirim")
    confirmation = client.get("/permintaan/terkirim")
    code = code_of(confirmation)
    assert code.replace("-", "") not in sent.headers["Location"]
    again = client.get("/permintaan/terkirim")
    assert again.status_code == 302 and again.headers["Location"].endswith("/permintaan/lacak")
    assert code not in client.get("/permintaan/lacak").get_data(as_text=True)
    assert len(_requests(app)) == 1
