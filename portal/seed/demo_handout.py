"""Demo data for the card hand-out and Kinerja: cards printed for members in rtrw1's RW
(Lette RW 002), a few of them already handed over, and an indicative incentive rate.

The Kinerja pages need no data of their own: the demo's lists (portal.seed.demo) were
submitted over the last 60 days by rtrw1, rtrw2 and agent1, with every outcome.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func

from portal import clock
from portal.certificates.services import print_document
from portal.extensions import db
from portal.models import (
    CardHandover,
    Membership,
    MembershipStatus,
    Person,
    PrintDocument,
    ProgrammeYear,
    Receiver,
    User,
)

LETTE, RW = "7371011004", 2
PRINTED = 12
HANDED_OVER = (  # receiver, receiver's name, days ago
    (Receiver.MEMBER, None, 0),
    (Receiver.FAMILY, "Hasnah (istri)", 0),
)
# Demo figure, not a confirmed rate (DOMAIN.md): rupiah per approved member, indicative only.
DEMO_INCENTIVE_PER_APPROVED = 5_000


def seed_handout_demo(today: date | None = None) -> None:
    """Print some cards of Lette RW 002 and hand a couple over; once (idempotent)."""
    today = today or clock.today()
    if db.session.scalar(db.select(func.count()).select_from(CardHandover)):
        return
    staff = db.session.scalar(db.select(User).filter_by(username="staff1"))
    memberships = db.session.scalars(
        db.select(Membership)
        .join(Person, Person.id == Membership.person_id)
        .where(Person.kelurahan_code == LETTE, Person.rw == RW, Membership.status == MembershipStatus.ACTIVE)
        .order_by(Person.rt, Person.full_name)
        .limit(PRINTED)
    ).all()
    certificates = [print_document(m, PrintDocument.CARD, staff) for m in memberships]
    db.session.flush()
    for certificate, (receiver, name, days_ago) in zip(certificates, HANDED_OVER):
        db.session.add(CardHandover(
            certificate=certificate, handed_over_on=today - timedelta(days=days_ago),
            receiver=receiver, receiver_name=name,
            recorded_by=db.session.scalar(db.select(User).filter_by(username="rtrw1")),
        ))
    programme_year = db.session.get(ProgrammeYear, today.year)
    if programme_year is not None and not programme_year.incentive_per_approved:
        programme_year.incentive_per_approved = DEMO_INCENTIVE_PER_APPROVED
    db.session.flush()
