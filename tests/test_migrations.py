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


BEFORE_CANONICAL_NAMES = "506421ffc4fe"


def test_the_canonical_names_migration_fills_them_in_for_people_and_entries(backend, tmp_path, worker_id):
    url = new_database(backend, f"portal_canonical_{worker_id}", tmp_path)
    app = create_app(make_config(url))
    with app.app_context():
        upgrade(revision=BEFORE_CANONICAL_NAMES)
        statements = [
            "INSERT INTO kecamatan (code, name) VALUES ('737101', 'Mariso')",
            "INSERT INTO kelurahan (code, name, kecamatan_code) VALUES ('7371011004', 'Lette', '737101')",
            "INSERT INTO category (code, name_id, name_en, sort_order) VALUES ('kader', 'Kader', 'Cadres', 1)",
            "INSERT INTO user_account (id, username, full_name, password_hash, role, phone_public, active, session_token,"
            " recovery_code_hashes, created_at, updated_at) VALUES (1, 'rtrw1', 'Daeng Baso', 'x', 'rt_rw', false, true,"
            " 'token', '[]', '2026-01-01', '2026-01-01')",
            "INSERT INTO member_list (id, title, kelurahan_code, rw, source, created_by_id, created_at, updated_at)"
            " VALUES (1, 'RW 002', '7371011004', 2, 'web', 1, '2026-01-01', '2026-01-01')",
        ]
        people = {1: "Muh. Ilham Dg. Naba", 2: "Hj. ST. RAHMAWATI", 3: ""}
        for person_id, name in people.items():
            statements.append(
                "INSERT INTO person (id, nik, full_name, name_key, birth_date, sex, kelurahan_code, rw, rt, street,"
                f" category_code, occupation, created_at, updated_at) VALUES ({person_id}, '737101570845000{person_id}',"
                f" '{name}', '', '1945-08-17', 'P', '7371011004', 2, 1, '', 'kader', '', '2026-01-01', '2026-01-01')"
            )
        statements.append(
            "INSERT INTO list_entry (id, list_id, nik, full_name, street, occupation, issues, has_warnings,"
            " possible_duplicate, state, version, created_at, updated_at) VALUES (1, 1, '7371011302850003',"
            " 'Andi Tenri Ajeng, S.Pd.', '', '', '[]', false, false, 'pending', 1, '2026-01-01', '2026-01-01')"
        )
        for statement in statements:
            db.session.execute(text(statement))
        db.session.commit()

        upgrade()

        canonical = dict(db.session.execute(text("SELECT id, name_canonical FROM person")).all())
        assert canonical == {1: "muhammad ilham daeng naba", 2: "siti rahmawati", 3: ""}
        assert db.session.execute(text("SELECT name_canonical FROM list_entry")).scalar_one() == "andi tenri ajeng"
        db.session.remove()
        downgrade(revision=BEFORE_CANONICAL_NAMES)
        assert "name_canonical" not in {c["name"] for c in inspect(db.engine).get_columns("person")}
        for engine in db.engines.values():
            engine.dispose()
