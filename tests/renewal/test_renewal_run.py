"""The renewal run: next year's rules, its outcomes, idempotence, the card's QR page, the CLI."""

from __future__ import annotations

import re
from datetime import date

import pytest

from portal import clock
from portal.admin.services import copy_year
from portal.extensions import db
from portal.memberships.services import issue_certificate
from portal.models import (
    AuditEvent,
    CategorySetting,
    DesilRecord,
    EndReason,
    Membership,
    MembershipStatus,
    ProgrammeYear,
    RenewalDecision,
    RenewalOutcome,
    Reverification,
    ReverificationAnswer,
    Role,
)
from portal.renewal import services
from portal.renewal.services import plan_renewal, projected_premiums
from tests.factories import make_member, make_user

YEAR = clock.today().year
NEXT = YEAR + 1


@pytest.fixture
def next_year(app):
    with app.app_context():
        copy_year(db.session.get(ProgrammeYear, YEAR), NEXT, None)
        db.session.commit()


def confirmed_member(name: str = "Siti Aminah", **fields):
    person, membership = make_member(name, year=YEAR, **fields)
    db.session.add(Reverification(membership_id=membership.id, answer=ReverificationAnswer.CONFIRMED))
    db.session.commit()
    return person, membership


def outcome_of(plan, membership) -> tuple[RenewalOutcome, str | None]:
    member = next(m for m in plan.members if m.membership_id == membership.id)
    return member.outcome, member.reason


def test_a_confirmed_member_within_the_rules_is_renewed_for_the_whole_new_year_with_the_same_kpj(app, next_year):
    with app.app_context():
        person, membership = confirmed_member()
        membership.kpj_number = "26000000001"
        db.session.commit()
        plan = plan_renewal(YEAR, NEXT)
        services.apply_plan(plan, None)
        db.session.commit()
        renewed = db.session.scalar(db.select(Membership).where(Membership.person_id == person.id, Membership.year == NEXT))
        assert (renewed.starts_on, renewed.ends_on) == (date(NEXT, 1, 1), date(NEXT, 12, 31))
        assert renewed.kpj_number == "26000000001"
        assert renewed.status == MembershipStatus.ACTIVE
        assert renewed.number.startswith(f"MKS-{NEXT}-")
        decision = db.session.scalar(db.select(RenewalDecision).filter_by(membership_id=membership.id))
        assert (decision.outcome, decision.new_membership_id) == (RenewalOutcome.RENEWED, renewed.id)


def test_a_member_who_turns_older_than_the_maximum_on_1_january_is_not_renewed(app, next_year):
    with app.app_context():
        max_age = db.session.get(ProgrammeYear, NEXT).max_age
        # max_age today, one year more on 1 January of the new year.
        _p, old = confirmed_member("Daeng Tua", birth_date=date(YEAR - max_age, 1, 1))
        _p, young = confirmed_member("Daeng Muda", birth_date=date(YEAR - max_age, 1, 2))
        plan = plan_renewal(YEAR, NEXT)
        assert outcome_of(plan, old) == (RenewalOutcome.NOT_RENEWED, "age_out_of_range")
        assert outcome_of(plan, young) == (RenewalOutcome.RENEWED, None)


def test_a_member_of_a_category_dropped_next_year_is_not_renewed(app, next_year):
    with app.app_context():
        _p, dropped = confirmed_member("Kader Posyandu", category_code="kader")
        _p, kept = confirmed_member("Marbot Masjid", category_code="pekerja_keagamaan")
        db.session.get(CategorySetting, (NEXT, "kader")).eligible = False
        db.session.commit()
        plan = plan_renewal(YEAR, NEXT)
        assert outcome_of(plan, dropped) == (RenewalOutcome.NOT_RENEWED, "category_not_eligible")
        assert outcome_of(plan, kept) == (RenewalOutcome.RENEWED, None)


def test_a_member_whose_household_is_now_above_the_desil_cut_off_is_not_renewed(app, next_year):
    with app.app_context():
        requiring = next(s for s in db.session.get(ProgrammeYear, NEXT).categories if s.requires_desil)
        cut_off = db.session.get(ProgrammeYear, NEXT).desil_max
        person, above = confirmed_member("Pedagang Pasar", category_code=requiring.category_code)
        other, within = confirmed_member("Pengemudi Ojek", category_code=requiring.category_code)
        db.session.add_all([
            DesilRecord(nik=person.nik, desil=cut_off + 1, source_date=date(YEAR, 10, 1)),
            DesilRecord(nik=other.nik, desil=cut_off, source_date=date(YEAR, 10, 1)),
        ])
        db.session.commit()
        plan = plan_renewal(YEAR, NEXT)
        assert outcome_of(plan, above) == (RenewalOutcome.NOT_RENEWED, "desil_above_cutoff")
        assert outcome_of(plan, within) == (RenewalOutcome.RENEWED, None)


