"""Audit coverage: every view, change, decision, export and print of a person's record is an
audit event, and no event's details hold a full NIK, a birth date or a phone number."""

from __future__ import annotations

import io
import json
import re
from datetime import date

from portal.extensions import db
from portal.models import AuditEvent, ListEntry, Membership, Person, Role
from tests.conftest import csrf_token
from tests.factories import LETTE, make_list, make_user, new_nik
from tests.lists.spreadsheets import csv_bytes, person_row
from tests.review.helpers import post

BORN = (date(1985, 2, 13), date(1990, 6, 1))
PHONES = ("081234567890", "085711112222")


def _realistic_flow(app, client, auth) -> dict:
    """A head uploads and submits two people; staff review, correct, print, export; a citizen checks."""
    niks = [new_nik(BORN[0]), new_nik(BORN[1])]
    with app.app_context():
        make_user("staff1", Role.STAFF)
        head = make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
        list_id = make_list(head, title="Usulan RW 002").id
    auth.login("rtrw1")
    rows = [person_row(niks[0], "Budi Santoso", BORN[0], phone=PHONES[0]), person_row(niks[1], "Siti Aminah", BORN[1], "P", phone=PHONES[1])]
    data = csv_bytes(rows)
    # A head's file is often named after the people in it.
    response = client.post(
        f"/daftar/{list_id}/unggah",
        data={"csrf_token": csrf_token(client, f"/daftar/{list_id}"), "spreadsheet": (io.BytesIO(data), f"{niks[0]} budi.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with app.app_context():
        entry_ids = list(db.session.scalars(db.select(ListEntry.id).filter_by(list_id=list_id).order_by(ListEntry.id)))
    assert client.get(f"/daftar/{list_id}/baris/{entry_ids[0]}").status_code == 200
    page = f"/daftar/{list_id}"
    assert client.post(f"{page}/kirim", data={"csrf_token": csrf_token(client, page), "acknowledge_warnings": "y"}).status_code == 302
    auth.logout()

    auth.login("staff1")
    assert client.get(f"/verifikasi/{entry_ids[0]}").status_code == 200
    post(client, f"/verifikasi/{entry_ids[0]}/setujui")
    post(client, f"/verifikasi/{entry_ids[1]}/tolak", {"reason_code": "other", "reason_text": f"NIK {niks[1]} tidak cocok, hubungi {PHONES[1]}"})
    with app.app_context():
        person = db.session.scalar(db.select(Person).where(Person.nik == niks[0]))
        assert person is not None, "approval failed"
        person_id, membership_id = person.id, db.session.scalar(db.select(Membership.id).filter_by(person_id=person.id))
    post(client, "/anggota/", {"nik": niks[0]}, page="/anggota/")
    assert client.get(f"/anggota/{person_id}").status_code == 200
    correction = {
        "full_name": "Budi Santosa", "birth_date": "1985-02-13", "sex": "L", "kelurahan_code": LETTE, "rw": "2", "rt": "1",
        "street": "Jl. Nuri 5", "phone": PHONES[0], "category_code": "kader",
        "reason": f"KTP {niks[0]} lahir 13/02/1985, telepon {PHONES[0]}",
    }
    page = f"/anggota/{person_id}/koreksi"
    assert post(client, page, correction, page=page).status_code == 302
    page = f"/cetak/anggota/{membership_id}"
    assert post(client, f"{page}/card", page=page).status_code == 303
    assert client.get(f"{page}/card.pdf").status_code == 200
    assert post(client, "/bpjs/batch", {"file_format": "csv"}, page="/bpjs/").status_code == 302
    assert client.get("/bpjs/batch/1.csv").status_code == 200
    assert post(client, "/privasi/laporan", {"nik": niks[0], "format": "json"}, page="/privasi/laporan").status_code == 200
    auth.logout()

    client.post("/cek-status", data={"nik": niks[0], "name": "Budi Santosa"})
    return {"niks": niks, "person_id": person_id, "entry_ids": entry_ids, "membership_id": membership_id}


def test_every_view_change_decision_export_and_print_of_a_person_is_audited(app, client, auth):
    flow = _realistic_flow(app, client, auth)
    with app.app_context():
        events = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id)).all()
        about_person = {e.action for e in events if e.person_id == flow["person_id"]}
        assert {
            "entry.approve",  # decision
            "person.search",  # found by NIK
            "person.view",  # member page
            "person.correct",  # change
            "view",  # the documents page
            "print",
            "download",  # the card PDF
            "bpjs.export",  # export to BPJS
            "privacy.report",
            "status.checked",
        } <= about_person, about_person
        # Before approval the entry is not yet a person: its events name the entry.
        first_entry = {e.actor_name for e in events if e.action == "entry.view" and e.target_id == str(flow["entry_ids"][0])}
        assert first_entry == {"rtrw1", "staff1"}
        rejected = [e for e in events if e.target_type == "list_entry" and e.target_id == str(flow["entry_ids"][1])]
        assert "entry.reject" in {e.action for e in rejected}
        assert any(e.action == "bpjs.download" for e in events)


def test_no_audit_detail_holds_a_full_nik_a_birth_date_or_a_phone_number(app, client, auth):
    flow = _realistic_flow(app, client, auth)
    with app.app_context():
        details = [json.dumps(e.details, ensure_ascii=False) for e in db.session.scalars(db.select(AuditEvent))]
    assert len(details) > 15
    forbidden = list(flow["niks"])
    for born in BORN:
        forbidden += [born.isoformat(), born.strftime("%d/%m/%Y"), born.strftime("%d-%m-%Y"), born.strftime("%d%m%y")]
    forbidden += list(PHONES) + [p[1:] for p in PHONES]
    for text in details:
        for value in forbidden:
            assert value not in text, f"{value!r} in audit details {text}"
        assert not re.search(r"(?<!\d)\d{16}(?!\d)", text), text
