"""The data-subject report (UU 27/2022): everything the portal holds about one NIK, and who
viewed, changed, exported or printed it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, or_

from portal.extensions import db
from portal.models import (
    AuditEvent,
    BpjsBatch,
    BpjsBatchItem,
    CertificateScan,
    DesilRecord,
    ListEntry,
    Membership,
    Person,
    PrintRecord,
    User,
)
from portal.models.lists import INCLUDE_DELETED

# Events that read or use the record without changing it; everything else is a change,
# a decision, an export or a print (the action names say which).
VIEW_ACTIONS = frozenset({"person.view", "entry.view", "view", "list.view", "person.search", "hospital.lookup"})


@dataclass
class SubjectReport:
    """The report's content as plain values, ready for JSON and for the PDF template."""

    nik: str
    generated_at: datetime
    person: dict | None
    desil: dict | None
    list_entries: list[dict] = field(default_factory=list)
    memberships: list[dict] = field(default_factory=list)
    status_checks: list[dict] = field(default_factory=list)
    history: list[dict] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.person or self.list_entries or self.desil)

    def as_json(self) -> dict:
        """The report as JSON-ready values (dates as ISO 8601 text)."""
        return _plain(
            {
                "nik": self.nik,
                "generated_at": self.generated_at,
                "person": self.person,
                "desil": self.desil,
                "list_entries": self.list_entries,
                "memberships": self.memberships,
                "status_checks": self.status_checks,
                "history": self.history,
            }
        )


def _plain(value):
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if hasattr(value, "value") and not isinstance(value, (int, str)):
        return value.value
    return value


def _username(user: User | None) -> str | None:
    return user.username if user else None


def _person(person: Person) -> dict:
    return {
        "id": person.id,
        "nik": person.nik,
        "full_name": person.full_name,
        "birth_date": person.birth_date,
        "sex": person.sex.value,
        "kelurahan_code": person.kelurahan_code,
        "kelurahan": person.kelurahan.label if person.kelurahan else None,
        "rw": person.rw,
        "rt": person.rt,
        "street": person.street,
        "phone": person.phone,
        "category_code": person.category_code,
        "occupation": person.occupation,
        "monthly_income": person.monthly_income,
        "created_at": person.created_at,
        "updated_at": person.updated_at,
    }


def _entry(entry: ListEntry) -> dict:
    member_list = entry.member_list
    return {
        "id": entry.id,
        "list_id": entry.list_id,
        "list_title": member_list.title,
        "proposed_by": _username(member_list.created_by),
        "nik": entry.nik,
        "full_name": entry.full_name,
        "birth_date": entry.birth_date,
        "sex": entry.sex.value if entry.sex else None,
        "kelurahan_code": entry.kelurahan_code,
        "rw": entry.rw,
        "rt": entry.rt,
        "street": entry.street,
        "phone": entry.phone,
        "category_code": entry.category_code,
        "occupation": entry.occupation,
        "monthly_income": entry.monthly_income,
        "state": entry.state.value,
        "created_at": entry.created_at,
        "submitted_at": entry.submitted_at,
        "decided_at": entry.decided_at,
        "decided_by": _username(entry.decided_by),
        "reason_code": entry.reason_code,
        "reason_text": entry.reason_text,
        # Set aside by the proposer on a list not sent yet: still held until sent or purged.
        "deleted_at": entry.deleted_at,
    }


def _membership(membership: Membership, batches: dict[int, int], prints: dict[int, list], scans: dict[int, int]) -> dict:
    return {
        "id": membership.id,
        "number": membership.number,
        "year": membership.year,
        "programmes": membership.programmes,
        "starts_on": membership.starts_on,
        "ends_on": membership.ends_on,
        "status": membership.status.value,
        "end_reason": membership.end_reason.value if membership.end_reason else None,
        "ended_at": membership.ended_at,
        "kpj_number": membership.kpj_number,
        "bpjs_batch": batches.get(membership.id),
        "certificates": [
            {
                "id": certificate.id,
                "issued_at": certificate.issued_at,
                "issued_by": _username(certificate.issued_by),
                "revoked_at": certificate.revoked_at,
                "revoked_reason": certificate.revoked_reason,
                "scans": scans.get(certificate.id, 0),
                "prints": prints.get(certificate.id, []),
            }
            for certificate in membership.certificates
        ],
    }


