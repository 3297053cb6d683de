"""`flask seed demo`: demo accounts and realistic data, never in production."""

import re

from sqlalchemy import func

from portal import clock
from portal.bpjs import deregistration
from portal.extensions import db
from portal.models import (
    AuditEvent,
    BpjsDeregBatch,
    Certificate,
    EntryState,
    ListEntry,
    MemberList,
    Membership,
    MembershipStatus,
    Person,
    Role,
    User,
)
from portal.nik import parse_nik
from tests.review.helpers import post


def test_seed_demo_creates_every_role_and_entries_in_every_state(app, runner, client, auth):
    result = runner.invoke(args=["seed", "demo", "--password", "demo-password-2026"])
    assert result.exit_code == 0, result.output
    for username in ("admin", "staff1", "staff2", "rtrw1", "rtrw2", "agent1"):
        assert username in result.output
    with app.app_context():
        roles = dict(db.session.execute(db.select(User.username, User.role)).all())
        assert roles["admin"] == Role.ADMIN and roles["agent1"] == Role.AGENT
        heads = db.session.scalars(db.select(User).filter_by(role=Role.RT_RW)).all()
        assert len({h.kelurahan_code for h in heads}) == 2
        states = set(db.session.scalars(db.select(ListEntry.state).distinct()))
        assert states == set(EntryState)
        assert db.session.scalar(db.select(func.count()).select_from(ListEntry)) >= 250
        persons = db.session.scalars(db.select(Person)).all()
        for person in persons:
            info = parse_nik(person.nik)
            assert (info.birth_date, info.sex) == (person.birth_date, person.sex)
        assert db.session.scalar(db.select(func.count()).select_from(Membership)) == len(persons)
        assert db.session.scalar(db.select(func.count()).select_from(Certificate)) > 0
        # The BPJS exchange: a de-registration batch made, two deaths waiting for the next.
        dereg = db.session.scalars(db.select(BpjsDeregBatch)).all()
        assert [b.number for b in dereg] == [1] and dereg[0].member_count > 0
        assert {m.reason_code for m in deregistration.due_members()} >= {"deceased"}
        # The case desk: an overdue accident, a death with heirs, a paid case with a document.
        from portal.cases import services as cases
        from portal.models import Case, CaseDocument, CaseKind, CaseState

        demo_cases = db.session.scalars(db.select(Case)).all()
        assert any(cases.is_overdue(c) for c in demo_cases)
        assert any(c.kind == CaseKind.DEATH and c.heir_phone for c in demo_cases)
        assert any(c.state == CaseState.PAID and c.paid_amount for c in demo_cases)
        assert db.session.scalar(db.select(func.count()).select_from(CaseDocument)) >= 1
    with app.app_context():
        from portal.models import ProgrammeYear
        from portal.programme.budget import budget_status

        year_budget = budget_status(db.session.get(ProgrammeYear, clock.today().year))
        assert year_budget.ceiling and 0 < year_budget.committed < year_budget.ceiling  # the demo year has a ceiling
    assert auth.login("rtrw2", "demo-password-2026").status_code == 302
    assert "Made-up citizens" in result.output
    for outcome in ("active member", "pending", "returned", "rejected"):
        assert outcome in result.output
    nik, name = re.search(r"  (\d{16})  (.+?)\s+active member", result.output).groups()
    answer = client.post("/cek-status", data={"nik": nik, "name": name})
    assert "Masa perlindungan" in answer.get_data(as_text=True)

    again = runner.invoke(args=["seed", "demo"])
    assert again.exit_code == 0
    with app.app_context():
        # six of the area and office roles, rs1, and the demo batch of heads and agents made from a sheet
        assert db.session.scalar(db.select(func.count()).select_from(User).where(User.account_batch_id.is_(None))) == 7
        assert db.session.scalar(db.select(func.count()).select_from(User).where(User.account_batch_id.is_not(None))) == 12


def test_seed_demo_is_refused_in_production(app_factory):
    app = app_factory(PORTAL_ENV="production", SECRET_KEY="s" * 40)
    result = app.test_cli_runner().invoke(args=["seed", "demo"])
    assert result.exit_code == 2
    assert "Refused" in result.output
    with app.app_context():
        assert db.session.scalar(db.select(func.count()).select_from(User)) == 0


