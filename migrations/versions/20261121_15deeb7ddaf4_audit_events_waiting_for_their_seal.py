"""audit events waiting for their seal: a partial index

Sealing looks for events whose chain_seq is still NULL. Through the unique index on
chain_seq that meant visiting an entry for every event ever sealed by an UPDATE until
VACUUM ran; this index holds only the waiting ones, and the index scans that sealing
does mark the entries of sealed (dead) versions as dead. Built CONCURRENTLY on
PostgreSQL, so the audit trail stays writable while it is built.

Revision ID: 15deeb7ddaf4
Revises: c4ad85266ef7
Create Date: 2026-11-21 19:47:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "15deeb7ddaf4"
down_revision = "c4ad85266ef7"
branch_labels = None
depends_on = None

WAITING = sa.text("chain_seq IS NULL")


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        with op.get_context().autocommit_block():
            op.create_index(
                "ix_audit_event_unsealed", "audit_event", ["id"],
                postgresql_where=WAITING, postgresql_concurrently=True, if_not_exists=True,
            )
    else:
        op.create_index("ix_audit_event_unsealed", "audit_event", ["id"], sqlite_where=WAITING)


def downgrade():
    op.drop_index("ix_audit_event_unsealed", table_name="audit_event")
