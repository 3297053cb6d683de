"""Receiving a request and writing its timeline: the foundation the public form, the API and
the staff queue share. Services flush; the view or command that called them commits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from portal import audit
from portal.extensions import db
from portal.models import (
    ApiKey,
    PersonalDataAction,
    Person,
    PublicRequest,
    RequestEvent,
    RequestKind,
    RequestState,
    User,
)
from portal.models.base import utcnow
from portal.public_requests import codes, kinds


@dataclass
class Submission:
    """What a requester gave, already validated by the form (or the API's schema)."""

    kind: RequestKind
    description: str
    kelurahan_code: str | None = None
    rw: int | None = None
    rt: int | None = None
    subject_nik: str | None = None
    subject_name: str | None = None
    requester_name: str | None = None
    requester_phone: str | None = None
    data_action: PersonalDataAction | None = None
    proposed_changes: dict | None = field(default=None)
    locale: str = "id"


def receive_request(submission: Submission, *, subject: Person | None = None, channel: str = "web",
                    api_key: ApiKey | None = None, now: datetime | None = None) -> tuple[PublicRequest, str]:
    """Store a new request with its deadlines and first timeline line; returns it and its
    tracking code (shown once, never stored). `subject` is the registry person whose NIK
    and name matched, if any: decided by the caller, never revealed to the requester."""
    now = now or utcnow()
    acknowledge_due, answer_due = kinds.deadlines(submission.kind, now)
    code = codes.new_code()
    request = PublicRequest(
        code_digest=codes.digest(codes.normalise(code)),
        kind=submission.kind,
        data_action=submission.data_action if submission.kind == RequestKind.PERSONAL_DATA else None,
        state=RequestState.NEW,
        subject_nik=submission.subject_nik or None,
        subject_name=submission.subject_name or None,
        subject_person_id=subject.id if subject else None,
        requester_is_subject=kinds.KINDS[submission.kind].about_requester,
        requester_name=submission.requester_name or None,
        requester_phone=submission.requester_phone or None,
        locale=submission.locale,
        kelurahan_code=submission.kelurahan_code or None,
        rw=submission.rw,
        rt=submission.rt,
        description=submission.description,
        proposed_changes=submission.proposed_changes or None,
        channel=channel,
        api_key_id=api_key.id if api_key else None,
        received_at=now,
        acknowledge_due_at=acknowledge_due,
        due_at=answer_due,
    )
    db.session.add(request)
    db.session.flush()
    add_event(request, None, "received", state=RequestState.NEW, public=True, at=now,
              actor_name="api" if channel == "api" else "web")
    audit.record("request.receive", "public_request", request.id,
                 person_id=subject.id if subject else None,
                 actor_name=f"api:{api_key.name}" if api_key else "web",
                 kind=request.kind.value, channel=channel)
    return request, code


def add_event(request: PublicRequest, actor: User | None, action: str, *, state: RequestState | None = None,
              note: str | None = None, public: bool = False, at: datetime | None = None,
              actor_name: str | None = None) -> RequestEvent:
    """One line of the request's timeline (`public` ones are shown on the tracking page)."""
    event = RequestEvent(
        request_id=request.id, occurred_at=at or utcnow(), actor_id=actor.id if actor else None,
        actor_name=(actor.username if actor else actor_name or "system")[:64], action=action,
        state=state, note=note or None, public=public,
    )
    db.session.add(event)
    request.events.append(event)
    return event


def find_by_code(typed_code: str) -> PublicRequest | None:
    """The request whose tracking code this is (typed forgivingly), or None."""
    code = codes.normalise(typed_code)
    if code is None:
        return None
    return db.session.scalar(db.select(PublicRequest).filter_by(code_digest=codes.digest(code)))