def test_seed_demo_has_a_hospital_account_at_primaya_that_looks_a_patient_up(app, runner, client, auth):
    result = runner.invoke(args=["seed", "demo", "--password", "demo-password-2026"])
    assert result.exit_code == 0, result.output
    assert "rs1" in result.output and "Primaya Hospital Makassar" in result.output
    with app.app_context():
        rs1 = db.session.scalar(db.select(User).filter_by(username="rs1"))
        assert rs1.role == Role.HOSPITAL and rs1.facility.name == "Primaya Hospital Makassar" and rs1.has_totp
    assert auth.login("rs1", "demo-password-2026").headers["Location"] == "/rs/cek-pasien"
    nik, name = re.search(r"  (\d{16})  (.+?)\s+active member", result.output).groups()
    from tests.conftest import csrf_token

    token = csrf_token(client, "/rs/cek-pasien")
    answer = client.post("/rs/cek-pasien", data={"nik": nik, "name": name, "csrf_token": token})
    assert "Terlindungi hari ini" in answer.get_data(as_text=True)
    # And a card's QR code to try the card look-up with.
    card = re.search(r"scan it\): (\S+/v/\S+)", result.output).group(1)
    answer = client.post("/rs/cek-pasien/kartu", data={"code": card, "csrf_token": token})
    assert "Terlindungi hari ini" in answer.get_data(as_text=True)


