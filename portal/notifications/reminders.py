"""The "your cover ends soon" reminder: once a day (the sender loop, or
`flask notifications remind-expiring` from cron), every consenting member whose active cover
ends within NOTIFY_COVER_ENDING_DAYS and who holds nothing after it is told once (the
message's event key is the membership), so running it again, or twice at once, sends nothing
more. Members their head has already answered for (re-verification) are not told: the
renewal run decides them, and its own message ("diperpanjang") follows.
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.models import Membership, NotificationMessage, Person, Reverification
from portal.notifications import events
from portal.renewal.reverification import ending_clause


def remind_expiring(today: date | None = None) -> int:
    """Queue the reminder to every member whose cover ends soon and who was not yet told
    (flushes nothing else; the caller commits); returns how many were queued."""
    today = today or clock.today()
    days = current_app.config["NOTIFY_COVER_ENDING_DAYS"]
    if days <= 0:
        return 0
    answered = select(Reverification.id).where(Reverification.membership_id == Membership.id)
    told = select(NotificationMessage.id).where(NotificationMessage.event_key == "cover_ending:" + db.cast(Membership.id, db.String))
    rows = db.session.execute(
        select(Membership.id, Membership.person_id, Membership.ends_on)
        .join(Person, Person.id == Membership.person_id)
        .where(ending_clause(today, days), Person.phone_consent.is_(True), Person.phone.is_not(None), ~answered.exists(), ~told.exists())
        .order_by(Membership.ends_on, Membership.id)
    ).all()
    return events.cover_ending((row.id, row.person_id, row.ends_on) for row in rows)
