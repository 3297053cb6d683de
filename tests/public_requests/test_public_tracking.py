"""Tracking a request by its code: the state, deadline, public timeline and answer; a wrong
code, or the right code with a wrong NIK, answers byte for byte like an unknown code."""

from __future__ import annotations

import pytest

from sqlalchemy import event

from portal.extensions import db
from portal.models import PublicRequest, RequestKind, RequestOutcome, RequestState
from portal.public_requests import codes, services
from tests.factories import make_member, new_nik
from tests.public_requests.helpers import code_of, send, track, valid_fields


@pytest.fixture
def app(app_factory):
    from portal.seed.reference import seed_reference

    app = app_factory(TRACKING_LIMIT_PER_ADDRESS="1000 per hour", TRACKING_LIMIT_PER_NIK="1000 per hour")
    with app.app_context():
        seed_reference()
        db.session.commit()
    return app


@pytest.fixture
def member(app) -> str:
    with app.app_context():
        person, _ = make_member("Siti Aminah")
        return person.nik


def _answer(app, code: str) -> None:
    """Staff answer the request (as the staff side does, through the shared timeline)."""
    with app.app_context():
        request = services.find_by_code(code)
        request.state, request.outcome = RequestState.ANSWERED, RequestOutcome.INFORMATION
        request.answer = "Kartu Anda ada pada ketua RW 002; ambil dengan KTP."
        services.add_event(request, None, "answered", state=RequestState.ANSWERED, note="Jawaban diberikan.", public=True)
        services.add_event(request, None, "note", note="Catatan internal petugas.")
        db.session.commit()


def test_the_tracking_page_shows_state_deadline_public_timeline_and_answer(app, client, member):
    code = code_of(send(client, RequestKind.CARD_MISSING, valid_fields(RequestKind.CARD_MISSING, nik=member)))
    assert client.get("/permintaan/lacak").status_code == 200
    page = track(client, code, member).get_data(as_text=True)
    assert "Diterima" in page and "Dijawab paling lambat" in page and "Jawaban" not in page
    _answer(app, code)
    response = track(client, code.lower().replace("-", " "), member)
    page = response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert "Sudah dijawab" in page and "Dijawab dengan informasi" in page
    assert "Kartu Anda ada pada ketua RW 002" in page and "Jawaban diberikan." in page
    assert "Catatan internal petugas." not in page
    # Only the NIK as typed, back in its input (as Cek Status does); nothing else of the person.
    assert page.count(member) == 1 and f'value="{member}"' in page and "Siti Aminah" not in page


def test_a_wrong_code_or_a_wrong_nik_answers_byte_for_byte_like_an_unknown_code(app, client, member):
    code = code_of(send(client, RequestKind.PERSONAL_DATA, valid_fields(RequestKind.PERSONAL_DATA, nik=member)))
    unknown = codes.new_code()
    other_nik = new_nik()
    answers = {
        "unknown": track(client, unknown, member),
        "not a code": track(client, "ABCD", member),
        "wrong nik": track(client, code, other_nik),
        "no nik": track(client, code, ""),
    }
    bodies = {name: response.get_data() for name, response in answers.items()}
    # The form echoes what was typed; with the typed values the same, the pages are the same.
    same_input = {
        "unknown": track(client, unknown, other_nik).get_data(),
        "wrong nik": track(client, code, other_nik).get_data().replace(code.encode(), unknown.encode()),
    }
    assert same_input["unknown"] == same_input["wrong nik"]
    assert all(b"Permintaan tidak ditemukan" in body for body in bodies.values())
    assert {response.status_code for response in answers.values()} == {200}
    assert b"Permintaan tidak ditemukan" not in track(client, code, member).get_data()


def test_a_request_not_about_the_requester_is_tracked_by_its_code_alone(app, client, member):
    code = code_of(send(client, RequestKind.OBJECTION, valid_fields(RequestKind.OBJECTION, nik=member)))
    assert b"Permintaan tidak ditemukan" not in track(client, code, "").get_data()


def test_a_wrong_nik_does_the_same_database_work_as_an_unknown_code(app, client, member):
    """The same statements, so the answer takes the same time (counted, not timed: a timing
    assertion would fail on a busy machine, a different query plan would not show in it)."""
    code = code_of(send(client, RequestKind.REJECTED, valid_fields(RequestKind.REJECTED, nik=member)))
    other = new_nik()

    def statements(typed_code: str) -> list[str]:
        seen = []

        def note(connection, cursor, statement, parameters, context, executemany):
            seen.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", note)
        try:
            track(client, typed_code, other)
        finally:
            event.remove(engine, "before_cursor_execute", note)
        return seen

    statements(code)  # warm up
    wrong_nik, unknown, impossible = statements(code), statements(codes.new_code()), statements("not a code")
    assert wrong_nik and wrong_nik == unknown == impossible


def test_tracking_is_limited_per_address_and_per_nik(app_factory):
    from portal.seed.reference import seed_reference

    app = app_factory(TRACKING_LIMIT_PER_ADDRESS="3 per hour", TRACKING_LIMIT_PER_NIK="2 per hour")
    with app.app_context():
        seed_reference()
        db.session.commit()
    client = app.test_client()
    nik = new_nik()
    by_nik = [track(client, codes.new_code(), nik, address=f"10.0.0.{i}").status_code for i in range(3)]
    assert by_nik == [200, 200, 429]
    by_address = [track(client, codes.new_code(), "", address="10.0.9.9").status_code for _ in range(4)]
    assert by_address == [200, 200, 200, 429]


def test_a_bad_tracking_form_gets_a_message(client):
    page = track(client, "").get_data(as_text=True)
    assert "Isi kode pelacakan Anda." in page


def test_the_code_is_never_stored_in_clear(app, client, member):
    code = code_of(send(client, RequestKind.OTHER, valid_fields(RequestKind.OTHER)))
    with app.app_context():
        [stored] = db.session.scalars(db.select(PublicRequest)).all()
        row = " ".join(str(getattr(stored, column.key)) for column in PublicRequest.__table__.columns)
    assert code not in row and code.replace("-", "") not in row
