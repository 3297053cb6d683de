"""Approvals refused at the year's budget ceiling: single, bulk and racing, nothing changed."""

from __future__ import annotations


from portal import clock
from portal.extensions import db
from portal.models import AuditEvent, CoverageMode, EntryState, ListEntry, Membership, ProgrammeYear, Role
from portal.programme import budget
from portal.review import services
from tests.factories import make_member, make_user
from tests.review.helpers import pending_entries, post
from tests.review.test_concurrency import _race

YEAR = clock.today().year
MONTHLY = 16_800  # JKK + JKM at the minimum band


def _added_per_person() -> int:
    programme_year = db.session.get(ProgrammeYear, YEAR)
    return MONTHLY * budget.new_membership_months(programme_year, clock.today())


def _set_ceiling(rupiah: int) -> None:
    db.session.get(ProgrammeYear, YEAR).budget_ceiling = rupiah
    db.session.commit()


def _nothing_changed(entry_ids: list[int]) -> None:
    assert all(db.session.get(ListEntry, i).state == EntryState.PENDING for i in entry_ids)
    assert db.session.scalar(db.select(db.func.count()).select_from(Membership).where(Membership.entry_id.is_not(None))) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent).filter_by(action="entry.approve")) == 0


def test_single_approval_over_the_ceiling_is_refused_naming_the_amounts(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        make_member("Siti Aminah")  # 12 x 16,800 = 201,600 committed
        (entry_id,) = pending_entries()
        added = _added_per_person()
        _set_ceiling(12 * MONTHLY + added - 1)
    auth.login("staff1")
    response = post(client, f"/verifikasi/{entry_id}/setujui", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Pagu anggaran %d terlampaui" % YEAR in page
    assert "1 orang menambah premi Rp " + f"{added:,}".replace(",", ".") in page
    assert "sisa pagu Rp " + f"{added - 1:,}".replace(",", ".") in page
    assert "sudah terpakai Rp 201.600" in page
    with app.app_context():
        _nothing_changed([entry_id])


def test_single_approval_that_fits_exactly_goes_through(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        (entry_id,) = pending_entries()
        _set_ceiling(_added_per_person())
    auth.login("staff1")
    post(client, f"/verifikasi/{entry_id}/setujui")
    with app.app_context():
        assert db.session.get(ListEntry, entry_id).state == EntryState.APPROVED
        assert budget.committed(db.session.get(ProgrammeYear, YEAR)) == _added_per_person()


def test_htmx_approval_over_the_ceiling_shows_the_refusal_in_the_row(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        (entry_id,) = pending_entries()
        _set_ceiling(1)
    auth.login("staff1")
    response = post(client, f"/verifikasi/{entry_id}/setujui", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "terlampaui" in response.get_data(as_text=True)
    with app.app_context():
        _nothing_changed([entry_id])


def test_bulk_approval_over_the_ceiling_refuses_the_whole_selection(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        entry_ids = pending_entries(3)
        added = _added_per_person()
        _set_ceiling(2 * added)
    auth.login("staff1")
    response = post(client, "/verifikasi/massal", {"mode": "selected", "entry_ids": entry_ids}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "3 orang menambah premi Rp " + f"{3 * added:,}".replace(",", ".") in page
    assert "sisa pagu Rp " + f"{2 * added:,}".replace(",", ".") in page
    with app.app_context():
        _nothing_changed(entry_ids)
    post(client, "/verifikasi/massal", {"mode": "selected", "entry_ids": entry_ids[:2]})
    with app.app_context():
        assert [db.session.get(ListEntry, i).state for i in entry_ids] == [EntryState.APPROVED] * 2 + [EntryState.PENDING]


def test_bulk_refusal_in_many_chunks_changes_nothing(app, monkeypatch):
    monkeypatch.setattr(services, "CHUNK", 2)
    with app.app_context():
        staff = make_user("staff1", Role.STAFF)
        entry_ids = pending_entries(5)
        _set_ceiling(4 * _added_per_person())
        try:
            services.approve_entries(entry_ids, staff, commit=db.session.commit)
        except services.OverBudget as refusal:
            assert "5 orang" in str(refusal)
        else:
            raise AssertionError("not refused")
        _nothing_changed(entry_ids)


def test_bulk_confirmation_shows_people_and_added_premiums(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        entry_ids = pending_entries(3)
        added = _added_per_person()
        _set_ceiling(10 * added)
    auth.login("staff1")
    response = post(client, "/verifikasi/massal/periksa", {"mode": "warning_free"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "3 orang akan menjadi peserta" in page
    assert "Rp " + f"{3 * added:,}".replace(",", ".") in page
    assert "Sisa pagu" in page and "Ya, setujui 3 usulan" in page
    with app.app_context():
        assert all(db.session.get(ListEntry, i).state == EntryState.PENDING for i in entry_ids)
    form = {"mode": "selected", "entry_ids": entry_ids}
    post(client, "/verifikasi/massal", form)
    with app.app_context():
        assert all(db.session.get(ListEntry, i).state == EntryState.APPROVED for i in entry_ids)


def test_bulk_confirmation_warns_when_the_selection_exceeds_the_ceiling(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        entry_ids = pending_entries(2)
        _set_ceiling(_added_per_person())
    auth.login("staff1")
    page = post(client, "/verifikasi/massal/periksa", {"mode": "selected", "entry_ids": entry_ids}).get_data(as_text=True)
    assert "terlampaui" in page and "akan ditolak" in page and "Ya, setujui" not in page


def test_bulk_confirmation_says_a_year_without_ceiling_is_unlimited(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        entry_ids = pending_entries(1)
    auth.login("staff1")
    page = post(client, "/verifikasi/massal/periksa", {"mode": "selected", "entry_ids": entry_ids}).get_data(as_text=True)
    assert "tidak ada batas" in page and "Ya, setujui 1 usulan" in page


def test_racing_approvals_never_both_pass_the_ceiling(app):
    with app.app_context():
        for n in range(2):
            make_user(f"staff{n}", Role.STAFF)
        entry_ids = pending_entries(8)
        _set_ceiling(5 * _added_per_person())
    outcomes = _race(app, [("staff0", entry_ids[0::2]), ("staff1", entry_ids[1::2])])
    approved = [o for o in outcomes if o[0] == "approved"]
    refused = [o for o in outcomes if o[0] == "refused"]
    assert len(approved) == 5 and len(refused) == 3
    assert all("terlampaui" in message for _, message in refused)
    with app.app_context():
        assert budget.committed(db.session.get(ProgrammeYear, YEAR)) == 5 * _added_per_person()


def test_an_approval_is_refused_when_next_years_months_exceed_next_years_ceiling(app, client, auth):
    from portal.seed.reference import ensure_programme_year

    with app.app_context():
        make_user("staff1", Role.STAFF)
        (entry_id,) = pending_entries()
        programme_year = db.session.get(ProgrammeYear, YEAR)
        programme_year.coverage_mode = CoverageMode.FIXED_MONTHS  # 12 months from approval
        next_year = ensure_programme_year(YEAR + 1)
        next_year.budget_ceiling = 1
        db.session.commit()
        from portal.memberships.services import membership_period

        _year, starts_on, ends_on = membership_period(programme_year, clock.today())
        spills_over = budget.premium_months(starts_on, ends_on, YEAR + 1)
    auth.login("staff1")
    page = post(client, f"/verifikasi/{entry_id}/setujui", follow_redirects=True).get_data(as_text=True)
    if spills_over:
        assert "Pagu anggaran %d terlampaui" % (YEAR + 1) in page
        with app.app_context():
            _nothing_changed([entry_id])
    else:  # approved on 1 January: the whole period is this year's
        with app.app_context():
            assert db.session.get(ListEntry, entry_id).state == EntryState.APPROVED
