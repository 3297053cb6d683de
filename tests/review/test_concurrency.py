"""Decisions stay exactly-once when staff race: threads with their own connections, released
together by a barrier, on SQLite (whose writers wait for each other's commit) and PostgreSQL."""

from __future__ import annotations

import re
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


def _lost_the_race(message: str, numbers: set[str]) -> bool:
    """The loser is told the entry was decided, or (on SQLite, which has no FOR UPDATE and
    reads each statement afresh) that the person became a member a moment ago."""
    if re.search(r"sudah diputuskan \(Disetujui\) oleh staff\d ", message):
        return True
    member = re.search(r"sudah peserta aktif tahun \d{4} \((MKS-\d{4}-\d{6})\)", message)
    return bool(member) and member[1] in numbers


def test_two_staff_approving_the_same_entry_make_exactly_one_membership(app):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        make_user("staff2", Role.STAFF)
        entry_ids = pending_entries(5)
    outcomes = _race(app, [("staff1", entry_ids), ("staff2", entry_ids)])
    approved = [o for o in outcomes if o[0] == "approved"]
    refused = [o for o in outcomes if o[0] == "refused"]
    assert len(approved) == len(refused) == 5
    numbers = {number for _, number in approved}
    assert all(_lost_the_race(message, numbers) for _, message in refused), refused
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Membership)) == 5
        for entry_id in entry_ids:
            entry = db.session.get(ListEntry, entry_id)
            assert len(entry.person.memberships) == 1
            assert entry.person.memberships[0].entry_id == entry_id


def test_membership_numbers_stay_unique_under_concurrent_approvals(app):
    with app.app_context():
        for n in range(4):
            make_user(f"staff{n}", Role.STAFF)
        entry_ids = pending_entries(40)
    jobs = [(f"staff{n}", entry_ids[n::4]) for n in range(4)]
    outcomes = _race(app, jobs)
    assert [o[0] for o in outcomes] == ["approved"] * 40
    numbers = sorted(o[1] for o in outcomes)
    assert len(set(numbers)) == 40
    assert [int(n[-6:]) for n in numbers] == list(range(1, 41))


def test_overlapping_bulk_approvals_never_enrol_anyone_twice(app):
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
    threads = [threading.Thread(target=work, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results["staff1"][0] + results["staff2"][0] == 30
    with app.app_context():
        numbers = set(db.session.scalars(db.select(Membership.number)))
    assert all(_lost_the_race(why, numbers) for _n, reasons in results.values() for why in reasons), results
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
