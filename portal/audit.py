"""Writing the audit trail: every view, change, decision and print of a record."""

from __future__ import annotations

import re

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import insert
from sqlalchemy.engine import Connection

from portal.audit_chain import mark_pending
from portal.extensions import db
from portal.models import AuditEvent, User
from portal.nik import mask_nik

# Free text in details (a correction's reason, a revocation note, a file name) may quote
# personal data; these are masked whatever the caller passed.
_NIK_LIKE = re.compile(r"(?<!\d)\d{16}(?!\d)")
_PHONE_LIKE = re.compile(r"(?<![\d+])(?:\+62|62|0)8(?:[ \-]?\d){7,11}(?!\d)")
_TYPED_DATE = re.compile(r"(?<!\d)\d{1,2}[/\-.]\d{1,2}[/\-.](?:\d{4}|\d{2})(?!\d)")


def _mask_phone(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group())
    return digits[:4] + "*" * (len(digits) - 6) + digits[-2:]


def mask_text(text: str) -> str:
    """Mask NIK-like numbers, phone numbers and typed dates (13/02/1985) in free text."""
    text = _NIK_LIKE.sub(lambda m: mask_nik(m.group()), text)
    text = _PHONE_LIKE.sub(_mask_phone, text)
    return _TYPED_DATE.sub("**/**/****", text)


def masked(value):
    """`value` with every string inside it passed through mask_text."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {key: masked(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [masked(item) for item in value]
    return value


# Built once: the status check writes an event per found answer.
_INSERT = insert(AuditEvent).returning(AuditEvent.id)


def record(
    action: str,
    target_type: str,
    target_id: int | str | None = None,
    *,
    person_id: int | None = None,
    actor: User | None = None,
    actor_name: str | None = None,
    connection: Connection | None = None,
    **details,
) -> int:
    """Write an audit event and return its id.

    By default the event joins the session's transaction and commits with the change it
    describes. With `connection`, it is written on that connection instead (the status
    check writes its access record on its own autocommit connection). `actor_name` names a
    door other than a user account ("web", "api", an operator at the CLI).

    Callers pass details already masked: no NIK, birth date, address or phone in clear;
    free text is masked again here (mask_text) in case it quotes one.
    """
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    values = {
        "actor_id": actor.id if actor else None,
        "actor_name": (actor_name or (actor.username if actor else "system"))[:64],
        "action": action,
        "target_type": target_type,
        "target_id": str(target_id) if target_id is not None else None,
        "person_id": person_id,
        "details": masked(details),
    }
    if connection is not None:
        return connection.execute(_INSERT, values).scalar_one()
    event_id = db.session.execute(_INSERT, values).scalar_one()
    mark_pending(db.session())
    return event_id
