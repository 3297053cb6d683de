"""Member lists: creating them, filling them (upload, inline rows, bulk import) and submitting.

Views and the CLI call these; callers commit. A file-level failure raises before anything
is added, so the caller's transaction imports nothing.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Text, and_, cast, func, insert, select

from portal import audit, storage
from portal.bulkwork import collector_paused
from portal.access import area_clause
from portal.extensions import db
from portal.lists.lookups import ForeignNikAllowance
from portal.lists.reader import Table, footer_rows, read_table, records
from portal.models import Category, EntryState, ListEntry, ListSource, MemberList, User
from portal.models.lists import INCLUDE_DELETED
from portal.models.base import utcnow
from portal.nik import mask_nik
from portal.paging import NumberedPage, numbered_page
from portal.spreadsheets.reader import FileRejected, SpreadsheetLimits
from portal.validation import (
    Area,
    RowValidator,
    entry_columns,
    issue_text,
    niks_told,
    recheck_entries,
    visible_issues,
)

EDITABLE_STATES = (EntryState.DRAFT, EntryState.RETURNED)
LISTS_PAGE = 100
ENTRIES_PAGE = 100


class ColumnsUnclear(Exception):
    """The reader could not tell which column holds the NIK or the name: ask the user."""

    def __init__(self, table: Table):
        super().__init__("columns_unclear")
        self.table = table


class UploadMode(enum.StrEnum):
    """What an upload into a list that already has rows does with them."""

    APPEND = "tambah"  # the file's rows are added to those there
    REPLACE = "ganti"  # the drafts go; rows staff hold or decided stay


# Rows an upload in REPLACE mode removes: those the head still prepares. Returned rows carry
# the staff's decision and note, pending ones are with staff: both stay, as do decided ones.
REPLACED_STATES = (EntryState.DRAFT,)


@dataclass
class UploadResult:
    rows_read: int = 0
    valid: int = 0
    with_errors: int = 0
    with_warnings: int = 0
    # Spreadsheet row numbers of the signature and note lines under the table, not read.
    footer_rows: list[int] = field(default_factory=list)
    removed: int = 0  # drafts an upload in REPLACE mode removed


@dataclass
class UploadPreview:
    """What an upload would do to a list that already has rows, shown before the head chooses."""

    rows_read: int
    footer_rows: list[int]
    replaced: int  # drafts that REPLACE would remove
    kept: int  # rows that stay either way (with staff, or decided)


@dataclass
class ImportReport:
    """What a bulk import read, accepted and refused; `issues` name the spreadsheet's rows."""

    rows_read: int = 0
    accepted: int = 0
    rejected: int = 0
    issues: list[dict] = field(default_factory=list)
    list_ids: list[int] = field(default_factory=list)
    footer_rows: list[int] = field(default_factory=list)  # signature and note lines under the table, not read

    def as_dict(self) -> dict:
        return {
            "rows_read": self.rows_read, "accepted": self.accepted, "rejected": self.rejected, "issues": self.issues,
            "footer_rows": self.footer_rows,
        }


def archive_limits(*, bulk: bool = False) -> SpreadsheetLimits:
    """What a member list's file may hold: a head's upload, or (bulk) a staff import from the command line."""
    return SpreadsheetLimits.from_config(current_app.config, "SPREADSHEET_BULK" if bulk else "SPREADSHEET")


def list_area(member_list: MemberList) -> Area:
    return Area(member_list.kelurahan_code, member_list.rw, member_list.rt)


def validator_for(member_list: MemberList, user: User, disclosed: set[str] = frozenset()) -> RowValidator:
    """The validator of the list's rows as `user` adds them: discreet for an area's account.

    `disclosed` are NIKs of rows being checked again whose head was already told about them.
    """
    allowance = None if user.is_office else ForeignNikAllowance(user, disclosed)
    return RowValidator(list_area(member_list), list_id=member_list.id, allowance=allowance)


