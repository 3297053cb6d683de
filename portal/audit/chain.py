"""Tamper evidence for the audit trail: a keyed hash chain over events in commit order.

Events are written inside the transaction they describe, unsealed. Right after a commit
that wrote events, `seal_pending` (in its own short transaction, serialised by a lock)
gives every unsealed event the next sequence number and an HMAC over its content and the
previous seal. `verify_chain` recomputes the chain: a changed, deleted or inserted event
breaks it. The key is the application's AUDIT_CHAIN_KEY, so someone with write access to
the database alone cannot forge a consistent chain.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import bindparam, event, insert, select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.models import AuditEvent

GENESIS = "0" * 64
ADVISORY_LOCK_ID = 737_100_001
PENDING_FLAG = "audit_events_to_seal"
# Events sealed per statement: bounds the memory a backlog (after a restore, say) takes.
SEAL_CHUNK = 5_000


def _timestamp(value: datetime) -> str:
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")


def canonical(row) -> bytes:
    """The bytes an event's seal covers: every column but the seal itself."""
    content = {
        "id": row.id,
        "occurred_at": _timestamp(row.occurred_at),
        "actor_id": row.actor_id,
        "actor_name": row.actor_name,
        "action": row.action,
        "target_type": row.target_type,
        "target_id": row.target_id,
        "person_id": row.person_id,
        "details": row.details,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def seal(key: bytes, previous: str, seq: int, row) -> str:
    message = previous.encode() + b"|" + str(seq).encode() + b"|" + canonical(row)
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def chain_key() -> bytes:
    return (current_app.config["AUDIT_CHAIN_KEY"] or current_app.config["SECRET_KEY"]).encode()


COLUMNS = (
    AuditEvent.id,
    AuditEvent.occurred_at,
    AuditEvent.actor_id,
    AuditEvent.actor_name,
    AuditEvent.action,
    AuditEvent.target_type,
    AuditEvent.target_id,
    AuditEvent.person_id,
    AuditEvent.details,
    AuditEvent.chain_seq,
    AuditEvent.chain_hash,
)


def _lock(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": ADVISORY_LOCK_ID})
    else:
        # SQLite: a write first takes the database's single write lock for this transaction.
        connection.execute(text("UPDATE audit_event SET chain_seq = chain_seq WHERE 0"))


def _chain_head(connection: Connection) -> tuple[int, str]:
    """The last sequence number and seal; call it holding the lock."""
    last = connection.execute(
        select(AuditEvent.chain_seq, AuditEvent.chain_hash)
        .where(AuditEvent.chain_seq.is_not(None))
        .order_by(AuditEvent.chain_seq.desc())
        .limit(1)
    ).first()
    return (last.chain_seq, last.chain_hash) if last else (0, GENESIS)


def _new_ids(connection: Connection, count: int) -> list[int]:
    """Ids for events about to be inserted; call it holding the lock."""
    if connection.dialect.name == "postgresql":
        return sorted(connection.scalars(
            text("SELECT nextval(pg_get_serial_sequence('audit_event', 'id')) FROM generate_series(1, :n)"),
            {"n": count},
        ))
    # SQLite hands out max(id) + 1, and the lock is its single write lock.
    last = connection.scalar(select(db.func.max(AuditEvent.id))) or 0
    return list(range(last + 1, last + count + 1))


def insert_sealed(connection: Connection, events: list[dict], key: bytes) -> None:
    """Insert events already sealed, in the chain's order (one statement, no later UPDATE).

    For batches of events written outside any other transaction (status checks' access
    records): they are sealed as they are inserted, under the same lock as seal_pending.
    """
    _lock(connection)
    seq, previous = _chain_head(connection)
    rows = []
    for event_id, values in zip(_new_ids(connection, len(events)), events):
        # The seal covers the details as the database will hand them back to verify_chain.
        row = {**values, "id": event_id, "details": json.loads(json.dumps(values["details"]))}
        seq += 1
        previous = seal(key, previous, seq, SimpleNamespace(**row))
        rows.append({**row, "chain_seq": seq, "chain_hash": previous})
    connection.execute(insert(AuditEvent), rows)


def seal_pending(connection: Connection, key: bytes) -> int:
    """Seal every unsealed event, oldest first; returns how many were sealed."""
    _lock(connection)
    seq, previous = _chain_head(connection)
    waiting = (
        select(*COLUMNS).where(AuditEvent.chain_seq.is_(None)).order_by(AuditEvent.id).limit(SEAL_CHUNK)
    )
    sealed = 0
    while rows := connection.execute(waiting).all():
        updates = []
        for row in rows:
            seq += 1
            previous = seal(key, previous, seq, row)
            updates.append({"event_id": row.id, "seq": seq, "hash": previous})
        connection.execute(
            update(AuditEvent)
            .where(AuditEvent.id == bindparam("event_id"))
            .values(chain_seq=bindparam("seq"), chain_hash=bindparam("hash")),
            updates,
        )
        sealed += len(updates)
        if len(rows) < SEAL_CHUNK:
            break
    return sealed


@dataclass
class ChainReport:
    checked: int
    unsealed: int
    problems: list[str]
    head: str

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_chain(batch: int = 10_000) -> ChainReport:
    """Recompute the chain over every sealed event; report every break."""
    key = chain_key()
    previous, expected_seq, checked, problems = GENESIS, 1, 0, []
    statement = (
        select(*COLUMNS).where(AuditEvent.chain_seq.is_not(None)).order_by(AuditEvent.chain_seq)
        .execution_options(yield_per=batch)
    )
    for row in db.session.execute(statement):
        if row.chain_seq != expected_seq:
            problems.append(f"sequence {expected_seq} is missing (next is {row.chain_seq}): an event was deleted")
            expected_seq = row.chain_seq
        if seal(key, previous, row.chain_seq, row) != row.chain_hash:
            problems.append(f"event id {row.id} (sequence {row.chain_seq}) does not match its seal: it was changed")
        previous, expected_seq, checked = row.chain_hash, expected_seq + 1, checked + 1
    unsealed = db.session.scalar(
        select(db.func.count()).select_from(AuditEvent).where(AuditEvent.chain_seq.is_(None))
    )
    return ChainReport(checked=checked, unsealed=unsealed, problems=problems, head=previous)


def mark_pending(session: Session) -> None:
    session.info[PENDING_FLAG] = True


# When this process last sealed, per database: sealing takes a lock that serialises every
# writer, so under load it runs at most once per AUDIT_SEAL_SECONDS per process and seals
# everything pending at once. `flask audit seal` (a timer) and `audit verify` seal the rest.
_last_sealed: dict[str, float] = {}


def seal_if_due(engine: Engine) -> None:
    """Seal what is pending unless this process sealed less than AUDIT_SEAL_SECONDS ago."""
    key = str(engine.url)
    now = time.monotonic()
    if now - _last_sealed.get(key, float("-inf")) < current_app.config["AUDIT_SEAL_SECONDS"]:
        return
    _last_sealed[key] = now
    with engine.begin() as connection:
        seal_pending(connection, chain_key())


def _seal_after_commit(session: Session) -> None:
    if session.info.pop(PENDING_FLAG, False):
        seal_if_due(session.get_bind())


def _forget_on_rollback(session: Session) -> None:
    session.info.pop(PENDING_FLAG, None)


event.listen(Session, "after_commit", _seal_after_commit)
event.listen(Session, "after_soft_rollback", lambda session, _tx: _forget_on_rollback(session))
