"""Certificates: issuing, printing, revoking and verifying, and the facts printed on them."""

from __future__ import annotations

import base64
import enum
import re
from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO

import segno
from flask import current_app
from PIL import Image
from sqlalchemy import exists, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased, selectinload

from portal import clock
from portal import audit
from portal.extensions import db
from portal.memberships.services import issue_certificate
from portal.models import (
    Certificate,
    CertificateScan,
    Membership,
    MembershipStatus,
    Person,
    PrintDocument,
    PrintRecord,
    User,
)
from portal.models.base import utcnow
from portal.notifications import events as notification_events

# Parsed once per process by portal.pdf and shared by cards, sheets and certificates.
PRINT_STYLESHEET = "css/print-documents.css"


class VerificationStatus(enum.StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    EXPIRED = "expired"
    NOT_FOUND = "not_found"


class PrintRefused(Exception):
    """A print or revocation that the membership's state does not allow (message for staff)."""


@dataclass(frozen=True)
class DocumentFacts:
    """What a card or certificate shows: public facts and the QR code, never the NIK."""

    full_name: str
    membership_number: str
    certificate_number: str
    kpj_number: str | None
    kelurahan: str
    programmes: tuple[str, ...]
    starts_on: date
    ends_on: date
    issued_at: datetime
    verify_url: str
    qr_image: str


def is_printable(membership: Membership, today: date | None = None) -> bool:
    """Only active cover that has not run out gets a card."""
    today = today or clock.today()
    return membership.status == MembershipStatus.ACTIVE and membership.ends_on >= today


def current_certificate(membership: Membership) -> Certificate | None:
    """The membership's newest certificate that is not revoked."""
    return next((c for c in membership.certificates if c.revoked_at is None), None)


def certificate_number(certificate: Certificate) -> str:
    """Membership number and the certificate's sequence: MKS-2026-000123-01, then -02 after a revocation."""
    membership = certificate.membership
    ordinal = sum(1 for c in membership.certificates if c.id <= certificate.id)
    return f"{membership.number}-{ordinal:02d}"


# A certificate's code (secrets.token_urlsafe(16) today; up to the column's 43 characters).
CODE_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,43}")
# What a card's QR code says: the verify address, its code after the last "/v/".
_SCANNED_CODE = re.compile(r"(?:^|/v/)([A-Za-z0-9_-]{16,43})/?(?:[?#].*)?$")


def verify_url(code: str) -> str:
    """The public address a certificate's QR code encodes."""
    return f"{current_app.config['BASE_URL']}/v/{code}"


def code_in(text: str) -> str | None:
    """The certificate code in what a card's QR code says (its verify address) or in a typed code."""
    match = _SCANNED_CODE.search(text.strip())
    return match.group(1) if match else None


# Module value (1 = dark) to grey level, for a PNG of one pixel per module.
_MODULE_GREY = bytes([255, 0]) + bytes(254)


def qr_image(url: str) -> str:
    """The QR code as a tiny PNG data URI, one pixel per module.

    The stylesheet scales it up with `image-rendering: pixelated`, so modules stay sharp
    squares in print. An image is drawn in well under a millisecond, where WeasyPrint takes
    ~10 ms to parse and draw the same code as an SVG path; a fixed mask pattern (any mask
    is valid QR) saves segno ~4 ms of scoring the eight masks, and Pillow writes the PNG
    ~5x faster than segno's pure-Python writer: per card, in thousands of cards.
    """
    qr = segno.make(url, error="m", mask=0)
    size = len(qr.matrix)
    pixels = b"".join(qr.matrix).translate(_MODULE_GREY)
    png = BytesIO()
    Image.frombytes("L", (size, size), pixels).save(png, format="PNG")
    return "data:image/png;base64," + base64.b64encode(png.getvalue()).decode("ascii")


def document_facts(certificate: Certificate) -> DocumentFacts:
    membership = certificate.membership
    person = membership.person
    url = verify_url(certificate.code)
    return DocumentFacts(
        full_name=person.full_name,
        membership_number=membership.number,
        certificate_number=certificate_number(certificate),
        kpj_number=membership.kpj_number,
        kelurahan=person.kelurahan.name,
        programmes=tuple(membership.programmes),
        starts_on=membership.starts_on,
        ends_on=membership.ends_on,
        issued_at=certificate.issued_at,
        verify_url=url,
        qr_image=qr_image(url),
    )


def ensure_certificate(membership: Membership, user: User | None) -> Certificate:
    """The valid certificate of the membership, issued now if there is none."""
    certificate = current_certificate(membership)
    if certificate is None:
        certificate = issue_certificate(membership, issued_by=user)
        db.session.flush()
    return certificate


def ensure_certificates(memberships: list[Membership], user: User | None) -> list[Certificate]:
    """The valid certificate of each membership, issuing the missing ones in one flush."""
    certificates = [current_certificate(m) or issue_certificate(m, issued_by=user) for m in memberships]
    db.session.flush()
    return certificates