def category_names() -> dict[str, str]:
    return dict(db.session.execute(db.select(Category.code, Category.name_id)).all())


def finding_text(issue: dict, user: User) -> str:
    """A stored finding as `user` may read it (staff in full, an area's account discreetly)."""
    return issue_text(issue, user.is_office)


def shown_findings(entry: ListEntry, user: User) -> list[dict]:
    """The row's findings `user` is shown: staff notes (unknown desil) only to staff."""
    return visible_issues(entry.issues, user.is_office)


def is_editable(entry: ListEntry) -> bool:
    return entry.state in EDITABLE_STATES


def create_list(user: User, title: str, rt: int | None = None) -> MemberList:
    """A new, empty list for the user's own RW (and RT: a head bound to one RT gets that RT)."""
    member_list = MemberList(
        title=title.strip(),
        kelurahan_code=user.kelurahan_code,
        rw=user.rw,
        rt=user.rt if user.rt is not None else rt,
        source=ListSource.INLINE,
        created_by=user,
    )
    db.session.add(member_list)
    db.session.flush()
    audit.record("list.create", "member_list", member_list.id, actor=user)
    return member_list


def known_niks(member_list: MemberList, exclude_entry_id: int | None = None) -> dict[str, int | None]:
    """NIKs already on the list (NIK -> spreadsheet row), rejected entries aside."""
    rows = db.session.execute(
        db.select(ListEntry.nik, ListEntry.row_number).where(
            ListEntry.list_id == member_list.id,
            ListEntry.state != EntryState.REJECTED,
            ListEntry.id != (exclude_entry_id or 0),
        )
    )
    return {nik: row for nik, row in rows}


def _audit_entry(action: str, entry: ListEntry, user: User, **details) -> None:
    audit.record(action, "list_entry", entry.id, person_id=entry.person_id, actor=user, list_id=entry.list_id, nik=mask_nik(entry.nik or ""), issues=[i["code"] for i in entry.issues or []], **details)


def note_entry_view(entry: ListEntry, user: User) -> None:
    """Write the access history (UU PDP): who opened this row of a list."""
    audit.record("entry.view", "list_entry", entry.id, person_id=entry.person_id, actor=user, list_id=entry.list_id)


def add_entry(member_list: MemberList, raw: Mapping, user: User) -> ListEntry:
    """Validate one typed row and add it to the list as a draft, findings attached."""
    row = validator_for(member_list, user).validate([(None, raw)], known_niks=known_niks(member_list))[0]
    entry = ListEntry(member_list=member_list, state=EntryState.DRAFT, **entry_columns(row))
    db.session.add(entry)
    db.session.flush()
    _audit_entry("entry.add", entry, user, phone_consent=entry.phone_consent)
    return entry


def update_entry(entry: ListEntry, raw: Mapping, user: User) -> ListEntry:
    """Validate a corrected row and store it; a returned entry stays returned until sent again."""
    member_list = entry.member_list
    row = validator_for(member_list, user, niks_told([entry])).validate(
        [(entry.row_number, raw)],
        known_niks=known_niks(member_list, exclude_entry_id=entry.id),
        exclude_entry_ids=[entry.id],
    )[0]
    consent_before = entry.phone_consent
    for name, value in entry_columns(row).items():
        if name != "row_number":
            setattr(entry, name, value)
    db.session.flush()
    # A change of consent is in the trail (given or withdrawn), never the number.
    _audit_entry("entry.update", entry, user, **({"phone_consent": entry.phone_consent} if entry.phone_consent != consent_before else {}))
    return entry


def delete_entry(entry: ListEntry, user: User) -> None:
    """Set the row aside (soft delete): it leaves every count and check, and can be undone until the list is submitted."""
    entry.deleted_at = utcnow()
    db.session.flush()
    _audit_entry("entry.delete", entry, user)


