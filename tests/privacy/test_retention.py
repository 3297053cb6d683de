"""Retention: `flask privacy purge` anonymises only what is past retention; counts stay."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime, time, timedelta, timezone

from portal import audit, clock, storage
from portal.extensions import db
from portal.memberships.services import issue_certificate
from portal.models import (
    AuditEvent,
    EntryState,
    ListEntry,
    Membership,
    MembershipStatus,
    Person,
    PrintJob,
    PrintJobStatus,
    Role,
)
from portal.privacy.retention import is_anonymised, months_before
from portal.reports.figures import ReportFilters
from portal.reports.services import count_period, report_from_counts
from tests.factories import PABAENG, make_entry, make_list, make_member, make_user
from tests.storage.files import age_stored_file

TODAY = clock.today()


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=timezone.utc)


def _member(name: str, ended: date, *, status=MembershipStatus.EXPIRED, **fields) -> tuple[Person, Membership]:
    """A person whose one membership ran (or was ended) until `ended`."""
    person, membership = make_member(name, phone="081234567890", street="Jl. Nuri 5", **fields)
    membership.year = ended.year
    membership.starts_on = ended - timedelta(days=364)
    membership.ends_on = ended
    membership.status = status
    membership.kpj_number = f"{person.id:011d}"
    if status == MembershipStatus.ENDED:
        membership.ended_at = _moment(ended)
        membership.ends_on = date(ended.year, 12, 31)
    issue_certificate(membership, issued_by=None)
    db.session.commit()
    return person, membership


def _figures(years) -> list:
    """What every report counts, by year, kecamatan and category (the computing time left out)."""
    return [
        dataclasses.replace(report_from_counts(ReportFilters(year=year, **narrow), count_period(year)), computed_at=None)
        for year in years
        for narrow in ({}, {"kecamatan_code": "737110"}, {"category_code": "kader"})
    ]


def _city(app):
    """Records on both sides of each retention limit (12 months rejected, 24 months ended)."""
    with app.app_context():
        staff = make_user("staff1", Role.STAFF)
        head = make_user("rtrw1", Role.RT_RW)
        member_list = make_list(head)
        ids = {}
        for key, months in (("old_rejected", 13), ("recent_rejected", 11)):
            decided = months_before(TODAY, months)
            entry = make_entry(
                member_list,
                state=EntryState.REJECTED,
                phone="081299998888",
                street="Jl. Kenari 9",
                reason_code="other",
                reason_text="Tidak tinggal di RW ini",
                submitted_at=_moment(decided - timedelta(days=3)),
                decided_at=_moment(decided),
                decided_by=staff,
            )
            ids[key] = entry.id
        long_ended, _m = _member("Ani Lama", months_before(TODAY, 30))
        approved = make_entry(member_list, state=EntryState.APPROVED, nik=long_ended.nik, person_id=long_ended.id,
                              submitted_at=_moment(months_before(TODAY, 42)), decided_at=_moment(months_before(TODAY, 41)))
        staff_ended, _m = _member("Badu Pindah", months_before(TODAY, 25), status=MembershipStatus.ENDED, kelurahan_code=PABAENG, rw=5)
        recent, _m = _member("Cici Baru", months_before(TODAY, 12))
        proposed_again, _m = _member("Dedi Lagi", months_before(TODAY, 30))
        make_entry(member_list, state=EntryState.PENDING, nik=proposed_again.nik)
        renewed, _m = _member("Eka Lanjut", months_before(TODAY, 30))
        current = Membership(number="MKS-X-1", person=renewed, year=TODAY.year, starts_on=date(TODAY.year, 1, 1),
                             ends_on=date(TODAY.year, 12, 31))
        db.session.add(current)
        audit.record("person.view", "person", long_ended.id, person_id=long_ended.id, actor=staff)
        db.session.commit()
        ids.update(
            long_ended=long_ended.id, long_ended_nik=long_ended.nik, approved_entry=approved.id,
            staff_ended=staff_ended.id, recent=recent.id, proposed_again=proposed_again.id, renewed=renewed.id,
        )
        return ids


def test_purge_dry_run_changes_nothing_and_says_what_it_would_do(app, runner):
    ids = _city(app)
    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert "1 to anonymise" in result.output and "2 to anonymise" in result.output
    assert "Dry run" in result.output
    with app.app_context():
        assert not is_anonymised(db.session.get(ListEntry, ids["old_rejected"]).nik)
        assert not is_anonymised(db.session.get(Person, ids["long_ended"]).nik)
        assert db.session.scalar(db.select(AuditEvent).filter_by(action="privacy.purge")) is None


def test_purge_anonymises_only_what_is_past_retention_and_keeps_every_count(app, runner):
    ids = _city(app)
    years = range(TODAY.year - 4, TODAY.year + 1)
    with app.app_context():
        before = _figures(years)
    result = runner.invoke(args=["privacy", "purge", "--apply"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        old = db.session.get(ListEntry, ids["old_rejected"])
        assert is_anonymised(old.nik) and old.full_name == old.name_canonical == "" and old.birth_date is None
        assert old.phone is None and old.street == "" and old.reason_text is None
        assert old.state == EntryState.REJECTED and old.reason_code == "other" and old.decided_at is not None
        recent_rejected = db.session.get(ListEntry, ids["recent_rejected"])
        assert not is_anonymised(recent_rejected.nik) and recent_rejected.full_name == "Budi Santoso"

        for key in ("long_ended", "staff_ended"):
            person = db.session.get(Person, ids[key])
            assert is_anonymised(person.nik) and person.full_name == person.name_canonical == "" and person.phone is None
            assert person.street == "" and person.birth_date.month == 1 and person.birth_date.day == 1
            assert all(m.kpj_number is None for m in person.memberships)
        assert is_anonymised(db.session.get(ListEntry, ids["approved_entry"]).nik)
        for key in ("recent", "proposed_again", "renewed"):
            person = db.session.get(Person, ids[key])
            assert not is_anonymised(person.nik) and person.phone == "081234567890", key

        assert _figures(years) == before

        # The audit trail is untouched: the person's events still point at the (anonymised) row.
        views = db.session.scalars(db.select(AuditEvent).filter_by(action="person.view", person_id=ids["long_ended"])).all()
        assert len(views) == 1
        (run,) = db.session.scalars(db.select(AuditEvent).filter_by(action="privacy.purge")).all()
        assert run.details["rejected_entries"] == 1 and run.details["persons"] == 2
        assert ids["long_ended_nik"] not in json.dumps(run.details)
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0

    # A second run finds nothing more; the old NIK is no longer known to the portal.
    result = runner.invoke(args=["privacy", "purge", "--apply"])
    assert "0 to anonymise" in result.output
    report = json.loads(runner.invoke(args=["privacy", "report", "--nik", ids["long_ended_nik"]]).stdout)
    assert report["person"] is None and report["list_entries"] == []


def test_retention_periods_come_from_configuration(app_factory):
    app = app_factory(RETENTION_REJECTED_MONTHS=10)
    with app.app_context():
        from portal.seed.reference import seed_reference

        seed_reference()
        db.session.commit()
    ids = _city(app)
    result = app.test_cli_runner().invoke(args=["privacy", "purge", "--apply"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert is_anonymised(db.session.get(ListEntry, ids["recent_rejected"]).nik)


def test_purge_removes_uploads_abandoned_before_their_columns_were_mapped(app, runner):
    abandoned, fresh = "uploads/abandoned.upload", "uploads/fresh.upload"
    with app.app_context():
        storage.put(abandoned, b"NIK,Nama\n7371011302850003,Siti Aminah\n")
        storage.put(fresh, b"NIK,Nama\n")
        db.session.commit()
        age_stored_file(abandoned, timedelta(hours=3))
    runner.invoke(args=["privacy", "purge"])  # a dry run leaves them
    with app.app_context():
        assert storage.exists(abandoned)
    result = runner.invoke(args=["privacy", "purge", "--apply"])
    assert "Removed 1 uploaded list(s)" in result.output
    with app.app_context():
        assert not storage.exists(abandoned) and storage.exists(fresh)
        storage.delete(fresh)
        db.session.commit()


def test_purge_removes_batch_pdfs_past_their_retention_even_when_nobody_prints(app, runner):
    days = app.config["PRINT_FILE_RETENTION_DAYS"]
    with app.app_context():
        old, recent = (
            PrintJob(document="card", kelurahan_code=PABAENG, status=PrintJobStatus.DONE, file_name=name,
                     finished_at=datetime.now(timezone.utc) - timedelta(days=age))
            for name, age in (("oldbatch.pdf", days + 1), ("newbatch.pdf", days - 1))
        )
        db.session.add_all([old, recent])
        storage.put("prints/oldbatch.pdf", b"%PDF-1.7 names")
        storage.put("prints/newbatch.pdf", b"%PDF-1.7 names")
        db.session.commit()
        old_id = old.id

    result = runner.invoke(args=["privacy", "purge", "--apply"])

    assert f"Removed 1 batch PDF(s) older than {days} days." in result.output
    with app.app_context():
        assert not storage.exists("prints/oldbatch.pdf") and storage.exists("prints/newbatch.pdf")
        assert db.session.get(PrintJob, old_id).file_name is None  # the job page says it was deleted
        storage.delete("prints/newbatch.pdf")
        db.session.commit()


def _all_rows(member_list_id: int) -> dict[int, ListEntry]:
    """Every row of the list by id, those its proposer deleted too."""
    rows = db.session.scalars(
        db.select(ListEntry).where(ListEntry.list_id == member_list_id).execution_options(include_deleted=True)
    )
    return {row.id: row for row in rows}


def test_purge_removes_rows_deleted_long_ago_and_anonymises_deleted_rows_of_a_purged_person(app, runner):
    with app.app_context():
        head = make_user("rtrw1", Role.RT_RW)
        draft = make_list(head, title="Belum dikirim")
        deleted_long_ago = make_entry(draft, state=EntryState.DRAFT, full_name="Lama Dihapus",
                                      deleted_at=_moment(months_before(TODAY, 4)))
        deleted_lately = make_entry(draft, state=EntryState.DRAFT, full_name="Baru Dihapus",
                                    deleted_at=_moment(months_before(TODAY, 1)))
        # Cover ran out 30 months ago; a row proposing them again was deleted last month: a
        # deleted row is no open entry, so the person is anonymised, and that row with them.
        long_ended, _m = _member("Ani Lama", months_before(TODAY, 30))
        of_the_purged = make_entry(draft, state=EntryState.DRAFT, nik=long_ended.nik, full_name="Ani Lama",
                                   phone="081299998888", deleted_at=_moment(months_before(TODAY, 1)))
        ids = (draft.id, deleted_long_ago.id, deleted_lately.id, of_the_purged.id, long_ended.id, long_ended.nik)
    list_id, long_ago_id, lately_id, purged_row_id, person_id, nik = ids

    dry = runner.invoke(args=["privacy", "purge"])
    assert dry.exit_code == 0, dry.output
    assert "on lists never sent: 1 to remove" in dry.output and "Dry run" in dry.output
    with app.app_context():
        assert set(_all_rows(list_id)) == {long_ago_id, lately_id, purged_row_id}

    result = runner.invoke(args=["privacy", "purge", "--apply"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        rows = _all_rows(list_id)
        assert set(rows) == {lately_id, purged_row_id}
        assert rows[lately_id].full_name == "Baru Dihapus" and not is_anonymised(rows[lately_id].nik)
        purged_row = rows[purged_row_id]
        assert is_anonymised(purged_row.nik) and purged_row.full_name == "" and purged_row.phone is None
        assert purged_row.deleted_at is not None  # still set aside: the head's list is unchanged
        assert is_anonymised(db.session.get(Person, person_id).nik)
        (run,) = db.session.scalars(db.select(AuditEvent).filter_by(action="privacy.purge")).all()
        assert run.details["deleted_entries"] == 1 and run.details["persons"] == 1
        assert run.details["deleted_months"] == 3
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    report = json.loads(runner.invoke(args=["privacy", "report", "--nik", nik]).stdout)
    assert report["person"] is None and report["list_entries"] == []
