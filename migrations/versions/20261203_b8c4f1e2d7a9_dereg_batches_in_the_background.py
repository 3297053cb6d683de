"""De-registration batches made in the background: bpjs_dereg_batch.status, expected_count,
error, finished_at, file_key (its XLSX in the file storage); number empty until the batch is done

Revision ID: b8c4f1e2d7a9
Revises: b6c3f1e8a902
Create Date: 2026-12-03 10:45:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b8c4f1e2d7a9'
down_revision = 'b6c3f1e8a902'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bpjs_dereg_batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='renewalrunstatus', native_enum=False, length=20), server_default='done', nullable=False))
        batch_op.add_column(sa.Column('expected_count', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('error', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('file_key', sa.String(length=120), nullable=True))
        batch_op.alter_column('number', existing_type=sa.Integer(), nullable=True)


def downgrade():
    op.execute("DELETE FROM bpjs_dereg_batch WHERE number IS NULL")
    with op.batch_alter_table('bpjs_dereg_batch', schema=None) as batch_op:
        batch_op.alter_column('number', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('file_key')
        batch_op.drop_column('finished_at')
        batch_op.drop_column('error')
        batch_op.drop_column('expected_count')
        batch_op.drop_column('status')