def deleted_entries(member_list: MemberList) -> list[ListEntry]:
    """The list's rows deleted since it was last submitted, newest first: they can be brought back."""
    return list(
        db.session.scalars(
            select(ListEntry)
            .where(ListEntry.list_id == member_list.id, ListEntry.deleted_at.is_not(None))
            .order_by(ListEntry.deleted_at.desc(), ListEntry.id.desc())
            .execution_options(**{INCLUDE_DELETED: True})
        )
    )


def restore_entries(member_list: MemberList, user: User, entry_id: int | None = None) -> int:
    """Undo the deletion of one row (or of all the list's deleted rows); the rows are checked again."""
    restored = [e for e in deleted_entries(member_list) if entry_id is None or e.id == entry_id]
    # The NIKs on the list before the rows come back: a row added meanwhile with the same NIK makes it a duplicate.
    on_list = known_niks(member_list)
    for entry in restored:
        entry.deleted_at = None
    db.session.flush()
    if restored:
        recheck_entries(validator_for(member_list, user, niks_told(restored)), restored, known_niks=on_list)
        for entry in restored:
            _audit_entry("entry.restore", entry, user)
        db.session.flush()
    return len(restored)


def _purge_deleted(member_list: MemberList, user: User) -> int:
    """Remove for good the rows deleted before the list was submitted (no undo after sending)."""
    gone = deleted_entries(member_list)
    for entry in gone:
        audit.record("entry.purge", "list_entry", entry.id, person_id=entry.person_id, actor=user, list_id=entry.list_id)
        db.session.delete(entry)
    db.session.flush()
    return len(gone)


def submit_preview(member_list: MemberList) -> dict:
    """What submitting the list would do: how many rows go to staff, how many stay, how many deletions become final."""
    summary = list_summary(member_list)
    return {**summary, "purged": len(deleted_entries(member_list))}


def rows_with_errors(member_list: MemberList) -> list[ListEntry]:
    """The draft rows that still have errors ("Hapus semua baris bermasalah" would delete them)."""
    return [e for e in editable_entries(member_list) if e.state == EntryState.DRAFT and e.errors]


def read_upload(data: bytes, filename: str, mapping: Mapping[str, int] | None = None) -> tuple[Table, list[tuple[int, dict]]]:
    """Read a file into rows; raises FileRejected, or ColumnsUnclear without a usable mapping."""
    table = read_table(data, filename, archive_limits())
    if mapping:
        table.mapping = dict(mapping)
    if table.needs_mapping:
        raise ColumnsUnclear(table)
    rows = list(records(table, current_app.config["UPLOAD_ROW_LIMIT"]))
    if not rows:
        raise FileRejected("no_rows", _("Berkas tidak berisi baris data."))
    return table, rows


def has_entries(member_list: MemberList) -> bool:
    """Whether the list has any row: an upload into it then asks to replace or append."""
    return db.session.scalar(select(ListEntry.id).where(ListEntry.list_id == member_list.id).limit(1)) is not None


def preview_upload(member_list: MemberList, data: bytes, filename: str, mapping: Mapping[str, int] | None = None) -> UploadPreview:
    """Read the file (raising as import_upload would) and count what each choice would do.

    Nothing is validated against the registry here: that happens once, when the head chooses.
    """
    table, rows = read_upload(data, filename, mapping)
    states = dict(
        db.session.execute(
            select(ListEntry.state, func.count()).where(ListEntry.list_id == member_list.id).group_by(ListEntry.state)
        ).all()
    )
    replaced = sum(states.get(state, 0) for state in REPLACED_STATES)
    return UploadPreview(rows_read=len(rows), footer_rows=footer_rows(table), replaced=replaced, kept=sum(states.values()) - replaced)