def _event(event: AuditEvent) -> dict:
    return {
        "id": event.id,
        "occurred_at": event.occurred_at,
        "actor": event.actor_name,
        "action": event.action,
        "kind": "view" if event.action in VIEW_ACTIONS else "use",
        "target_type": event.target_type,
        "target_id": event.target_id,
        "details": event.details,
    }


def build_report(nik: str, now: datetime) -> SubjectReport:
    """Gather the report for one NIK (an exact 16-digit NIK; nothing is matched loosely)."""
    person = db.session.scalar(db.select(Person).where(Person.nik == nik))
    entries = list(
        db.session.scalars(
            db.select(ListEntry)
            .where(or_(ListEntry.nik == nik, ListEntry.person_id == person.id) if person else ListEntry.nik == nik)
            .order_by(ListEntry.id)
            # Rows the proposer deleted are still held (until their list is sent or retention
            # removes them): the person is told about them too.
            .execution_options(**{INCLUDE_DELETED: True})
        )
    )
    desil = db.session.scalar(db.select(DesilRecord).where(DesilRecord.nik == nik))
    memberships = list(person.memberships) if person else []
    membership_ids = [m.id for m in memberships]
    certificate_ids = [c.id for m in memberships for c in m.certificates]

    batches = dict(
        db.session.execute(
            db.select(BpjsBatchItem.membership_id, BpjsBatch.number)
            .join(BpjsBatch, BpjsBatchItem.batch_id == BpjsBatch.id)
            .where(BpjsBatchItem.membership_id.in_(membership_ids))
        ).all()
    ) if membership_ids else {}
    batch_ids = list(
        db.session.scalars(db.select(BpjsBatchItem.batch_id).where(BpjsBatchItem.membership_id.in_(membership_ids)))
    ) if membership_ids else []
    prints: dict[int, list] = {}
    job_ids: set[int] = set()
    if certificate_ids:
        for record in db.session.scalars(
            db.select(PrintRecord).where(PrintRecord.certificate_id.in_(certificate_ids)).order_by(PrintRecord.printed_at)
        ):
            prints.setdefault(record.certificate_id, []).append(
                {"document": record.document.value, "printed_at": record.printed_at, "printed_by": _username(record.printed_by), "job_id": record.job_id}
            )
            if record.job_id:
                job_ids.add(record.job_id)
    scans = dict(
        db.session.execute(
            db.select(CertificateScan.certificate_id, CertificateScan.scans).where(CertificateScan.certificate_id.in_(certificate_ids))
        ).all()
    ) if certificate_ids else {}

    events = _history(person, entries, membership_ids, certificate_ids, batch_ids, job_ids)
    return SubjectReport(
        nik=nik,
        generated_at=now,
        person=_person(person) if person else None,
        desil={"desil": desil.desil, "source_date": desil.source_date, "imported_at": desil.imported_at} if desil else None,
        list_entries=[_entry(entry) for entry in entries],
        memberships=[_membership(m, batches, prints, scans) for m in memberships],
        status_checks=[
            {"occurred_at": e.occurred_at, "channel": e.actor_name, "outcome": (e.details or {}).get("outcome")}
            for e in events
            if e.action == "status.checked"
        ],
        history=[_event(e) for e in events],
    )


def _history(person, entries, membership_ids, certificate_ids, batch_ids, job_ids) -> list[AuditEvent]:
    """Every audit event about the person, or about a record that holds their data.

    Events name the person directly (person_id) or a record of theirs: a list entry (a
    status check of a proposed person), a list holding one of their entries (viewed,
    uploaded, submitted), a membership, a certificate, the BPJS batch that carried their
    membership, or the print job that printed their card.
    """
    targets = {
        "list_entry": [e.id for e in entries],
        "member_list": list({e.list_id for e in entries}),
        "membership": membership_ids,
        "certificate": certificate_ids,
        "bpjs_batch": batch_ids,
        "print_job": list(job_ids),
    }
    clauses = [
        and_(AuditEvent.target_type == kind, AuditEvent.target_id.in_([str(i) for i in ids]))
        for kind, ids in targets.items()
        if ids
    ]
    if person is not None:
        clauses.append(AuditEvent.person_id == person.id)
    if not clauses:
        return []
    return list(
        db.session.scalars(db.select(AuditEvent).where(or_(*clauses)).order_by(AuditEvent.occurred_at, AuditEvent.id))
    )

