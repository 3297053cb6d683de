"""Retention: personal data of rejected entries and of people whose cover ended long ago is
anonymised, while every aggregate the reports count stays the same; rows their proposer
deleted from a list never sent are removed once past their own retention.

What is kept and why:
- rows are anonymised, never deleted: audit events (sealed in a hash chain that must not
  break) name the person and the entry by id, and the reports count rows;
- kept columns are the ones counts group or sum by: review state and its dates, kelurahan
  and RW, category, sex, and a person's declared income (past years' budget figures);
- cleared: NIK (replaced by a marker that is never a valid NIK), name, birth date (a
  person keeps only the year), RT, street, phone, occupation, free-text reasons, the BPJS
  KPJ number and notes on ended memberships;
- rows the proposer deleted (soft-deleted, hidden from every ORM query) follow the same
  rules, and are removed outright once deleted longer ago than RETENTION_DELETED_MONTHS:
  sending their list would have removed them, and no report counts them;
- audit events stay as they are: their details hold masked values and ids only;
- cases of the case desk (portal.cases) closed more than RETENTION_CASE_MONTHS ago are
  deleted with their timeline and their documents (rows and stored files): nothing counts
  them after that; a person with a case still kept is not anonymised;
- BPJS bills (portal.contributions) of months that ended before the RETENTION_ENDED_MONTHS
  cut-off lose their stored file and their lines' KPJ, NIK and name, as cover that ended that
  long ago does; amounts, differences, resolutions and totals stay (the month's figures and
  minutes). An anonymised person's lines on a newer bill are cleared with them;
- institutional imports (portal.institutional) uploaded before the RETENTION_REJECTED_MONTHS
  cut-off lose their file, their rejected rows' XLSX and the preview's example rows (their
  counts stay), as rejected entries do; one never confirmed is cancelled.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone

from sqlalchemy import and_, bindparam, delete, exists, not_, or_, true, update

from portal import audit
from portal.certificates.jobs import delete_expired_files
from portal.extensions import db
from portal.lists.services import remove_abandoned_uploads
from portal.models import (
    Bill,
    BillLine,
    BillStatus,
    Case,
    CaseDocument,
    CaseEvent,
    Certificate,
    EntryState,
    InstitutionalImport,
    ListEntry,
    Membership,
    MembershipStatus,
    Person,
)
from portal.models.lists import INCLUDE_DELETED

# An anonymised row's NIK: "X" and the row id, 16 characters, never a valid NIK (digits only).
ANONYMISED_PREFIX = "X"
# Entries still being prepared or reviewed keep a person's data, whatever their age.
OPEN_STATES = (EntryState.DRAFT, EntryState.PENDING, EntryState.RETURNED)
CHUNK = 500


def anonymised_nik(row_id: int) -> str:
    return f"{ANONYMISED_PREFIX}{row_id:015d}"


def is_anonymised(nik: str | None) -> bool:
    return bool(nik) and nik.startswith(ANONYMISED_PREFIX)


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (clamped to the month's last day)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass
class PurgePlan:
    """What a purge run would anonymise, by id (ids are not personal data)."""

    rejected_before: date
    ended_before: date
    rejected_entry_ids: list[int]
    person_ids: list[int]
    person_entry_ids: list[int]
    deleted_before: date
    deleted_entry_ids: list[int]
    cases_before: date | None = None
    case_ids: list[int] = field(default_factory=list)
    bill_ids: list[int] = field(default_factory=list)
    import_ids: list[int] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.rejected_entry_ids or self.person_ids or self.deleted_entry_ids or self.case_ids
            or self.bill_ids or self.import_ids
        )

    def summary(self) -> dict:
        """Counts and cut-off dates, for the audit event and the command's output."""
        return {
            "rejected_before": self.rejected_before.isoformat(),
            "ended_before": self.ended_before.isoformat(),
            "rejected_entries": len(self.rejected_entry_ids),
            "persons": len(self.person_ids),
            "person_entries": len(self.person_entry_ids),
            "deleted_before": self.deleted_before.isoformat(),
            "deleted_entries": len(self.deleted_entry_ids),
            "cases_before": self.cases_before.isoformat() if self.cases_before else None,
            "cases": len(self.case_ids),
            "bills": len(self.bill_ids),
            "imports": len(self.import_ids),
        }


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def plan_purge(
    today: date, rejected_months: int, ended_months: int, deleted_months: int, case_months: int | None = None
) -> PurgePlan:
    """Find rejected entries decided, people whose every membership ended, rows their
    proposer deleted (they count as the rows they are), and cases closed, before the cut-offs."""
    rejected_before = months_before(today, rejected_months)
    ended_before = months_before(today, ended_months)
    deleted_before = months_before(today, deleted_months)
    cases_before = months_before(today, case_months) if case_months else None
    case_past = (
        and_(Case.closed_at.is_not(None), Case.closed_at < _start_of(cases_before)) if cases_before else ~true()
    )
    case_ids = list(db.session.scalars(db.select(Case.id).where(case_past).order_by(Case.id)))
    # Removed outright, so they need no anonymising first.
    deleted_ids = list(
        db.session.scalars(
            db.select(ListEntry.id)
            .where(ListEntry.deleted_at.is_not(None), ListEntry.deleted_at < _start_of(deleted_before))
            .order_by(ListEntry.id)
            .execution_options(**{INCLUDE_DELETED: True})
        )
    )
    removed = set(deleted_ids)
    rejected_ids = [
        entry_id
        for entry_id in db.session.scalars(
            db.select(ListEntry.id)
            .where(
                ListEntry.state == EntryState.REJECTED,
                ListEntry.decided_at < _start_of(rejected_before),
                ~ListEntry.nik.startswith(ANONYMISED_PREFIX),
            )
            .order_by(ListEntry.id)
            .execution_options(**{INCLUDE_DELETED: True})
        )
        if entry_id not in removed
    ]
    # A membership is over when staff ended it, or when its coverage period ran out.
    past = or_(
        and_(Membership.status == MembershipStatus.ENDED, Membership.ended_at < _start_of(ended_before)),
        and_(Membership.status != MembershipStatus.ENDED, Membership.ends_on < ended_before),
    )
    has_membership = exists().where(Membership.person_id == Person.id)
    has_recent_membership = exists().where(Membership.person_id == Person.id, not_(past))
    # A row its proposer deleted is no open entry (said here: the ORM's soft-delete rule does
    # not reach a bare EXISTS).
    has_open_entry = exists().where(
        ListEntry.nik == Person.nik, ListEntry.state.in_(OPEN_STATES), ListEntry.deleted_at.is_(None)
    )
    # A case kept past this run still needs the person's name and NIK (its PDF for BPJS).
    kept_case = exists().where(Case.person_id == Person.id, not_(case_past))
    person_ids = list(
        db.session.scalars(
            db.select(Person.id)
            .where(has_membership, ~has_recent_membership, ~has_open_entry, ~kept_case,
                   ~Person.nik.startswith(ANONYMISED_PREFIX))
            .order_by(Person.id)
        )
    )
    person_entry_ids: list[int] = []
    for start in range(0, len(person_ids), CHUNK):
        chunk = person_ids[start:start + CHUNK]
        niks = db.select(Person.nik).where(Person.id.in_(chunk)).scalar_subquery()
        # Their approved entries, and any row of theirs the proposer deleted (whatever its state).
        person_entry_ids += db.session.scalars(
            db.select(ListEntry.id)
            .where(
                or_(ListEntry.person_id.in_(chunk), ListEntry.nik.in_(niks)),
                or_(ListEntry.state == EntryState.APPROVED, ListEntry.deleted_at.is_not(None)),
            )
            .execution_options(**{INCLUDE_DELETED: True})
        )
    person_entry_ids = sorted(set(person_entry_ids) - removed)
    return PurgePlan(
        rejected_before, ended_before, rejected_ids, person_ids, person_entry_ids, deleted_before, deleted_ids,
        cases_before, case_ids, _old_bill_ids(ended_before), _old_import_ids(rejected_before),
    )


