"""The audit trail is sealed in a keyed hash chain that `flask audit verify` checks."""

from sqlalchemy import delete, update

from portal import audit
from portal.extensions import db
from portal.models import AuditEvent, Role
from tests.factories import make_user


def write_events(n: int) -> None:
    for index in range(n):
        audit.record("person.view", "person", index, note=f"event {index}")
        db.session.commit()


def test_events_are_sealed_when_their_transaction_commits(app, runner):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW)  # writes user.create
        write_events(3)
        events = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.chain_seq)).all()
        assert [e.chain_seq for e in events] == [1, 2, 3, 4]
        assert all(len(e.chain_hash) == 64 for e in events)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "Chain intact" in result.output and "Checked 4" in result.output


def test_a_changed_event_is_detected(app, runner):
    with app.app_context():
        write_events(3)
        db.session.execute(
            update(AuditEvent).where(AuditEvent.chain_seq == 2).values(actor_name="someone-else")
        )
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "sequence 2) does not match its seal" in result.output


def test_a_deleted_event_is_detected(app, runner):
    with app.app_context():
        write_events(4)
        db.session.execute(delete(AuditEvent).where(AuditEvent.chain_seq == 2))
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "sequence 2 is missing" in result.output


def test_a_chain_rebuilt_without_the_key_is_detected(app, runner):
    import hashlib

    with app.app_context():
        write_events(2)
        # An attacker with database access recomputes plain hashes: no key, no valid seal.
        for event in db.session.scalars(db.select(AuditEvent)):
            event.details = {"note": "rewritten"}
            event.chain_hash = hashlib.sha256(b"forged").hexdigest()
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1


def test_rolled_back_events_leave_no_trace(app, runner):
    with app.app_context():
        audit.record("person.view", "person", 1)
        db.session.rollback()
        write_events(1)
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == 1
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_under_load_events_are_sealed_in_batches_and_by_the_seal_command(app_factory):
    app = app_factory(AUDIT_SEAL_SECONDS=3600)
    with app.app_context():
        from portal.audit.chain import _last_sealed

        _last_sealed.clear()
        write_events(3)  # the first commit seals, the next two wait for the interval
        sealed = db.session.scalars(db.select(AuditEvent.chain_seq).order_by(AuditEvent.id)).all()
        assert sealed == [1, None, None]
    result = app.test_cli_runner().invoke(args=["audit", "seal"])
    assert "Sealed 2 events" in result.output
    with app.app_context():
        assert db.session.scalars(db.select(AuditEvent.chain_seq).order_by(AuditEvent.id)).all() == [1, 2, 3]
        _last_sealed.clear()


def test_a_backlog_is_sealed_chunk_by_chunk_into_one_chain(app_factory, monkeypatch):
    from portal.audit import chain as audit_chain

    app = app_factory(AUDIT_SEAL_SECONDS=3600)
    monkeypatch.setattr(audit_chain, "SEAL_CHUNK", 2)
    with app.app_context():
        audit_chain._last_sealed.clear()
        write_events(6)  # the first commit seals; five wait
    result = app.test_cli_runner().invoke(args=["audit", "seal"])
    assert "Sealed 5 events" in result.output
    with app.app_context():
        assert db.session.scalars(db.select(AuditEvent.chain_seq).order_by(AuditEvent.id)).all() == [1, 2, 3, 4, 5, 6]
        audit_chain._last_sealed.clear()
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0
