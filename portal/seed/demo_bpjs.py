"""Demo data of the BPJS exchange: an earlier registration batch BPJS answered, a
de-registration batch of members who ended, and a few more ended since (the preview shows them)."""

from __future__ import annotations

from datetime import date, timedelta

from portal import clock
from portal.bpjs import deregistration
from portal.extensions import db
from portal.models import BpjsBatch, BpjsBatchItem, EndReason, Membership, MembershipStatus, User
from portal.memberships.services import end_membership


def seed_bpjs_demo(today: date | None = None) -> None:
    """Add the BPJS exchange demo once (called from seed_demo when the demo is first created)."""
    today = today or clock.today()
    staff = db.session.scalar(db.select(User).filter_by(username="staff1"))
    memberships = db.session.scalars(db.select(Membership).order_by(Membership.id)).all()
    if not memberships or db.session.scalar(db.select(BpjsBatch.id).limit(1)) is not None:
        return
    # About two thirds were sent in batch 1 (the rest wait for the next registration batch);
    # BPJS answered with a KPJ for most of those.
    sent = memberships[: len(memberships) * 2 // 3]
    batch = BpjsBatch(number=1, created_by_id=staff.id if staff else None, member_count=len(sent), file_format="xlsx")
    db.session.add(batch)
    db.session.flush()
    with_kpj: set[int] = set()
    for index, membership in enumerate(sent):
        db.session.add(BpjsBatchItem(batch_id=batch.id, membership_id=membership.id))
        if index % 5 and membership.person_id not in with_kpj and membership.kpj_number is None:
            membership.kpj_number = f"26{membership.person_id:09d}"
            with_kpj.add(membership.person_id)
    db.session.flush()
    # The members who ended or ran out by now are reported in de-registration batch 1 ...
    if deregistration.due_members(today):
        # Its XLSX kept in the file storage, as the background job does (portal.bpjs.jobs).
        deregistration.store_file(deregistration.create_batch(staff, today=today))
    # ... and two more were reported deceased since: the preview shows them, waiting.
    active = [m for m in sent if m.status == MembershipStatus.ACTIVE and m.ends_on >= today]
    for membership in active[-2:]:
        end_membership(membership, EndReason.DECEASED, today - timedelta(days=3), "Dilaporkan ketua RT.")
    db.session.flush()
