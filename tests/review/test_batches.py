"""Two reviewers taking batches: "sedang ditinjau oleh ...", released after the idle time."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal.extensions import db
from portal.models import EntryState, ListEntry, Role, User
from portal.models.base import utcnow
from tests.conftest import AuthActions
from tests.factories import make_user
from tests.review.helpers import pending_entries, post

ROW = re.compile(r'<tr id="entry-(\d+)"')


@pytest.fixture
def reviewers(app, client, auth):
    """staff1 on `client`, staff2 on a second browser; both signed in."""
    with app.app_context():
        make_user("staff1", Role.STAFF)
        make_user("staff2", Role.STAFF)
    other = app.test_client()
    auth.login("staff1")
    AuthActions(other).login("staff2")
    return client, other


def _held(app) -> dict[int, str | None]:
    with app.app_context():
        return {
            e.id: e.held_by.username if e.held_by else None
            for e in db.session.scalars(db.select(ListEntry).order_by(ListEntry.id))
        }


def test_two_reviewers_taking_batches_never_get_the_same_entries(app, reviewers):
    staff1, staff2 = reviewers
    with app.app_context():
        ids = pending_entries(app.config["REVIEW_BATCH_SIZE"] + 5)
    response = post(staff1, "/verifikasi/ambil")
    assert response.status_code == 302 and "tanda=mine" in response.headers["Location"]
    post(staff2, "/verifikasi/ambil", page="/verifikasi/")
    held = _held(app)
    first = [i for i in ids if held[i] == "staff1"]
    second = [i for i in ids if held[i] == "staff2"]
    assert first == ids[:20] and second == ids[20:]
    mine = staff2.get("/verifikasi/?tanda=mine").get_data(as_text=True)
    assert [int(i) for i in ROW.findall(mine)] == second
    # staff2 sees staff1's rows marked, without a decision or a box to tick
    page = staff2.get("/verifikasi/").get_data(as_text=True)
    row = page.split(f'<tr id="entry-{ids[0]}"', 1)[1].split("</tr>", 1)[0]
    assert "Sedang ditinjau oleh" in row and "staff1" in row
    assert "setujui" not in row and 'name="entry_ids"' not in row
    own = page.split(f'<tr id="entry-{ids[-1]}"', 1)[1].split("</tr>", 1)[0]
    assert "Sedang saya tinjau" in own and "setujui" in own


def test_a_reviewer_cannot_decide_an_entry_in_another_reviewers_batch(app, reviewers):
    staff1, staff2 = reviewers
    with app.app_context():
        (entry_id,) = pending_entries(1)
    post(staff1, "/verifikasi/ambil")
    for path, data in ((f"/verifikasi/{entry_id}/tolak", {"reason_code": "not_resident"}),
                       (f"/verifikasi/{entry_id}/kembalikan", {"reason_text": "Periksa tanggal lahir"}),
                       (f"/verifikasi/{entry_id}/setujui", {})):
        response = post(staff2, path, data, follow_redirects=True)
        assert "sedang ditinjau oleh staff1" in response.get_data(as_text=True), path
    with app.app_context():
        assert db.session.get(ListEntry, entry_id).state == EntryState.PENDING
    page = staff2.get(f"/verifikasi/{entry_id}").get_data(as_text=True)
    assert "Sedang ditinjau oleh" in page and 'action="/verifikasi/%d/setujui"' % entry_id not in page
    assert post(staff1, f"/verifikasi/{entry_id}/tolak", {"reason_code": "not_resident"}).status_code == 302
    with app.app_context():
        entry = db.session.get(ListEntry, entry_id)
        assert entry.state == EntryState.REJECTED and entry.held_by_id is None


def test_bulk_approval_of_the_warning_free_leaves_another_reviewers_batch_alone(app, reviewers):
    staff1, staff2 = reviewers
    with app.app_context():
        ids = pending_entries(3)
        staff1_id = db.session.scalar(db.select(User.id).filter_by(username="staff1"))
        db.session.execute(db.update(ListEntry).where(ListEntry.id == ids[0]).values(held_by_id=staff1_id, held_at=utcnow()))
        db.session.commit()
    post(staff2, "/verifikasi/massal", {"mode": "warning_free"})
    with app.app_context():
        states = [db.session.get(ListEntry, i).state for i in ids]
    assert states == [EntryState.PENDING, EntryState.APPROVED, EntryState.APPROVED]
    post(staff2, "/verifikasi/massal", {"mode": "selected", "entry_ids": [ids[0]]})
    with app.app_context():
        assert db.session.get(ListEntry, ids[0]).state == EntryState.PENDING


def test_a_batch_is_released_after_the_idle_minutes_and_kept_while_its_reviewer_works(app, reviewers):
    staff1, staff2 = reviewers
    with app.app_context():
        ids = pending_entries(2)
    post(staff1, "/verifikasi/ambil")

    def age_holds(minutes: int) -> None:
        with app.app_context():
            db.session.execute(db.update(ListEntry).values(held_at=utcnow() - timedelta(minutes=minutes)))
            db.session.commit()

    age_holds(20)
    staff1.get("/verifikasi/")  # staff1 is still at work: the batch's idle time starts again
    with app.app_context():
        renewed = db.session.get(ListEntry, ids[0]).held_at
        assert renewed.replace(tzinfo=None) > (utcnow() - timedelta(minutes=1)).replace(tzinfo=None)
    age_holds(app.config["REVIEW_HOLD_IDLE_MINUTES"] + 1)
    staff1.get("/verifikasi/")  # a lapsed batch is not revived
    assert "Sedang ditinjau oleh" not in staff2.get("/verifikasi/").get_data(as_text=True)
    post(staff2, "/verifikasi/ambil")
    assert set(_held(app).values()) == {"staff2"}


def test_a_reviewer_releases_their_batch(app, reviewers):
    staff1, staff2 = reviewers
    with app.app_context():
        pending_entries(2)
    post(staff1, "/verifikasi/ambil")
    response = post(staff1, "/verifikasi/lepaskan", follow_redirects=True)
    assert "2 usulan dilepas kembali ke antrean." in response.get_data(as_text=True)
    assert set(_held(app).values()) == {None}
