"""DTSEN refresh review: desil_history, dtsen_flag

Every desil an extract gave a NIK (the member page shows the history; the history starts
with the desil records held today), and the members a new extract put out of the target
("keluar dari sasaran") waiting for a staff decision.

Revision ID: a4d9e2c7b1f3
Revises: 7c3e1a9d42f0
Create Date: 2026-12-03 07:30:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a4d9e2c7b1f3'
down_revision = '7c3e1a9d42f0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('desil_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nik', sa.String(length=16), nullable=False),
    sa.Column('desil', sa.SmallInteger(), nullable=False),
    sa.Column('source_date', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desil_history'))
    )
    with op.batch_alter_table('desil_history', schema=None) as batch_op:
        batch_op.create_index('ix_desil_history_nik_date', ['nik', 'source_date'], unique=False)
    op.execute(
        "INSERT INTO desil_history (nik, desil, source_date, source, imported_at) "
        "SELECT nik, desil, source_date, '', imported_at FROM desil_record"
    )
    op.create_table('dtsen_flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Enum('above_cutoff', 'not_in_dtsen', name='dtsenflagreason', native_enum=False, length=20), nullable=False),
    sa.Column('desil', sa.SmallInteger(), nullable=True),
    sa.Column('source_date', sa.Date(), nullable=True),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('status', sa.Enum('open', 'kept', 'ended', 'cleared', name='dtsenflagstatus', native_enum=False, length=20), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_dtsen_flag_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['membership_id'], ['membership.id'], name=op.f('fk_dtsen_flag_membership_id_membership')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_dtsen_flag_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dtsen_flag'))
    )
    with op.batch_alter_table('dtsen_flag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dtsen_flag_membership_id'), ['membership_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dtsen_flag_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dtsen_flag_status'), ['status'], unique=False)
        batch_op.create_index('uq_dtsen_flag_open_membership', ['membership_id'], unique=True,
                              sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))


def downgrade():
    with op.batch_alter_table('dtsen_flag', schema=None) as batch_op:
        batch_op.drop_index('uq_dtsen_flag_open_membership', sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
        batch_op.drop_index(batch_op.f('ix_dtsen_flag_status'))
        batch_op.drop_index(batch_op.f('ix_dtsen_flag_person_id'))
        batch_op.drop_index(batch_op.f('ix_dtsen_flag_membership_id'))
    op.drop_table('dtsen_flag')
    with op.batch_alter_table('desil_history', schema=None) as batch_op:
        batch_op.drop_index('ix_desil_history_nik_date')
    op.drop_table('desil_history')
