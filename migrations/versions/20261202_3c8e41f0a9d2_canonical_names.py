"""canonical names: person.name_canonical and list_entry.name_canonical, backfilled

Cek Status, the duplicate checks and the registry search compare a name's canonical form
(portal.names.canonical_name: titles and degrees dropped, local abbreviations expanded),
computed once per stored name rather than per request. Existing rows get it here, in
batches, from their full_name.

Revision ID: 3c8e41f0a9d2
Revises: 506421ffc4fe
Create Date: 2026-12-02 21:00:00

"""
import sqlalchemy as sa
from alembic import op

from portal.names import canonical_name


# revision identifiers, used by Alembic.
revision = '3c8e41f0a9d2'
down_revision = '506421ffc4fe'
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade():
    for table in ('person', 'list_entry'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('name_canonical', sa.String(length=160), nullable=False, server_default=''))
        _backfill(table)


def _backfill(name: str) -> None:
    """Each row's canonical name from its full name, a keyset batch at a time."""
    table = sa.table(name, sa.column('id', sa.Integer), sa.column('full_name', sa.String), sa.column('name_canonical', sa.String))
    update = table.update().where(table.c.id == sa.bindparam('row_id')).values(name_canonical=sa.bindparam('canonical'))
    connection = op.get_bind()
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(table.c.id, table.c.full_name).where(table.c.id > last_id).order_by(table.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        changes = [{'row_id': row_id, 'canonical': canonical_name(full_name or '')} for row_id, full_name in rows]
        changes = [change for change in changes if change['canonical']]
        if changes:
            connection.execute(update, changes)
        last_id = rows[-1][0]


def downgrade():
    for table in ('list_entry', 'person'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('name_canonical')
