"""The reviewer's duplicate look-up (canonical name + birth date indexes), households
(person.kk_number, list_entry.kk_number) and batches taken for review (list_entry.held_by_id,
list_entry.held_at)

Revision ID: 7a3c9e1d4b58
Revises: b8c4f1e2d7a9
Create Date: 2026-12-03 10:40:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '7a3c9e1d4b58'
down_revision = 'b8c4f1e2d7a9'
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
        batch_op.add_column(sa.Column('held_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('held_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_list_entry_held_by_id'), ['held_by_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_list_entry_held_by_id_user_account'), 'user_account', ['held_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('list_entry', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_list_entry_held_by_id_user_account'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_list_entry_held_by_id'))
        batch_op.drop_column('held_at')
        batch_op.drop_column('held_by_id')
        batch_op.drop_column('kk_number')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index('ix_person_kk_number')
        batch_op.drop_column('kk_number')
    op.drop_index('ix_list_entry_name_birth', table_name='list_entry')
    op.drop_index('ix_person_name_birth', table_name='person')
