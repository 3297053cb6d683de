"""renewal runs and re-verification: renewal_run, renewal_decision, reverification

A renewed membership keeps the person's BPJS KPJ number, so the KPJ is unique per
(kpj_number, year) instead of across all memberships; programme_year gains the number of
days before 31 December when RT/RW heads get the "masih layak?" list; memberships get an
index on (status, ends_on) for the expiry warnings.

Revision ID: 506421ffc4fe
Revises: be291e1311d4
Create Date: 2026-12-02 10:06:28

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '506421ffc4fe'
down_revision = 'be291e1311d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('renewal_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('from_year', sa.Integer(), nullable=False),
    sa.Column('to_year', sa.Integer(), nullable=False),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='renewalrunstatus', native_enum=False, length=20), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('error', sa.String(length=200), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_renewal_run_requested_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_renewal_run'))
    )
    with op.batch_alter_table('renewal_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_renewal_run_status'), ['status'], unique=False)

    op.create_table('renewal_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('to_year', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Enum('renewed', 'needs_confirmation', 'not_renewed', name='renewaloutcome', native_enum=False, length=20), nullable=False),
    sa.Column('reason_code', sa.String(length=40), nullable=True),
    sa.Column('new_membership_id', sa.Integer(), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['membership_id'], ['membership.id'], name=op.f('fk_renewal_decision_membership_id_membership')),
    sa.ForeignKeyConstraint(['new_membership_id'], ['membership.id'], name=op.f('fk_renewal_decision_new_membership_id_membership')),
    sa.ForeignKeyConstraint(['run_id'], ['renewal_run.id'], name=op.f('fk_renewal_decision_run_id_renewal_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_renewal_decision')),
    sa.UniqueConstraint('membership_id', name=op.f('uq_renewal_decision_membership_id')),
    sa.UniqueConstraint('new_membership_id', name=op.f('uq_renewal_decision_new_membership_id'))
    )
    with op.batch_alter_table('renewal_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_renewal_decision_outcome'), ['outcome'], unique=False)
        batch_op.create_index(batch_op.f('ix_renewal_decision_run_id'), ['run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_renewal_decision_to_year'), ['to_year'], unique=False)

    op.create_table('reverification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('answer', sa.Enum('confirmed', 'deceased', 'moved_away', 'employer_covered', 'other', name='reverificationanswer', native_enum=False, length=20), nullable=False),
    sa.Column('event_date', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id'], name=op.f('fk_reverification_answered_by_id_user_account')),
    sa.ForeignKeyConstraint(['membership_id'], ['membership.id'], name=op.f('fk_reverification_membership_id_membership')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reverification')),
    sa.UniqueConstraint('membership_id', name=op.f('uq_reverification_membership_id'))
    )
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_membership_kpj_number'), type_='unique')
        batch_op.create_index('uq_membership_kpj_year', ['kpj_number', 'year'], unique=True)
        batch_op.create_index('ix_membership_status_ends_on', ['status', 'ends_on'], unique=False)

    with op.batch_alter_table('programme_year', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reverification_opens_days_before_end', sa.Integer(), server_default='42', nullable=False))



def downgrade():
    with op.batch_alter_table('programme_year', schema=None) as batch_op:
        batch_op.drop_column('reverification_opens_days_before_end')

    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_index('ix_membership_status_ends_on')
        batch_op.drop_index('uq_membership_kpj_year')
        batch_op.create_unique_constraint(batch_op.f('uq_membership_kpj_number'), ['kpj_number'])

    op.drop_table('reverification')
    with op.batch_alter_table('renewal_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_renewal_decision_to_year'))
        batch_op.drop_index(batch_op.f('ix_renewal_decision_run_id'))
        batch_op.drop_index(batch_op.f('ix_renewal_decision_outcome'))

    op.drop_table('renewal_decision')
    with op.batch_alter_table('renewal_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_renewal_run_status'))

    op.drop_table('renewal_run')
