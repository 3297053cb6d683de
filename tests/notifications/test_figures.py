"""The staff page's figures: messages per Makassar day, channel and state counted in SQL (one
GROUP BY on the local day), the same on SQLite and PostgreSQL, bounded to the last 14 days."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from portal import clock
from portal.extensions import db
from portal.models import Channel, MessageState, NotificationMessage, Role
from portal.notifications import services
from portal.notifications.services import DayFigure
from tests.conftest import AuthActions
from tests.factories import make_user

MAKASSAR = clock.CITY_TIMEZONE


def _message(created_at: datetime, channel=Channel.WHATSAPP, state=MessageState.SENT) -> dict:
    return {"channel": channel, "recipient": "6281234567890", "recipient_digest": "d", "template": "member_approved",
            "locale": "id", "parameters": {}, "body": "Halo", "state": state, "attempts": 1,
            "next_attempt_at": created_at, "created_at": created_at, "updated_at": created_at}


def test_messages_are_counted_per_makassar_day_channel_and_state_in_sql(notify_app, monkeypatch):
    app = notify_app()
    today = date(2027, 3, 10)
    monkeypatch.setattr(clock, "today", lambda: today)
    utc = timezone.utc
    rows = [
        # 23:59 WITA on 4 March is 15:59 UTC; a minute later it is 5 March in Makassar (still the 4th in UTC).
        _message(datetime(2027, 3, 4, 15, 59, tzinfo=utc)),
        _message(datetime(2027, 3, 4, 16, 0, tzinfo=utc)),
        _message(datetime(2027, 3, 4, 16, 30, tzinfo=utc)),
        _message(datetime(2027, 3, 4, 17, 0, tzinfo=utc), state=MessageState.DEAD),
        _message(datetime(2027, 3, 4, 17, 0, tzinfo=utc), channel=Channel.WEBHOOK, state=MessageState.DELIVERED),
        # 00:00 WITA on 25 February: the 14th day back, the first one shown; the minute before is not.
        _message(datetime(2027, 2, 24, 16, 0, tzinfo=utc)),
        _message(datetime(2027, 2, 24, 15, 59, tzinfo=utc)),
    ]
    with app.app_context():
        db.session.execute(db.insert(NotificationMessage), rows)
        db.session.commit()
        assert services.daily_figures() == [
            DayFigure(date(2027, 3, 5), Channel.WHATSAPP, MessageState.SENT, 2),
            DayFigure(date(2027, 3, 5), Channel.WHATSAPP, MessageState.DEAD, 1),
            DayFigure(date(2027, 3, 5), Channel.WEBHOOK, MessageState.DELIVERED, 1),
            DayFigure(date(2027, 3, 4), Channel.WHATSAPP, MessageState.SENT, 1),
            DayFigure(date(2027, 2, 25), Channel.WHATSAPP, MessageState.SENT, 1),
        ]
        assert services.daily_figures(days=6) == services.daily_figures()[:3]
        make_user("staff1", Role.STAFF)
    client = app.test_client()
    AuthActions(client).login("staff1")
    page = client.get("/notifikasi/").get_data(as_text=True)
    assert "5 Mar 2027" in page or "5 Maret 2027" in page or "05/03/2027" in page, page[page.find("Pesan per hari"):][:800]


def test_the_figures_look_back_fourteen_days_including_today(notify_app):
    app = notify_app()
    with app.app_context():
        now = datetime.now(timezone.utc)
        db.session.execute(db.insert(NotificationMessage), [_message(now), _message(now - timedelta(days=20))])
        db.session.commit()
        [figure] = services.daily_figures()
        assert (figure.day, figure.count) == (clock.today(), 1)
