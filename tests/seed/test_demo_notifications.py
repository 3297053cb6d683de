"""`flask seed demo` includes notifications: messages in several states, on the staff page."""

from portal.extensions import db
from portal.models import MessageState, NotificationMessage, NotificationOptOut


def test_the_demo_has_messages_in_several_states_and_a_stopped_number(app, runner, client, auth):
    result = runner.invoke(args=["seed", "demo", "--password", "demo-password-2026"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        states = set(db.session.scalars(db.select(NotificationMessage.state)))
        assert {MessageState.SENT, MessageState.DELIVERED, MessageState.FAILED, MessageState.DEAD} <= states
        assert db.session.scalar(db.select(db.func.count()).select_from(NotificationOptOut)) == 1
    auth.login("staff1", "demo-password-2026")
    page = client.get("/notifikasi/").get_data(as_text=True)
    assert "503/131000" in page and "Kirim ulang" in page and "Halo " in page


def test_the_demo_has_a_heads_digest_waiting_on_the_development_channel(app, runner, client, auth):
    from portal.models import DigestRun, User

    result = runner.invoke(args=["seed", "demo", "--password", "demo-password-2026"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        head = db.session.scalar(db.select(User).filter_by(username="rtrw1"))
        digests = db.session.scalars(db.select(NotificationMessage).filter_by(template="head_digest")).all()
        # rtrw1 and every other consenting demo head or agent with something new: one each.
        assert len({m.user_id for m in digests}) == len(digests)
        [message] = [m for m in digests if m.user_id == head.id]
        assert message.state == MessageState.QUEUED
        assert db.session.scalar(db.select(db.func.count()).select_from(DigestRun)) == 1
    assert "already ran today" in runner.invoke(args=["notifications", "digest"]).output
    auth.login("staff1", "demo-password-2026")
    page = client.get("/notifikasi/").get_data(as_text=True)
    assert "head_digest" in page and "yang menunggu Anda di portal Makassar Berjasa" in page


def test_the_demo_has_the_members_later_events_and_an_english_digest(app, runner):
    result = runner.invoke(args=["seed", "demo", "--password", "demo-password-2026"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        templates = set(db.session.scalars(db.select(NotificationMessage.template)))
        assert {"card_ready", "card_handed_over", "cover_ending", "case_changed"} <= templates
        english = db.session.scalars(db.select(NotificationMessage).filter_by(template="head_digest", locale="en")).all()
        assert len(english) == 1 and english[0].body.startswith("Hello ") and "waiting for you on the" in english[0].body
    assert "reminders: 0 members told" in runner.invoke(args=["notifications", "remind-expiring"]).output
