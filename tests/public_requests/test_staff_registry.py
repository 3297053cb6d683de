"""Outcomes that act on the registry, each confirmed by staff first: a correction applied
through the registry's audited correction (before and after kept), a death report opening a
case in the case desk, a "should be covered" request drafting an entry for the area's head."""

from __future__ import annotations

from datetime import date, timedelta

from portal import clock
from portal.extensions import db
from portal.models import AuditEvent, Case, CaseKind, EntryState, ListEntry, Person, RequestKind, Role
from tests.factories import LETTE, PABAENG, make_member, make_user, new_nik
from tests.public_requests.staff_helpers import post, receive, reload


def test_a_correction_is_shown_for_editing_and_applied_with_its_audit_events(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        person, _ = make_member("Sitti Aminah", street="Jl. Nuri 5")
        person_id = person.id
        request_id = receive(RequestKind.DATA_WRONG, subject=person, description="Nama dan alamat saya salah.",
                             proposed_changes={"full_name": "Sitti Aminah Daeng Ngai", "street": "Jl. Nuri 7"}).id
    auth.login("staff1")
    url = f"/meja-permintaan/{request_id}/koreksi"
    form = client.get(url).get_data(as_text=True)
    assert 'value="Sitti Aminah Daeng Ngai"' in form and 'value="Jl. Nuri 7"' in form
    with app.app_context():
        person = db.session.get(Person, person_id)
        fields = {"full_name": "Sitti Aminah Dg. Ngai", "birth_date": person.birth_date.strftime("%d/%m/%Y"),
                  "sex": person.sex.value, "kelurahan_code": person.kelurahan_code, "rw": str(person.rw),
                  "rt": str(person.rt), "street": "Jl. Nuri 7", "phone": "", "kk_number": "",
                  "category_code": person.category_code, "occupation": "", "monthly_income": "",
                  "reason": "Sesuai KTP yang difoto pemohon."}
    response = post(client, url, fields, page=url)
    assert response.status_code == 302
    assert "Data peserta dikoreksi: full_name, street." in client.get(f"/meja-permintaan/{request_id}").get_data(as_text=True)
    with app.app_context():
        person = db.session.get(Person, person_id)
        assert person.full_name == "Sitti Aminah Dg. Ngai" and person.street == "Jl. Nuri 7"
        (correct,) = db.session.scalars(db.select(AuditEvent).filter_by(action="person.correct")).all()
        assert set(correct.details["fields"]) == {"full_name", "street"} and correct.person_id == person_id
        assert correct.details["reason"].startswith(reload(request_id).reference)
        (applied,) = db.session.scalars(db.select(AuditEvent).filter_by(action="request.correct")).all()
        assert applied.details["changes"]["street"] == {"before": "Jl. Nuri 5", "after": "Jl. Nuri 7"}
        assert applied.details["changes"]["full_name"] == {"before": "Sitti Aminah", "after": "Sitti Aminah Dg. Ngai"}
        line = [e for e in reload(request_id).events if e.action == "corrected"][0]
        assert not line.public and "Jl. Nuri 5 → Jl. Nuri 7" in line.note
    # The person's access history names what the desk did.
    member = client.get(f"/anggota/{person_id}").get_data(as_text=True)
    assert "Mengoreksi data atas permintaan" in member and "Melihat permintaan warga tentang orang ini" in member


def test_a_correction_that_changes_nothing_is_refused(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        person, _ = make_member("Sitti Aminah")
        request_id = receive(RequestKind.DATA_WRONG, subject=person).id
        fields = {"full_name": person.full_name, "birth_date": person.birth_date.strftime("%d/%m/%Y"),
                  "sex": person.sex.value, "kelurahan_code": person.kelurahan_code, "rw": str(person.rw),
                  "rt": str(person.rt), "street": person.street or "", "phone": "", "kk_number": "",
                  "category_code": person.category_code, "occupation": person.occupation or "", "monthly_income": "",
                  "reason": "Diperiksa."}
    auth.login("staff1")
    url = f"/meja-permintaan/{request_id}/koreksi"
    response = post(client, url, fields, page=url)
    assert response.status_code == 422 and "Tidak ada data yang berubah." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).filter_by(action="person.correct")) == 0


