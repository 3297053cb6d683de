"""list_entry.deleted_at (undoable deletes) and list_entry.raw_values (the file's bad cells)

A head's delete of a draft or returned row sets deleted_at and can be undone until the
list is submitted; raw_values keeps the cell text of fields that did not parse.

Revision ID: 5d1f7a2b9e64
Revises: d4e9b2c7a615
Create Date: 2026-12-03 07:30:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '5d1f7a2b9e64'
down_revision = 'd4e9b2c7a615'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('list_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('raw_values', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('list_entry', schema=None) as batch_op:
        batch_op.drop_column('raw_values')
        batch_op.drop_column('deleted_at')