def import_upload(
    member_list: MemberList,
    data: bytes,
    filename: str,
    user: User,
    mapping: Mapping[str, int] | None = None,
    mode: UploadMode = UploadMode.APPEND,
) -> UploadResult:
    """Add every row of an uploaded file to the list as drafts with their findings.

    The whole file is read and checked before anything changes: a file-level problem
    raises FileRejected (or ColumnsUnclear) and the list is left as it was. In REPLACE mode
    the list's drafts are removed first, in the same transaction, so the file's rows are
    not reported as repeating the rows they correct.
    """
    table, rows = read_upload(data, filename, mapping)
    removed = _remove_drafts(member_list, user) if mode == UploadMode.REPLACE else 0
    checked = validator_for(member_list, user).validate(rows, known_niks=known_niks(member_list))
    db.session.add_all(ListEntry(member_list=member_list, state=EntryState.DRAFT, **entry_columns(row)) for row in checked)
    if member_list.source == ListSource.INLINE:
        member_list.source = ListSource.UPLOAD
    member_list.source_filename = filename[:255]
    result = UploadResult(
        rows_read=len(checked),
        valid=sum(not r.has_errors for r in checked),
        with_errors=sum(r.has_errors for r in checked),
        with_warnings=sum(r.has_warnings and not r.has_errors for r in checked),
        footer_rows=footer_rows(table),
        removed=removed,
    )
    db.session.flush()
    audit.record(
        "list.upload", "member_list", member_list.id, actor=user,
        rows=result.rows_read, errors=result.with_errors, mode=mode.value, removed=removed, footer_rows=len(result.footer_rows),
    )
    return result


def _remove_drafts(member_list: MemberList, user: User) -> int:
    """Delete the list's drafts, each delete in the person's access history (UU PDP)."""
    drafts = db.session.scalars(
        select(ListEntry).where(ListEntry.list_id == member_list.id, ListEntry.state.in_(REPLACED_STATES)).order_by(ListEntry.id)
    ).all()
    for entry in drafts:
        audit.record("entry.delete", "list_entry", entry.id, person_id=entry.person_id, actor=user, list_id=entry.list_id, nik=mask_nik(entry.nik or ""), replaced=True)
        db.session.delete(entry)
    db.session.flush()
    return len(drafts)


def editable_entries(member_list: MemberList) -> list[ListEntry]:
    return list(
        db.session.scalars(
            db.select(ListEntry).where(ListEntry.list_id == member_list.id, ListEntry.state.in_(EDITABLE_STATES)).order_by(ListEntry.id)
        )
    )


def submit_list(member_list: MemberList, user: User) -> int:
    """Check the draft and returned rows again and send those without errors to review."""
    entries = editable_entries(member_list)
    recheck_entries(validator_for(member_list, user, niks_told(entries)), entries, known_niks=_fixed_niks(member_list))
    now = utcnow()
    sent = [e for e in entries if not e.errors]
    for entry in sent:
        entry.state = EntryState.PENDING
        entry.submitted_at = now
    if sent:
        member_list.submitted_at = now
    _purge_deleted(member_list, user)
    db.session.flush()
    audit.record("list.submit", "member_list", member_list.id, actor=user, entries=len(sent), held_back=len(entries) - len(sent))
    return len(sent)


def _fixed_niks(member_list: MemberList, exclude_entry_id: int | None = None) -> dict[str, int | None]:
    """NIKs of the list's rows with staff (pending or approved): a row sent with one is a duplicate."""
    return {
        nik: row
        for nik, row in db.session.execute(
            db.select(ListEntry.nik, ListEntry.row_number).where(
                ListEntry.list_id == member_list.id,
                ListEntry.state.in_((EntryState.PENDING, EntryState.APPROVED)),
                ListEntry.id != (exclude_entry_id or 0),
            )
        )
    }


def resend_entry(entry: ListEntry, user: User) -> bool:
    """Check one returned row again and send it back to review on its own; False while it has errors.

    The list's other rows (drafts among them) stay as they are.
    """
    if entry.state != EntryState.RETURNED:
        return False
    member_list = entry.member_list
    recheck_entries(validator_for(member_list, user, niks_told([entry])), [entry], known_niks=_fixed_niks(member_list, entry.id))
    if entry.errors:
        db.session.flush()
        return False
    now = utcnow()
    entry.state = EntryState.PENDING
    entry.submitted_at = now
    member_list.submitted_at = now
    db.session.flush()
    _audit_entry("entry.resend", entry, user)
    return True


