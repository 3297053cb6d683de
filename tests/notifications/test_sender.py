"""The sender: retries with backoff then the dead-letter state, the provider's rate, quiet
hours and the daily cap on a fixed clock, and `flask notifications send`."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from portal import clock
from portal.extensions import db
from portal.models import Channel, MessageState, NotificationMessage
from portal.notifications import outbox, sender, texts
from portal.notifications.outbox import Notice
from tests.notifications.helpers import messages

MAKASSAR = clock.CITY_TIMEZONE


def _queue(count=1, phone="6281234567890", **parameters):
    notices = [Notice(phone, {"first_name": "Andi", "starts_on": datetime(2027, 1, 1).date(), "link": "http://portal.test/", **parameters})
               for _ in range(count)]
    outbox.queue_phone(texts.MEMBER_APPROVED, notices)
    db.session.commit()


def _fix_clock(monkeypatch, local: datetime):
    monkeypatch.setattr(clock, "now", lambda: local)


def test_a_provider_outage_is_retried_with_growing_waits_then_the_message_is_dead(notify_app, provider):
    provider.answers = [(503, {"error": {"code": 131000, "message": "Something went wrong"}}, {})]
    app = notify_app(NOTIFY_WHATSAPP_BASE_URL=provider.url, NOTIFY_WHATSAPP_PHONE_NUMBER_ID="1", NOTIFY_WHATSAPP_TOKEN="t",
                     NOTIFY_RETRY_SECONDS=60, NOTIFY_RETRY_MAX_SECONDS=3600, NOTIFY_MAX_ATTEMPTS=4)
    with app.app_context():
        _queue()
        start = outbox.moment()
        waits, moment = [], start
        for _ in range(4):
            sender.send_pass(now=moment)
            [message] = messages()
            if message.state == MessageState.QUEUED:
                due = message.next_attempt_at.replace(tzinfo=timezone.utc) if message.next_attempt_at.tzinfo is None else message.next_attempt_at
                waits.append(round((due - moment).total_seconds()))
                sender.send_pass(now=due - timedelta(seconds=1))  # not due yet: nothing sent
                moment = due
        assert waits == [60, 120, 240]
        assert len(provider.seen) == 4
        [message] = messages()
        assert (message.state, message.attempts, message.provider_code) == (MessageState.DEAD, 4, "503/131000")


def test_the_sender_keeps_to_the_providers_rate(notify_app, provider):
    provider.answers = [(200, {"messages": [{"id": "wamid.x"}]}, {})]
    app = notify_app(NOTIFY_WHATSAPP_BASE_URL=provider.url, NOTIFY_WHATSAPP_PHONE_NUMBER_ID="1", NOTIFY_WHATSAPP_TOKEN="t",
                     NOTIFY_RATE_PER_SECOND=20, NOTIFY_DAILY_CAP=100)
    with app.app_context():
        _queue(21)
        started = time.monotonic()
        report = sender.send_pass()
        elapsed = time.monotonic() - started
        assert report.counts == {"sent": 21}
        assert elapsed >= 1.0  # 21 messages at 20 a second: the last one a second after the first
        arrivals = provider.arrivals
        assert (arrivals[-1] - arrivals[0]) / (len(arrivals) - 1) >= 0.045  # the server saw them spaced out too


def test_a_message_queued_at_night_waits_until_morning_and_goes_then(notify_app, monkeypatch):
    app = notify_app(NOTIFY_QUIET_START="21:00", NOTIFY_QUIET_END="07:00")
    with app.app_context():
        _fix_clock(monkeypatch, datetime(2027, 3, 4, 22, 30, tzinfo=MAKASSAR))
        _queue()
        [message] = messages()
        due = message.next_attempt_at
        assert (due if due.tzinfo else due.replace(tzinfo=timezone.utc)) == datetime(2027, 3, 5, 7, 0, tzinfo=MAKASSAR)
        assert sender.send_pass(now=datetime(2027, 3, 5, 6, 59, tzinfo=MAKASSAR)).total == 0
        assert sender.send_pass(now=datetime(2027, 3, 5, 7, 0, tzinfo=MAKASSAR)).counts == {"sent": 1}


def test_a_retry_that_falls_in_quiet_hours_waits_until_morning(notify_app):
    app = notify_app(NOTIFY_QUIET_START="21:00", NOTIFY_QUIET_END="07:00")
    with app.app_context():
        db.session.execute(db.insert(NotificationMessage).values(
            channel=Channel.DEV, recipient="6281234567890", recipient_digest="d", template="member_approved", locale="id",
            parameters={}, body="Halo", state=MessageState.QUEUED, attempts=1, next_attempt_at=datetime(2027, 3, 4, 12, tzinfo=timezone.utc)))
        db.session.commit()
        report = sender.send_pass(now=datetime(2027, 3, 4, 23, 15, tzinfo=MAKASSAR))
        assert report.counts == {"held": 1}
        [message] = messages()
        due = message.next_attempt_at if message.next_attempt_at.tzinfo else message.next_attempt_at.replace(tzinfo=timezone.utc)
        assert message.state == MessageState.QUEUED and due == datetime(2027, 3, 5, 7, 0, tzinfo=MAKASSAR)


def test_one_number_gets_at_most_the_daily_cap_and_the_rest_the_next_morning(notify_app):
    app = notify_app(NOTIFY_DAILY_CAP=2, NOTIFY_QUIET_START="21:00", NOTIFY_QUIET_END="07:00")
    with app.app_context():
        _queue(3)
        _queue(1, phone="6281111111111")
        noon = datetime(2027, 3, 4, 12, 0, tzinfo=MAKASSAR)
        db.session.execute(db.update(NotificationMessage).values(next_attempt_at=noon.astimezone(timezone.utc)))
        db.session.commit()
        assert sender.send_pass(now=noon).counts == {"sent": 3, "held": 1}
        late = [m for m in messages() if m.state == MessageState.QUEUED]
        assert [m.provider_code for m in late] == ["daily_cap"]
        due = late[0].next_attempt_at if late[0].next_attempt_at.tzinfo else late[0].next_attempt_at.replace(tzinfo=timezone.utc)
        assert due == datetime(2027, 3, 5, 7, 0, tzinfo=MAKASSAR)
        assert sender.send_pass(now=noon + timedelta(hours=3)).total == 0
        assert sender.send_pass(now=datetime(2027, 3, 5, 7, 0, tzinfo=MAKASSAR)).counts == {"sent": 1}


def test_a_number_that_said_stop_after_queueing_is_not_sent(notify_app):
    from portal.notifications import recipients

    app = notify_app()
    with app.app_context():
        _queue()
        recipients.stop("081234567890", "reply")
        db.session.commit()
        assert sender.send_pass().counts == {"held": 1}
        [message] = messages()
        assert (message.state, message.provider_code, message.sent_at) == (MessageState.FAILED, "opted_out", None)


def test_a_message_a_dead_sender_left_half_sent_goes_back_to_the_queue(notify_app):
    app = notify_app(NOTIFY_SENDING_STALE_SECONDS=60)
    with app.app_context():
        _queue()
        db.session.execute(db.update(NotificationMessage).values(state=MessageState.SENDING, updated_at=outbox.moment() - timedelta(minutes=5)))
        db.session.commit()
        assert sender.send_pass().counts == {"sent": 1}


def test_flask_notifications_send_drains_the_outbox(notify_app):
    app = notify_app()
    with app.app_context():
        _queue(3)
    result = app.test_cli_runner().invoke(args=["notifications", "send"])
    assert result.exit_code == 0, result.output
    assert "sent: 3" in result.output
    with app.app_context():
        assert {m.state for m in messages()} == {MessageState.SENT}
    assert "nothing due" in app.test_cli_runner().invoke(args=["notifications", "send"]).output


def test_a_commit_that_queued_messages_wakes_the_local_sender(notify_app):
    app = notify_app(NOTIFY_SEND_AFTER_COMMIT=True)
    with app.app_context():
        _queue(2)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            db.session.expire_all()
            if {m.state for m in messages()} == {MessageState.SENT}:
                break
            time.sleep(0.1)
        assert {m.state for m in messages()} == {MessageState.SENT}
    app.extensions["notification_sender"]["executor"].shutdown(wait=True)
