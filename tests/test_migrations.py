"""The schema is built by the migrations alone, and they agree with the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from portal.extensions import db
from tests.conftest import make_config
from tests.databases import new_database

from portal import create_app


def test_migrations_build_the_schema_from_empty_and_match_the_models(backend, tmp_path, worker_id):
    url = new_database(backend, f"portal_migrations_{worker_id}", tmp_path)
    app = create_app(make_config(url))
    with app.app_context():
        assert inspect(db.engine).get_table_names() == []
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"person", "list_entry", "membership", "certificate", "audit_event"} <= tables
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert diff == []
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()