def test_a_deceased_member_is_not_renewed(app, next_year):
    with app.app_context():
        _p, membership = make_member("Almarhumah", year=YEAR)
        membership.status, membership.end_reason = MembershipStatus.ENDED, EndReason.DECEASED
        db.session.commit()
        plan = plan_renewal(YEAR, NEXT)
        assert outcome_of(plan, membership) == (RenewalOutcome.NOT_RENEWED, "deceased")


def test_an_unanswered_re_verification_needs_confirmation_and_gets_no_membership(app, next_year):
    with app.app_context():
        person, membership = make_member("Belum Dijawab", year=YEAR)
        plan = plan_renewal(YEAR, NEXT)
        assert outcome_of(plan, membership) == (RenewalOutcome.NEEDS_CONFIRMATION, "reverification_unanswered")
        services.apply_plan(plan, None)
        db.session.commit()
        assert db.session.scalar(db.select(Membership).where(Membership.person_id == person.id, Membership.year == NEXT)) is None


def test_running_twice_changes_nothing_more_and_a_later_confirmation_is_picked_up(app, next_year):
    with app.app_context():
        confirmed_member("Satu")
        _p, waiting = make_member("Dua", year=YEAR)
        services.apply_plan(plan_renewal(YEAR, NEXT), None)
        db.session.commit()

        def state():
            return (
                db.session.scalar(db.select(db.func.count()).select_from(Membership).where(Membership.year == NEXT)),
                db.session.scalar(db.select(db.func.count()).select_from(RenewalDecision)),
                db.session.scalar(db.select(db.func.count()).select_from(AuditEvent).where(AuditEvent.action.like("renewal.%"))),
            )

        first = state()
        assert first == (1, 2, 2)
        again = plan_renewal(YEAR, NEXT)
        assert again.to_write() == []
        assert services.apply_plan(again, None) == 0
        db.session.commit()
        assert state() == first
        db.session.add(Reverification(membership_id=waiting.id, answer=ReverificationAnswer.CONFIRMED))
        db.session.commit()
        services.apply_plan(plan_renewal(YEAR, NEXT), None)
        db.session.commit()
        assert state() == (2, 2, 3)


def test_projected_premiums_count_the_new_memberships_at_next_years_price(app, next_year):
    with app.app_context():
        confirmed_member("Satu", monthly_income=None)
        confirmed_member("Dua", monthly_income=None)
        make_member("Tiga", year=YEAR)
        settings = db.session.get(ProgrammeYear, NEXT)
        settings.jkm_monthly = 7_000
        db.session.commit()
        plan = plan_renewal(YEAR, NEXT)
        price = settings.monthly_premium(None, jht=False)
        projection = projected_premiums(plan)
        assert (projection.members, projection.monthly, projection.total) == (2, 2 * price, 24 * price)
        assert services.summarise(plan)["premiums_if_confirmed"]["members"] == 3


def test_the_card_qr_page_shows_the_new_period_after_renewal_without_reprinting(app, client, next_year):
    with app.app_context():
        _person, membership = confirmed_member()
        code = issue_certificate(membership).code
        db.session.commit()
    before = client.get(f"/v/{code}").get_data(as_text=True)
    assert str(NEXT) not in before
    with app.app_context():
        services.apply_plan(plan_renewal(YEAR, NEXT), None)
        db.session.commit()
    page = client.get(f"/v/{code}").get_data(as_text=True)
    assert "Sah dan berlaku" in page
    assert f"31 Des {NEXT}" in page


def test_cek_status_tells_a_member_not_renewed_why(app, client, next_year):
    from portal.citizen.services import check_status

    with app.app_context():
        max_age = db.session.get(ProgrammeYear, NEXT).max_age
        person, _membership = confirmed_member("Daeng Tua", birth_date=date(YEAR - max_age, 1, 1))
        services.apply_plan(plan_renewal(YEAR, NEXT), None)
        db.session.commit()
        answer = check_status(person.nik, "Daeng Tua")
        assert answer.outcome.value == "active"
        assert answer.reason_category == "age_out_of_range"
        expired = check_status(person.nik, "Daeng Tua", today=date(NEXT, 1, 2))
        assert expired.outcome.value == "expired"
        assert "Usia di luar batas" in expired.reason_label


def test_cli_dry_run_prints_counts_and_premiums_and_changes_nothing(app, runner, next_year):
    with app.app_context():
        confirmed_member("Satu")
        make_member("Dua", year=YEAR)
    result = runner.invoke(args=["programme", "renew", "--from", str(YEAR), "--to", str(NEXT), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "DRY RUN" in result.output
    assert re.search(r"renewed: 1\b", result.output)
    assert re.search(r"needs_confirmation: 1\b", result.output)
    assert "Mariso" in result.output  # per kecamatan
    assert "Projected premiums" in result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Membership).where(Membership.year == NEXT)) == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(RenewalDecision)) == 0


