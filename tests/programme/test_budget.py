"""The budget year's figures: premium months, committed, remaining and forecast, in SQL."""

from __future__ import annotations

from datetime import date

from portal import clock
from portal.extensions import db
from portal.memberships.services import coverage_period, end_membership
from portal.models import CategorySetting, EndReason, MembershipStatus, ProgrammeYear, Role
from portal.programme import budget
from tests.factories import make_member, make_user
from tests.review.helpers import pending_entries

YEAR = clock.today().year


def test_premium_months_count_the_monthly_due_dates_inside_the_year():
    assert budget.premium_months(*coverage_period(date(2026, 1, 1), 12), 2026) == 12
    assert budget.premium_months(*coverage_period(date(2026, 3, 15), 12), 2026) == 10
    assert budget.premium_months(*coverage_period(date(2026, 3, 15), 12), 2027) == 2
    assert budget.premium_months(date(2026, 3, 15), date(2026, 12, 31), 2026) == 10
    assert budget.premium_months(*coverage_period(date(2026, 12, 3), 12), 2026) == 1
    assert budget.premium_months(*coverage_period(date(2026, 1, 31), 12), 2026) == 12
    assert budget.premium_months(*coverage_period(date(2025, 1, 1), 12), 2026) == 0


def test_committed_sums_months_in_the_year_times_each_members_premium(app):
    with app.app_context():
        programme_year = db.session.get(ProgrammeYear, YEAR)
        # 12 months at the minimum band: JKK 10,000 + JKM 6,800.
        make_member("Siti Aminah")
        # From 15 March: 10 due dates this year, at Rp 2,000,000 with JHT: 20,000 + 6,800 + 40,000.
        _person, with_jht = make_member("Andi Wijaya", monthly_income=2_000_000)
        with_jht.jht, with_jht.starts_on, with_jht.ends_on = True, *coverage_period(date(YEAR, 3, 15), 12)
        # An ended membership is paid for up to the day it ended: due on 1 January to 1 April.
        _person, ended = make_member("Rahmat Hidayat")
        end_membership(ended, EndReason.DECEASED, date(YEAR, 4, 20))
        db.session.commit()
        assert ended.status == MembershipStatus.ENDED
        assert budget.committed(programme_year) == 12 * 16_800 + 10 * 66_800 + 4 * 16_800
        assert programme_year.monthly_premium(2_000_000, jht=True) == 66_800


def test_status_without_a_ceiling_is_unlimited_and_forecast_adds_the_pending_entries(app):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW)
        programme_year = db.session.get(ProgrammeYear, YEAR)
        make_member("Siti Aminah")
        pending_entries(3)
        months = budget.new_membership_months(programme_year, clock.today())
        status = budget.budget_status(programme_year)
        assert status.unlimited and status.remaining is None
        assert status.committed == 12 * 16_800
        assert status.forecast == 12 * 16_800 + 3 * 16_800 * months

        programme_year.budget_ceiling = 1_000_000
        db.session.commit()
        status = budget.budget_status(programme_year)
        assert status.remaining == 1_000_000 - 12 * 16_800


def test_entries_premium_uses_the_category_programmes_of_the_year(app):
    with app.app_context():
        programme_year = db.session.get(ProgrammeYear, YEAR)
        db.session.get(CategorySetting, (YEAR, "kader")).jht = True
        db.session.commit()
        ids = pending_entries(2, monthly_income=3_000_000)
        assert budget.entries_premium(programme_year, 2, ids) == (2, 2 * 2 * (30_000 + 6_800 + 60_000))


def test_the_checks_committed_is_a_recount_plus_the_memberships_granted_since(app_factory):
    from portal.seed.reference import seed_reference

    app = app_factory(BUDGET_SETTLE_SECONDS=0)
    with app.app_context():
        seed_reference()
        db.session.commit()
        programme_year = db.session.get(ProgrammeYear, YEAR)
        yearly = 12 * 16_800
        _person, first = make_member("Satu")
        assert budget.committed_now(programme_year) == yearly  # the recount
        make_member("Dua")
        assert budget.committed_now(programme_year) == 2 * yearly  # the recount + one granted since
        end_membership(first, EndReason.DECEASED, date(YEAR, 1, 20))  # due for January only
        db.session.commit()
        # Until the next recount the check errs on the side of refusing; the dashboard is exact.
        assert budget.committed_now(programme_year) == 2 * yearly
        assert budget.committed(programme_year) == yearly + 16_800
        programme_year.jkm_monthly = 7_000  # new rates: recounted at once
        db.session.commit()
        assert budget.committed_now(programme_year) == 13 * 17_000


def test_committed_counted_per_group_equals_the_sum_member_by_member(app):
    with app.app_context():
        programme_year = db.session.get(ProgrammeYear, YEAR)
        starts = [date(YEAR - 1, 7, 31), date(YEAR, 1, 1), date(YEAR, 3, 15), date(YEAR, 3, 15), date(YEAR, 12, 3)]
        incomes = [None, 1_000_000, 2_500_000, 2_500_000, 4_000_000]
        memberships = []
        for n, (starts_on, income) in enumerate(zip(starts, incomes)):
            _person, membership = make_member(f"Peserta {n}", monthly_income=income)
            membership.jht = n % 2 == 0
            membership.starts_on, membership.ends_on = coverage_period(starts_on, 12)
            memberships.append(membership)
        memberships[-1].status = MembershipStatus.EXPIRED  # still paid for; only ended ones are not
        db.session.commit()
        member_by_member = sum(
            budget.premium_months(m.starts_on, m.ends_on, YEAR) * programme_year.monthly_premium(m.person.monthly_income, jht=m.jht)
            for m in memberships
        )
        assert budget.committed(programme_year) == member_by_member
        assert budget.committed_now(programme_year) == member_by_member
