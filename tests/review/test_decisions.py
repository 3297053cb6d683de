"""Staff decisions on pending entries, each with its audit event."""

from __future__ import annotations

import re
from datetime import date

from portal import clock
from portal.extensions import db
from portal.models import (
    AuditEvent,
    DesilRecord,
    EntryState,
    ListEntry,
    Membership,
    MembershipStatus,
    Person,
    ProgrammeYear,
    Role,
)
from tests.factories import make_user
from tests.review.helpers import pending_entries, post

NUMBER = re.compile(r"^MKS-\d{4}-\d{6}$")


def _events(action: str) -> list[AuditEvent]:
    return db.session.scalars(db.select(AuditEvent).filter_by(action=action)).all()


def test_approving_creates_person_membership_and_audit_event(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        (entry_id,) = pending_entries(full_name="Andi Wijaya")
    auth.login("staff1")
    response = post(client, f"/verifikasi/{entry_id}/setujui")
    assert response.status_code == 302
    with app.app_context():
        entry = db.session.get(ListEntry, entry_id)
        assert entry.state == EntryState.APPROVED
        assert entry.decided_by.username == "staff1"
        person = entry.person
        assert person.full_name == "Andi Wijaya" and person.name_key == "andi wijaya"
        assert person.name_canonical == "andi wijaya"
        (membership,) = person.memberships
        assert NUMBER.match(membership.number)
        assert membership.status == MembershipStatus.ACTIVE
        assert (membership.jkk, membership.jkm, membership.jht) == (True, True, False)
        assert membership.entry_id == entry_id
        assert membership.ends_on > membership.starts_on
        (event,) = _events("entry.approve")
        assert event.person_id == person.id and event.actor_name == "staff1"
        assert event.details["membership"] == membership.number
        assert person.nik not in str(event.details)


def test_htmx_approval_answers_with_the_rerendered_row(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        (entry_id,) = pending_entries()
    auth.login("staff1")
    response = post(client, f"/verifikasi/{entry_id}/setujui", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<tr id="entry-{entry_id}"')
    assert "<html" not in body
    assert "MKS-" in body
    assert response.headers["Vary"] == "HX-Request" or "HX-Request" in response.headers["Vary"]


def test_rejecting_needs_a_reason_and_records_it(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        (entry_id,) = pending_entries()
    auth.login("staff1")
    post(client, f"/verifikasi/{entry_id}/tolak", {"reason_code": ""})
    with app.app_context():
        assert db.session.get(ListEntry, entry_id).state == EntryState.PENDING
    post(client, f"/verifikasi/{entry_id}/tolak", {"reason_code": "other", "reason_text": " "})
    with app.app_context():
        assert db.session.get(ListEntry, entry_id).state == EntryState.PENDING
    post(client, f"/verifikasi/{entry_id}/tolak", {"reason_code": "not_resident", "reason_text": "Sudah pindah ke Gowa"})
    with app.app_context():
        entry = db.session.get(ListEntry, entry_id)
        assert entry.state == EntryState.REJECTED
        assert (entry.reason_code, entry.reason_text) == ("not_resident", "Sudah pindah ke Gowa")
        assert db.session.scalar(db.select(db.func.count()).select_from(Person)) == 0
        (event,) = _events("entry.reject")
        assert event.details["reason"] == "not_resident"


def test_returned_entry_shows_the_reason_to_its_rt_rw_head(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        (entry_id,) = pending_entries()
        list_id = db.session.get(ListEntry, entry_id).list_id
    auth.login("staff1")
    post(client, f"/verifikasi/{entry_id}/kembalikan", {"reason_text": "Tanggal lahir tidak cocok dengan KTP"})
    with app.app_context():
        entry = db.session.get(ListEntry, entry_id)
        assert entry.state == EntryState.RETURNED
        assert len(_events("entry.return")) == 1
    auth.logout()
    auth.login("rtrw1")
    page = client.get(f"/daftar/{list_id}").get_data(as_text=True)
    assert "Tanggal lahir tidak cocok dengan KTP" in page


def test_second_decision_changes_nothing_and_names_who_decided(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        make_user("staff2", Role.STAFF)
        (entry_id,) = pending_entries()
    auth.login("staff1")
    post(client, f"/verifikasi/{entry_id}/setujui")
    auth.logout()
    auth.login("staff2")
    response = post(client, f"/verifikasi/{entry_id}/tolak", {"reason_code": "duplicate"}, headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert "sudah diputuskan" in body and "staff1" in body
    with app.app_context():
        entry = db.session.get(ListEntry, entry_id)
        assert entry.state == EntryState.APPROVED and entry.decided_by.username == "staff1"
        assert db.session.scalar(db.select(db.func.count()).select_from(Membership)) == 1
        assert _events("entry.reject") == []


def test_approving_an_existing_member_again_in_the_same_year_is_refused(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        first, second = pending_entries(2, nik="7371015302850011")
    auth.login("staff1")
    post(client, f"/verifikasi/{first}/setujui")
    response = post(client, f"/verifikasi/{second}/setujui", headers={"HX-Request": "true"})
    assert "sudah peserta aktif" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ListEntry, second).state == EntryState.PENDING
        assert db.session.scalar(db.select(db.func.count()).select_from(Membership)) == 1


def test_unknown_desil_blocks_approval_only_when_the_year_says_so(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        blocked, allowed = pending_entries(2, category_code="pekerja_rentan")
        db.session.get(ProgrammeYear, clock.today().year).unknown_desil_blocks_approval = True
        db.session.commit()
    auth.login("staff1")
    response = post(client, f"/verifikasi/{blocked}/setujui", headers={"HX-Request": "true"})
    assert "Desil DTSEN belum diketahui" in response.get_data(as_text=True)
    with app.app_context():
        nik = db.session.get(ListEntry, allowed).nik
        db.session.add(DesilRecord(nik=nik, desil=2, source_date=date(2026, 1, 1)))
        db.session.commit()
    post(client, f"/verifikasi/{allowed}/setujui")
    with app.app_context():
        assert db.session.get(ListEntry, blocked).state == EntryState.PENDING
        assert db.session.get(ListEntry, allowed).state == EntryState.APPROVED


def test_bulk_approval_of_selected_and_of_warning_free_entries(app, client, auth):
    warning = [{"code": "birth_date_mismatch", "severity": "warning", "message": "Cek tanggal lahir", "column": "birth_date", "params": {}}]
    with app.app_context():
        make_user("staff1", Role.STAFF)
        picked = pending_entries(3)
        clean = pending_entries(2)
        flagged = pending_entries(1, issues=warning)
    auth.login("staff1")
    post(client, "/verifikasi/massal", {"mode": "selected", "entry_ids": picked[:2]})
    with app.app_context():
        states = {i: db.session.get(ListEntry, i).state for i in picked + clean + flagged}
    assert [states[i] for i in picked] == [EntryState.APPROVED, EntryState.APPROVED, EntryState.PENDING]
    response = post(client, "/verifikasi/massal", {"mode": "warning_free"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(ListEntry, flagged[0]).state == EntryState.PENDING
        assert all(db.session.get(ListEntry, i).state == EntryState.APPROVED for i in picked + clean)
        numbers = db.session.scalars(db.select(Membership.number)).all()
        assert len(numbers) == len(set(numbers)) == 5
        assert len(_events("entry.approve")) == 5