def _old_bill_ids(ended_before: date) -> list[int]:
    """Bills of months wholly before the cut-off's month that still hold a file or a named line."""
    named_line = exists().where(
        BillLine.bill_id == Bill.id,
        or_(BillLine.nik.is_not(None), BillLine.kpj_number.is_not(None), BillLine.name != ""),
    )
    return list(
        db.session.scalars(
            db.select(Bill.id)
            .where(
                Bill.year * 12 + Bill.month < ended_before.year * 12 + ended_before.month,
                Bill.status.in_((BillStatus.DONE, BillStatus.FAILED)),
                or_(Bill.file_key.is_not(None), named_line),
            )
            .order_by(Bill.id)
        )
    )


def _old_import_ids(rejected_before: date) -> list[int]:
    """Institutional imports uploaded before the cut-off that still hold personal data."""
    from portal.institutional.services import SETTLED, holds_personal_data

    imports = db.session.scalars(
        db.select(InstitutionalImport)
        .where(InstitutionalImport.created_at < _start_of(rejected_before), InstitutionalImport.status.in_(SETTLED))
        .order_by(InstitutionalImport.id)
    )
    return [record.id for record in imports if holds_personal_data(record)]


def _anonymise_entries(entry_ids: list[int]) -> None:
    table = ListEntry.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("entry_id"))
        .values(
            nik=bindparam("marker"),
            full_name="",
            name_canonical="",
            birth_date=None,
            rt=None,
            street="",
            phone=None,
            occupation="",
            monthly_income=None,
            reason_text=None,
            issues=[],
            has_warnings=False,
            possible_duplicate=False,
        )
    )
    for start in range(0, len(entry_ids), CHUNK):
        chunk = entry_ids[start:start + CHUNK]
        db.session.execute(statement, [{"entry_id": i, "marker": anonymised_nik(i)} for i in chunk])


