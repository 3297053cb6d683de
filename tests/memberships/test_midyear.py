"""Joining mid-year (issue 19 item 4): the year's period rule, approvals under each mode and
start rule on a fixed clock, renewal periods, and the premium months each budget year pays."""

from __future__ import annotations

from datetime import date

import pytest

from portal import clock
from portal.admin.services import copy_year
from portal.extensions import db
from portal.memberships.services import membership_period
from portal.models import CategorySetting, CoverageMode, CoverageStart, ListEntry, Membership, ProgrammeYear, Role
from portal.programme import budget
from portal.renewal import services as renewal
from tests.factories import make_member, make_user
from tests.review.helpers import pending_entries, post

YEAR = date.today().year
NEXT = YEAR + 1
MONTHLY = 16_800  # JKK + JKM at the minimum band (the default category "kader" has no JHT)


def _rule(mode: CoverageMode, start: CoverageStart, months: int = 12, year: int = YEAR) -> ProgrammeYear:
    programme_year = db.session.get(ProgrammeYear, year)
    programme_year.coverage_mode, programme_year.coverage_start, programme_year.coverage_months = mode, start, months
    db.session.commit()
    return programme_year


@pytest.fixture
def on_day(monkeypatch):
    """Fix the portal's clock to a day of this year."""

    def fix(day: date) -> None:
        monkeypatch.setattr(clock, "today", lambda: day)

    return fix


def _membership_of(entry_id: int) -> Membership:
    return db.session.scalar(db.select(Membership).where(Membership.entry_id == entry_id))


@pytest.mark.parametrize(
    ("mode", "start", "months", "approved", "period", "paid"),
    [
        # Default: from the approval date to 31 December; the year pays March to December.
        (CoverageMode.TO_YEAR_END, CoverageStart.APPROVAL_DATE, 12, (3, 15), ((YEAR, 3, 15), (YEAR, 12, 31)), {YEAR: 10}),
        (CoverageMode.TO_YEAR_END, CoverageStart.FIRST_OF_NEXT_MONTH, 12, (3, 15), ((YEAR, 4, 1), (YEAR, 12, 31)), {YEAR: 9}),
        (CoverageMode.TO_YEAR_END, CoverageStart.APPROVAL_DATE, 12, (12, 3), ((YEAR, 12, 3), (YEAR, 12, 31)), {YEAR: 1, NEXT: 0}),
        (CoverageMode.FIXED_MONTHS, CoverageStart.APPROVAL_DATE, 6, (3, 15), ((YEAR, 3, 15), (YEAR, 9, 14)), {YEAR: 6}),
        # Straddling: 12 months from 1 December pay 1 month of this year and 11 of the next.
        (CoverageMode.FIXED_MONTHS, CoverageStart.FIRST_OF_NEXT_MONTH, 12, (11, 20), ((YEAR, 12, 1), (NEXT, 11, 30)), {YEAR: 1, NEXT: 11}),
        (CoverageMode.FIXED_MONTHS, CoverageStart.APPROVAL_DATE, 12, (3, 15), ((YEAR, 3, 15), (NEXT, 3, 14)), {YEAR: 10, NEXT: 2}),
    ],
)
def test_a_single_approval_gets_the_period_of_the_years_mode_and_start_rule(app, client, auth, on_day, mode, start, months, approved, period, paid):
    on_day(date(YEAR, *approved))
    with app.app_context():
        make_user("staff1", Role.STAFF)
        (entry_id,) = pending_entries()
        _rule(mode, start, months)
    auth.login("staff1")
    page = client.get(f"/verifikasi/{entry_id}").get_data(as_text=True)
    assert "Aturan masa perlindungan %d" % YEAR in page
    response = post(client, f"/verifikasi/{entry_id}/setujui")
    assert response.status_code in (200, 302)
    with app.app_context():
        membership = _membership_of(entry_id)
        assert (membership.starts_on, membership.ends_on) == (date(*period[0]), date(*period[1]))
        assert membership.year == YEAR
        for year, count in paid.items():
            assert budget.premium_months(membership.starts_on, membership.ends_on, year) == count
            settings = db.session.get(ProgrammeYear, year)
            if settings is not None:
                assert budget.committed(settings) == count * MONTHLY


