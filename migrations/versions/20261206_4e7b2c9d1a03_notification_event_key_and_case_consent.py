"""notification_message.event_key (unique: a one-time event such as "card ready" is queued
once however often its cause repeats), benefit_case.phone_consent (the reporter agreed that
the contact and the heir are told when the case moves) and user_account.message_locale (the
language of an account's messages)

Revision ID: 4e7b2c9d1a03
Revises: e8d9c02a459a
Create Date: 2026-12-06 02:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '4e7b2c9d1a03'
down_revision = 'e8d9c02a459a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notification_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event_key', sa.String(length=80), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_notification_message_event_key'), ['event_key'])
    with op.batch_alter_table('benefit_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_consent', sa.Boolean(), server_default='0', nullable=False))
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_locale', sa.String(length=5), server_default='id', nullable=False))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('message_locale')
    with op.batch_alter_table('benefit_case', schema=None) as batch_op:
        batch_op.drop_column('phone_consent')
    with op.batch_alter_table('notification_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_notification_message_event_key'), type_='unique')
        batch_op.drop_column('event_key')