def print_document(membership: Membership, document: PrintDocument, user: User) -> Certificate:
    """Log one print of a member's card or certificate (issuing a certificate if needed)."""
    if not is_printable(membership):
        raise PrintRefused
    certificate = ensure_certificate(membership, user)
    db.session.add(PrintRecord(certificate=certificate, document=document, printed_by=user))
    if document == PrintDocument.CARD:
        notification_events.cards_ready([(certificate.id, membership.person_id)])
    audit.record(
        "print",
        "membership",
        membership.id,
        person_id=membership.person_id,
        document=document.value,
        certificate_id=certificate.id,
    )
    return certificate


def revoke_certificate(certificate: Certificate, reason: str, user: User) -> Certificate:
    """Revoke a certificate (lost or damaged card) and issue its replacement with a new code."""
    if certificate.revoked_at is not None:
        raise PrintRefused
    membership = certificate.membership
    certificate.revoked_at = utcnow()
    certificate.revoked_reason = reason
    replacement = issue_certificate(membership, issued_by=user)
    db.session.flush()
    audit.record(
        "revoke",
        "certificate",
        certificate.id,
        person_id=membership.person_id,
        reason=reason,
        replacement_id=replacement.id,
    )
    return replacement


def print_counts(certificates: list[Certificate]) -> dict[tuple[int, PrintDocument], int]:
    """How often each certificate was printed as card and as A4 certificate."""
    if not certificates:
        return {}
    rows = db.session.execute(
        db.select(PrintRecord.certificate_id, PrintRecord.document, func.count())
        .where(PrintRecord.certificate_id.in_([c.id for c in certificates]))
        .group_by(PrintRecord.certificate_id, PrintRecord.document)
    ).all()
    return {(certificate_id, document): count for certificate_id, document, count in rows}


def print_log_page(page: int, page_size: int) -> tuple[list, bool]:
    """A page of the print log, newest first, and whether another page follows.

    Rows are (record, print number, membership, person, printer's username).
    The print number counts prints of the same membership and document, so 2 and more are
    reprints (a replacement certificate after a revocation continues the count).
    """
    print_number = (
        func.row_number()
        .over(
            partition_by=(Certificate.membership_id, PrintRecord.document),
            order_by=(PrintRecord.printed_at, PrintRecord.id),
        )
        .label("print_number")
    )
    numbered = (
        db.select(PrintRecord.id.label("record_id"), print_number)
        .join(PrintRecord.certificate)
        .subquery()
    )
    printer = aliased(User)
    rows = db.session.execute(
        db.select(PrintRecord, numbered.c.print_number, Membership, Person, printer.username)
        .join(numbered, numbered.c.record_id == PrintRecord.id)
        .join(PrintRecord.certificate)
        .join(Certificate.membership)
        .join(Membership.person)
        .outerjoin(printer, printer.id == PrintRecord.printed_by_id)
        .options(
            selectinload(PrintRecord.certificate)
            .selectinload(Certificate.membership)
            .selectinload(Membership.certificates)
        )
        .order_by(PrintRecord.printed_at.desc(), PrintRecord.id.desc())
        .limit(page_size + 1)
        .offset((page - 1) * page_size)
    ).all()
    return rows[:page_size], len(rows) > page_size


def verification_status(
    certificate: Certificate | None, today: date | None = None, periods: list[Membership] | None = None
) -> VerificationStatus:
    """`periods`: the card's membership and those renewals carried it into (the card stays valid)."""
    if certificate is None:
        return VerificationStatus.NOT_FOUND
    if certificate.revoked_at is not None:
        return VerificationStatus.REVOKED
    if not any(is_printable(m, today) for m in periods or [certificate.membership]):
        return VerificationStatus.EXPIRED
    return VerificationStatus.VALID


def find_certificate(code: str) -> Certificate | None:
    return db.session.scalar(
        db.select(Certificate)
        .where(Certificate.code == code)
        .options(
            selectinload(Certificate.membership).selectinload(Membership.certificates),
            selectinload(Certificate.membership)
            .selectinload(Membership.person)
            .selectinload(Person.kelurahan),
        )
    )


def count_scan(certificate: Certificate) -> None:
    """Count one look-up of a certificate's code (an atomic upsert, safe under concurrency)."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    now = utcnow()
    statement = insert(CertificateScan).values(
        certificate_id=certificate.id, scans=1, last_scanned_at=now
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["certificate_id"],
            set_={"scans": CertificateScan.scans + 1, "last_scanned_at": now},
        )
    )


def scan_counts(certificates: list[Certificate]) -> dict[int, int]:
    """How often each certificate's QR code was looked up."""
    rows = db.session.execute(
        db.select(CertificateScan.certificate_id, CertificateScan.scans).where(
            CertificateScan.certificate_id.in_([c.id for c in certificates])
        )
    ).all()
    return dict(rows)


def never_printed_clause(document: PrintDocument):
    """Memberships none of whose certificates was ever printed as `document`."""
    return ~exists().where(
        PrintRecord.certificate_id == Certificate.id,
        Certificate.membership_id == Membership.id,
        PrintRecord.document == document,
    )