def test_a_december_approval_starting_on_the_first_of_next_month_belongs_to_next_years_budget(app, client, auth, on_day):
    on_day(date(YEAR, 12, 3))
    with app.app_context():
        make_user("staff1", Role.STAFF)
        entry_ids = pending_entries(2)
        _rule(CoverageMode.TO_YEAR_END, CoverageStart.FIRST_OF_NEXT_MONTH)
        copy_year(db.session.get(ProgrammeYear, YEAR), NEXT, None)
        db.session.commit()
    auth.login("staff1")
    confirm = post(client, "/verifikasi/massal/periksa", {"mode": "selected", "entry_ids": entry_ids}).get_data(as_text=True)
    assert "Disetujui hari ini: 1 Jan %d – 31 Des %d" % (NEXT, NEXT) in confirm
    post(client, "/verifikasi/massal", {"mode": "selected", "entry_ids": entry_ids})
    with app.app_context():
        for entry_id in entry_ids:
            membership = _membership_of(entry_id)
            assert (membership.starts_on, membership.ends_on) == (date(NEXT, 1, 1), date(NEXT, 12, 31))
            assert membership.year == NEXT and membership.number.startswith(f"MKS-{NEXT}-")
        assert budget.committed(db.session.get(ProgrammeYear, YEAR)) == 0
        assert budget.committed(db.session.get(ProgrammeYear, NEXT)) == 2 * 12 * MONTHLY
        # The renewal of this year leaves them alone: they already hold next year's cover.
        plan = renewal.plan_renewal(YEAR, NEXT)
        assert plan.members == []


def test_a_december_approval_starting_next_year_is_refused_while_next_years_settings_are_missing(app, client, auth, on_day):
    on_day(date(YEAR, 12, 3))
    with app.app_context():
        make_user("staff1", Role.STAFF)
        entry_ids = pending_entries(2)
        programme_year = _rule(CoverageMode.TO_YEAR_END, CoverageStart.FIRST_OF_NEXT_MONTH)
        programme_year.budget_ceiling = 100 * MONTHLY
        db.session.commit()
    auth.login("staff1")
    refusal = f"Pengaturan program {NEXT} belum ada"

    single = post(client, f"/verifikasi/{entry_ids[0]}/setujui")
    confirm = post(client, "/verifikasi/massal/periksa", {"mode": "selected", "entry_ids": entry_ids}).get_data(as_text=True)
    bulk = post(client, "/verifikasi/massal", {"mode": "selected", "entry_ids": entry_ids})

    assert refusal in (client.get(single.location) if single.status_code == 302 else single).get_data(as_text=True)
    assert refusal in confirm and "Ya, setujui" not in confirm
    assert bulk.status_code in (200, 302, 422)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Membership)) == 0
        assert {e.state.value for e in db.session.scalars(db.select(ListEntry))} == {"pending"}
        copy_year(db.session.get(ProgrammeYear, YEAR), NEXT, None)
        db.session.commit()
    post(client, f"/verifikasi/{entry_ids[0]}/setujui")
    with app.app_context():
        assert _membership_of(entry_ids[0]).year == NEXT


def test_the_budget_check_counts_only_the_months_the_year_pays_for(app, client, auth, on_day):
    on_day(date(YEAR, 10, 20))
    with app.app_context():
        make_user("staff1", Role.STAFF)
        (entry_id,) = pending_entries()
        programme_year = _rule(CoverageMode.TO_YEAR_END, CoverageStart.FIRST_OF_NEXT_MONTH)
        programme_year.budget_ceiling = 2 * MONTHLY  # November and December fit exactly
        db.session.commit()
    auth.login("staff1")
    post(client, f"/verifikasi/{entry_id}/setujui")
    with app.app_context():
        membership = _membership_of(entry_id)
        assert (membership.starts_on, membership.ends_on) == (date(YEAR, 11, 1), date(YEAR, 12, 31))


