"""An unknown DTSEN desil is a note for the reviewer, never a warning an RT/RW head must read or acknowledge."""

from __future__ import annotations

from portal.extensions import db
from portal.models import EntryState, ListEntry, Role
from tests.factories import make_user
from tests.lists.test_inline import only_entry, typed

UNKNOWN_DESIL = "Desil DTSEN belum diketahui"
DESIL_CHECK = "Data kesejahteraan (DTSEN)"


def test_a_head_does_not_see_or_acknowledge_an_unknown_desil(app, head):
    head.post("/baris", typed(category="pekerja_rentan"))
    entry = only_entry(app, head.list_id)
    assert [(i["code"], i["severity"]) for i in entry.issues] == [("desil_unknown", "note")]
    page = head.client.get(head.url).get_data(as_text=True)
    assert UNKNOWN_DESIL not in page and DESIL_CHECK not in page
    assert "acknowledge_warnings" not in page  # nothing to acknowledge before sending
    assert "Kirim 1 orang" in page
    row = head.client.get(f"{head.url}/baris/{entry.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert UNKNOWN_DESIL not in row and DESIL_CHECK not in row
    head.post("/kirim", follow_redirects=True)
    with app.app_context():
        assert db.session.get(ListEntry, entry.id).state == EntryState.PENDING


def test_a_head_does_not_see_an_unknown_desil_stored_as_a_warning_before_notes(app, head):
    head.post("/baris", typed(category="pekerja_rentan"))
    with app.app_context():
        entry = db.session.scalars(db.select(ListEntry).filter_by(list_id=head.list_id)).one()
        entry.issues = [{**entry.issues[0], "severity": "warning"}]
        db.session.commit()
    page = head.client.get(head.url).get_data(as_text=True)
    assert UNKNOWN_DESIL not in page and DESIL_CHECK not in page


def test_staff_still_read_an_unknown_desil_in_the_review_queue(app, client, auth, head):
    head.post("/baris", typed(category="pekerja_rentan"))
    head.post("/kirim")
    entry = only_entry(app, head.list_id)
    assert entry.state == EntryState.PENDING and entry.has_warnings  # no bulk approval past it
    auth.logout()
    with app.app_context():
        make_user("staff1", Role.STAFF)
    auth.login("staff1")
    assert UNKNOWN_DESIL in client.get("/verifikasi/").get_data(as_text=True)
