"""Institutional lists through the browser: institutional_import (a staff upload, its preview
and background run), unplaced_entry (valid rows without an address, waiting for an area),
member_list.institutional_import_id

Revision ID: e5521fe1a81d
Revises: 983469b36083
Create Date: 2026-12-03 14:46:57

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5521fe1a81d'
down_revision = '983469b36083'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('institutional_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('source', sa.String(length=120), nullable=False),
    sa.Column('category_code', sa.String(length=40), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('preview_queued', 'previewing', 'ready', 'queued', 'importing', 'done', 'failed', 'cancelled', name='importstatus', native_enum=False, length=20), nullable=False),
    sa.Column('file_key', sa.String(length=120), nullable=True),
    sa.Column('rejected_key', sa.String(length=120), nullable=True),
    sa.Column('rows_read', sa.Integer(), nullable=False),
    sa.Column('accepted', sa.Integer(), nullable=False),
    sa.Column('needs_area', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('added', sa.Integer(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=True),
    sa.Column('error', sa.String(length=200), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['category_code'], ['category.code'], name=op.f('fk_institutional_import_category_code_category')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_institutional_import_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_institutional_import'))
    )
    with op.batch_alter_table('institutional_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_institutional_import_created_by_id'), ['created_by_id'], unique=False)

    op.create_table('unplaced_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=True),
    sa.Column('nik', sa.String(length=40), nullable=False),
    sa.Column('full_name', sa.String(length=120), nullable=False),
    sa.Column('name_canonical', sa.String(length=160), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('sex', sa.Enum('L', 'P', name='sex', native_enum=False), nullable=True),
    sa.Column('street', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('kk_number', sa.String(length=16), nullable=True),
    sa.Column('category_code', sa.String(length=40), nullable=True),
    sa.Column('occupation', sa.String(length=120), nullable=False),
    sa.Column('monthly_income', sa.Integer(), nullable=True),
    sa.Column('issues', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['category_code'], ['category.code'], name=op.f('fk_unplaced_entry_category_code_category')),
    sa.ForeignKeyConstraint(['import_id'], ['institutional_import.id'], name=op.f('fk_unplaced_entry_import_id_institutional_import')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unplaced_entry'))
    )
    with op.batch_alter_table('unplaced_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unplaced_entry_import_id'), ['import_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unplaced_entry_nik'), ['nik'], unique=False)

    with op.batch_alter_table('member_list', schema=None) as batch_op:
        batch_op.add_column(sa.Column('institutional_import_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_member_list_institutional_import_id'), ['institutional_import_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_member_list_institutional_import_id_institutional_import'), 'institutional_import', ['institutional_import_id'], ['id'])



def downgrade():
    with op.batch_alter_table('member_list', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_member_list_institutional_import_id_institutional_import'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_member_list_institutional_import_id'))
        batch_op.drop_column('institutional_import_id')

    with op.batch_alter_table('unplaced_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unplaced_entry_nik'))
        batch_op.drop_index(batch_op.f('ix_unplaced_entry_import_id'))

    op.drop_table('unplaced_entry')
    with op.batch_alter_table('institutional_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_institutional_import_created_by_id'))

    op.drop_table('institutional_import')