def drop_rows_with_errors(member_list: MemberList, user: User) -> int:
    """Delete (undoably) the draft rows that still have errors (the head chose not to fix them)."""
    dropped = rows_with_errors(member_list)
    now = utcnow()
    for entry in dropped:
        entry.deleted_at = now
    db.session.flush()
    audit.record("list.drop_errors", "member_list", member_list.id, actor=user, entries=len(dropped))
    return len(dropped)


def lists_page(user: User, number: int, size: int = LISTS_PAGE) -> NumberedPage:
    """Page `number` of the lists in the user's area, changed last first: (list, entry count) rows."""
    entry_count = (
        select(func.count(ListEntry.id)).where(ListEntry.list_id == MemberList.id).correlate(MemberList).scalar_subquery()
    )
    query = (
        select(MemberList, entry_count)
        .where(area_clause(user, MemberList))
        .order_by(MemberList.updated_at.desc(), MemberList.id.desc())
    )
    return numbered_page(query, number, size, rows=True)


def _has_issue(severity: str):
    """The entry has a finding of this severity. `issues` is stored as the JSON text
    json.dumps writes on both databases (`[{"code": ..., "severity": "error", ...}]`); a
    quote inside a message is escaped there, so only a finding's own severity matches."""
    return cast(ListEntry.issues, Text).like(f'%"severity": "{severity}"%')


# The same test for other features' queries (the area's inbox counts rows with errors).
has_issue = _has_issue


def entries_page(member_list: MemberList, number: int, *, only_errors: bool = False, size: int = ENTRIES_PAGE) -> NumberedPage:
    """Page `number` of the list's rows in the order they were added (only those with errors)."""
    query = select(ListEntry).where(ListEntry.list_id == member_list.id).order_by(ListEntry.id)
    if only_errors:
        query = query.where(_has_issue("error"))
    return numbered_page(query, number, size)


def _entry_count(member_list: MemberList) -> int:
    # count(ListEntry.id), not count(*): a statement naming no entity column is not ORM-enabled,
    # and the soft-delete rule (portal.models.lists) would not reach it.
    return db.session.scalar(select(func.count(ListEntry.id)).where(ListEntry.list_id == member_list.id))


