"""Public settings an admin edits: the help desk's contacts and benefit amounts (table site_setting).

Starting values are added by `flask seed reference` (portal.help.services.seed_settings).

Revision ID: be291e1311d4
Revises: eaefc4d85fe3
Create Date: 2026-12-02 11:18:37.819776

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'be291e1311d4'
down_revision = 'eaefc4d85fe3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('site_setting',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.String(length=500), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_site_setting_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_site_setting'))
    )


def downgrade():
    op.drop_table('site_setting')
