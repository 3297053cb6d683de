"""Writing the audit trail: every view, change, decision and print of a record."""

from __future__ import annotations

from flask import has_request_context
from flask_login import current_user

from portal.audit_chain import mark_pending
from portal.extensions import db
from portal.models import AuditEvent, User


def record(
    action: str,
    target_type: str,
    target_id: int | str | None = None,
    *,
    person_id: int | None = None,
    actor: User | None = None,
    **details,
) -> AuditEvent:
    """Add an audit event to the session; it commits with the change it describes.

    Callers pass details already masked: no NIK, birth date, address or phone in clear.
    """
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    event = AuditEvent(
        actor_id=actor.id if actor else None,
        actor_name=actor.username if actor else "system",
        action=action,
        target_type=target_type,
        target_id=str(target_id) if target_id is not None else None,
        person_id=person_id,
        details=details,
    )
    db.session.add(event)
    mark_pending(db.session())
    return event