def test_membership_period_of_a_renewal_starts_on_the_day_given_whatever_the_start_rule(app):
    with app.app_context():
        programme_year = _rule(CoverageMode.TO_YEAR_END, CoverageStart.FIRST_OF_NEXT_MONTH)
        assert membership_period(programme_year, date(YEAR, 1, 1), renewing=True) == (YEAR, date(YEAR, 1, 1), date(YEAR, 12, 31))
        assert membership_period(programme_year, date(YEAR, 1, 1)) == (YEAR, date(YEAR, 2, 1), date(YEAR, 12, 31))


def test_renewal_gives_a_whole_new_year_and_a_fixed_months_member_is_renewed_from_the_end_of_its_cover(app):
    with app.app_context():
        _rule(CoverageMode.FIXED_MONTHS, CoverageStart.APPROVAL_DATE)
        _person, yearly = make_member("Siti Aminah")  # 1 January for 12 months: to 31 December
        _person, straddling = make_member("Hasnah Dg. Baji")
        straddling.starts_on, straddling.ends_on = date(YEAR, 3, 15), date(NEXT, 3, 14)
        copy_year(db.session.get(ProgrammeYear, YEAR), NEXT, None)
        _rule(CoverageMode.TO_YEAR_END, CoverageStart.APPROVAL_DATE, year=NEXT)
        from portal.models import Reverification, ReverificationAnswer

        for membership in (yearly, straddling):
            db.session.add(Reverification(membership_id=membership.id, answer=ReverificationAnswer.CONFIRMED))
        db.session.commit()
        plan = renewal.plan_renewal(YEAR, NEXT)
        projection = renewal.projected_premiums(plan)
        # 12 months for the first; for the one covered until 14 March, the due dates 15 March
        # to 15 December (10): with its 2 old ones (15 January, 15 February) 12 in all.
        assert (projection.members, projection.months, projection.total) == (2, 12, (12 + 10) * MONTHLY)
        renewal.apply_plan(plan, None)
        db.session.commit()
        renewed = {
            m.person_id: (m.starts_on, m.ends_on)
            for m in db.session.scalars(db.select(Membership).where(Membership.year == NEXT))
        }
        assert renewed[yearly.person_id] == (date(NEXT, 1, 1), date(NEXT, 12, 31))
        assert renewed[straddling.person_id] == (date(NEXT, 3, 15), date(NEXT, 12, 31))
        # Next year pays 12 + 10 months of the renewals and 2 of the old straddling cover: no
        # month twice.
        assert budget.committed(db.session.get(ProgrammeYear, NEXT)) == (12 + 10 + 2) * MONTHLY


def test_a_renewal_into_a_fixed_months_year_runs_that_many_months_from_1_january(app):
    with app.app_context():
        _person, membership = make_member("Siti Aminah")
        copy_year(db.session.get(ProgrammeYear, YEAR), NEXT, None)
        _rule(CoverageMode.FIXED_MONTHS, CoverageStart.FIRST_OF_NEXT_MONTH, 6, year=NEXT)
        from portal.models import Reverification, ReverificationAnswer

        db.session.add(Reverification(membership_id=membership.id, answer=ReverificationAnswer.CONFIRMED))
        db.session.commit()
        plan = renewal.plan_renewal(YEAR, NEXT)
        assert renewal.projected_premiums(plan).total == 6 * MONTHLY
        renewal.apply_plan(plan, None)
        db.session.commit()
        new = db.session.scalar(db.select(Membership).where(Membership.year == NEXT))
        assert (new.starts_on, new.ends_on) == (date(NEXT, 1, 1), date(NEXT, 6, 30))


