"""The shared eligibility rules against the year's settings."""

from datetime import date

from portal import clock
from portal.eligibility import check_eligibility, programme_year_for
from portal.extensions import db
from portal.models import CategorySetting

TODAY = date(2026, 6, 1)


def codes(findings):
    return [(f.code, f.severity) for f in findings]


def year_settings():
    return programme_year_for(clock.today())


def test_a_cadre_of_working_age_is_eligible(db_session):
    assert check_eligibility(year_settings(), birth_date=date(1985, 2, 13), category_code="kader", today=TODAY) == []


def test_age_limits_come_from_the_settings(db_session):
    year = year_settings()
    assert codes(check_eligibility(year, birth_date=date(2012, 1, 1), category_code="kader", today=TODAY)) == [("age_out_of_range", "error")]
    assert codes(check_eligibility(year, birth_date=date(1950, 1, 1), category_code="kader", today=TODAY)) == [("age_out_of_range", "error")]
    year.max_age = 80
    db.session.flush()
    assert check_eligibility(year, birth_date=date(1950, 1, 1), category_code="kader", today=TODAY) == []


def test_unknown_and_switched_off_categories(db_session):
    year = year_settings()
    assert codes(check_eligibility(year, birth_date=None, category_code="astronot")) == [("category_unknown", "error")]
    db.session.get(CategorySetting, (year.year, "kader")).eligible = False
    assert codes(check_eligibility(year, birth_date=None, category_code="kader")) == [("category_not_eligible", "error")]


def test_welfare_targeted_categories_check_the_desil(db_session):
    year = year_settings()
    judge = lambda desil: codes(check_eligibility(year, birth_date=None, category_code="pekerja_rentan", desil=desil))  # noqa: E731
    assert judge(3) == []
    assert judge(4) == []
    assert judge(5) == [("desil_above_cutoff", "error")]
    assert judge(None) == [("desil_unknown", "warning")]
    # Categories enrolled for the job they do for the city need no desil.
    assert codes(check_eligibility(year, birth_date=None, category_code="ketua_rt_rw", desil=9)) == []


def test_employer_cover_and_civil_servants_are_not_eligible(db_session):
    findings = check_eligibility(year_settings(), birth_date=None, category_code="kader", employer_covered=True, civil_servant=True)
    assert codes(findings) == [("employer_covered", "error"), ("civil_servant", "error")]
    assert all(f.message for f in findings)
