"""People in each state a status check can answer (called inside an app context)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from portal import clock
from portal.extensions import db
from portal.memberships.services import issue_certificate
from portal.models import EndReason, EntryState, MembershipStatus, Role
from portal.models.base import utcnow
from tests.factories import make_entry, make_list, make_member, make_user, new_nik

# Outcome -> the KTP name of a person in that state; see make_people.
NAMES = {
    "active": "Siti Aminah",
    "ended": "Andi Baso",
    "expired": "Nurhaeda Daeng Kebo",
    "pending": "Budi Santoso",
    "returned": "Muhammad Rizal",
    "rejected": "Hasnah Tahir",
}


def make_people(today: date | None = None) -> dict[str, str]:
    """One person per status outcome, plus a draft entry; returns outcome -> NIK."""
    today = today or clock.today()
    niks = {}
    person, membership = make_member(NAMES["active"])
    issue_certificate(membership)
    niks["active"] = person.nik

    person, membership = make_member(NAMES["ended"])
    membership.status = MembershipStatus.ENDED
    membership.end_reason = EndReason.MOVED_AWAY
    membership.ended_at = utcnow()
    niks["ended"] = person.nik

    person, membership = make_member(NAMES["expired"])
    membership.starts_on = today - timedelta(days=400)
    membership.ends_on = today - timedelta(days=36)
    niks["expired"] = person.nik
    db.session.commit()

    head = make_user("rtrw1", Role.RT_RW)
    member_list = make_list(head)
    submitted = datetime.now(timezone.utc) - timedelta(days=3)
    for outcome, state, reason in (
        ("pending", EntryState.PENDING, None),
        ("returned", EntryState.RETURNED, "data_mismatch"),
        ("rejected", EntryState.REJECTED, "not_eligible_category"),
    ):
        entry = make_entry(
            member_list, state=state, full_name=NAMES[outcome], reason_code=reason, submitted_at=submitted
        )
        niks[outcome] = entry.nik
    niks["draft"] = make_entry(member_list, state=EntryState.DRAFT, full_name="Dewi Lestari").nik
    return niks


def unknown_nik() -> str:
    return new_nik(date(1990, 7, 1))
