"""Helpers for staff tests: pending entries and form posts with the page's CSRF token."""

from __future__ import annotations

from datetime import timedelta

from portal.extensions import db
from portal.models import EntryState, Role, User
from portal.models.base import utcnow
from tests.conftest import csrf_token
from tests.factories import make_entry, make_list, make_user


def pending_entries(count: int = 1, *, head_name: str = "rtrw1", **fields):
    """`count` pending entries on one list of an RT/RW head; returns their ids, oldest first."""
    head = db.session.scalar(db.select(User).filter_by(username=head_name)) or make_user(head_name, Role.RT_RW)
    member_list = make_list(head)
    ids = []
    start = utcnow() - timedelta(hours=count)
    for n in range(count):
        entry = make_entry(member_list, state=EntryState.PENDING, submitted_at=start + timedelta(minutes=n), **fields)
        ids.append(entry.id)
    return ids


def post(client, url: str, data: dict | None = None, *, page: str = "/verifikasi/", **kwargs):
    """POST a form to `url` with the CSRF token a staff page hands out."""
    return client.post(url, data={"csrf_token": csrf_token(client, page), **(data or {})}, **kwargs)
