"""The "your cover ends soon" reminder: once a day (the sender loop, or
`flask notifications remind-expiring` from cron), every consenting member whose active cover
ends within NOTIFY_COVER_ENDING_DAYS and who holds nothing after it is told once (the
message's event key is the membership), so running it again, or twice at once, sends nothing
more. Members their head has already answered for (re-verification) are not told: the
renewal run decides them, and its own message ("diperpanjang") follows.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.models import Membership, NotificationMessage, Person, Reverification
from portal.notifications import events, outbox
from portal.renewal.reverification import ending_clause


logger = logging.getLogger(__name__)
CHUNK = 5_000  # members per queuing call: each call's look-ups are IN lists of this size


def remind_expiring(today: date | None = None) -> int:
    """Queue the reminder to every member whose cover ends soon and who was not yet told
    (flushes nothing else; the caller commits); returns how many were queued. In chunks: the
    first December run finds most of the city's consenting members."""
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
    ending = [(row.id, row.person_id, row.ends_on) for row in rows]
    return sum(events.cover_ending(ending[start:start + CHUNK]) for start in range(0, len(ending), CHUNK))


def due(last_day: date | None, now: datetime | None = None) -> bool:
    """Whether the sender loop should run the reminders now: once a Makassar day (`last_day`
    is the day the loop last ran them), from NOTIFY_DIGEST_HOUR on; never when that setting
    is outside 0-23 (then `flask notifications remind-expiring` runs from cron)."""
    hour = current_app.config["NOTIFY_DIGEST_HOUR"]
    local = (now or outbox.moment()).astimezone(clock.CITY_TIMEZONE)
    return 0 <= hour <= 23 and local.hour >= hour and local.date() != last_day
