"""duplicates across NIKs: duplicate_pair (a reviewer's verdict on two NIKs), person_nik_alias
(the other NIKs a registry person is known by), and the finder's block by KK number on
list_entry (its other blocks use existing indexes: the NIK's, and canonical name + birth date)

Revision ID: e5b7c9d1f3a6
Revises: e1b7c5a9d3f2
Create Date: 2026-12-03 15:10:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e5b7c9d1f3a6'
down_revision = 'e1b7c5a9d3f2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('duplicate_pair',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nik_low', sa.String(length=16), nullable=False),
    sa.Column('nik_high', sa.String(length=16), nullable=False),
    sa.Column('verdict', sa.Enum('same', 'different', name='duplicateverdict', native_enum=False, length=20), nullable=False),
    sa.Column('reasons', sa.String(length=200), nullable=False),
    sa.Column('reason_text', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_duplicate_pair_decided_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duplicate_pair')),
    sa.UniqueConstraint('nik_low', 'nik_high', name=op.f('uq_duplicate_pair_nik_low'))
    )
    op.create_index(op.f('ix_duplicate_pair_nik_high'), 'duplicate_pair', ['nik_high'], unique=False)
    op.create_table('person_nik_alias',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nik', sa.String(length=16), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('pair_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['pair_id'], ['duplicate_pair.id'], name=op.f('fk_person_nik_alias_pair_id_duplicate_pair')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_nik_alias_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_nik_alias')),
    sa.UniqueConstraint('nik', name=op.f('uq_person_nik_alias_nik'))
    )
    op.create_index(op.f('ix_person_nik_alias_person_id'), 'person_nik_alias', ['person_id'], unique=False)
    op.create_index('ix_list_entry_kk_number', 'list_entry', ['kk_number'])


def downgrade():
    op.drop_index('ix_list_entry_kk_number', table_name='list_entry')
    op.drop_index(op.f('ix_person_nik_alias_person_id'), table_name='person_nik_alias')
    op.drop_table('person_nik_alias')
    op.drop_index(op.f('ix_duplicate_pair_nik_high'), table_name='duplicate_pair')
    op.drop_table('duplicate_pair')
