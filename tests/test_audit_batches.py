"""Status checks' access records are written in sealed batches, and never lost on exit."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from portal import audit
from portal.extensions import db
from portal.models import AuditEvent
from portal.seed.reference import seed_reference
from tests.citizen.factories import NAMES, make_people

ROOT = Path(__file__).resolve().parent.parent


def check(client, nik: str, name: str) -> None:
    response = client.post("/cek-status", data={"nik": nik, "name": name}, headers={"HX-Request": "true"})
    assert response.status_code == 200


def city(app) -> dict[str, str]:
    """Reference data and one person per status outcome; returns outcome -> NIK."""
    with app.app_context():
        seed_reference()
        db.session.commit()
        return make_people()


def access_records() -> list[AuditEvent]:
    db.session.rollback()  # a fresh snapshot: another thread wrote them
    return db.session.scalars(
        db.select(AuditEvent).filter_by(action="status.checked").order_by(AuditEvent.id)
    ).all()


def test_checks_wait_for_their_batch_and_are_written_sealed_with_the_time_of_the_check(app_factory, runner):
    app = app_factory(AUDIT_BATCH_SECONDS=0.3)
    people = city(app)
    client = app.test_client()
    before = time.time()
    for outcome in ("active", "pending", "returned"):
        check(client, people[outcome], NAMES[outcome])
    with app.app_context():
        deadline = time.monotonic() + 10
        while len(records := access_records()) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [r.details["outcome"] for r in records] == ["active", "pending", "returned"]
        assert all(r.chain_seq is not None for r in records)  # sealed as they were inserted
        assert all(before - 1 < r.occurred_at.timestamp() < before + 5 for r in records)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "Chain intact" in result.output, result.output


def test_batches_and_ordinary_events_make_one_chain(app_factory):
    app = app_factory(AUDIT_BATCH_SECONDS=60)
    people = city(app)  # writes ordinary events, sealed after their commits
    client = app.test_client()
    check(client, people["active"], NAMES["active"])
    check(client, people["ended"], NAMES["ended"])
    with app.app_context():
        assert access_records() == []  # held for a minute
        audit.record("person.view", "person", 1, note="between the batches")
        db.session.commit()
    audit._write_pending_batches()  # what the process does when it exits
    check(client, people["expired"], NAMES["expired"])
    audit._write_pending_batches()
    with app.app_context():
        assert len(access_records()) == 3
        sequence = db.session.scalars(db.select(AuditEvent.chain_seq).order_by(AuditEvent.chain_seq)).all()
        assert sequence == list(range(1, len(sequence) + 1))
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "Chain intact" in result.output, result.output


def test_a_process_that_exits_writes_the_records_it_held(app_factory, backend, migrated_databases):
    app = app_factory()
    people = city(app)
    script = textwrap.dedent(
        f"""
        from tests.conftest import make_config
        from portal import create_app

        app = create_app(make_config({migrated_databases[backend]!r}, AUDIT_BATCH_SECONDS=3600))
        response = app.test_client().post("/cek-status", data={{"nik": {people["active"]!r}, "name": "Siti Aminah"}})
        assert response.status_code == 200
        """
    )
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, timeout=120, env={**os.environ})
    with app.app_context():
        assert [r.details["outcome"] for r in access_records()] == ["active"]


def test_a_batch_that_cannot_be_written_says_how_many_records_were_lost_and_not_whose(app_factory, caplog):
    app = app_factory(AUDIT_BATCH_SECONDS=60)
    people = city(app)
    client = app.test_client()
    check(client, people["active"], NAMES["active"])
    with app.test_request_context():
        audit.record_soon("status.checked", "person", 1, unreadable=object())  # JSON cannot hold it
    caplog.set_level(logging.ERROR, logger="portal.audit")
    audit._write_pending_batches()
    assert "could not write 2 access records" in caplog.text
    assert people["active"] not in caplog.text and "Siti" not in caplog.text
    check(client, people["pending"], NAMES["pending"])
    audit._write_pending_batches()
    with app.app_context():
        assert [r.details["outcome"] for r in access_records()] == ["pending"]
