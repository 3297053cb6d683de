"""The reviewer's duplicate look-up (canonical name + birth date indexes) and households
(person.kk_number, list_entry.kk_number)

Revision ID: 7a3c9e1d4b58
Revises: 5d1f7a2b9e64
Create Date: 2026-12-03 10:40:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '7a3c9e1d4b58'
down_revision = '5d1f7a2b9e64'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_person_name_birth', 'person', ['name_canonical', 'birth_date'])
    op.create_index('ix_list_entry_name_birth', 'list_entry', ['name_canonical', 'birth_date'])
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kk_number', sa.String(length=16), nullable=True))
        batch_op.create_index('ix_person_kk_number', ['kk_number'])
    with op.batch_alter_table('list_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kk_number', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('list_entry', schema=None) as batch_op:
        batch_op.drop_column('kk_number')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index('ix_person_kk_number')
        batch_op.drop_column('kk_number')
    op.drop_index('ix_list_entry_name_birth', table_name='list_entry')
    op.drop_index('ix_person_name_birth', table_name='person')