def last_page_number(member_list: MemberList, size: int = ENTRIES_PAGE) -> int:
    """The page of the list's rows that shows the row added last."""
    return max(1, -(-_entry_count(member_list) // size))


def list_summary(member_list: MemberList) -> dict:
    """Counts for the preview: per state, and among rows still editable the valid ones,
    those with errors, and those with warnings to acknowledge (counted in SQL)."""
    of_list = ListEntry.list_id == member_list.id
    states = dict(
        db.session.execute(select(ListEntry.state, func.count()).where(of_list).group_by(ListEntry.state)).all()
    )
    has_errors = _has_issue("error")
    editable, with_errors, with_warnings = db.session.execute(
        select(
            func.count(),
            func.count().filter(has_errors),
            func.count().filter(and_(_has_issue("warning"), ~has_errors)),
        ).where(of_list, ListEntry.state.in_(EDITABLE_STATES))
    ).one()
    return {
        "total": sum(states.values()),
        "states": {state: states.get(state, 0) for state in EntryState},
        "editable": editable,
        "ready": editable - with_errors,
        "with_errors": with_errors,
        "with_warnings": with_warnings,
        "returned": states.get(EntryState.RETURNED, 0),
    }


def note_list_view(member_list: MemberList) -> None:
    """Write the access history (UU PDP): who opened this list, of how many rows."""
    audit.record("list.view", "member_list", member_list.id, entries=_entry_count(member_list))


@collector_paused()  # portal/bulkwork.py: a quarter of the CPU otherwise
def import_file(data: bytes, filename: str, user: User, *, area: Area | None, dry_run: bool) -> ImportReport:
    """Staff bulk import: read and check a whole file; add the accepted rows for review.

    Rows with errors are reported, never added. With `area`, every row must live there;
    without it each row's kelurahan/RW columns decide, and one list is made per RW.
    Raises FileRejected when the file cannot be used (nothing is added).
    """
    table = read_table(data, filename, archive_limits(bulk=True))
    if table.needs_mapping:
        found = ", ".join(h for h in table.headers if h) or "-"
        raise FileRejected("columns_unclear", _("Kolom NIK dan nama tidak ditemukan (kolom yang ada: %(found)s).", found=found))
    report = ImportReport(footer_rows=footer_rows(table))
    accepted: list[dict] = []
    for row in RowValidator(area).validate_stream(records(table)):
        report.rows_read += 1
        for finding in row.findings:
            report.issues.append(
                {"row": row.row_number, "column": finding.column, "severity": finding.severity, "code": finding.code, "message": finding.message}
            )
        if row.has_errors:
            report.rejected += 1
        else:
            report.accepted += 1
            if not dry_run:
                accepted.append(entry_columns(row))
    if not report.rows_read:
        raise FileRejected("no_rows", _("Berkas tidak berisi baris data."))
    if accepted:
        report.list_ids = _add_imported(accepted, filename, user)
    return report


def _add_imported(accepted: list[dict], filename: str, user: User) -> list[int]:
    now = utcnow()
    groups: dict[tuple[str, int], list[dict]] = {}
    for values in accepted:
        groups.setdefault((values["kelurahan_code"], values["rw"]), []).append(values)
    list_ids = []
    for (kelurahan_code, rw), rows in groups.items():
        member_list = MemberList(
            title=f"Impor {filename}"[:200],
            kelurahan_code=kelurahan_code,
            rw=rw,
            source=ListSource.IMPORT,
            source_filename=filename[:255],
            created_by=user,
            submitted_at=now,
        )
        db.session.add(member_list)
        db.session.flush()
        list_ids.append(member_list.id)
        # One executemany per list: 50,000 ORM objects would cost seconds and memory.
        db.session.execute(
            insert(ListEntry),
            [{**values, "list_id": member_list.id, "state": EntryState.PENDING, "submitted_at": now, "version": 1} for values in rows],
        )
        audit.record("list.import", "member_list", member_list.id, actor=user, entries=len(rows), filename=filename[:120])
    return list_ids


# -- an upload waiting for its column mapping --------------------------------------------
# The file is kept in portal/storage (the database in production, so the web server that
# shows the mapping form need not be the one that took the upload) under a random name only
# the uploader's session knows, and deleted once imported or replaced. The caller commits.

HELD_UPLOAD_HOURS = 2


def _held_key(token: str | None) -> str | None:
    if not token or not token.replace("-", "").replace("_", "").isalnum():
        return None
    return f"uploads/{token}.upload"


def remove_abandoned_uploads() -> int:
    """Delete uploads held longer than HELD_UPLOAD_HOURS (their lists hold personal data)."""
    return storage.purge("uploads/", utcnow() - timedelta(hours=HELD_UPLOAD_HOURS))


def hold_upload(data: bytes) -> str:
    """Keep an upload until its columns are mapped.

    Abandoned ones are removed by the next upload and by `flask privacy purge --apply`.
    """
    remove_abandoned_uploads()
    token = secrets.token_urlsafe(24)
    storage.put(_held_key(token), data)
    return token


def held_upload(token: str) -> bytes | None:
    key = _held_key(token)
    return storage.get(key) if key else None


def release_upload(token: str | None) -> None:
    key = _held_key(token)
    if key:
        storage.delete(key)
