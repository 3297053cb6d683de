"""notification_digest_run: one row per Makassar day on which the RT/RW heads' digest ran,
committed with the messages it queued (a second run that day finds it and queues nothing)

Revision ID: e8d9c02a459a
Revises: 98a8092a56e5
Create Date: 2026-12-05 14:15:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e8d9c02a459a'
down_revision = '98a8092a56e5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notification_digest_run',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('heads', sa.Integer(), nullable=False),
    sa.Column('queued', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_notification_digest_run'))
    )


def downgrade():
    op.drop_table('notification_digest_run')
