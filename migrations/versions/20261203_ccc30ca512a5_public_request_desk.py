"""public request desk: public_request (complaints, objections, corrections and data-subject
requests, each with the digest of its tracking code, its area and deadlines) and
public_request_event (its timeline; public lines are shown to the requester)

Revision ID: ccc30ca512a5
Revises: e5b7c9d1f3a6
Create Date: 2026-12-03 18:12:23.879950

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'ccc30ca512a5'
down_revision = 'e5b7c9d1f3a6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('public_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_digest', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.Enum('should_be_covered', 'rejected', 'data_wrong', 'card_missing', 'died_or_moved', 'objection', 'personal_data', 'other', name='requestkind', native_enum=False, length=20), nullable=False),
    sa.Column('data_action', sa.Enum('see', 'correct', 'delete', name='personaldataaction', native_enum=False, length=20), nullable=True),
    sa.Column('state', sa.Enum('new', 'in_progress', 'waiting_area', 'escalated', 'answered', 'closed', name='requeststate', native_enum=False, length=20), nullable=False),
    sa.Column('outcome', sa.Enum('accepted', 'rejected', 'information', 'duplicate', 'withdrawn', name='requestoutcome', native_enum=False, length=20), nullable=True),
    sa.Column('subject_nik', sa.String(length=16), nullable=True),
    sa.Column('subject_name', sa.String(length=120), nullable=True),
    sa.Column('subject_person_id', sa.Integer(), nullable=True),
    sa.Column('requester_is_subject', sa.Boolean(), nullable=False),
    sa.Column('requester_name', sa.String(length=120), nullable=True),
    sa.Column('requester_phone', sa.String(length=20), nullable=True),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('kelurahan_code', sa.String(length=10), nullable=True),
    sa.Column('rw', sa.Integer(), nullable=True),
    sa.Column('rt', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('proposed_changes', sa.JSON(), nullable=True),
    sa.Column('photo_key', sa.String(length=200), nullable=True),
    sa.Column('photo_content_type', sa.String(length=40), nullable=True),
    sa.Column('photo_size', sa.BigInteger(), nullable=True),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('api_key_id', sa.Integer(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledge_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('list_entry_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['api_key_id'], ['api_key.id'], name=op.f('fk_public_request_api_key_id_api_key')),
    sa.ForeignKeyConstraint(['assignee_id'], ['user_account.id'], name=op.f('fk_public_request_assignee_id_user_account')),
    sa.ForeignKeyConstraint(['case_id'], ['benefit_case.id'], name=op.f('fk_public_request_case_id_benefit_case')),
    sa.ForeignKeyConstraint(['kelurahan_code'], ['kelurahan.code'], name=op.f('fk_public_request_kelurahan_code_kelurahan')),
    sa.ForeignKeyConstraint(['list_entry_id'], ['list_entry.id'], name=op.f('fk_public_request_list_entry_id_list_entry')),
    sa.ForeignKeyConstraint(['subject_person_id'], ['person.id'], name=op.f('fk_public_request_subject_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_request')),
    sa.UniqueConstraint('code_digest', name=op.f('uq_public_request_code_digest')),
    sa.UniqueConstraint('photo_key', name=op.f('uq_public_request_photo_key'))
    )
    with op.batch_alter_table('public_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_public_request_answered_at'), ['answered_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_request_api_key_id'), ['api_key_id'], unique=False)
        batch_op.create_index('ix_public_request_area', ['kelurahan_code', 'rw'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_request_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_request_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_request_closed_at'), ['closed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_request_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_request_list_entry_id'), ['list_entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_request_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_request_state'), ['state'], unique=False)
        batch_op.create_index('ix_public_request_state_due', ['state', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_request_subject_nik'), ['subject_nik'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_request_subject_person_id'), ['subject_person_id'], unique=False)

    op.create_table('public_request_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('state', sa.Enum('new', 'in_progress', 'waiting_area', 'escalated', 'answered', 'closed', name='requeststate', native_enum=False, length=20), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_public_request_event_actor_id_user_account')),
    sa.ForeignKeyConstraint(['request_id'], ['public_request.id'], name=op.f('fk_public_request_event_request_id_public_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_request_event'))
    )
    with op.batch_alter_table('public_request_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_public_request_event_request_id'), ['request_id'], unique=False)



def downgrade():
    with op.batch_alter_table('public_request_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_public_request_event_request_id'))

    op.drop_table('public_request_event')
    with op.batch_alter_table('public_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_public_request_subject_person_id'))
        batch_op.drop_index(batch_op.f('ix_public_request_subject_nik'))
        batch_op.drop_index('ix_public_request_state_due')
        batch_op.drop_index(batch_op.f('ix_public_request_state'))
        batch_op.drop_index(batch_op.f('ix_public_request_received_at'))
        batch_op.drop_index(batch_op.f('ix_public_request_list_entry_id'))
        batch_op.drop_index(batch_op.f('ix_public_request_kind'))
        batch_op.drop_index(batch_op.f('ix_public_request_closed_at'))
        batch_op.drop_index(batch_op.f('ix_public_request_case_id'))
        batch_op.drop_index(batch_op.f('ix_public_request_assignee_id'))
        batch_op.drop_index('ix_public_request_area')
        batch_op.drop_index(batch_op.f('ix_public_request_api_key_id'))
        batch_op.drop_index(batch_op.f('ix_public_request_answered_at'))

    op.drop_table('public_request')
