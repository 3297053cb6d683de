"""card hand-over and the indicative incentive rate: card_handover, programme_year.incentive_per_approved

RT/RW heads and agents record when each printed card reached its member (or a family
member); programme_year gains the rupiah per approved member shown on the "Kinerja"
export (an indicative figure; the portal pays nothing).

Revision ID: 7c3e1a9d42f0
Revises: 3c8e41f0a9d2
Create Date: 2026-12-02 21:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '7c3e1a9d42f0'
down_revision = '3c8e41f0a9d2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('card_handover',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('handed_over_on', sa.Date(), nullable=False),
    sa.Column('receiver', sa.Enum('member', 'family', name='receiver', native_enum=False, length=20), nullable=False),
    sa.Column('receiver_name', sa.String(length=120), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('corrections', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificate.id'], name=op.f('fk_card_handover_certificate_id_certificate')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_card_handover_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_card_handover')),
    sa.UniqueConstraint('certificate_id', name=op.f('uq_card_handover_certificate_id'))
    )
    with op.batch_alter_table('card_handover', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_card_handover_handed_over_on'), ['handed_over_on'], unique=False)
    with op.batch_alter_table('programme_year', schema=None) as batch_op:
        batch_op.add_column(sa.Column('incentive_per_approved', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('programme_year', schema=None) as batch_op:
        batch_op.drop_column('incentive_per_approved')
    with op.batch_alter_table('card_handover', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_card_handover_handed_over_on'))
    op.drop_table('card_handover')
