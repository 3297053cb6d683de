"""bill differences: a resolution carried over from the month's previous bill version

Revision ID: e1b7c5a9d3f2
Revises: d5e2a7c41b90
Create Date: 2026-12-03 15:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e1b7c5a9d3f2'
down_revision = 'd5e2a7c41b90'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bill_difference', schema=None) as batch_op:
        batch_op.add_column(sa.Column('carried', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('bill_difference', schema=None) as batch_op:
        batch_op.drop_column('carried')
