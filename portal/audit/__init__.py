"""Writing the audit trail: every view, change, decision and print of a record."""

from __future__ import annotations

import atexit
import logging
import re
import threading
import weakref

from flask import Flask, current_app, has_request_context
from flask_login import current_user
from sqlalchemy import insert

from portal.audit.chain import chain_key, insert_sealed, mark_pending
from portal.extensions import db
from portal.models import AuditEvent, User
from portal.models.base import utcnow
from portal.nik import mask_nik

logger = logging.getLogger(__name__)

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


def _values(action, target_type, target_id, person_id, actor, actor_name, details) -> dict:
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    return {
        "occurred_at": utcnow(),
        "actor_id": actor.id if actor else None,
        "actor_name": (actor_name or (actor.username if actor else "system"))[:64],
        "action": action,
        "target_type": target_type,
        "target_id": str(target_id) if target_id is not None else None,
        "person_id": person_id,
        "details": masked(details),
    }


_INSERT = insert(AuditEvent).returning(AuditEvent.id)


def record(
    action: str,
    target_type: str,
    target_id: int | str | None = None,
    *,
    person_id: int | None = None,
    actor: User | None = None,
    actor_name: str | None = None,
    **details,
) -> int:
    """Add an audit event to the session's transaction and return its id.

    The event commits with the change it describes. `actor_name` names a door other than a
    user account ("web", "api:<client>", an operator at the CLI).

    Callers pass details already masked: no NIK, birth date, address or phone in clear;
    free text is masked again here (mask_text) in case it quotes one.
    """
    values = _values(action, target_type, target_id, person_id, actor, actor_name, details)
    event_id = db.session.execute(_INSERT, values).scalar_one()
    mark_pending(db.session())
    return event_id


def record_many(events: list[dict], *, actor: User | None = None, actor_name: str | None = None) -> int:
    """Add many events of one transaction in one statement (a renewal run: one per member).

    Each event is a dict with action, target_type, target_id, person_id and details. They
    are sealed as they are inserted (chain.insert_sealed), so no row is written twice; the
    seal's lock is held until the caller commits, so call this last, just before the
    commit. Returns how many were written.
    """
    if not events:
        return 0
    rows = [
        _values(
            event["action"], event["target_type"], event.get("target_id"), event.get("person_id"),
            actor, actor_name, event.get("details", {}),
        )
        for event in events
    ]
    insert_sealed(db.session.connection(), rows, chain_key())
    return len(rows)


def record_soon(
    action: str,
    target_type: str,
    target_id: int | str | None = None,
    *,
    person_id: int | None = None,
    actor_name: str | None = None,
    **details,
) -> None:
    """Record the event of a high-volume read (Cek Status) outside any transaction.

    It is written within AUDIT_BATCH_SECONDS together with the others of that moment (at
    once when the setting is 0). Only reads come here: a change's event must commit with
    the change, through `record`.
    """
    values = _values(action, target_type, target_id, person_id, None, actor_name, details)
    app = current_app._get_current_object()
    batch = app.extensions.get("audit_batch") or app.extensions.setdefault("audit_batch", _Batch(app))
    batch.add(values)


class _Batch:
    """Events of high-volume reads, held briefly and written with one multi-row INSERT.

    One INSERT per status check (a round trip, a commit waiting for the disk, then a seal
    that rewrites the row) cost about 40 % of the check's throughput. Here a timer thread
    writes what gathered in the last AUDIT_BATCH_SECONDS, sealed as it is inserted
    (portal.audit.chain.insert_sealed), and so does the process when it exits (gunicorn's graceful
    restarts included). A process killed outright loses at most that window of access
    records, never a decision or a change: those are written by `record`.
    """

    # A full batch is written at once, by the request that filled it.
    MAX_EVENTS = 1_000

    def __init__(self, app: Flask):
        self.app = app
        self.events: list[dict] = []
        self.timer: threading.Timer | None = None
        self.lock = threading.Lock()  # guards events and timer
        self.writing = threading.Lock()  # held while a batch is written: exit waits for it
        _BATCHES.add(self)

    def add(self, values: dict) -> None:
        seconds = self.app.config["AUDIT_BATCH_SECONDS"]
        with self.lock:
            self.events.append(values)
            due_now = seconds <= 0 or len(self.events) >= self.MAX_EVENTS
            if not due_now and self.timer is None:
                self.timer = threading.Timer(seconds, self.write)
                self.timer.daemon = True
                self.timer.start()
        if due_now:
            self.write()

    def write(self) -> None:
        with self.writing:
            with self.lock:
                events, self.events = self.events, []
                timer, self.timer = self.timer, None
            if timer is not None and timer is not threading.current_thread():
                timer.cancel()
            if not events:
                return
            try:
                with self.app.app_context(), db.engine.begin() as connection:
                    insert_sealed(connection, events, chain_key())
            except Exception:
                # Nobody waits for this write: say how many records were lost, never whose.
                logger.exception("could not write %d access records", len(events))


_BATCHES: weakref.WeakSet[_Batch] = weakref.WeakSet()


@atexit.register
def _write_pending_batches() -> None:
    for batch in list(_BATCHES):
        batch.write()