def test_a_category_without_jkm_and_jht_is_priced_for_jkk_alone_everywhere(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        setting = db.session.get(CategorySetting, (YEAR, "non_asn"))
        setting.jkk, setting.jkm, setting.jht = True, False, False
        db.session.commit()
        programme_year = db.session.get(ProgrammeYear, YEAR)
        assert programme_year.premium_of(setting, 2_000_000) == 20_000  # JKK 1 % only
        assert programme_year.monthly_premium(2_000_000, jkk=True, jkm=True, jht=True) == 20_000 + 6_800 + 40_000
        _person, membership = make_member("Muh. Arfah", category_code="non_asn", monthly_income=2_000_000)
        assert (membership.jkk, membership.jkm, membership.jht) == (True, False, False)
        assert budget.committed(programme_year) == 12 * 20_000
        copy_year(programme_year, NEXT, None)
        from portal.models import Reverification, ReverificationAnswer

        db.session.add(Reverification(membership_id=membership.id, answer=ReverificationAnswer.CONFIRMED))
        db.session.commit()
        assert renewal.projected_premiums(renewal.plan_renewal(YEAR, NEXT)).total == 12 * 20_000
    auth.login("staff1")
    from tests.reports.helpers import csv_table

    rows = {row[0]: row for row in csv_table(client, "anggaran")}
    assert rows["Tenaga non-ASN"][1:5] == ["1", "20000", "0", "20000"]


def _year_form(year: int, **changes) -> dict:
    programme_year = db.session.get(ProgrammeYear, year)
    form = {
        "min_age": "15", "max_age": "65", "desil_max": "4", "income_floor": "1000000", "jkk_rate": "0.0100",
        "jkm_monthly": "6800", "jht_rate": "0.0200", "coverage_mode": "to_year_end", "coverage_months": "12",
        "coverage_start": "approval_date", "budget_ceiling": "", "reverification_opens_days_before_end": "42",
    }
    for n, setting in enumerate(sorted(programme_year.categories, key=lambda s: s.category_code)):
        form[f"categories-{n}-category_code"] = setting.category_code
        for flag in ("eligible", "jkk", "jkm", "jht", "requires_desil"):
            if getattr(setting, flag):
                form[f"categories-{n}-{flag}"] = "y"
        form[f"categories-{n}-target_population"] = str(setting.target_population)
    return {**form, **changes}


def test_admin_sets_the_coverage_mode_and_start_rule_and_next_year_copies_them(app, client, auth):
    with app.app_context():
        make_user("admin", Role.ADMIN)
        form = _year_form(YEAR, coverage_mode="fixed_months", coverage_months="6", coverage_start="first_of_next_month")
    auth.login("admin")
    page = client.get(f"/admin/tahun/{YEAR}").get_data(as_text=True)
    assert "Sampai akhir tahun anggaran (31 Desember)" in page and "Pada tanggal 1 bulan berikutnya" in page
    assert "mulai pada tanggal persetujuan, berlaku sampai 31 Desember tahun anggaran" in page  # the default
    response = post(client, f"/admin/tahun/{YEAR}", form, page=f"/admin/tahun/{YEAR}", follow_redirects=True)
    assert "mulai tanggal 1 bulan berikutnya, berlaku 6 bulan" in response.get_data(as_text=True)
    with app.app_context():
        programme_year = db.session.get(ProgrammeYear, YEAR)
        assert (programme_year.coverage_mode, programme_year.coverage_months, programme_year.coverage_start) == (
            CoverageMode.FIXED_MONTHS, 6, CoverageStart.FIRST_OF_NEXT_MONTH,
        )
    post(client, "/admin/tahun/baru", page="/admin/tahun")
    with app.app_context():
        copied = db.session.get(ProgrammeYear, NEXT)
        assert (copied.coverage_mode, copied.coverage_months, copied.coverage_start) == (
            CoverageMode.FIXED_MONTHS, 6, CoverageStart.FIRST_OF_NEXT_MONTH,
        )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"coverage_mode": "forever"}, "Pilihan ini tidak tersedia. Pilih salah satu dari daftar."),
        ({"coverage_start": "yesterday"}, "Pilihan ini tidak tersedia. Pilih salah satu dari daftar."),
        ({"coverage_mode": "fixed_months", "coverage_months": "13"}, "Jumlah bulan perlindungan 1 sampai 12."),
        ({"coverage_mode": "fixed_months", "coverage_months": "0"}, "Jumlah bulan perlindungan 1 sampai 12."),
        ({"coverage_mode": "fixed_months", "coverage_months": ""}, "Isi jumlah bulan perlindungan, 1 sampai 12."),
    ],
)
def test_bad_coverage_settings_are_refused_with_a_clear_message_and_nothing_changes(app, client, auth, changes, message):
    with app.app_context():
        make_user("admin", Role.ADMIN)
        form = _year_form(YEAR, **changes)
    auth.login("admin")
    response = post(client, f"/admin/tahun/{YEAR}", form, page=f"/admin/tahun/{YEAR}")
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        programme_year = db.session.get(ProgrammeYear, YEAR)
        assert (programme_year.coverage_mode, programme_year.coverage_months, programme_year.coverage_start) == (
            CoverageMode.TO_YEAR_END, 12, CoverageStart.APPROVAL_DATE,
        )


