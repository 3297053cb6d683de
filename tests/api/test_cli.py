"""`flask apikeys create|revoke|list` as an operator runs them."""

from portal.api.services import hash_key
from portal.extensions import db
from portal.models import ApiKey


def test_create_prints_the_key_once_and_stores_only_its_hash(app, runner):
    result = runner.invoke(args=["apikeys", "create", "--name", "lontara-plus"])
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    assert key.startswith("mbk_") and len(key) > 40
    with app.app_context():
        api_key = db.session.scalar(db.select(ApiKey).filter_by(name="lontara-plus"))
        assert api_key.key_hash == hash_key(key)
        stored = [str(getattr(api_key, column.key)) for column in ApiKey.__table__.columns]
        assert key not in " ".join(stored)
    listing = runner.invoke(args=["apikeys", "list"])
    assert "lontara-plus" in listing.output and "active" in listing.output
    assert key not in listing.output


def test_create_refuses_a_duplicate_name(app, runner):
    assert runner.invoke(args=["apikeys", "create", "--name", "lontara-plus"]).exit_code == 0
    again = runner.invoke(args=["apikeys", "create", "--name", "lontara-plus"])
    assert again.exit_code == 1 and "already exists" in again.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ApiKey)) == 1


def test_revoke_marks_the_key_and_refuses_unknown_names(app, runner):
    runner.invoke(args=["apikeys", "create", "--name", "lontara-plus"])
    result = runner.invoke(args=["apikeys", "revoke", "lontara-plus"])
    assert result.exit_code == 0 and "Revoked" in result.output
    assert "revoked" in runner.invoke(args=["apikeys", "list"]).output
    unknown = runner.invoke(args=["apikeys", "revoke", "nobody"])
    assert unknown.exit_code == 1 and "No key named" in unknown.output
