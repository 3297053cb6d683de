"""notification outbox: notification_message (every message, written with the change that
causes it, and its delivery state), notification_opt_out (numbers that asked for no more
messages, as digests), and phone_consent on list_entry, person and user_account

Revision ID: 98a8092a56e5
Revises: ccc30ca512a5
Create Date: 2026-12-03 18:18:50.950288

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '98a8092a56e5'
down_revision = 'ccc30ca512a5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notification_opt_out',
    sa.Column('recipient_digest', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('recipient_digest', name=op.f('pk_notification_opt_out'))
    )
    op.create_table('notification_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('whatsapp', 'sms', 'webhook', 'dev', name='channel', native_enum=False, length=20), nullable=False),
    sa.Column('recipient', sa.String(length=120), nullable=False),
    sa.Column('recipient_digest', sa.String(length=64), nullable=False),
    sa.Column('template', sa.String(length=60), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('state', sa.Enum('queued', 'sending', 'sent', 'delivered', 'failed', 'dead', name='messagestate', native_enum=False, length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('provider_code', sa.String(length=60), nullable=True),
    sa.Column('provider_message_id', sa.String(length=200), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_notification_message_person_id_person')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_message_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_message'))
    )
    with op.batch_alter_table('notification_message', schema=None) as batch_op:
        batch_op.create_index('ix_notification_message_created', ['created_at'], unique=False)
        batch_op.create_index('ix_notification_message_due', ['state', 'next_attempt_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_message_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_notification_message_recipient_sent', ['recipient_digest', 'sent_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_message_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('list_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_consent', sa.Boolean(), server_default='0', nullable=False))

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_consent', sa.Boolean(), server_default='0', nullable=False))

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_consent', sa.Boolean(), server_default='0', nullable=False))



def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('phone_consent')

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('phone_consent')

    with op.batch_alter_table('list_entry', schema=None) as batch_op:
        batch_op.drop_column('phone_consent')

    with op.batch_alter_table('notification_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_message_user_id'))
        batch_op.drop_index('ix_notification_message_recipient_sent')
        batch_op.drop_index(batch_op.f('ix_notification_message_person_id'))
        batch_op.drop_index('ix_notification_message_due')
        batch_op.drop_index('ix_notification_message_created')

    op.drop_table('notification_message')
    op.drop_table('notification_opt_out')
