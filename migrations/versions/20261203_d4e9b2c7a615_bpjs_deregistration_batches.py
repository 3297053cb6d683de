"""BPJS de-registration batches: bpjs_dereg_batch, bpjs_dereg_item

Memberships that ended (deceased, moved, employer cover, ended by staff, not renewed at
year end) are reported to BPJS in numbered de-registration files, each membership once.

Revision ID: d4e9b2c7a615
Revises: a7d2e5c81f36
Create Date: 2026-12-03 07:40:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd4e9b2c7a615'
down_revision = 'a7d2e5c81f36'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bpjs_dereg_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('member_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_bpjs_dereg_batch_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bpjs_dereg_batch')),
    sa.UniqueConstraint('number', name=op.f('uq_bpjs_dereg_batch_number'))
    )
    op.create_table('bpjs_dereg_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=False),
    sa.Column('reason_code', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['bpjs_dereg_batch.id'], name=op.f('fk_bpjs_dereg_item_batch_id_bpjs_dereg_batch')),
    sa.ForeignKeyConstraint(['membership_id'], ['membership.id'], name=op.f('fk_bpjs_dereg_item_membership_id_membership')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bpjs_dereg_item')),
    sa.UniqueConstraint('membership_id', name=op.f('uq_bpjs_dereg_item_membership_id'))
    )
    with op.batch_alter_table('bpjs_dereg_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bpjs_dereg_item_batch_id'), ['batch_id'], unique=False)


def downgrade():
    with op.batch_alter_table('bpjs_dereg_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bpjs_dereg_item_batch_id'))
    op.drop_table('bpjs_dereg_item')
    op.drop_table('bpjs_dereg_batch')
