"""From the head's entry form to the outbox: consent ticked there is what lets the approval message go."""

from __future__ import annotations

from portal.extensions import db
from portal.models import Channel, EntryState, ListEntry, Role
from tests.conftest import AuthActions, csrf_token
from tests.factories import LETTE, make_list, make_user
from tests.lists.test_inline import typed
from tests.notifications.helpers import messages
from tests.review.helpers import post

WHATSAPP = {"NOTIFY_WHATSAPP_TOKEN": "t", "NOTIFY_WHATSAPP_PHONE_NUMBER_ID": "1"}


def test_an_entry_submitted_with_consent_gets_one_message_on_approval_and_one_without_none(notify_app):
    app = notify_app(**WHATSAPP)
    with app.app_context():
        make_user("staff1", Role.STAFF)
        head = make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
        list_id = make_list(head).id
    head_client = app.test_client()
    AuthActions(head_client).login("rtrw1")
    url = f"/daftar/{list_id}"

    def head_post(path, data):
        return head_client.post(f"{url}{path}", data={"csrf_token": csrf_token(head_client, url), **data})

    assert head_post("/baris", typed(full_name="Siti Aminah", phone="081234567801", phone_consent="y")).status_code == 302
    assert head_post("/baris", typed(full_name="Rosmini Daeng Caya", phone="081234567802")).status_code == 302
    assert head_post("/kirim", {"acknowledge_warnings": "y"}).status_code == 302
    with app.app_context():
        entries = db.session.scalars(db.select(ListEntry).filter_by(list_id=list_id).order_by(ListEntry.id)).all()
        assert [(e.state, e.phone_consent) for e in entries] == [(EntryState.PENDING, True), (EntryState.PENDING, False)]
        ids = [e.id for e in entries]

    staff_client = app.test_client()
    AuthActions(staff_client).login("staff1")
    for entry_id in ids:
        response = post(staff_client, f"/verifikasi/{entry_id}/setujui", {})
        assert response.status_code == 302, response.get_data(as_text=True)

    with app.app_context():
        agreed, declined = (db.session.get(ListEntry, i) for i in ids)
        assert agreed.state == declined.state == EntryState.APPROVED
        assert agreed.person.phone_consent and not declined.person.phone_consent
        phone_messages = [m for m in messages() if m.channel.is_phone]
        assert [(m.channel, m.recipient, m.person_id) for m in phone_messages] == [(Channel.WHATSAPP, "6281234567801", agreed.person_id)]
        assert phone_messages[0].body.startswith("Halo Siti,")


def test_a_returned_entry_corrected_with_consent_carries_it_to_the_person(notify_app):
    app = notify_app(**WHATSAPP)
    with app.app_context():
        make_user("staff1", Role.STAFF)
        head = make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
        list_id = make_list(head).id
    head_client = app.test_client()
    AuthActions(head_client).login("rtrw1")
    url = f"/daftar/{list_id}"

    def head_post(path, data):
        return head_client.post(f"{url}{path}", data={"csrf_token": csrf_token(head_client, url), **data})

    row = typed(full_name="Siti Aminah", phone="081234567801")
    assert head_post("/baris", row).status_code == 302
    assert head_post("/kirim", {"acknowledge_warnings": "y"}).status_code == 302
    with app.app_context():
        entry_id = db.session.scalar(db.select(ListEntry.id).filter_by(list_id=list_id))
    staff_client = app.test_client()
    AuthActions(staff_client).login("staff1")
    response = post(staff_client, f"/verifikasi/{entry_id}/kembalikan", {"reason_text": "Tanyakan persetujuan kabar."})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ListEntry, entry_id).state == EntryState.RETURNED

    # The head asks the person, ticks the box and sends the row again.
    assert head_post(f"/baris/{entry_id}/ubah", {**row, "phone_consent": "y"}).status_code == 302
    assert head_post(f"/baris/{entry_id}/kirim-ulang", {"acknowledge_warnings": "y"}).status_code == 302
    assert post(staff_client, f"/verifikasi/{entry_id}/setujui", {}).status_code == 302
    with app.app_context():
        entry = db.session.get(ListEntry, entry_id)
        assert entry.state == EntryState.APPROVED and entry.person.phone_consent
        assert [m.recipient for m in messages() if m.channel.is_phone] == ["6281234567801"]
