"""`flask programme expire`: cover that ran out is marked expired, once, on Makassar's calendar;
renewal, Cek Status and the BPJS answer behave the same before and after."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import time_machine

from portal import clock
from portal.admin.services import copy_year
from portal.extensions import db
from portal.models import AuditEvent, EndReason, Membership, MembershipStatus, ProgrammeYear, Role
from tests.citizen.test_status import answer_of, post_status
from tests.factories import make_member, make_user
from tests.lists.spreadsheets import csv_bytes
from tests.renewal.test_renewal_run import confirmed_member
from tests.review.helpers import post

YEAR = clock.today().year
NEXT = YEAR + 1
# 1 January of the next year, 07:00 in Makassar: still 31 December on a UTC server clock.
NEW_YEARS_MORNING = datetime(YEAR, 12, 31, 23, 0, tzinfo=UTC)
LAST_EVENING = datetime(YEAR, 12, 31, 15, 0, tzinfo=UTC)  # 23:00 WITA on 31 December


def _states(app) -> dict[int, MembershipStatus]:
    with app.app_context():
        return dict(db.session.execute(db.select(Membership.id, Membership.status)).all())


def _year_members(app) -> dict[str, int]:
    """A member of this year, one whose cover runs into next year, and one staff ended."""
    with app.app_context():
        _p, ending = make_member("Siti Aminah", year=YEAR)
        _p, longer = make_member("Budi Santoso", year=YEAR)
        longer.ends_on = date(NEXT, 6, 30)
        _p, ended = make_member("Ani Wijaya", year=YEAR)
        ended.status, ended.end_reason, ended.ended_at = MembershipStatus.ENDED, EndReason.MOVED_AWAY, datetime.now(UTC)
        db.session.commit()
        return {"ending": ending.id, "longer": longer.id, "ended": ended.id}


def test_expire_marks_cover_that_ran_out_once_with_one_audit_event(app, runner):
    ids = _year_members(app)
    with time_machine.travel(LAST_EVENING, tick=False):
        result = runner.invoke(args=["programme", "expire"])
    assert result.exit_code == 0, result.output
    assert "Marked 0 membership(s)" in result.output
    with time_machine.travel(NEW_YEARS_MORNING, tick=False):
        dry = runner.invoke(args=["programme", "expire", "--dry-run"])
        assert dry.exit_code == 0, dry.output
        assert f"1 active membership(s) ended before {NEXT}-01-01 would be marked expired" in dry.output
        assert _states(app)[ids["ending"]] == MembershipStatus.ACTIVE

        result = runner.invoke(args=["programme", "expire"])
        assert result.exit_code == 0, result.output
        assert f"Marked 1 membership(s) ended before {NEXT}-01-01 as expired." in result.output
        again = runner.invoke(args=["programme", "expire"])
        assert "Marked 0 membership(s)" in again.output
    states = _states(app)
    assert states[ids["ending"]] == MembershipStatus.EXPIRED
    assert states[ids["longer"]] == MembershipStatus.ACTIVE
    assert states[ids["ended"]] == MembershipStatus.ENDED
    with app.app_context():
        (event,) = db.session.scalars(db.select(AuditEvent).filter_by(action="membership.expire")).all()
        assert event.details["memberships"] == 1 and event.details["ended_before"] == f"{NEXT}-01-01"
        assert event.actor_name.startswith("cli")
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_the_reports_refresh_timer_marks_expired_cover_too(app, runner):
    ids = _year_members(app)
    with time_machine.travel(NEW_YEARS_MORNING, tick=False):
        result = runner.invoke(args=["reports", "refresh", "--year", str(YEAR)])
    assert result.exit_code == 0, result.output
    assert "Marked 1 membership(s) whose cover ran out as expired." in result.output
    assert _states(app)[ids["ending"]] == MembershipStatus.EXPIRED


def test_renewal_in_january_still_renews_members_already_marked_expired(app, runner):
    with app.app_context():
        copy_year(db.session.get(ProgrammeYear, YEAR), NEXT, None)
        db.session.commit()
        _person, membership = confirmed_member()
        membership_id, person_id = membership.id, membership.person_id
    with time_machine.travel(NEW_YEARS_MORNING, tick=False):
        assert runner.invoke(args=["programme", "expire"]).exit_code == 0
        assert _states(app)[membership_id] == MembershipStatus.EXPIRED
        result = runner.invoke(args=["programme", "renew", "--from", str(YEAR), "--to", str(NEXT)])
        assert result.exit_code == 0, result.output
        assert "renewed: 1" in result.output
        again = runner.invoke(args=["programme", "renew", "--from", str(YEAR), "--to", str(NEXT)])
        assert "Written: 0 " in again.output
    with app.app_context():
        renewed = db.session.scalar(db.select(Membership).where(Membership.person_id == person_id, Membership.year == NEXT))
        assert renewed.status == MembershipStatus.ACTIVE
        assert (renewed.starts_on, renewed.ends_on) == (date(NEXT, 1, 1), date(NEXT, 12, 31))


def test_cek_status_after_expiry_says_expired_and_a_renewed_member_is_covered(app, client, runner):
    with app.app_context():
        copy_year(db.session.get(ProgrammeYear, YEAR), NEXT, None)
        db.session.commit()
        renewed_person, _m = confirmed_member("Siti Aminah")
        lapsed_person, _m = make_member("Budi Santoso", year=YEAR)
        renewed, lapsed = renewed_person.nik, lapsed_person.nik
    assert runner.invoke(args=["programme", "renew", "--from", str(YEAR), "--to", str(NEXT)]).exit_code == 0
    with time_machine.travel(NEW_YEARS_MORNING, tick=False):
        assert "Marked 2 membership(s)" in runner.invoke(args=["programme", "expire"]).output
        covered = answer_of(post_status(client, renewed, "Siti Aminah").get_data(as_text=True))
        ran_out = answer_of(post_status(client, lapsed, "Budi Santoso", address="127.0.0.2").get_data(as_text=True))
    assert "Terdaftar dan terlindungi" in covered and f"1 Jan {NEXT} – 31 Des {NEXT}" in covered
    assert "Masa perlindungan Anda sudah habis" in ran_out and "Terdaftar dan terlindungi" not in ran_out


def test_a_kpj_answer_arriving_after_the_cover_expired_is_recorded(app, client, auth, runner):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        person, membership = make_member("Siti Aminah", year=YEAR)
        nik, membership_id = person.nik, membership.id
    with time_machine.travel(NEW_YEARS_MORNING, tick=False):
        runner.invoke(args=["programme", "expire"])
    auth.login("staff1")
    answer = csv_bytes([[nik, "12345678901"]], header=["NIK", "No KPJ"])
    response = post(client, "/bpjs/jawaban", {"answer": (io.BytesIO(answer), "jawaban.csv")}, page="/bpjs/",
                    content_type="multipart/form-data")
    assert "1 nomor KPJ dicatat" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Membership, membership_id).kpj_number == "12345678901"
