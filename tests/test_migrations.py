"""The schema is built by the migrations alone, and they agree with the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from portal import create_app
from portal.extensions import db
from portal.models import Person
from tests.conftest import make_config
from tests.databases import new_database


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
        for engine in db.engines.values():
            engine.dispose()


FIRST_REVISION = "11403a55d5e6"


def test_a_populated_database_upgrades_from_the_first_migration_to_the_last(backend, tmp_path, worker_id):
    url = new_database(backend, f"portal_upgrade_{worker_id}", tmp_path)
    app = create_app(make_config(url))
    with app.app_context():
        upgrade(revision=FIRST_REVISION)
        statements = [
            "INSERT INTO kecamatan (code, name) VALUES ('737101', 'Mariso')",
            "INSERT INTO kelurahan (code, name, kecamatan_code) VALUES ('7371011004', 'Lette', '737101')",
            "INSERT INTO category (code, name_id, name_en, sort_order) VALUES ('kader', 'Kader', 'Cadres', 1)",
            "INSERT INTO person (id, nik, full_name, name_key, birth_date, sex, kelurahan_code, rw, rt, street,"
            " category_code, occupation, created_at, updated_at) VALUES (1, '7371015708450001', 'Siti Aminah',"
            " 'siti aminah', '1945-08-17', 'P', '7371011004', 2, 1, '', 'kader', '', '2026-01-01', '2026-01-01')",
            "INSERT INTO membership (id, number, person_id, year, jkk, jkm, jht, starts_on, ends_on, status,"
            " created_at, updated_at) VALUES (1, 'MKS-2026-000001', 1, 2026, true, true, false, '2026-01-01',"
            " '2026-12-31', 'active', '2026-01-01', '2026-01-01')",
            "INSERT INTO audit_event (id, occurred_at, actor_name, action, target_type, details)"
            " VALUES (1, '2026-01-01', 'system', 'person.view', 'person', '{}')",
        ]
        for statement in statements:
            db.session.execute(text(statement))
        db.session.commit()

        upgrade()

        person = db.session.get(Person, 1)
        assert person.full_name == "Siti Aminah"
        assert person.memberships[0].number == "MKS-2026-000001"
        with db.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), db.metadata) == []
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
