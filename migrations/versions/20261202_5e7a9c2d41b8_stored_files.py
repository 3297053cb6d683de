"""stored files: batch PDFs and held uploads in the database, readable from every machine

The database storage backend (portal/storage, STORAGE_BACKEND=database) keeps each file
as one stored_file row and its content in stored_file_chunk rows of at most 1 MB.

Revision ID: 5e7a9c2d41b8
Revises: 15deeb7ddaf4
Create Date: 2026-12-02 04:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5e7a9c2d41b8"
down_revision = "15deeb7ddaf4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stored_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_file")),
        sa.UniqueConstraint("key", name=op.f("uq_stored_file_key")),
    )
    op.create_index(op.f("ix_stored_file_created_at"), "stored_file", ["created_at"])
    op.create_table(
        "stored_file_chunk",
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["stored_file.id"],
            name=op.f("fk_stored_file_chunk_file_id_stored_file"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("file_id", "seq", name=op.f("pk_stored_file_chunk")),
    )


def downgrade():
    op.drop_table("stored_file_chunk")
    op.drop_index(op.f("ix_stored_file_created_at"), table_name="stored_file")
    op.drop_table("stored_file")
