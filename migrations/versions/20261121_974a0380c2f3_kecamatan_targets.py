"""kecamatan targets: the population each kecamatan's coverage is measured against

Revision ID: 974a0380c2f3
Revises: 79c68b7de434
Create Date: 2026-11-21 16:21:17.105258

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "974a0380c2f3"
down_revision = "79c68b7de434"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "kecamatan_target",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kecamatan_code", sa.String(length=6), nullable=False),
        sa.Column("target_population", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["kecamatan_code"], ["kecamatan.code"],
            name=op.f("fk_kecamatan_target_kecamatan_code_kecamatan"),
        ),
        sa.ForeignKeyConstraint(
            ["year"], ["programme_year.year"],
            name=op.f("fk_kecamatan_target_year_programme_year"),
        ),
        sa.PrimaryKeyConstraint("year", "kecamatan_code", name=op.f("pk_kecamatan_target")),
    )


def downgrade():
    op.drop_table("kecamatan_target")
