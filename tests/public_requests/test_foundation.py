"""The request desk's foundation: a received request has a tracking code that finds it (typed
forgivingly), the kind's deadlines, and a first public line on its timeline."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from portal.cases.services import aware
from portal.extensions import db
from portal.models import PublicRequest, RequestKind, RequestState
from portal.public_requests import codes, services

RECEIVED = datetime(2026, 12, 3, 2, 0, tzinfo=timezone.utc)


def _receive(kind: RequestKind):
    submission = services.Submission(kind=kind, description="Kartu belum saya terima sejak Oktober.")
    request, code = services.receive_request(submission, now=RECEIVED)
    db.session.commit()
    return request, code


def test_a_tracking_code_finds_its_request_however_it_is_typed_and_is_not_stored(app):
    with app.app_context():
        request, code = _receive(RequestKind.CARD_MISSING)
        typed = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
        assert services.find_by_code(typed).id == request.id
        assert services.find_by_code(code[:-1] + ("A" if code[-1] != "A" else "B")) is None
        assert services.find_by_code("not a code") is None
        stored = db.session.scalars(db.select(PublicRequest.code_digest)).all()
        assert code.replace("-", "") not in "".join(stored)


def test_codes_are_twelve_unambiguous_characters_in_groups_of_four():
    for _ in range(200):
        code = codes.new_code()
        groups = code.split("-")
        assert [len(group) for group in groups] == [4, 4, 4]
        assert not set("".join(groups)) & set("ILOU")


def test_deadlines_follow_the_kind_and_its_settings(app):
    app.config["REQUEST_ANSWER_DAYS"] = 14
    app.config["REQUEST_ANSWER_DAYS_CARD_MISSING"] = 5
    with app.app_context():
        objection, _ = _receive(RequestKind.OBJECTION)
        card, _ = _receive(RequestKind.CARD_MISSING)
        personal, _ = _receive(RequestKind.PERSONAL_DATA)
        assert aware(objection.due_at) == RECEIVED + timedelta(days=14) and objection.acknowledge_due_at is None
        assert aware(card.due_at) == RECEIVED + timedelta(days=5)
        assert aware(personal.acknowledge_due_at) == RECEIVED + timedelta(hours=72)
        assert objection.state == RequestState.NEW
        assert [(event.action, event.public) for event in objection.events] == [("received", True)]