def test_seed_demo_again_adds_a_demo_account_missing_from_an_older_demo(app, runner, monkeypatch):
    from portal.seed import cli, demo

    # A demo loaded before rs1 existed.
    older = tuple(a for a in demo.DEMO_ACCOUNTS if a.username != "rs1")
    monkeypatch.setattr(demo, "DEMO_ACCOUNTS", older)
    monkeypatch.setattr(cli, "DEMO_ACCOUNTS", older)
    assert runner.invoke(args=["seed", "demo", "--password", "demo-password-2026"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(db.select(User).filter_by(username="rs1")) is None
    monkeypatch.undo()
    again = runner.invoke(args=["seed", "demo"])
    assert again.exit_code == 0, again.output
    with app.app_context():
        assert db.session.scalar(db.select(User).filter_by(username="rs1")).has_totp


def test_seed_demo_shows_the_list_workspace_returned_raw_value_and_undoable_delete(app, runner, client, auth):
    assert runner.invoke(args=["seed", "demo", "--password", "demo-password-2026"]).exit_code == 0
    with app.app_context():
        member_list = db.session.scalar(db.select(MemberList).filter_by(title="Usulan dari berkas RT 001"))
        rows = {e.full_name: e for e in member_list.entries}
        assert rows["Syamsul Bahri"].state == EntryState.RETURNED
        assert rows["Rosmiati"].raw_values == {"birth_date": "31/02/1992"}
        assert rows["Nurhayati"].raw_values == {"category": "Penjual Kue Keliling"}
        deleted_nik = db.session.scalar(
            db.select(ListEntry.nik).filter_by(full_name="Baharuddin").execution_options(include_deleted=True)
        )
        (expiry,) = db.session.scalars(db.select(AuditEvent).filter_by(action="membership.expire")).all()
        assert expiry.details["memberships"] >= 1
        assert not db.session.scalar(
            db.select(db.func.count(Membership.id)).where(
                Membership.status == MembershipStatus.ACTIVE, Membership.ends_on < clock.today()
            )
        )
        assert "Baharuddin" not in rows  # deleted: out of every query
        list_id = member_list.id
    auth.login("rtrw1", "demo-password-2026")
    page = client.get(f"/daftar/{list_id}").get_data(as_text=True)
    assert "Baris yang dihapus (1)" in page and "Baharuddin" in page and "Urungkan" in page
    assert "Di berkas: «Penjual Kue Keliling»" in page
    auth.logout()
    # The deleted row is still held, so the data-subject report lists it.
    auth.login("staff1", "demo-password-2026")
    report = post(client, "/privasi/laporan", {"nik": deleted_nik, "format": "html"}, page="/privasi/laporan")
    assert "Baharuddin" in report.get_data(as_text=True) and "Dihapus oleh pengusul pada" in report.get_data(as_text=True)


def test_seed_demo_uses_the_default_period_rule_and_shows_a_mid_year_joiners_months(app, runner, client, auth):
    from datetime import date

    from portal.models import CoverageMode, CoverageStart, ProgrammeYear
    from portal.seed.demo_renewal import MID_YEAR_JOINER

    assert runner.invoke(args=["seed", "demo", "--password", "demo-password-2026"]).exit_code == 0
    today = clock.today()
    with app.app_context():
        year = db.session.get(ProgrammeYear, today.year)
        assert (year.coverage_mode, year.coverage_start) == (CoverageMode.TO_YEAR_END, CoverageStart.APPROVAL_DATE)
        person = db.session.scalar(db.select(Person).filter_by(full_name=MID_YEAR_JOINER[0]))
        (membership,) = person.memberships
        joined = min(date(today.year, 7, 1), today.replace(day=1))
        assert (membership.starts_on, membership.ends_on) == (joined, date(today.year, 12, 31))
        person_id = person.id
    assert auth.login("staff1", "demo-password-2026").status_code == 302
    page = client.get(f"/anggota/{person_id}").get_data(as_text=True)
    assert "Iuran dibayar anggaran: %d: %d bulan" % (today.year, 13 - joined.month) in page


def test_seed_demo_shows_a_reviewer_a_duplicate_across_niks_and_households(app, runner, client, auth):
    assert runner.invoke(args=["seed", "demo", "--password", "demo-password-2026"]).exit_code == 0
    with app.app_context():
        duplicate = db.session.scalar(db.select(ListEntry).filter_by(state=EntryState.PENDING, row_number=99))
        kk = db.session.scalar(
            db.select(Person.kk_number).where(Person.kk_number.is_not(None)).group_by(Person.kk_number).having(func.count() > 1)
        )
        assert kk is not None  # at least one household of two in the registry
        duplicate_id = duplicate.id
    auth.login("staff1", "demo-password-2026")
    page = client.get(f"/verifikasi/{duplicate_id}").get_data(as_text=True)
    assert "Nama (bentuk kanonik) dan tanggal lahir sama" in page


def test_seed_demo_has_a_batch_of_accounts_from_a_sheet_and_one_to_activate(app, runner, client):
    result = runner.invoke(args=["seed", "demo", "--password", "demo-password-2026"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        batch_users = list(db.session.scalars(db.select(User).where(User.account_batch_id.is_not(None))))
        assert sum(user.awaiting_activation for user in batch_users) == 7
    username, code = re.search(r"to activate at /aktivasi.*\n  (\S+)  (\S+)", result.output).groups()
    page = client.get("/aktivasi").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/aktivasi", data={
        "csrf_token": token, "username": username, "code": code, "password": "pelangi-sore-di-losari-99", "confirm": "pelangi-sore-di-losari-99",
    })
    assert response.status_code == 302


def test_seed_demo_shows_a_finished_institutional_import_with_rows_waiting_for_an_area(app, runner, client, auth):
    assert runner.invoke(args=["seed", "demo", "--password", "demo-password-2026"]).exit_code == 0
    from portal.models import ImportStatus, InstitutionalImport, UnplacedEntry

    with app.app_context():
        record = db.session.scalar(db.select(InstitutionalImport))
        assert (record.status, record.added, record.needs_area, record.rejected) == (ImportStatus.DONE, 7, 3, 2)
        assert db.session.scalar(db.select(func.count(UnplacedEntry.id))) == 3
        import_id = record.id
    auth.login("staff1", "demo-password-2026")
    page = client.get(f"/impor-instansi/{import_id}").get_data(as_text=True)
    assert "7 baris ditambahkan untuk diverifikasi." in page and "ditolak.xlsx" in page
    assert "St. Nurhalisa" not in client.get("/impor-instansi/perlu-wilayah").get_data(as_text=True)
    assert "Fitriani Tahir" in client.get("/impor-instansi/perlu-wilayah").get_data(as_text=True)


def test_seed_demo_queue_holds_a_nik_slip_and_a_spelling_variant_flagged_with_their_reasons(app, runner, client, auth):
    assert runner.invoke(args=["seed", "demo", "--password", "demo-password-2026"]).exit_code == 0
    with app.app_context():
        planted = {
            e.row_number: e
            for e in db.session.scalars(db.select(ListEntry).where(ListEntry.state == EntryState.PENDING, ListEntry.row_number.in_((99, 100, 101))))
        }
        assert sorted(planted) == [99, 100, 101]
        assert all(e.possible_duplicate for e in planted.values())
        ids = {row: e.id for row, e in planted.items()}
    auth.login("staff1", "demo-password-2026")
    assert "NIK berbeda satu atau dua angka, nama cocok" in client.get(f"/verifikasi/{ids[100]}").get_data(as_text=True)
    assert "Nama mirip (ejaan berbeda) dan tanggal lahir sama" in client.get(f"/verifikasi/{ids[101]}").get_data(as_text=True)
    queue = client.get("/verifikasi/?tanda=duplicate").get_data(as_text=True)
    for entry_id in ids.values():
        assert f'href="/verifikasi/{entry_id}"' in queue
