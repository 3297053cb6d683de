"""The contribution ledger's months and amounts, derived from the memberships."""

from __future__ import annotations

from datetime import date

from portal.contributions import ledger
from portal.contributions.ledger import Month
from portal.extensions import db
from portal.memberships.services import end_membership, membership_period
from portal.models import CategorySetting, CoverageStart, EndReason, Membership, ProgrammeYear, Role
from portal.programme import budget
from portal.registry import services as registry
from tests.factories import make_member, make_user

YEAR = 2026


def months(*numbers: int, year: int = YEAR) -> list[Month]:
    return [Month(year, n) for n in numbers]


def due(month: Month) -> dict[str, int]:
    """{membership number: amount} due in `month`, as the ledger's SQL finds them."""
    rates = ledger.rates_for(month.year)
    return {row.number: row.amount for row in db.session.execute(ledger.member_rows(month, rates))}


def test_a_mid_year_joiner_is_due_from_the_month_cover_started(app):
    with app.app_context():
        programme_year = db.session.get(ProgrammeYear, YEAR)
        programme_year.coverage_start = CoverageStart.FIRST_OF_NEXT_MONTH
        _person, member = make_member("Siti Aminah", year=YEAR)
        setting = db.session.get(CategorySetting, (YEAR, "kader"))
        member.starts_on, member.ends_on = membership_period(setting.programme_year, date(YEAR, 5, 20))[1:]
        db.session.commit()
        assert member.starts_on == date(YEAR, 6, 1)
        assert ledger.due_months(member.starts_on, member.ends_on) == months(6, 7, 8, 9, 10, 11, 12)
        assert due(Month(YEAR, 5)) == {}
        assert due(Month(YEAR, 6)) == {member.number: 16_800}
        assert due(Month(YEAR, 12)) == {member.number: 16_800}
        assert due(Month(YEAR + 1, 1)) == {}


def test_a_death_stops_the_months_after_it_and_the_budget_agrees(app):
    with app.app_context():
        _person, member = make_member("Rahmat Hidayat", year=YEAR, monthly_income=2_000_000)
        member.starts_on = date(YEAR, 3, 15)
        db.session.commit()
        # Died on 10 May: the due dates 15 March and 15 April fall inside the cover, 15 May not.
        end_membership(member, EndReason.DECEASED, date(YEAR, 5, 10), "Dilaporkan ketua RT.")
        db.session.commit()
        assert member.ends_on == date(YEAR, 5, 10)
        assert ledger.due_months(member.starts_on, member.ends_on) == months(3, 4)
        assert due(Month(YEAR, 4)) == {member.number: 20_000 + 6_800}
        assert due(Month(YEAR, 5)) == {}
        assert ledger.month_total(Month(YEAR, 4)) == (1, 26_800)
        assert budget.committed(db.session.get(ProgrammeYear, YEAR)) == 2 * 26_800


def test_an_exit_staff_record_ends_the_ledger_on_that_day(app):
    with app.app_context():
        staff = make_user("staff1", Role.STAFF)
        _person, member = make_member("Andi Wijaya", year=YEAR)
        with app.test_request_context():
            from portal import clock

            today = clock.today()
            registry.end_membership(member, EndReason.MOVED_AWAY.value, "Pindah ke Gowa.", staff)
            db.session.commit()
        assert member.ends_on == min(date(YEAR, 12, 31), today)
        expected = months(*range(1, min(today, date(YEAR, 12, 31)).month + 1))
        assert ledger.due_months(member.starts_on, member.ends_on) == expected


def test_a_renewal_that_had_not_started_ends_with_no_month_due(app):
    with app.app_context():
        _person, member = make_member("Nurhayati", year=YEAR)
        _person2, later = make_member("Nurhayati Dua", year=YEAR)
        # A membership whose cover starts after the day it is ended has no day of cover.
        later.starts_on, later.ends_on = date(YEAR + 1, 1, 1), date(YEAR + 1, 12, 31)
        db.session.commit()
        end_membership(later, EndReason.DECEASED, date(YEAR, 11, 2))
        db.session.commit()
        assert later.ends_on == date(YEAR, 12, 31)
        assert ledger.due_months(later.starts_on, later.ends_on) == []
        assert due(Month(YEAR + 1, 1)) == {}
        assert db.session.scalar(db.select(db.func.count(Membership.id))) == 2


def test_months_of_a_year_without_settings_use_the_latest_earlier_rates(app):
    with app.app_context():
        assert db.session.get(ProgrammeYear, 2031) is None
        rates = ledger.rates_for(2031)
        latest = db.session.scalar(db.select(db.func.max(ProgrammeYear.year)))
        assert rates is not None and rates.year == 2031
        assert rates.jkm_monthly == db.session.get(ProgrammeYear, latest).jkm_monthly
        assert ledger.rates_for(1990) is None
        assert ledger.month_total(Month(1990, 1)) == (0, 0)
