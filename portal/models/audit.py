"""The audit trail: who did what to which record, and when (UU PDP access history)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import utcnow


class AuditEvent(db.Model):
    __table_args__ = (
        Index("ix_audit_event_target", "target_type", "target_id"),
        # Events waiting for their seal (portal.audit.chain.seal_pending looks them up).
        Index(
            "ix_audit_event_unsealed", "id",
            postgresql_where=text("chain_seq IS NULL"), sqlite_where=text("chain_seq IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    # Kept as text too, so the trail still reads after an account is renamed.
    actor_name: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(60), index=True)
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(40))
    # The person the event concerns, so their access history is one indexed query.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    # Before/after summary with personal data masked.
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    # Tamper evidence (portal.audit.chain): events are sealed right after their transaction
    # commits, in commit order; each seal is an HMAC over the event and the previous seal.
    chain_seq: Mapped[int | None] = mapped_column(Integer, unique=True)
    chain_hash: Mapped[str | None] = mapped_column(String(64))
