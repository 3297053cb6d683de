"""Reporting a work accident or a death: the person found, the cover on that day, due dates."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from portal.cases import services
from portal.extensions import db
from portal.models import AuditEvent, Case, CaseEvent, CaseState, Role
from tests.cases.helpers import latest_case, post_report
from tests.conftest import csrf_token
from tests.factories import LETTE, PABAENG, make_member, make_user
from tests.hospitals.helpers import make_hospital_user


def test_staff_report_an_accident_of_a_covered_member_by_nik(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        person, membership = make_member("Sitti Aminah")
        nik = person.nik
    auth.login("staff1")
    response = post_report(client, nik=nik)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "terlindungi JKK pada tanggal kejadian" in page and "Perhatian" not in page
    assert nik not in response.headers["Location"] and nik not in page
    case = latest_case(app)
    assert case.covered and case.state == CaseState.REPORTED and case.kelurahan_code == LETTE
    with app.app_context():
        events = db.session.scalars(db.select(AuditEvent).filter_by(action="case.report")).all()
        assert [e.person_id for e in events] == [person.id]
        assert db.session.scalars(db.select(CaseEvent.action)).all() == ["reported"]


def test_a_person_not_covered_on_the_day_gets_a_clear_warning(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        person, membership = make_member("Sitti Aminah")
        nik = person.nik
        start = membership.starts_on
    auth.login("staff1")
    before = (start - timedelta(days=3)).strftime("%d/%m/%Y")
    page = client.get(post_report(client, nik=nik, occurred_on=before).headers["Location"]).get_data(as_text=True)
    assert "Perhatian: peserta tidak tercatat terlindungi JKK pada tanggal kejadian" in page
    assert latest_case(app).covered is False


def test_a_death_needs_jkm_cover_and_the_heirs_contact(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        person, membership = make_member("Sitti Aminah")
        membership.jkm = False
        db.session.commit()
        nik = person.nik
    auth.login("staff1")
    refused = post_report(client, nik=nik, kind="jkm")
    assert refused.status_code == 422
    assert "isi nama atau nomor telepon ahli waris" in refused.get_data(as_text=True)
    response = post_report(client, nik=nik, kind="jkm", heir_name="Andi Baso", heir_phone="081298765432")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "tidak tercatat terlindungi JKM" in page and "Andi Baso" in page


def test_bad_input_is_answered_in_indonesian_and_nothing_is_made(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    auth.login("staff1")
    tomorrow = (date.today() + timedelta(days=2)).strftime("%d/%m/%Y")
    response = post_report(client, nik="1234", occurred_on=tomorrow, place="", contact_phone="telepon saya")
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "NIK terdiri dari 16 angka." in text
    assert "Tanggal kejadian tidak boleh setelah hari ini." in text
    assert "Isi tempat kejadian." in text
    assert "Tulis nomor telepon dengan angka saja" in text
    none = post_report(client, nik=None, kpj="")
    assert "Isi NIK peserta, atau nomor KPJ-nya." in none.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Case.id))) == 0


def test_an_unknown_nik_and_a_wrong_name_answer_the_same_for_an_rt_head(app, client, auth):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
        person, _ = make_member("Sitti Aminah")
        elsewhere, _ = make_member("Orang Tamalate", kelurahan_code=PABAENG, rw=5)
        nik, other_nik = person.nik, elsewhere.nik
    auth.login("rtrw1")
    wrong_name = post_report(client, nik=nik, name="Budi Santoso")
    other_area = post_report(client, nik=other_nik, name="Orang Tamalate")
    assert wrong_name.status_code == other_area.status_code == 422
    assert "Peserta tidak ditemukan" in wrong_name.get_data(as_text=True)
    assert "Peserta tidak ditemukan" in other_area.get_data(as_text=True)
    ok = post_report(client, nik=nik, name="St. Aminah")
    assert ok.status_code == 302


def test_a_hospital_reports_by_kpj_and_sees_only_its_facilitys_cases(app, client, auth):
    with app.app_context():
        user = make_hospital_user("rs1")
        facility_id = user.facility_id
        make_user("staff1", Role.STAFF)
        person, membership = make_member("Sitti Aminah")
        membership.kpj_number = "26000000001"
        other, _ = make_member("Daeng Naba")
        db.session.commit()
        other_nik = other.nik
    auth.login("staff1")
    post_report(client, nik=other_nik)
    staff_case = latest_case(app)
    auth.logout()
    auth.login("rs1")
    response = post_report(client, kpj="2600 0000 001")
    assert response.status_code == 302
    case = latest_case(app)
    assert case.reporter_facility_id == facility_id == case.treating_facility_id
    listing = client.get("/kasus/").get_data(as_text=True)
    assert case.reference in listing and staff_case.reference not in listing
    assert client.get(f"/kasus/{staff_case.id}").status_code == 404
    assert client.get(f"/kasus/{case.id}").status_code == 200
    assert client.get(f"/kasus/{case.id}/laporan.pdf").status_code == 404


def test_stage_one_is_due_two_days_after_the_report_and_then_overdue(app, client, auth):
    with app.app_context():
        staff = make_user("staff1", Role.STAFF)
        person, _ = make_member("Sitti Aminah")
        reported = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
        report = services.CaseReport(kind=services.CaseKind.ACCIDENT, occurred_on=date(2026, 3, 1), place="Pasar",
                                     chronology="Jatuh.", contact_phone="081234567890")
        case = services.report_case(staff, report, person, now=reported)
        db.session.commit()
        assert services.aware(case.stage_one_due_at) == reported + timedelta(hours=48)
        assert not services.is_overdue(case, now=reported + timedelta(hours=47, minutes=59))
        assert services.is_overdue(case, now=reported + timedelta(hours=48, minutes=1))
        services.change_state(case, CaseState.STAGE_ONE, "", staff)
        db.session.commit()
        assert not services.is_overdue(case, now=reported + timedelta(days=9))


def test_the_due_time_follows_the_setting(app_factory):
    app = app_factory(CASE_STAGE_ONE_HOURS=24)
    with app.app_context():
        from portal.seed.reference import seed_reference

        seed_reference()
        staff = make_user("staff1", Role.STAFF)
        person, _ = make_member("Sitti Aminah")
        now = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
        report = services.CaseReport(kind=services.CaseKind.ACCIDENT, occurred_on=date(2026, 3, 1), place="Pasar",
                                     chronology="Jatuh.", contact_phone="081234567890")
        case = services.report_case(staff, report, person, now=now)
        assert services.aware(case.stage_one_due_at) == now + timedelta(hours=24)


def test_staff_filter_the_list_by_kind_state_overdue_and_kecamatan(app, client, auth):
    with app.app_context():
        staff = make_user("staff1", Role.STAFF)
        lette, _ = make_member("Sitti Aminah")
        tamalate, _ = make_member("Orang Tamalate", kelurahan_code=PABAENG, rw=5)
        long_ago = datetime.now(timezone.utc) - timedelta(days=5)
        facts = dict(place="Pasar", chronology="Jatuh.", contact_phone="081234567890", occurred_on=date.today() - timedelta(days=6))
        old = services.report_case(staff, services.CaseReport(kind=services.CaseKind.ACCIDENT, **facts), lette, now=long_ago)
        death = services.report_case(staff, services.CaseReport(kind=services.CaseKind.DEATH, heir_name="Andi", **facts), tamalate)
        db.session.commit()
        old_ref, death_ref = old.reference, death.reference
    auth.login("staff1")
    everything = client.get("/kasus/").get_data(as_text=True)
    assert old_ref in everything and death_ref in everything and "Kasus yang terlambat dikirim ke BPJS (tahap I): 1." in everything
    overdue = client.get("/kasus/?terlambat=y").get_data(as_text=True)
    assert old_ref in overdue and death_ref not in overdue
    deaths = client.get("/kasus/?jenis=jkm").get_data(as_text=True)
    assert death_ref in deaths and old_ref not in deaths
    mariso = client.get("/kasus/?kecamatan=737101").get_data(as_text=True)
    assert old_ref in mariso and death_ref not in mariso
    state = client.get("/kasus/?status=paid").get_data(as_text=True)
    assert old_ref not in state and "Tidak ada kasus yang cocok." in state
    fragment = client.get("/kasus/?jenis=jkm", headers={"HX-Request": "true"})
    assert fragment.get_data(as_text=True).lstrip().startswith('<div id="case-results">')
    assert "HX-Request" in fragment.headers["Vary"]
    assert client.get("/kasus/?jenis=bogus&halaman=-4").status_code == 200


def test_the_list_pages_in_sql(app, client, auth):
    with app.app_context():
        staff = make_user("staff1", Role.STAFF)
        person, _ = make_member("Sitti Aminah")
        for day in range(services.PAGE_SIZE + 2):
            services.report_case(staff, services.CaseReport(
                kind=services.CaseKind.ACCIDENT, occurred_on=date.today(), place="Pasar", chronology=f"Kasus {day}",
                contact_phone="081234567890"), person)
        db.session.commit()
    auth.login("staff1")
    first = client.get("/kasus/").get_data(as_text=True)
    assert "Halaman 1 dari 2" in first
    second = client.get("/kasus/?halaman=2").get_data(as_text=True)
    assert "Halaman 2 dari 2" in second and second.count('href="/kasus/') - second.count('href="/kasus/baru') >= 2


def test_staff_move_assign_and_note_a_case_and_each_change_is_audited(app, client, auth):
    with app.app_context():
        staff = make_user("staff1", Role.STAFF)
        make_user("staff2", Role.STAFF)
        person, _ = make_member("Sitti Aminah")
        case = services.report_case(staff, services.CaseReport(
            kind=services.CaseKind.ACCIDENT, occurred_on=date.today(), place="Pasar", chronology="Jatuh.",
            contact_phone="081234567890"), person)
        db.session.commit()
        case_id = case.id
        staff2_id = db.session.scalar(db.select(services.User.id).filter_by(username="staff2"))
    auth.login("staff1")
    token = csrf_token(client, f"/kasus/{case_id}")
    client.post(f"/kasus/{case_id}/status", data={"csrf_token": token, "state": "stage_one", "note": "Form 3 KK 1 dikirim."})
    client.post(f"/kasus/{case_id}/petugas", data={"csrf_token": token, "assignee": str(staff2_id)})
    client.post(f"/kasus/{case_id}/catatan", data={"csrf_token": token, "note": "Keluarga dihubungi."})
    refused = client.post(f"/kasus/{case_id}/status", data={"csrf_token": token, "state": "withdrawn", "note": ""}, follow_redirects=True)
    assert "Tuliskan alasan pembatalan kasus." in refused.get_data(as_text=True)
    page = client.get(f"/kasus/{case_id}").get_data(as_text=True)
    assert "Dikirim ke BPJS: tahap I" in page and "Form 3 KK 1 dikirim." in page and "Keluarga dihubungi." in page
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.state == CaseState.STAGE_ONE and case.assignee_id == staff2_id
        assert [e.action for e in case.events] == ["reported", "state", "assigned", "note"]
        actions = set(db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.action.startswith("case."))))
        assert {"case.report", "case.state", "case.assign", "case.note", "case.view"} <= actions


def test_reporters_cannot_change_a_case(app, client, auth):
    with app.app_context():
        head = make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
        person, _ = make_member("Sitti Aminah")
        case = services.report_case(head, services.CaseReport(
            kind=services.CaseKind.ACCIDENT, occurred_on=date.today(), place="Pasar", chronology="Jatuh.",
            contact_phone="081234567890"), person)
        db.session.commit()
        case_id = case.id
    auth.login("rtrw1")
    assert client.get(f"/kasus/{case_id}").status_code == 200
    token = csrf_token(client, f"/kasus/{case_id}")
    for action in ("status", "petugas", "catatan", "hasil", "konfirmasi-kematian"):
        assert client.post(f"/kasus/{case_id}/{action}", data={"csrf_token": token, "state": "paid"}).status_code == 404
    assert client.get(f"/kasus/{case_id}/laporan.pdf").status_code == 404


def test_the_member_page_lists_the_persons_cases_and_the_access_history_names_them(app, client, auth):
    from tests.cases.helpers import report_case_of

    with app.app_context():
        staff = make_user("staff1", Role.STAFF)
        person, _ = make_member("Sitti Aminah")
        case = report_case_of(staff, person)
        person_id, reference = person.id, case.reference
    auth.login("staff1")
    page = client.get(f"/anggota/{person_id}").get_data(as_text=True)
    assert reference in page and "Melaporkan kasus kecelakaan atau kematian" in page


def test_a_deactivated_facilitys_account_cannot_open_its_cases(app, client, auth):
    with app.app_context():
        user = make_hospital_user("rs1")
        person, _ = make_member("Sitti Aminah")
        from tests.cases.helpers import report_case_of

        case = report_case_of(user, person)
        case_id = case.id
        user.facility.active = False
        db.session.commit()
    auth.login("rs1")
    for url in ("/kasus/", "/kasus/baru", f"/kasus/{case_id}"):
        assert client.get(url).status_code == 404, url
