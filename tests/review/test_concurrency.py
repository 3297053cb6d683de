"""Decisions stay exactly-once when staff race (threads with their own connections on PostgreSQL)."""

from __future__ import annotations

import threading

from portal.extensions import db
from portal.models import ListEntry, Membership, Role, User
from portal.review import services
from tests.factories import make_user
from tests.review.helpers import pending_entries


def _race(app, jobs: list[tuple[str, list[int]]]) -> list[tuple[str, str]]:
    """Run each (username, entry ids) job in its own thread and connection, started together."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[tuple[str, str]] = []
    lock = threading.Lock()

    def work(username: str, entry_ids: list[int]):
        with app.app_context():
            staff = db.session.scalar(db.select(User).filter_by(username=username))
            barrier.wait()
            for entry_id in entry_ids:
                try:
                    outcome = ("approved", services.approve_entry(entry_id, staff, commit=db.session.commit).number)
                except services.DecisionError as error:
                    db.session.rollback()
                    outcome = ("refused", str(error))
                with lock:
                    outcomes.append(outcome)
            db.session.remove()

    threads = [threading.Thread(target=work, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_two_staff_approving_the_same_entry_make_exactly_one_membership(app, backend):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        make_user("staff2", Role.STAFF)
        entry_ids = pending_entries(5)
    if backend == "postgresql":
        outcomes = _race(app, [("staff1", entry_ids), ("staff2", entry_ids)])
    else:
        # SQLite serialises writers: the same double decision, one after the other.
        outcomes = _race(app, [("staff1", entry_ids)]) + _race(app, [("staff2", entry_ids)])
    approved = [o for o in outcomes if o[0] == "approved"]
    refused = [o for o in outcomes if o[0] == "refused"]
    assert len(approved) == len(refused) == 5
    assert all("sudah diputuskan" in message and ("staff1" in message or "staff2" in message) for _, message in refused)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Membership)) == 5
        for entry_id in entry_ids:
            entry = db.session.get(ListEntry, entry_id)
            assert len(entry.person.memberships) == 1
            assert entry.person.memberships[0].entry_id == entry_id


def test_membership_numbers_stay_unique_under_concurrent_approvals(app, backend):
    with app.app_context():
        for n in range(4):
            make_user(f"staff{n}", Role.STAFF)
        entry_ids = pending_entries(40)
    jobs = [(f"staff{n}", entry_ids[n::4]) for n in range(4)]
    if backend == "postgresql":
        outcomes = _race(app, jobs)
    else:
        outcomes = [o for job in jobs for o in _race(app, [job])]
    assert [o[0] for o in outcomes] == ["approved"] * 40
    numbers = sorted(o[1] for o in outcomes)
    assert len(set(numbers)) == 40
    assert [int(n[-6:]) for n in numbers] == list(range(1, 41))


def test_overlapping_bulk_approvals_never_enrol_anyone_twice(app, backend):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        make_user("staff2", Role.STAFF)
        entry_ids = pending_entries(30)
    barrier = threading.Barrier(2)
    results = {}

    def work(username: str, ids: list[int]):
        with app.app_context():
            staff = db.session.scalar(db.select(User).filter_by(username=username))
            barrier.wait()
            result = services.approve_entries(ids, staff, commit=db.session.commit)
            results[username] = (len(result.approved), [str(e) for e in result.skipped.values()])
            db.session.remove()

    jobs = [("staff1", entry_ids), ("staff2", list(reversed(entry_ids)))]
    if backend == "postgresql":
        threads = [threading.Thread(target=work, args=job) for job in jobs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    else:
        barrier = threading.Barrier(1)
        for job in jobs:
            work(*job)
    assert results["staff1"][0] + results["staff2"][0] == 30
    assert all("sudah diputuskan" in why for _n, reasons in results.values() for why in reasons)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Membership)) == 30


def test_one_person_twice_in_a_bulk_approval_gets_one_membership(app):
    with app.app_context():
        staff = make_user("staff1", Role.STAFF)
        first, second = pending_entries(2, nik="7371015302850011")
        result = services.approve_entries([first, second], staff, commit=db.session.commit)
        assert list(result.approved) == [first]
        assert "sudah peserta aktif" in str(result.skipped[second])
        assert result.approved[first].number in str(result.skipped[second])
        assert db.session.get(ListEntry, second).state.value == "pending"
