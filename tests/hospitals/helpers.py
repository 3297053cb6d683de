"""Helpers of the partner facility tests: a facility and an account bound to it."""

from __future__ import annotations

from portal.extensions import db
from portal.models import FacilityKind, PartnerFacility, Role, User
from tests.factories import make_user


def make_facility(name: str = "RS Uji Makassar", *, kind: FacilityKind = FacilityKind.HOSPITAL, active: bool = True, **fields) -> PartnerFacility:
    facility = PartnerFacility(name=name, kind=kind, active=active, address=fields.pop("address", ""), phone=fields.pop("phone", ""))
    db.session.add(facility)
    db.session.commit()
    return facility


def make_hospital_user(username: str = "rs1", facility: PartnerFacility | None = None) -> User:
    facility = facility or make_facility()
    return make_user(username, Role.HOSPITAL, facility_id=facility.id)
