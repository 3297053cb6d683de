"""Demo data of the notifications: a few members who agreed to messages, their messages in
every state (sent, delivered, failed, dead, waiting), and a number that said STOP."""

from __future__ import annotations

from datetime import timedelta

from portal.extensions import db
from portal.models import Membership, MembershipStatus, MessageState, NotificationMessage, User
from portal.notifications import digest, events, recipients
from portal.notifications.outbox import moment

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

    seed_digest_demo()


def seed_digest_demo() -> None:
    """rtrw1 agreed to messages: today's heads' digest is queued for them (development channel,
    shown on /notifikasi/) with what waits in their RW, so a second run today queues nothing."""
    head = db.session.scalar(db.select(User).filter_by(username="rtrw1"))
    if head is None:
        return
    head.phone = head.phone or "081355500011"
    head.phone_consent = True
    db.session.flush()
    digest.run_digest()