def test_cli_real_run_renews_and_a_second_run_writes_nothing(app, runner, next_year):
    with app.app_context():
        confirmed_member("Satu")
    result = runner.invoke(args=["programme", "renew", "--from", str(YEAR), "--to", str(NEXT)])
    assert result.exit_code == 0, result.output
    assert "Written: 1 " in result.output
    again = runner.invoke(args=["programme", "renew", "--from", str(YEAR), "--to", str(NEXT)])
    assert "Written: 0 " in again.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Membership).where(Membership.year == NEXT)) == 1


def test_cli_refuses_without_next_years_settings_unless_asked_to_copy_them(app, runner):
    result = runner.invoke(args=["programme", "renew", "--dry-run"])
    assert result.exit_code != 0
    assert f"Pengaturan tahun {NEXT} belum ada" in result.output
    result = runner.invoke(args=["programme", "renew", "--dry-run", "--copy-settings"])
    assert result.exit_code == 0, result.output
    assert f"Settings of {NEXT} created" in result.output


def test_staff_preview_then_run_in_the_background_with_progress(app, client, auth, next_year):
    from tests.conftest import csrf_token

    with app.app_context():
        make_user("staff1", Role.STAFF)
        confirmed_member("Satu")
    auth.login("staff1")
    page = client.get("/perpanjangan")
    assert page.status_code == 200
    response = client.post("/perpanjangan", data={"from_year": str(YEAR), "preview": "1", "csrf_token": csrf_token(client, "/perpanjangan")})
    assert response.status_code == 302
    run_url = response.headers["Location"]
    app.extensions["renewal_worker"].submit(lambda: None).result(timeout=30)  # the preview has finished
    page = client.get(run_url).get_data(as_text=True)
    assert "Selesai" in page and "Belum ada yang diubah" in page
    assert "Mariso" in page and "Kader Posyandu dan KB" in page  # per kecamatan and per category
    assert f"Iuran {NEXT} yang diproyeksikan" in page
    fragment = client.get(run_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<progress" in fragment and "<html" not in fragment
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Membership).where(Membership.year == NEXT)) == 0
    response = client.post("/perpanjangan", data={"from_year": str(YEAR), "run": "1", "csrf_token": csrf_token(client, "/perpanjangan")})
    app.extensions["renewal_worker"].submit(lambda: None).result(timeout=30)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Selesai" in page
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Membership).where(Membership.year == NEXT)) == 1


def test_staff_page_refuses_a_year_without_next_years_settings(app, client, auth):
    from tests.conftest import csrf_token

    with app.app_context():
        make_user("staff1", Role.STAFF)
    auth.login("staff1")
    response = client.post("/perpanjangan", data={"from_year": str(YEAR), "preview": "1", "csrf_token": csrf_token(client, "/perpanjangan")})
    assert response.status_code == 200
    assert f"Pengaturan tahun {NEXT} belum ada" in response.get_data(as_text=True)


def test_rt_rw_heads_cannot_open_the_renewal_run(app, client, auth):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW)
    auth.login("rtrw1")
    assert client.get("/perpanjangan").status_code == 404


def test_every_outcome_is_an_audit_event_and_the_audit_chain_stays_intact(app, next_year):
    from portal.audit.chain import verify_chain

    with app.app_context():
        _p, renewed = confirmed_member("Satu")
        _p, waiting = make_member("Dua", year=YEAR)
        staff = make_user("staff1", Role.STAFF)
        services.apply_plan(plan_renewal(YEAR, NEXT), staff)
        db.session.commit()
        events = {
            e.target_id: e for e in db.session.scalars(db.select(AuditEvent).where(AuditEvent.action.like("renewal.%")))
        }
        assert events[str(renewed.id)].action == "renewal.renewed"
        assert events[str(waiting.id)].action == "renewal.needs_confirmation"
        assert events[str(waiting.id)].details["reason"] == "reverification_unanswered"
        assert events[str(renewed.id)].actor_name == "staff1"
        report = verify_chain()
        assert report.intact and report.unsealed == 0


def test_a_second_real_run_is_refused_while_one_is_running(app, next_year):
    from portal.models import RenewalRun, RenewalRunStatus
    from portal.renewal import jobs

    with app.app_context():
        running = jobs.create_run(YEAR, NEXT, dry_run=False, user=None)
        running.status = RenewalRunStatus.RUNNING
        db.session.commit()
        with pytest.raises(services.RenewalError, match="sedang berjalan"):
            jobs.create_run(YEAR, NEXT, dry_run=False, user=None)
        db.session.rollback()
        assert jobs.create_run(YEAR, NEXT, dry_run=True, user=None).id  # a preview may still run
        running = db.session.get(RenewalRun, running.id)
        running.status = RenewalRunStatus.DONE
        db.session.commit()
        assert jobs.create_run(YEAR, NEXT, dry_run=False, user=None).id
