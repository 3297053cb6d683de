"""Duplicates beyond the exact NIK: found on import and on the entry page with their reasons,
resolved by a reviewer (same person: aliases for every look-up; different people: never again)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from portal.api.services import create_api_key
from portal.extensions import db
from portal.models import AuditEvent, DuplicatePair, DuplicateVerdict, EntryState, ListEntry, Person, PersonNikAlias, Role, Sex
from portal.names import mask_name
from portal.nik import make_kk, mask_nik
from tests.conftest import csrf_token
from tests.factories import make_list, make_member, make_user, new_nik
from tests.hospitals.helpers import make_facility, make_hospital_user
from tests.lists.spreadsheets import xlsx_bytes
from tests.review.helpers import pending_entries, post

BORN = date(1988, 4, 9)
CITY_HEADER = ["NIK", "Nama", "Tgl Lahir", "L/P", "Kelurahan", "RW", "RT", "Kategori"]


def slipped(nik: str, position: int = 12, digit: str = "5") -> str:
    """The NIK with one digit typed wrong (by default the serial's first digit): `digit`, or
    the next one when the NIK already has it there (the factories' serials depend on which
    tests ran before in the worker)."""
    if nik[position] == digit:
        digit = str((int(digit) + 1) % 10)
    return nik[:position] + digit + nik[position + 1:]


def _events(action: str) -> list[AuditEvent]:
    return db.session.scalars(db.select(AuditEvent).filter_by(action=action)).all()


def _import(runner, tmp_path, rows):
    path = tmp_path / "usulan.xlsx"
    path.write_bytes(xlsx_bytes(rows, header=CITY_HEADER))
    result = runner.invoke(args=["lists", "import", str(path), "--by", "staff1", "--json", "--dry-run"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _other_nik_findings(report) -> list[dict]:
    return [i for i in report["issues"] if i["code"] == "duplicate_other_nik"]


@pytest.fixture
def staff(app):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    return "staff1"


def test_a_one_digit_nik_slip_is_flagged_on_the_cli_import_with_its_reason(app, runner, staff, tmp_path):
    with app.app_context():
        person, _membership = make_member("Sitti Rahmawati", birth_date=BORN)
        nik = person.nik
        far = new_nik(BORN, Sex.FEMALE, kecamatan="737110")  # another person: same birth date, another name
        make_member("Andi Tenri Ajeng", birth_date=BORN, nik=far)
    rows = [
        [slipped(nik), "Hj. St. Rahmawati", BORN, "P", "Lette", 2, 1, "Kader Posyandu"],
        [slipped(far, 13, "8"), "Sitti Rahmah", BORN, "P", "Lette", 2, 1, "Kader Posyandu"],  # slip, other name: not flagged
    ]
    report = _import(runner, tmp_path, rows)
    findings = _other_nik_findings(report)
    assert len(findings) == 1
    assert findings[0]["row"] == 2 and findings[0]["severity"] == "warning"
    assert "NIK berbeda satu atau dua angka, nama cocok" in findings[0]["message"]
    assert mask_nik(nik) in findings[0]["message"] and nik not in findings[0]["message"]


def test_a_spelling_variant_is_flagged_with_its_reason(app, client, auth, runner, staff, tmp_path):
    """Written another way ("Rachmawati" / "Rahmawati") under a NIK whose serial slipped, and
    abbreviated ("Muh." / "Muhammad") under a NIK far from the registered one."""
    with app.app_context():
        person, _membership = make_member("Nur Alam Rachmawati", birth_date=BORN)
        person_id, nik = person.id, person.nik
        abbreviated, _membership = make_member("Muhammad Ilham Daeng Naba", birth_date=date(1975, 3, 3), sex=Sex.MALE)
        abbreviated_id = abbreviated.id
        (entry_id,) = pending_entries(full_name="Nur Alam Rahmawati", birth_date=BORN, sex=Sex.FEMALE, nik=slipped(nik, 14, "9"))
    report = _import(runner, tmp_path, [
        [slipped(nik, 15, "9"), "Nur Alam Rahmawati", BORN, "P", "Lette", 2, 1, "Kader Posyandu"],
        [new_nik(date(1975, 3, 3), kecamatan="730901"), "Muh. Ilham Dg. Naba", date(1975, 3, 3), "L", "Lette", 2, 1, "Kader Posyandu"],
    ])
    by_row = {}
    for finding in _other_nik_findings(report):
        by_row.setdefault(finding["row"], []).append(finding["message"])
    assert any("Nama mirip (ejaan berbeda) dan tanggal lahir sama" in m and "NIK berbeda satu atau dua angka" in m for m in by_row[2])
    assert any("Nama (bentuk kanonik) dan tanggal lahir sama" in m for m in by_row[3])
    auth.login("staff1")
    page = client.get(f"/verifikasi/{entry_id}").get_data(as_text=True)
    assert f'href="/anggota/{person_id}"' in page and f'href="/anggota/{abbreviated_id}"' not in page
    assert "Nama mirip (ejaan berbeda) dan tanggal lahir sama" in page
    assert "Putuskan pasangan ini" in page


def test_the_same_kk_and_a_matching_name_is_a_possible_duplicate(app, client, auth, staff):
    kk = make_kk("737101", date(2015, 6, 1), 42)
    with app.app_context():
        person, _membership = make_member("Muh. Ilham Dg. Naba", birth_date=date(1970, 1, 1), kk_number=kk)
        (entry_id,) = pending_entries(full_name="Muhammad Ilham Daeng Naba", birth_date=date(1971, 1, 1), kk_number=kk,
                                      nik=new_nik(date(1971, 1, 1), kecamatan="737110"))
        person_id = person.id
    auth.login("staff1")
    page = client.get(f"/verifikasi/{entry_id}").get_data(as_text=True)
    assert f'href="/anggota/{person_id}"' in page and "No. KK sama dan nama cocok" in page


def test_the_same_nik_under_a_clearly_different_name_says_so(app, client, auth, staff):
    with app.app_context():
        person, _membership = make_member("Andi Tenri Ajeng", birth_date=BORN)
        (entry_id,) = pending_entries(full_name="Budi Santoso", nik=person.nik, birth_date=BORN)
    auth.login("staff1")
    page = client.get(f"/verifikasi/{entry_id}").get_data(as_text=True)
    assert "NIK sama" in page and "Nama jelas berbeda: mungkin orang lain memakai NIK ini" in page
    assert "Putuskan pasangan ini" not in page  # one NIK: decided by rejecting or approving the entry


def test_far_apart_niks_and_names_are_not_flagged(app, client, auth, staff):
    with app.app_context():
        make_member("Sitti Rahmawati", birth_date=date(1960, 1, 1))  # same name, another birth date, NIK far apart
        make_member("Budi Santoso", birth_date=BORN)  # same birth date, another name
        (entry_id,) = pending_entries(full_name="Sitti Rahmawati", birth_date=BORN, sex=Sex.FEMALE,
                                      nik=new_nik(BORN, Sex.FEMALE, kecamatan="737110"))
    auth.login("staff1")
    page = client.get(f"/verifikasi/{entry_id}").get_data(as_text=True)
    assert "Kemungkinan ganda (0)" in page


def _slip_pair(app):
    """A registry member and a pending entry one NIK digit apart with the same name."""
    with app.app_context():
        person, _membership = make_member("Sitti Rahmawati", birth_date=BORN)
        entry_nik = slipped(person.nik)
        (entry_id,) = pending_entries(full_name="St. Rahmawati", birth_date=BORN, sex=Sex.FEMALE, nik=entry_nik)
        return person.id, person.nik, entry_id, entry_nik


def _resolve(client, entry_id, **data):
    return post(client, f"/verifikasi/{entry_id}/ganda", data, page=f"/verifikasi/{entry_id}", follow_redirects=True)


def test_different_people_are_never_flagged_again(app, client, auth, runner, staff, tmp_path):
    person_id, person_nik, entry_id, entry_nik = _slip_pair(app)
    auth.login("staff1")
    assert "Kemungkinan ganda (1)" in client.get(f"/verifikasi/{entry_id}").get_data(as_text=True)

    refused = _resolve(client, entry_id, kind="person", other_id=person_id, verdict="different", reason_text=" ")
    assert "Tuliskan alasan keputusan ini." in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(DuplicatePair)) is None

    page = _resolve(client, entry_id, kind="person", other_id=person_id, verdict="different",
                    reason_text="KTP kedua orang diperiksa: kembar").get_data(as_text=True)
    assert "pasangan ini tidak akan ditandai lagi" in page
    assert "Kemungkinan ganda (0)" in page
    with app.app_context():
        pair = db.session.scalar(db.select(DuplicatePair))
        assert pair.verdict == DuplicateVerdict.DIFFERENT and {pair.nik_low, pair.nik_high} == {person_nik, entry_nik}
        assert db.session.get(ListEntry, entry_id).state == EntryState.PENDING
        (event,) = _events("duplicate.different_people")
        assert event.actor_name == "staff1" and person_nik not in json.dumps(event.details)
    # Nor on a new import of the same row.
    report = _import(runner, tmp_path, [[entry_nik, "Sitti Rahmawati", BORN, "P", "Lette", 2, 1, "Kader Posyandu"]])
    assert _other_nik_findings(report) == []


def test_same_person_rejects_the_entry_and_both_niks_find_the_person_everywhere(app, client, auth, staff):
    person_id, person_nik, entry_id, entry_nik = _slip_pair(app)
    auth.login("staff1")
    page = _resolve(client, entry_id, kind="person", other_id=person_id, verdict="same",
                    reason_text="NIK salah ketik satu angka").get_data(as_text=True)
    assert f"usulan #{entry_id} ditolak sebagai ganda" in page
    with app.app_context():
        entry = db.session.get(ListEntry, entry_id)
        assert (entry.state, entry.reason_code) == (EntryState.REJECTED, "duplicate")
        alias = db.session.scalar(db.select(PersonNikAlias))
        assert (alias.nik, alias.person_id) == (entry_nik, person_id)
        assert [e.target_id for e in _events("duplicate.same_person")] == [str(entry_id)]
        assert len(_events("entry.reject")) == 1
        _row, api_key = create_api_key("lontara-plus")
        make_hospital_user("rs1", make_facility("RS Uji Makassar"))
        db.session.commit()
    auth.logout()

    # Cek Status, the super-app's API and the hospital look-up all find the person by the alias.
    page = client.post("/cek-status", data={"nik": entry_nik, "name": "Siti Rahmawati"}).get_data(as_text=True)
    assert "Terdaftar dan terlindungi" in page
    # An unknown NIK still finds nothing.
    assert "Data tidak ditemukan" in client.post("/cek-status", data={"nik": new_nik(), "name": "Siti Rahmawati"}).get_data(as_text=True)
    answer = client.post("/api/v1/status", json={"nik": entry_nik, "name": "Sitti Rahmawati"},
                         headers={"Authorization": f"Bearer {api_key}"}).get_json()
    assert answer["status"] == "active"
    auth.login("rs1")
    token = csrf_token(client, "/rs/cek-pasien")
    page = client.post("/rs/cek-pasien", data={"nik": entry_nik, "name": "Sitti Rahmawati", "csrf_token": token}).get_data(as_text=True)
    assert mask_name("Sitti Rahmawati") in page and "Data tidak ditemukan" not in page


def test_same_person_between_two_entries_keeps_one_and_its_approval_gives_the_person_both_niks(app, client, auth, staff):
    with app.app_context():
        (kept_id,) = pending_entries(full_name="Sitti Rahmawati", birth_date=BORN, sex=Sex.FEMALE,
                                     nik=new_nik(BORN, Sex.FEMALE))
        kept_nik = db.session.get(ListEntry, kept_id).nik
        (other_id,) = pending_entries(full_name="Siti Rahmawati", birth_date=BORN, sex=Sex.FEMALE, nik=slipped(kept_nik))
        other_nik = slipped(kept_nik)
    auth.login("staff1")
    page = _resolve(client, kept_id, kind="entry", other_id=other_id, verdict="same", keep="this",
                    reason_text="Diusulkan dua kali").get_data(as_text=True)
    assert f"usulan #{other_id} ditolak sebagai ganda" in page
    post(client, f"/verifikasi/{kept_id}/setujui", {"next": f"/verifikasi/{kept_id}"}, page=f"/verifikasi/{kept_id}")
    with app.app_context():
        assert db.session.get(ListEntry, other_id).state == EntryState.REJECTED
        assert db.session.get(ListEntry, kept_id).state == EntryState.APPROVED
        person = db.session.scalar(db.select(Person).filter_by(nik=kept_nik))
        assert db.session.scalar(db.select(PersonNikAlias.person_id).filter_by(nik=other_nik)) == person.id


def test_an_entry_under_a_known_alias_is_flagged_and_approved_onto_the_same_person(app, client, auth, staff):
    person_id, person_nik, entry_id, entry_nik = _slip_pair(app)
    auth.login("staff1")
    _resolve(client, entry_id, kind="person", other_id=person_id, verdict="same", reason_text="Salah ketik")
    with app.app_context():
        person = db.session.get(Person, person_id)
        person.memberships[0].status = "ended"
        db.session.commit()
        (again_id,) = pending_entries(full_name="Sitti Rahmawati", birth_date=BORN, sex=Sex.FEMALE, nik=entry_nik)
    page = client.get(f"/verifikasi/{again_id}").get_data(as_text=True)
    assert "NIK ini sudah tercatat sebagai NIK lain orang ini" in page
    post(client, f"/verifikasi/{again_id}/setujui", {"next": f"/verifikasi/{again_id}"}, page=f"/verifikasi/{again_id}")
    with app.app_context():
        entry = db.session.get(ListEntry, again_id)
        assert entry.state == EntryState.APPROVED and entry.person_id == person_id
        assert db.session.scalar(db.select(db.func.count()).select_from(Person)) == 1


def test_a_verdict_on_a_pair_the_finder_does_not_report_changes_nothing(app, client, auth, staff):
    with app.app_context():
        stranger, _membership = make_member("Andi Tenri Ajeng", birth_date=date(1950, 1, 1))
        (entry_id,) = pending_entries(full_name="Budi Santoso")
        stranger_id = stranger.id
    auth.login("staff1")
    page = _resolve(client, entry_id, kind="person", other_id=stranger_id, verdict="same", reason_text="coba").get_data(as_text=True)
    assert "tidak (lagi) ditemukan sebagai kemungkinan ganda" in page
    with app.app_context():
        assert db.session.get(ListEntry, entry_id).state == EntryState.PENDING
        assert db.session.scalar(db.select(PersonNikAlias)) is None
        assert db.session.scalar(db.select(DuplicatePair)) is None


def test_an_area_head_is_not_told_about_someone_else_under_another_nik(app, client, auth, staff):
    """The finding is a note for staff: the head's page never shows it, the queue flags the entry."""
    with app.app_context():
        person, _membership = make_member("Sitti Rahmawati", birth_date=BORN)
        head = make_user("rtrw1", Role.RT_RW)
        member_list = make_list(head)
        list_id, nik = member_list.id, slipped(person.nik)
    auth.login("rtrw1")
    page = f"/daftar/{list_id}"
    response = client.post(f"/daftar/{list_id}/baris", data={
        "csrf_token": csrf_token(client, page), "nik": nik, "full_name": "Sitti Rahmawati", "birth_date": "09/04/1988",
        "sex": "P", "rt": "1", "category": "kader",
    }, follow_redirects=True)
    assert response.status_code == 200
    assert "Mungkin orang yang sama" not in response.get_data(as_text=True)
    with app.app_context():
        entry = db.session.scalar(db.select(ListEntry).filter_by(nik=nik))
        assert entry is not None and entry.possible_duplicate
        assert [i["severity"] for i in entry.issues if i["code"] == "duplicate_other_nik"] == ["note"]