def test_bad_coverage_settings_read_in_english_when_english_is_chosen(app, client, auth):
    with app.app_context():
        make_user("admin", Role.ADMIN)
        form = _year_form(YEAR, coverage_mode="fixed_months", coverage_months="13")
    auth.login("admin")
    client.post("/bahasa", data={"lang": "en", "next": "/"})
    page = post(client, f"/admin/tahun/{YEAR}", form, page=f"/admin/tahun/{YEAR}").get_data(as_text=True)
    assert "Months of cover: 1 to 12." in page


def test_cek_status_and_the_member_page_show_a_cover_that_starts_next_year(app, client, auth, on_day):
    on_day(date(YEAR, 12, 3))
    with app.app_context():
        make_user("staff1", Role.STAFF)
        (entry_id,) = pending_entries()
        _rule(CoverageMode.TO_YEAR_END, CoverageStart.FIRST_OF_NEXT_MONTH)
        copy_year(db.session.get(ProgrammeYear, YEAR), NEXT, None)  # the cover belongs to next year's budget
        db.session.commit()
        entry = db.session.get(ListEntry, entry_id)
        nik, name = entry.nik, entry.full_name
    auth.login("staff1")
    post(client, f"/verifikasi/{entry_id}/setujui")
    with app.app_context():
        person_id = _membership_of(entry_id).person_id
    member_page = client.get(f"/anggota/{person_id}").get_data(as_text=True)
    assert "Iuran dibayar anggaran: %d: 12 bulan" % NEXT in member_page
    auth.logout()
    from tests.citizen.test_status import answer_of, post_status

    answer = answer_of(post_status(client, nik, name).get_data(as_text=True))
    assert "1 Jan %d – 31 Des %d" % (NEXT, NEXT) in answer
    assert "Perlindungan mulai berlaku 1 Jan %d; sebelum tanggal itu Anda belum terlindungi." % NEXT in answer


def test_the_member_page_shows_the_months_each_budget_year_pays_for_a_mid_year_joiner(app, client, auth, on_day):
    on_day(date(YEAR, 3, 15))
    with app.app_context():
        make_user("staff1", Role.STAFF)
        (entry_id,) = pending_entries()
        _rule(CoverageMode.FIXED_MONTHS, CoverageStart.APPROVAL_DATE)
    auth.login("staff1")
    post(client, f"/verifikasi/{entry_id}/setujui")
    with app.app_context():
        person_id = _membership_of(entry_id).person_id
    page = client.get(f"/anggota/{person_id}").get_data(as_text=True)
    assert "Iuran dibayar anggaran: %d: 10 bulan · %d: 2 bulan" % (YEAR, NEXT) in page


def test_a_december_approval_for_next_year_is_refused_for_someone_already_covered_next_year(app, client, auth, on_day):
    on_day(date(YEAR, 12, 3))
    with app.app_context():
        make_user("staff1", Role.STAFF)
        _rule(CoverageMode.TO_YEAR_END, CoverageStart.FIRST_OF_NEXT_MONTH)
        copy_year(db.session.get(ProgrammeYear, YEAR), NEXT, None)
        db.session.commit()
        person, renewed = make_member("Siti Aminah", year=NEXT)  # already holds next year's cover
        number = renewed.number
        (entry_id,) = pending_entries(nik=person.nik, full_name="Siti Aminah")
    auth.login("staff1")
    page = post(client, f"/verifikasi/{entry_id}/setujui", follow_redirects=True).get_data(as_text=True)
    assert "Orang ini sudah peserta aktif tahun %d (%s)." % (NEXT, number) in page
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Membership)) == 1
