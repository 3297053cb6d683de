"""partner facilities and hospital accounts: partner_facility, user_account.facility_id, api_key.facility_id

Admins keep the partner hospitals, puskesmas and clinics (PLKK) shown on /bantuan; a
`hospital` account (and a facility-scoped API key) is bound to one of them and may only
look up a patient's cover.
The role column is a VARCHAR without a CHECK constraint, so the new role needs no change.

Revision ID: a7d2e5c81f36
Revises: a4d9e2c7b1f3
Create Date: 2026-12-03 07:35:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a7d2e5c81f36'
down_revision = 'a4d9e2c7b1f3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('partner_facility',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.Enum('rumah_sakit', 'puskesmas', 'klinik', name='facilitykind', native_enum=False, length=20), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_facility')),
    sa.UniqueConstraint('name', name=op.f('uq_partner_facility_name'))
    )
    with op.batch_alter_table('partner_facility', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_facility_active'), ['active'], unique=False)
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('facility_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_user_account_facility_id'), ['facility_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_user_account_facility_id_partner_facility'), 'partner_facility', ['facility_id'], ['id'])
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.add_column(sa.Column('facility_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_api_key_facility_id'), ['facility_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_api_key_facility_id_partner_facility'), 'partner_facility', ['facility_id'], ['id'])


def downgrade():
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_api_key_facility_id_partner_facility'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_api_key_facility_id'))
        batch_op.drop_column('facility_id')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_user_account_facility_id_partner_facility'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_user_account_facility_id'))
        batch_op.drop_column('facility_id')
    with op.batch_alter_table('partner_facility', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_facility_active'))
    op.drop_table('partner_facility')
