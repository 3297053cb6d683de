"""Demo data of the notifications: a few members who agreed to messages, their messages in
every state (sent, delivered, failed, dead, waiting), and a number that said STOP; the
members' later events (card printed, card handed over, cover ending soon); the heads'
digest, one head reading it in English. The case desk's demo death case has the family's
consent, so its state change is queued too (portal.seed.demo_cases)."""

from __future__ import annotations

from datetime import timedelta

from portal.extensions import db
from portal.certificates.services import current_certificate
from portal.models import CardHandover, Membership, Person, MembershipStatus, MessageState, NotificationMessage, User
from portal.notifications import digest, events, recipients, reminders
from portal.notifications.outbox import moment
from portal.seed.demo_renewal import EXPIRING

# The states the demo's messages are put in, oldest first; the rest stay queued.
DEMO_STATES = (
    (MessageState.SENT, "200", 1),
    (MessageState.DELIVERED, "200", 1),
    (MessageState.FAILED, "400/131026", 1),
    (MessageState.DEAD, "503/131000", 8),
)


def seed_notifications_demo() -> None:
    """Queue the approval messages of six members (with consent) and age them into each state."""
    memberships = db.session.scalars(
        db.select(Membership).where(Membership.status == MembershipStatus.ACTIVE).order_by(Membership.id).limit(6)
    ).all()
    for membership in memberships:
        membership.person.phone_consent = bool(membership.person.phone)
    first = db.session.scalar(db.select(db.func.max(NotificationMessage.id))) or 0
    events.members_approved(memberships)
    db.session.flush()
    queued = db.session.scalars(db.select(NotificationMessage).where(NotificationMessage.id > first).order_by(NotificationMessage.id)).all()
    now = moment()
    for message, (state, code, attempts) in zip(queued, DEMO_STATES * 3):
        message.state, message.provider_code, message.attempts = state, code, attempts
        message.created_at = now - timedelta(days=message.id % 3)
        if state in (MessageState.SENT, MessageState.DELIVERED):
            message.sent_at = message.created_at
    if memberships and memberships[-1].person.phone:
        recipients.stop(memberships[-1].person.phone, "help")
    db.session.flush()

    _member_events(memberships)
    seed_digest_demo()


def _member_events(memberships) -> None:
    """The consenting demo members' card messages (their cards were printed and handed out
    before they agreed, in portal.seed.demo_handout) and the cover-ending reminder of those
    whose cover ends within NOTIFY_COVER_ENDING_DAYS (in the last weeks of the year, all)."""
    certificates = [(current_certificate(m), m) for m in memberships]
    printed = [(certificate.id, m.person_id) for certificate, m in certificates if certificate is not None]
    events.cards_ready(printed)
    handovers = db.session.execute(
        db.select(CardHandover.certificate_id, CardHandover.handed_over_on).where(CardHandover.certificate_id.in_([c for c, _p in printed]))
    ).all()
    people = dict(printed)
    for certificate_id, handed_over_on in handovers:
        events.card_handed_over(certificate_id, people[certificate_id], handed_over_on)
    # One of the renewal demo's members whose cover ends in 12 days agreed to messages: the
    # reminder is in the demo whatever the day it is loaded on.
    expiring = db.session.scalar(db.select(Person).filter_by(full_name=EXPIRING[0][0]))
    if expiring is not None:
        expiring.phone, expiring.phone_consent = expiring.phone or "081234569001", True
        db.session.flush()
    reminders.remind_expiring()
    db.session.flush()


def seed_digest_demo() -> None:
    """rtrw1 agreed to messages: today's heads' digest is queued for them (development channel,
    shown on /notifikasi/) with what waits in their RW, so a second run today queues nothing."""
    head = db.session.scalar(db.select(User).filter_by(username="rtrw1"))
    if head is None:
        return
    head.phone = head.phone or "081355500011"
    head.phone_consent = True
    agent = db.session.scalar(db.select(User).filter_by(username="agent1"))
    if agent is not None:
        agent.message_locale = "en"  # agent1 chose English on their security page
    db.session.flush()
    digest.run_digest()
