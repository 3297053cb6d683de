"""The cover look-up for partner facilities: covered today or not, and the little a nurse needs.

By NIK it reuses Cek Status's one decision (portal.citizen.services.check_status), so the
name is the same second factor and an unknown NIK answers exactly as a wrong name does.
By KPJ number (BPJS's participant number, printed on the card) or by the card's QR code
the number or code alone is enough: only signed-in staff of a partner facility, with a
second factor, or its facility-scoped API key can ask.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from portal import audit, clock
from portal.certificates.services import code_in
from portal.citizen.services import StatusOutcome, check_status
from portal.extensions import db
from portal.models import Certificate, Membership, MembershipStatus, PartnerFacility, Person
from portal.models.base import utcnow
from portal.names import mask_name

# Answers of Cek Status that come from a membership; proposals still under review are
# not cover, and a facility learns nothing about them.
_MEMBERSHIP_OUTCOMES = (StatusOutcome.ACTIVE, StatusOutcome.EXPIRED, StatusOutcome.ENDED)


@dataclass(frozen=True)
class CoverAnswer:
    """What a facility may learn about a patient; nothing in it identifies them in clear."""

    as_of: datetime
    found: bool = False
    covered: bool = False
    masked_name: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    programmes: tuple[str, ...] = ()
    # For the access history only; never shown.
    person_id: int | None = field(default=None, compare=False)


def _cover(person_id: int, masked_name: str | None, status: MembershipStatus, starts_on: date, ends_on: date,
           programmes: tuple[str, ...], now: datetime) -> CoverAnswer:
    today = clock.today()  # the same (Makassar) day Cek Status answers for
    covered = status == MembershipStatus.ACTIVE and starts_on <= today <= ends_on
    return CoverAnswer(
        as_of=now, found=True, covered=covered, masked_name=masked_name,
        starts_on=starts_on, ends_on=ends_on, programmes=programmes, person_id=person_id,
    )


def cover_by_nik(nik: str, full_name: str, now: datetime | None = None) -> CoverAnswer:
    """The cover of the person with this NIK if `full_name` is theirs; else not found."""
    now = now or utcnow()
    answer = check_status(nik, full_name)
    if answer.outcome not in _MEMBERSHIP_OUTCOMES or answer.person_id is None:
        return CoverAnswer(as_of=now)
    status = {
        StatusOutcome.ACTIVE: MembershipStatus.ACTIVE,
        StatusOutcome.EXPIRED: MembershipStatus.EXPIRED,
        StatusOutcome.ENDED: MembershipStatus.ENDED,
    }[answer.outcome]
    # check_status masks the name already.
    return _cover(answer.person_id, answer.masked_name, status, answer.starts_on, answer.ends_on, answer.programmes, now)


def cover_by_kpj(kpj: str, now: datetime | None = None) -> CoverAnswer:
    """The cover of the member with this KPJ number (the active membership first, else the latest)."""
    return _latest_cover(Membership.kpj_number == kpj, now or utcnow())


def cover_by_card(scanned: str, now: datetime | None = None) -> CoverAnswer:
    """The cover of the card's holder, from what its QR code says (or its typed code).

    The card names the person; the answer is their cover today, like the KPJ look-up (a
    renewed member's old card still finds the new period). A revoked card, another site's
    code or anything that is no card code answers "not found", as an unknown KPJ does.
    """
    now = now or utcnow()
    code = code_in(scanned)
    if code is None:
        return CoverAnswer(as_of=now)
    person_id = db.session.scalar(
        db.select(Membership.person_id)
        .join(Certificate, Certificate.membership_id == Membership.id)
        .where(Certificate.code == code, Certificate.revoked_at.is_(None))
    )
    if person_id is None:
        return CoverAnswer(as_of=now)
    return _latest_cover(Membership.person_id == person_id, now)


def _latest_cover(condition, now: datetime) -> CoverAnswer:
    """The cover of the membership matching `condition`: the active one first, else the latest."""
    row = db.session.execute(
        db.select(Membership, Person.full_name)
        .join(Person, Person.id == Membership.person_id)
        .where(condition)
        .order_by((Membership.status == MembershipStatus.ACTIVE).desc(), Membership.starts_on.desc())
        .limit(1)
    ).first()
    if row is None:
        return CoverAnswer(as_of=now)
    membership, full_name = row
    return _cover(
        membership.person_id, mask_name(full_name), membership.status, membership.starts_on, membership.ends_on,
        tuple(membership.programmes), now,
    )


def record_lookup(answer: CoverAnswer, facility: PartnerFacility, method: str, *, actor_name: str | None = None) -> None:
    """Every look-up in the audit trail; a found one in the person's access history, naming the facility.

    A look-up is a read, as a status check is: its event joins the next batch of access
    records (audit.record_soon, written within AUDIT_BATCH_SECONDS) instead of costing each
    look-up an INSERT, a commit and a later seal. The actor is the signed-in account, or
    `actor_name` for the API's key.
    """
    audit.record_soon(
        "hospital.lookup",
        "person" if answer.person_id else "partner_facility",
        answer.person_id or facility.id,
        person_id=answer.person_id,
        actor_name=actor_name,
        facility=facility.name,
        facility_id=facility.id,
        method=method,
        outcome="covered" if answer.covered else ("not_covered" if answer.found else "not_found"),
    )
