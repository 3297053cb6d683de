"""All models, imported here so Alembic and the app see one metadata."""

from portal.models.accounts import AREA_ROLES, OFFICE_ROLES, Role, User
from portal.models.audit import AuditEvent
from portal.models.lists import EntryState, ListEntry, ListSource, MemberList
from portal.models.memberships import (
    Certificate,
    EndReason,
    Membership,
    MembershipNumberSequence,
    MembershipStatus,
)
from portal.models.persons import DesilRecord, Person, Sex
from portal.models.printing import (
    CertificateScan,
    PrintDocument,
    PrintJob,
    PrintJobStatus,
    PrintRecord,
)
from portal.models.programme import PROGRAMMES, Category, CategorySetting, ProgrammeYear
from portal.models.regions import Kecamatan, Kelurahan

__all__ = [
    "AREA_ROLES",
    "OFFICE_ROLES",
    "PROGRAMMES",
    "AuditEvent",
    "Category",
    "CategorySetting",
    "Certificate",
    "CertificateScan",
    "DesilRecord",
    "EndReason",
    "EntryState",
    "Kecamatan",
    "Kelurahan",
    "ListEntry",
    "ListSource",
    "MemberList",
    "Membership",
    "MembershipNumberSequence",
    "MembershipStatus",
    "Person",
    "PrintDocument",
    "PrintJob",
    "PrintJobStatus",
    "PrintRecord",
    "ProgrammeYear",
    "Role",
    "Sex",
    "User",
]
