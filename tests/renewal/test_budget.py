"""Renewal against the new year's budget ceiling: the dry run shows it, the real run refuses."""

from __future__ import annotations


import pytest

from portal import clock
from portal.admin.services import copy_year
from portal.extensions import db
from portal.models import AuditEvent, Membership, ProgrammeYear, RenewalDecision, RenewalRun, Role
from portal.renewal import jobs
from tests.conftest import csrf_token
from tests.factories import make_user
from tests.renewal.test_renewal_run import confirmed_member

YEAR = clock.today().year
NEXT = YEAR + 1
YEARLY = 12 * 16_800  # one renewed member at the minimum band


@pytest.fixture
def next_year(app):
    with app.app_context():
        copy_year(db.session.get(ProgrammeYear, YEAR), NEXT, None)
        db.session.commit()


def _ceiling(rupiah: int | None) -> None:
    db.session.get(ProgrammeYear, NEXT).budget_ceiling = rupiah
    db.session.commit()


def _nothing_renewed() -> None:
    assert db.session.scalar(db.select(db.func.count()).select_from(Membership).where(Membership.year == NEXT)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(RenewalDecision)) == 0


def test_dry_run_shows_the_new_years_ceiling_and_says_the_real_run_would_exceed_it(app, runner, next_year):
    with app.app_context():
        confirmed_member("Satu")
        confirmed_member("Dua")
        _ceiling(2 * YEARLY - 1)
    result = runner.invoke(args=["programme", "renew", "--from", str(YEAR), "--to", str(NEXT), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"Budget ceiling {NEXT}: Rp 403.199, already committed Rp 0, this run adds Rp 403.200" in result.output
    assert "EXCEEDS THE CEILING" in result.output
    with app.app_context():
        run = db.session.scalar(db.select(RenewalRun))
        assert run.summary["budget"] == {"ceiling": 2 * YEARLY - 1, "committed": 0, "projected": 2 * YEARLY, "remaining": -1, "fits": False}
        _nothing_renewed()


def test_real_run_over_the_ceiling_is_refused_naming_the_amounts_and_changes_nothing(app, runner, next_year):
    with app.app_context():
        confirmed_member("Satu")
        confirmed_member("Dua")
        _ceiling(YEARLY)
    result = runner.invoke(args=["programme", "renew", "--from", str(YEAR), "--to", str(NEXT)])
    assert result.exit_code != 0
    assert f"Pagu anggaran {NEXT} terlampaui: perpanjangan 2 orang menambah premi Rp 403.200, sisa pagu Rp 201.600" in result.output
    with app.app_context():
        _nothing_renewed()
        run = db.session.scalar(db.select(RenewalRun))
        assert run.error == jobs.BUDGET_EXCEEDED
        assert db.session.scalar(db.select(AuditEvent).filter_by(action="renewal.refused")) is not None
        _ceiling(2 * YEARLY)
    result = runner.invoke(args=["programme", "renew", "--from", str(YEAR), "--to", str(NEXT)])
    assert result.exit_code == 0, result.output
    assert "remaining after it Rp 0" in result.output


def test_a_year_without_a_ceiling_renews_without_limit(app, runner, next_year):
    with app.app_context():
        confirmed_member("Satu")
    result = runner.invoke(args=["programme", "renew", "--from", str(YEAR), "--to", str(NEXT)])
    assert result.exit_code == 0, result.output
    assert f"Budget ceiling {NEXT}: not set (unlimited)" in result.output


def test_the_run_page_shows_the_ceiling_and_the_refusal(app, client, auth, next_year):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        confirmed_member("Satu")
        _ceiling(YEARLY - 1)
    auth.login("staff1")
    token = csrf_token(client, "/perpanjangan")
    response = client.post("/perpanjangan", data={"from_year": str(YEAR), "preview": "1", "csrf_token": token})
    app.extensions["renewal_worker"].submit(lambda: None).result(timeout=30)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Pagu anggaran {NEXT}" in page and "Rp 201.599" in page
    assert "perpanjangan sebenarnya akan ditolak" in page
    response = client.post("/perpanjangan", data={"from_year": str(YEAR), "run": "1", "csrf_token": token})
    app.extensions["renewal_worker"].submit(lambda: None).result(timeout=30)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Pagu anggaran {NEXT} terlampaui" in page and "Tidak ada yang diubah" in page
    with app.app_context():
        _nothing_renewed()
