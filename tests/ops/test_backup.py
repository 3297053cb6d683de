"""Backup, wipe and restore: every member, certificate code and stored file comes back."""

from flask_migrate import upgrade
from sqlalchemy import inspect, text

from portal import create_app, storage
from portal.extensions import db
from portal.memberships.services import issue_certificate
from portal.models import Certificate, Membership, Person
from portal.seed.reference import seed_reference
from tests.conftest import make_config
from tests.databases import new_database
from tests.factories import make_member


def snapshot():
    members = {(p.nik, p.full_name, m.number) for p, m in db.session.execute(db.select(Person, Membership).join(Membership))}
    codes = set(db.session.scalars(db.select(Certificate.code)))
    return members, codes


def test_backup_wipe_and_restore_bring_back_every_member_and_verification_code(backend, tmp_path, worker_id):
    url = new_database(backend, f"portal_backup_{worker_id}", tmp_path)
    # Database storage: batch PDFs and held uploads are rows, so the dump holds them too.
    app = create_app(make_config(url, STORAGE_BACKEND="database", STORAGE_CHUNK_BYTES=1000))
    stored_pdf = bytes(range(256)) * 10
    runner = app.test_cli_runner()
    with app.app_context():
        upgrade()
        seed_reference()
        for index in range(25):
            _person, membership = make_member(f"Anggota Cadangan {index}")
            issue_certificate(membership)
        storage.put("prints/backedup.pdf", stored_pdf)
        db.session.commit()
        before = snapshot()
        assert len(before[0]) == 25 and len(before[1]) == 25

    backup = tmp_path / "portal.dump"
    created = runner.invoke(args=["backup", "create", str(backup)])
    assert created.exit_code == 0, created.output
    assert backup.stat().st_size > 0

    with app.app_context():  # wipe: the whole schema goes
        db.drop_all()
        db.session.execute(text("DROP TABLE alembic_version"))
        db.session.commit()
        assert inspect(db.engine).get_table_names() == []
        for engine in db.engines.values():
            engine.dispose()

    refused = runner.invoke(args=["backup", "restore", str(backup)])
    assert refused.exit_code == 1 and "--yes" in refused.output
    restored = runner.invoke(args=["backup", "restore", str(backup), "--yes"])
    assert restored.exit_code == 0, restored.output

    with app.app_context():
        assert snapshot() == before
        assert storage.get("prints/backedup.pdf") == stored_pdf
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


def test_restore_of_a_missing_file_fails_clearly(runner, tmp_path):
    result = runner.invoke(args=["backup", "restore", str(tmp_path / "none.dump"), "--yes"])
    assert result.exit_code == 1
    assert "does not exist" in result.output
