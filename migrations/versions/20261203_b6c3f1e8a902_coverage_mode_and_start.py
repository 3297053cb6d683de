"""programme_year.coverage_mode and coverage_start (joining mid-year, issue 19 item 4)

coverage_mode: to_year_end (default: cover to 31 December of the paying budget year,
renewed with everyone else) or fixed_months (coverage_months from the start).
coverage_start: approval_date (default) or first_of_next_month.

Revision ID: b6c3f1e8a902
Revises: 5d1f7a2b9e64
Create Date: 2026-12-03 10:30:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b6c3f1e8a902'
down_revision = '5d1f7a2b9e64'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('programme_year', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'coverage_mode',
            sa.Enum('to_year_end', 'fixed_months', name='coveragemode', native_enum=False, length=20),
            nullable=False, server_default='to_year_end',
        ))
        batch_op.add_column(sa.Column(
            'coverage_start',
            sa.Enum('approval_date', 'first_of_next_month', name='coveragestart', native_enum=False, length=20),
            nullable=False, server_default='approval_date',
        ))


def downgrade():
    with op.batch_alter_table('programme_year', schema=None) as batch_op:
        batch_op.drop_column('coverage_start')
        batch_op.drop_column('coverage_mode')
