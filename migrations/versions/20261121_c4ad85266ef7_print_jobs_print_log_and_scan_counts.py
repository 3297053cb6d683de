"""print jobs, print log and scan counts

Revision ID: c4ad85266ef7
Revises: 0d1c589ca088
Create Date: 2026-11-21 16:21:33.905446

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4ad85266ef7'
down_revision = '0d1c589ca088'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('print_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document', sa.Enum('card', 'certificate', name='printdocument', native_enum=False, length=20), nullable=False),
    sa.Column('kelurahan_code', sa.String(length=10), nullable=False),
    sa.Column('rw', sa.Integer(), nullable=True),
    sa.Column('category_code', sa.String(length=40), nullable=True),
    sa.Column('never_printed', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='printjobstatus', native_enum=False, length=20), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=200), nullable=True),
    sa.Column('file_name', sa.String(length=80), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['category_code'], ['category.code'], name=op.f('fk_print_job_category_code_category')),
    sa.ForeignKeyConstraint(['kelurahan_code'], ['kelurahan.code'], name=op.f('fk_print_job_kelurahan_code_kelurahan')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_print_job_requested_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_print_job'))
    )
    with op.batch_alter_table('print_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_print_job_status'), ['status'], unique=False)

    op.create_table('certificate_scan',
    sa.Column('certificate_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('scans', sa.Integer(), nullable=False),
    sa.Column('last_scanned_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificate.id'], name=op.f('fk_certificate_scan_certificate_id_certificate')),
    sa.PrimaryKeyConstraint('certificate_id', name=op.f('pk_certificate_scan'))
    )
    op.create_table('print_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('document', sa.Enum('card', 'certificate', name='printdocument', native_enum=False, length=20), nullable=False),
    sa.Column('printed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('printed_by_id', sa.Integer(), nullable=True),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificate.id'], name=op.f('fk_print_record_certificate_id_certificate')),
    sa.ForeignKeyConstraint(['job_id'], ['print_job.id'], name=op.f('fk_print_record_job_id_print_job')),
    sa.ForeignKeyConstraint(['printed_by_id'], ['user_account.id'], name=op.f('fk_print_record_printed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_print_record'))
    )
    with op.batch_alter_table('print_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_print_record_certificate_id'), ['certificate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_print_record_job_id'), ['job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_print_record_printed_at'), ['printed_at'], unique=False)



def downgrade():
    with op.batch_alter_table('print_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_print_record_printed_at'))
        batch_op.drop_index(batch_op.f('ix_print_record_job_id'))
        batch_op.drop_index(batch_op.f('ix_print_record_certificate_id'))

    op.drop_table('print_record')
    op.drop_table('certificate_scan')
    with op.batch_alter_table('print_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_print_job_status'))

    op.drop_table('print_job')
