"""The RT/RW heads' and agents' daily digest: one message per head per Makassar day, only when
something new needs them, saying in counts what waits (rows returned for fixing, members to
re-confirm, cards to hand out, requests the desk asked them about) with a link to "Tugas saya".

What is new is counted when the digest runs, not written down by the actions that cause it:
each source (portal.main.inbox, portal.renewal.reverification, portal.handout.services,
portal.public_requests.handling) answers one GROUP BY of what waits per area, and how much of
it happened after the previous day's digest (its `taken_at`). So a row fixed before the digest
is not announced, the counts are the ones the head's pages show, and no action anywhere has to
remember to queue a digest item. A day's run is a row of `notification_digest_run` committed
with the messages it queued: its primary key (the day) makes a second run that day, or two
concurrent ones, queue nothing. About ten statements whatever the number of heads: four
grouped counts, the heads, their opt-outs, one INSERT of the messages and one of the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from flask import current_app
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.handout.services import ready_by_area
from portal.main.inbox import returned_by_area
from portal.models import AREA_ROLES, DigestRun, Role, User
from portal.notifications import outbox, recipients, texts
from portal.notifications.outbox import Notice
from portal.public_requests.handling import asked_by_area
from portal.renewal.reverification import waiting_by_area

# The digest's counts, in the order of the template's parameters.
KINDS = ("returned", "reverification", "cards", "requests")
# Only RT/RW heads answer the request desk's questions (portal.public_requests.handling).
KINDS_FOR = {Role.RT_RW: KINDS, Role.AGENT: ("returned", "reverification", "cards")}


@dataclass(frozen=True)
class DigestReport:
    """What one run did: `ran` is False when that day's digest had already run."""

    day: date
    ran: bool
    heads: int = 0  # consenting heads with something new
    queued: int = 0  # digests queued (the rest said STOP)


def _utc(moment: datetime | None) -> datetime | None:
    """A moment as aware UTC (SQLite hands back naive UTC)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


class _AreaTally:
    """One source's (waiting, new) counts per RT and per RW, as an RT head and an RW head
    (or agent) see them (portal.access.area_clause)."""

    def __init__(self, rows):
        self.by_rt: dict[tuple, list[int]] = {}
        self.by_rw: dict[tuple, list[int]] = {}
        for row in rows:
            if row.kelurahan_code is None or row.rw is None:
                continue
            for key, table in (((row.kelurahan_code, row.rw, row.rt), self.by_rt), ((row.kelurahan_code, row.rw), self.by_rw)):
                tally = table.setdefault(key, [0, 0])
                tally[0] += row.waiting
                tally[1] += row.new

    def of(self, head) -> list[int]:
        if head.role == Role.RT_RW and head.rt is not None:
            return self.by_rt.get((head.kelurahan_code, head.rw, head.rt), [0, 0])
        return self.by_rw.get((head.kelurahan_code, head.rw), [0, 0])


def _consenting_heads() -> list:
    """Active heads and agents with an area and a phone they agreed to get messages on."""
    return db.session.execute(
        select(User.id, User.full_name, User.phone, User.role, User.kelurahan_code, User.rw, User.rt, User.message_locale)
        .where(User.role.in_(AREA_ROLES), User.active.is_(True), User.phone_consent.is_(True), User.phone.is_not(None),
               User.kelurahan_code.is_not(None), User.rw.is_not(None))
        .order_by(User.id)
    ).all()


def last_run(day: date) -> DigestRun | None:
    """The digest run of a Makassar day, if it ran."""
    return db.session.get(DigestRun, day)


def run_digest(now: datetime | None = None) -> DigestReport:
    """Queue the day's digest to every consenting head with something new (flushes; the caller
    commits). Nothing when the day's digest already ran; a concurrent run of the same day fails
    on the run's primary key at flush or commit (IntegrityError), queuing nothing."""
    now = _utc(now) or outbox.moment()
    day = now.astimezone(clock.CITY_TIMEZONE).date()
    if last_run(day) is not None:
        return DigestReport(day, ran=False)
    db.session.add(DigestRun(day=day, taken_at=now, heads=0, queued=0))
    db.session.flush()  # claims the day first: a concurrent run waits here, then fails
    since = _utc(db.session.scalar(select(func.max(DigestRun.taken_at)).where(DigestRun.day < day)))
    tallies = {
        "returned": _AreaTally(returned_by_area(since)),
        "reverification": _AreaTally(waiting_by_area(since, day)),
        "cards": _AreaTally(ready_by_area(since)),
        "requests": _AreaTally(asked_by_area(since)),
    }
    link = texts.portal_link("main.dashboard")
    notices = []
    for head in _consenting_heads():
        phone = recipients.international_phone(head.phone)
        if phone is None:
            continue
        counts = {kind: tallies[kind].of(head) if kind in KINDS_FOR[head.role] else [0, 0] for kind in KINDS}
        if not any(new for _waiting, new in counts.values()):
            continue
        parameters = {"first_name": texts.first_name(head.full_name), **{kind: counts[kind][0] for kind in KINDS}, "link": link}
        notices.append(Notice(phone, parameters, locale=head.message_locale or "id", user_id=head.id))
    digests = recipients.digests({notice.recipient for notice in notices})
    stopped = recipients.opted_out(set(digests.values()))
    queued = outbox.queue_phone(texts.HEAD_DIGEST, [n for n in notices if digests[n.recipient] not in stopped])
    run = last_run(day)
    run.heads, run.queued = len(notices), queued
    db.session.flush()
    return DigestReport(day, ran=True, heads=len(notices), queued=queued)


def due(now: datetime | None = None) -> bool:
    """Whether the sender loop should run the digest now: from NOTIFY_DIGEST_HOUR (Makassar
    time) on, when the day's digest has not run; never when the setting is outside 0-23."""
    hour = current_app.config["NOTIFY_DIGEST_HOUR"]
    local = (_utc(now) or outbox.moment()).astimezone(clock.CITY_TIMEZONE)
    return 0 <= hour <= 23 and local.hour >= hour and last_run(local.date()) is None
