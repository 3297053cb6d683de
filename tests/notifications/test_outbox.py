"""The outbox: messages are written with the change that causes them, or not at all."""

from __future__ import annotations

import re

import pytest

from portal.extensions import db
from portal.models import Channel, EntryState, ListEntry, MessageState, Role
from portal.notifications import recipients
from portal.review import services as review
from tests.factories import make_entry, make_list, make_user
from tests.notifications.helpers import messages
from tests.review.helpers import post

PHONE = "081234567890"


def _approvable(count=1, **fields):
    head = make_user("rtrw1", Role.RT_RW)
    member_list = make_list(head)
    return [make_entry(member_list, full_name=f"Siti Aminah Daeng {n}", phone=PHONE[:-2] + f"{n:02d}", **fields).id
            for n in range(count)]


def test_an_approval_queues_one_whatsapp_text_and_one_super_app_webhook_without_nik_or_full_name(notify_app, auth):
    app = notify_app(NOTIFY_WHATSAPP_TOKEN="t", NOTIFY_WHATSAPP_PHONE_NUMBER_ID="1", NOTIFY_WEBHOOK_URL="http://x", NOTIFY_WEBHOOK_SECRET="s")
    client = app.test_client()
    with app.app_context():
        make_user("staff1", Role.STAFF)
        [entry_id] = _approvable(phone_consent=True)
        nik = db.session.get(ListEntry, entry_id).nik
    from tests.conftest import AuthActions

    AuthActions(client).login("staff1")
    response = post(client, f"/verifikasi/{entry_id}/setujui", {}, follow_redirects=True)
    assert response.status_code == 200
    with app.app_context():
        phone, hook = messages()
        assert (phone.channel, phone.recipient, phone.template, phone.state) == (Channel.WHATSAPP, "6281234567800", "member_approved", MessageState.QUEUED)
        assert phone.body.startswith("Halo Siti, Anda kini peserta BPJS Ketenagakerjaan") and "http://portal.test/cek-status" in phone.body
        assert "Aminah" not in phone.body and nik not in phone.body and nik not in str(phone.parameters)
        person = db.session.get(ListEntry, entry_id).person
        assert person.phone_consent and phone.person_id == person.id
        assert hook.channel == Channel.WEBHOOK and hook.template == "membership_changed"
        assert '"status": "approved"' in hook.body and nik not in hook.body and "Siti" not in hook.body
        assert hook.recipient == "lontara-plus" and hook.person_id == person.id


def test_an_approval_rolled_back_leaves_no_message(notify_app):
    app = notify_app()
    with app.app_context():
        staff = make_user("staff1", Role.STAFF)
        [entry_id] = _approvable(phone_consent=True)

        def fail():
            raise RuntimeError("the commit never happens")

        with pytest.raises(RuntimeError):
            review.approve_entries([entry_id], staff, commit=fail)
        db.session.rollback()
        assert messages() == []
        assert db.session.get(ListEntry, entry_id).state == EntryState.PENDING
        review.approve_entries([entry_id], staff, commit=db.session.commit)
        assert len(messages()) == 2  # committed with the approval: the text and the webhook


def test_a_phone_without_consent_or_that_said_stop_gets_nothing_but_the_super_app_still_hears(notify_app):
    app = notify_app()
    with app.app_context():
        staff = make_user("staff1", Role.STAFF)
        ids = _approvable(3)
        db.session.get(ListEntry, ids[1]).phone_consent = True
        db.session.get(ListEntry, ids[2]).phone_consent = True
        recipients.stop(db.session.get(ListEntry, ids[2]).phone, "help")
        db.session.commit()
        review.approve_entries(ids, staff, commit=db.session.commit)
        queued = messages()
        [hook] = [m for m in queued if m.template == "membership_changed"]
        assert hook.body.count('"status": "approved"') == 3
        assert [m.recipient for m in queued if m.template == "member_approved"] == ["6281234567801"]
        assert {m.channel for m in queued} == {Channel.DEV}  # no credentials: nothing leaves the portal


def test_a_bulk_approval_queues_every_text_and_one_webhook_in_few_statements(notify_app):
    app = notify_app()
    with app.app_context():
        staff = make_user("staff1", Role.STAFF)
        ids = _approvable(30, phone_consent=True)
        statements = []
        from sqlalchemy import event

        def count(conn, cursor, statement, *args):
            if statement.lstrip().upper().startswith("INSERT INTO NOTIFICATION_MESSAGE"):
                statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            result = review.approve_entries(ids, staff, commit=db.session.commit)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert len(result.approved) == 30
        assert len(messages(template="member_approved")) == 30
        [hook] = messages(template="membership_changed")  # one webhook tells of the 30 memberships
        assert hook.body.count('"status": "approved"') == 30
        assert len(statements) <= 4  # executemany, however the driver batches it


def test_an_ended_membership_tells_the_super_app(notify_app):
    from datetime import date

    from portal.memberships.services import end_membership
    from portal.models import EndReason
    from tests.factories import make_member

    app = notify_app()
    with app.app_context():
        _person, membership = make_member()
        end_membership(membership, EndReason.MOVED_AWAY, date.today())
        db.session.commit()
        [hook] = messages()
        assert '"status": "ended"' in hook.body and membership.number in hook.body


def test_no_message_body_holds_a_nik_like_number(notify_app):
    app = notify_app()
    with app.app_context():
        staff = make_user("staff1", Role.STAFF)
        ids = _approvable(5, phone_consent=True)
        review.approve_entries(ids, staff, commit=db.session.commit)
        assert messages()
        assert not [m.id for m in messages() if re.search(r"\d{16}", m.body + str(m.parameters))]