def _remove_entries(entry_ids: list[int]) -> None:
    """Delete rows for good (rows their proposer deleted: no report counts them)."""
    table = ListEntry.__table__
    for start in range(0, len(entry_ids), CHUNK):
        db.session.execute(delete(table).where(table.c.id.in_(entry_ids[start:start + CHUNK])))


def _anonymise_persons(person_ids: list[int]) -> None:
    table = Person.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("person_id"))
        .values(
            nik=bindparam("marker"),
            full_name="",
            name_key="",
            name_canonical="",
            birth_date=bindparam("birth_year"),
            rt=None,
            street="",
            phone=None,
            occupation="",
        )
    )
    for start in range(0, len(person_ids), CHUNK):
        chunk = person_ids[start:start + CHUNK]
        born = db.session.execute(db.select(Person.id, Person.birth_date).where(Person.id.in_(chunk))).all()
        db.session.execute(
            statement,
            [{"person_id": i, "marker": anonymised_nik(i), "birth_year": date(b.year, 1, 1)} for i, b in born],
        )
        db.session.execute(
            update(Membership).where(Membership.person_id.in_(chunk)).values(kpj_number=None, end_note=None)
        )
        memberships = db.select(Membership.id).where(Membership.person_id.in_(chunk))
        db.session.execute(
            update(Certificate).where(Certificate.membership_id.in_(memberships)).values(revoked_reason=None)
        )
        # Their lines on bills still kept (a bill for a month after their cover ended).
        db.session.execute(
            update(BillLine)
            .where(or_(BillLine.membership_id.in_(memberships), BillLine.person_id.in_(chunk)))
            .values(kpj_number=None, nik=None, name="")
        )


def _delete_cases(case_ids: list[int]) -> None:
    """Delete closed cases past retention: their documents' files, then their rows."""
    from portal.cases.documents import delete_files_of

    for start in range(0, len(case_ids), CHUNK):
        chunk = case_ids[start:start + CHUNK]
        delete_files_of(chunk)
        db.session.execute(delete(CaseDocument).where(CaseDocument.case_id.in_(chunk)))
        db.session.execute(delete(CaseEvent).where(CaseEvent.case_id.in_(chunk)))
        db.session.execute(delete(Case).where(Case.id.in_(chunk)))


def _forget_bills(bill_ids: list[int]) -> None:
    from portal.contributions.reconciliation import forget_personal_data

    for start in range(0, len(bill_ids), CHUNK):
        forget_personal_data(bill_ids[start:start + CHUNK])


def _forget_imports(import_ids: list[int]) -> None:
    from portal.institutional.services import forget_personal_data

    for import_id in import_ids:
        forget_personal_data(db.session.get(InstitutionalImport, import_id))
    db.session.flush()


def apply_purge(plan: PurgePlan, *, actor_name: str, rejected_months: int, ended_months: int, deleted_months: int) -> int:
    """Anonymise what the plan found and write one audit event for the run, for the caller
    to commit as one transaction.

    Returns the id of that audit event."""
    _anonymise_entries(plan.rejected_entry_ids)
    _anonymise_entries(plan.person_entry_ids)
    _anonymise_persons(plan.person_ids)
    _remove_entries(plan.deleted_entry_ids)
    _delete_cases(plan.case_ids)
    _forget_bills(plan.bill_ids)
    _forget_imports(plan.import_ids)
    event_id = audit.record(
        "privacy.purge",
        "retention",
        None,
        actor_name=actor_name,
        rejected_months=rejected_months,
        ended_months=ended_months,
        deleted_months=deleted_months,
        **plan.summary(),
    )
    # The updates above went round the ORM: objects loaded before must read the markers.
    db.session.expire_all()
    return event_id


def remove_expired_files() -> tuple[int, int]:
    """Delete stored files past their time: batch PDFs older than
    PRINT_FILE_RETENTION_DAYS (they hold names; a print job also removes them, but nobody may
    print for weeks) and uploads abandoned before their columns were mapped.

    Returns how many of each were deleted."""
    batch_pdfs = delete_expired_files()
    uploads = remove_abandoned_uploads()
    return batch_pdfs, uploads