def test_a_correction_needs_a_registry_person(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        request_id = receive(RequestKind.DATA_WRONG, subject_nik=new_nik(), subject_name="Orang Tak Dikenal").id
    auth.login("staff1")
    response = client.get(f"/meja-permintaan/{request_id}/koreksi")
    assert response.status_code == 302
    assert "bukan koreksi data seorang peserta" in client.get(f"/meja-permintaan/{request_id}").get_data(as_text=True)


def test_a_death_report_opens_a_case_in_the_case_desk(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        person, _ = make_member("Baso Daeng Tika")
        person_id = person.id
        request_id = receive(RequestKind.DIED_OR_MOVED, subject=person, description="Bapak Baso meninggal dunia kemarin.").id
    auth.login("staff1")
    url = f"/meja-permintaan/{request_id}"
    assert "Buka kasus kematian" in client.get(url).get_data(as_text=True)
    future = (clock.today() + timedelta(days=2)).strftime("%d/%m/%Y")
    refused = post(client, f"{url}/kasus-kematian", {"died_on": future, "place": "Rumah", "contact_phone": "081234567890"}, page=url)
    assert refused.status_code == 422 and "tidak boleh setelah hari ini" in refused.get_data(as_text=True)
    died = (clock.today() - timedelta(days=1)).strftime("%d/%m/%Y")
    response = post(client, f"{url}/kasus-kematian", {"died_on": died, "place": "Rumah duka", "contact_phone": "081234567890"}, page=url)
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Kasus kematian dibuka di meja kasus." in page
    with app.app_context():
        request = reload(request_id)
        case = db.session.get(Case, request.case_id)
        assert case.kind == CaseKind.DEATH and case.person_id == person_id and case.covered
        assert case.occurred_on == clock.today() - timedelta(days=1) and request.reference in case.chronology
        assert case.reference in page
        assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).filter_by(action="case.report")) == 1
        assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).filter_by(action="request.case")) == 1
    # Once only.
    post(client, f"{url}/kasus-kematian", {"died_on": died, "place": "Rumah duka", "contact_phone": "081234567890"}, page=url)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Case.id))) == 1


def test_a_should_be_covered_request_drafts_an_entry_on_the_heads_list(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        head = make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
        nik = new_nik(date(1979, 4, 2))
        request_id = receive(RequestKind.SHOULD_BE_COVERED, subject_nik=nik, subject_name="Daeng Rannu",
                             description="Tetangga saya pemulung, belum terdaftar.").id
        head_id = head.id
    auth.login("staff1")
    url = f"/meja-permintaan/{request_id}"
    response = post(client, f"{url}/draf-usulan", page=url)
    assert response.status_code == 302
    assert "Draf usulan dibuat di daftar ketua RT/RW wilayah ini." in client.get(url).get_data(as_text=True)
    with app.app_context():
        request = reload(request_id)
        entry = db.session.get(ListEntry, request.list_entry_id)
        assert entry.state == EntryState.DRAFT and entry.nik == nik and entry.full_name == "Daeng Rannu"
        assert entry.member_list.created_by_id == head_id and (entry.kelurahan_code, entry.rw, entry.rt) == (LETTE, 2, 1)
        list_id, entry_id = entry.list_id, entry.id
    auth.logout()
    auth.login("rtrw1")
    assert client.get(f"/daftar/{list_id}/baris/{entry_id}").status_code == 200


def test_a_draft_entry_needs_a_head_account_for_the_area(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        request_id = receive(RequestKind.SHOULD_BE_COVERED, subject_nik=new_nik(), subject_name="Daeng Rannu",
                             kelurahan_code=PABAENG, rw=7).id
    auth.login("staff1")
    url = f"/meja-permintaan/{request_id}"
    post(client, f"{url}/draf-usulan", page=url)
    assert "Belum ada akun ketua RT/RW yang aktif" in client.get(url).get_data(as_text=True)
    with app.app_context():
        assert reload(request_id).list_entry_id is None
