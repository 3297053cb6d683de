"""All models, imported here so Alembic and the app see one metadata."""

from portal.models.accounts import AREA_ROLES, OFFICE_ROLES, AccountBatch, PendingLogin, Role, User, UserSession
from portal.models.api import ApiKey
from portal.models.audit import AuditEvent
from portal.models.contributions import (
    Bill,
    BillDifference,
    BillLine,
    BillStatus,
    DifferenceKind,
    Payment,
    PaymentMonth,
    Resolution,
)
from portal.models.cases import Case, CaseDocument, CaseDocumentType, CaseEvent, CaseKind, CaseState
from portal.models.facilities import FacilityKind, PartnerFacility
from portal.models.bpjs import BpjsBatch, BpjsBatchItem, BpjsDeregBatch, BpjsDeregItem
from portal.models.duplicates import DuplicatePair, DuplicateVerdict, PersonNikAlias
from portal.models.dtsen import DesilHistory, DtsenFlag, DtsenFlagReason, DtsenFlagStatus
from portal.models.handout import CardHandover, Receiver
from portal.models.institutional import ImportStatus, InstitutionalImport, UnplacedEntry
from portal.models.lists import EntryState, ListEntry, ListSource, MemberList
from portal.models.memberships import (
    Certificate,
    EndReason,
    Membership,
    MembershipNumberSequence,
    MembershipStatus,
)
from portal.models.notifications import Channel, DigestRun, MessageState, NotificationMessage, NotificationOptOut
from portal.models.persons import DesilRecord, Person, Sex
from portal.models.printing import (
    CertificateScan,
    PrintDocument,
    PrintJob,
    PrintJobStatus,
    PrintRecord,
)
from portal.models.programme import PROGRAMMES, Category, CategorySetting, CoverageMode, CoverageStart, ProgrammeYear
from portal.models.renewal import (
    RenewalDecision,
    RenewalOutcome,
    RenewalRun,
    RenewalRunStatus,
    Reverification,
    ReverificationAnswer,
)
from portal.models.regions import AREA_NUMBER_MAX, Kecamatan, Kelurahan
from portal.models.reports import KecamatanTarget
from portal.models.requests import (
    PersonalDataAction,
    PublicRequest,
    RequestEvent,
    RequestKind,
    RequestOutcome,
    RequestState,
)
from portal.models.settings import SiteSetting
from portal.models.storage import StoredFile, StoredFileChunk

__all__ = [
    "Channel",
    "MessageState",
    "DigestRun",
    "NotificationMessage",
    "NotificationOptOut",
    "PersonalDataAction",
    "PublicRequest",
    "RequestEvent",
    "RequestKind",
    "RequestOutcome",
    "RequestState",
    "AREA_NUMBER_MAX",
    "AREA_ROLES",
    "OFFICE_ROLES",
    "AccountBatch",
    "PROGRAMMES",
    "ApiKey",
    "AuditEvent",
    "Bill",
    "BillDifference",
    "BillLine",
    "BillStatus",
    "BpjsBatch",
    "BpjsBatchItem",
    "BpjsDeregBatch",
    "BpjsDeregItem",
    "CardHandover",
    "Case",
    "CaseDocument",
    "CaseDocumentType",
    "CaseEvent",
    "CaseKind",
    "CaseState",
    "Category",
    "CategorySetting",
    "CoverageMode",
    "CoverageStart",
    "Certificate",
    "CertificateScan",
    "DesilHistory",
    "DifferenceKind",
    "DesilRecord",
    "DtsenFlag",
    "DtsenFlagReason",
    "DtsenFlagStatus",
    "DuplicatePair",
    "DuplicateVerdict",
    "EndReason",
    "EntryState",
    "FacilityKind",
    "ImportStatus",
    "InstitutionalImport",
    "Kecamatan",
    "KecamatanTarget",
    "Kelurahan",
    "ListEntry",
    "ListSource",
    "MemberList",
    "Membership",
    "MembershipNumberSequence",
    "MembershipStatus",
    "PartnerFacility",
    "Payment",
    "PaymentMonth",
    "UnplacedEntry",
    "PendingLogin",
    "Person",
    "PersonNikAlias",
    "PrintDocument",
    "PrintJob",
    "PrintJobStatus",
    "PrintRecord",
    "ProgrammeYear",
    "RenewalDecision",
    "Resolution",
    "RenewalOutcome",
    "RenewalRun",
    "RenewalRunStatus",
    "Reverification",
    "ReverificationAnswer",
    "Receiver",
    "Role",
    "Sex",
    "SiteSetting",
    "StoredFile",
    "StoredFileChunk",
    "User",
    "UserSession",
]
