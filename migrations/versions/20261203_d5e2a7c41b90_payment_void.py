"""payments: an admin's void (when, by whom, why)

A payment recorded by mistake is voided, not deleted: it stays for the record and counts
for nothing (portal.contributions.payments).

Revision ID: d5e2a7c41b90
Revises: e5521fe1a81d
Create Date: 2026-12-03 15:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd5e2a7c41b90'
down_revision = 'e5521fe1a81d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('voided_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('void_reason', sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_payment_voided_by_id_user_account'), 'user_account', ['voided_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_payment_voided_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('void_reason')
        batch_op.drop_column('voided_by_id')
        batch_op.drop_column('voided_at')
