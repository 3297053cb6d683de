"""Keeping the partner facilities: list, add, edit, deactivate; every change audited."""

from __future__ import annotations

from flask_babel import gettext as _

from portal import audit
from portal.extensions import db
from portal.models import FacilityKind, PartnerFacility, User

FIELDS = ("name", "kind", "address", "phone")


class FacilityError(ValueError):
    """A change to a facility that cannot be made; the message is for the admin."""


def all_facilities() -> list[PartnerFacility]:
    """Every facility, the active ones first, by name (the list is a few dozen at most)."""
    return list(
        db.session.scalars(db.select(PartnerFacility).order_by(PartnerFacility.active.desc(), PartnerFacility.name))
    )


def active_facilities() -> list[PartnerFacility]:
    """The facilities citizens are sent to, by kind (hospitals first) and name."""
    order = {FacilityKind.HOSPITAL: 0, FacilityKind.PUSKESMAS: 1, FacilityKind.CLINIC: 2}
    rows = db.session.scalars(db.select(PartnerFacility).where(PartnerFacility.active.is_(True)))
    return sorted(rows, key=lambda f: (order[f.kind], f.name.casefold()))


def facility_choices() -> list[tuple[str, str]]:
    """(id, name) of the active facilities, for binding a hospital account."""
    return [(str(f.id), f.name) for f in all_facilities() if f.active]


def _check_name(name: str, facility: PartnerFacility | None) -> None:
    query = db.select(PartnerFacility.id).where(db.func.lower(PartnerFacility.name) == name.lower())
    if facility is not None:
        query = query.where(PartnerFacility.id != facility.id)
    if db.session.scalar(query) is not None:
        raise FacilityError(_("Fasilitas bernama %(name)s sudah ada.", name=name))


def create_facility(values: dict, actor: User | None) -> PartnerFacility:
    """Add a facility (active) with an audit event."""
    _check_name(values["name"], None)
    facility = PartnerFacility(active=True, **{name: values[name] for name in FIELDS})
    db.session.add(facility)
    db.session.flush()
    audit.record("facility.create", "partner_facility", facility.id, actor=actor, name=facility.name)
    return facility


def update_facility(facility: PartnerFacility, values: dict, actor: User) -> list[str]:
    """Save the fields that changed, with one audit event naming them; returns their names."""
    _check_name(values["name"], facility)
    changed = [name for name in FIELDS if getattr(facility, name) != values[name]]
    for name in changed:
        setattr(facility, name, values[name])
    if changed:
        audit.record("facility.update", "partner_facility", facility.id, actor=actor, name=facility.name, fields=changed)
    db.session.flush()
    return changed


def set_active(facility: PartnerFacility, active: bool, actor: User) -> None:
    """Deactivate (hidden from citizens, its hospital accounts signed out) or reactivate a facility."""
    facility.active = active
    if not active:
        # Whoever is signed in for the facility stops at once.
        for user in db.session.scalars(db.select(User).where(User.facility_id == facility.id)):
            user.rotate_session_token()
    audit.record(
        "facility.activate" if active else "facility.deactivate", "partner_facility", facility.id,
        actor=actor, name=facility.name,
    )


def ensure_facility(name: str, kind: FacilityKind = FacilityKind.HOSPITAL) -> tuple[PartnerFacility, bool]:
    """The facility with this name, added (active, no address or phone) when missing; and whether it was added."""
    facility = db.session.scalar(db.select(PartnerFacility).where(PartnerFacility.name == name))
    if facility is not None:
        return facility, False
    facility = PartnerFacility(name=name, kind=kind, address="", phone="", active=True)
    db.session.add(facility)
    db.session.flush()
    return facility, True
