"""Helpers of the request desk's staff tests: requests received at a fixed moment, and posting
the desk's forms as a signed-in user does."""

from __future__ import annotations

from datetime import datetime, timezone

from portal.extensions import db
from portal.models import PublicRequest, RequestKind
from portal.public_requests import services
from tests.conftest import csrf_token
from tests.factories import LETTE

RECEIVED = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)  # 10:00 WITA


def receive(kind: RequestKind = RequestKind.CARD_MISSING, *, now: datetime = RECEIVED, subject=None, **fields) -> PublicRequest:
    """A request received through the foundation's service (inside an app context), committed."""
    values = {"description": "Kartu peserta belum saya terima sejak Oktober.", "kelurahan_code": LETTE, "rw": 2,
              "rt": 1, "requester_phone": "081234567890", **fields}
    if subject is not None:
        values.setdefault("subject_nik", subject.nik)
        values.setdefault("subject_name", subject.full_name)
    request, _code = services.receive_request(services.Submission(kind=kind, **values), subject=subject, now=now)
    db.session.commit()
    return request


def post(client, url: str, data: dict | None = None, *, page: str = "/meja-permintaan/"):
    """POST a desk form with the session's CSRF token, as the page's form would."""
    return client.post(url, data={"csrf_token": csrf_token(client, page), **(data or {})})


def reload(request_id: int) -> PublicRequest:
    db.session.expire_all()
    return db.session.get(PublicRequest, request_id)
