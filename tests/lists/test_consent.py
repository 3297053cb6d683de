"""Consent to messages where a list records a phone: the entry form, the template's column,
the upload and the CLI import (docs/notifications.md, "Consent")."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from openpyxl import load_workbook

from portal.extensions import db
from portal.models import AuditEvent, EntryState, ListEntry, Role
from tests.factories import make_entry, make_user, new_nik
from tests.lists.spreadsheets import HEADER, person_row, xlsx_bytes
from tests.lists.test_inline import typed

CONSENT_HEADER = [*HEADER, "Setuju Dihubungi"]


def input_tag(page: str, name: str) -> str:
    """The <input> element of the field `name` in a page."""
    at = page.index(f'name="{name}"')
    return page[page.rindex("<input", 0, at):page.index(">", at) + 1]


def entries(app, list_id: int | None = None) -> list[ListEntry]:
    with app.app_context():
        query = db.select(ListEntry).order_by(ListEntry.id)
        if list_id is not None:
            query = query.filter_by(list_id=list_id)
        found = db.session.scalars(query).all()
        db.session.expunge_all()
        return found


def consent_events(app) -> list[dict]:
    with app.app_context():
        return [e.details for e in db.session.scalars(db.select(AuditEvent).where(AuditEvent.action.in_(["entry.add", "entry.update"])).order_by(AuditEvent.id))]


def test_a_head_records_consent_under_the_phone_and_can_withdraw_it(app, head):
    page = head.client.get(head.url).get_data(as_text=True)
    assert "Setuju menerima kabar lewat WhatsApp/SMS di nomor ini" in page and "Balas STOP" in page
    # The box sits under the phone field, before the KK number.
    assert page.index('name="phone"') < page.index('name="phone_consent"') < page.index('name="kk_number"')

    assert head.post("/baris", typed(phone_consent="y")).status_code == 302
    [entry] = entries(app, head.list_id)
    assert entry.phone_consent and entry.phone == "081234567890"

    form = head.client.get(f"{head.url}/baris/{entry.id}/ubah").get_data(as_text=True)
    assert " checked " in input_tag(form, "phone_consent")

    edited = {k: v for k, v in typed(nik=entry.nik).items()}
    assert head.post(f"/baris/{entry.id}/ubah", edited).status_code == 302  # the box left unticked
    [entry] = entries(app, head.list_id)
    assert not entry.phone_consent
    added, updated = consent_events(app)
    assert added["phone_consent"] is True and updated["phone_consent"] is False
    assert "081234567890" not in json.dumps(added) + json.dumps(updated)


def test_consent_without_a_phone_is_refused_and_nothing_is_saved(app, head):
    response = head.post("/baris", typed(phone="", phone_consent="y"))
    assert response.status_code == 400
    assert "Persetujuan menerima kabar perlu nomor HP" in response.get_data(as_text=True)
    assert entries(app, head.list_id) == []


def test_changing_the_phone_clears_consent_unless_ticked_again(app, head):
    assert head.post("/baris", typed(phone_consent="y")).status_code == 302
    [entry] = entries(app, head.list_id)
    url = f"/baris/{entry.id}/ubah"
    shown = {"nik": entry.nik, "consent_phone": "081234567890"}  # what the edit form's GET hands out

    # The box still ticked from before, sent with a new number: refused, the box comes back unticked.
    response = head.post(url, typed(**shown, phone="081299998888", phone_consent="y"))
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "Nomor HP diganti" in body
    assert 'value="081299998888"' in input_tag(body, "consent_phone") and " checked " not in input_tag(body, "phone_consent")
    [unchanged] = entries(app, head.list_id)
    assert (unchanged.phone, unchanged.phone_consent) == ("081234567890", True)

    # Ticked again for the new number: saved with consent.
    assert head.post(url, typed(nik=entry.nik, consent_phone="081299998888", phone="081299998888", phone_consent="y")).status_code == 302
    [entry] = entries(app, head.list_id)
    assert (entry.phone, entry.phone_consent) == ("081299998888", True)

    # A new number with the box unticked: saved, consent gone.
    assert head.post(url, typed(nik=entry.nik, consent_phone="081299998888", phone="081277776666")).status_code == 302
    [entry] = entries(app, head.list_id)
    assert (entry.phone, entry.phone_consent) == ("081277776666", False)

    # The same number written another way is the same number: the consent stays.
    assert head.post(url, typed(nik=entry.nik, phone="081277776666", phone_consent="y")).status_code == 302
    assert head.post(url, typed(nik=entry.nik, consent_phone="081277776666", phone="+62 812-7777-6666", phone_consent="y")).status_code == 302
    [entry] = entries(app, head.list_id)
    assert entry.phone_consent


def test_the_template_has_the_consent_column_with_its_instruction(app, head):
    workbook = load_workbook(io.BytesIO(head.client.get("/daftar/templat.xlsx").data))
    headers = [cell.value for cell in workbook["Daftar"][1]]
    assert headers[-1] == "Setuju Dihubungi"
    guide = " ".join(str(row[0].value or "") for row in workbook["Petunjuk"].iter_rows())
    assert "Setuju Dihubungi: Ya" in guide and "STOP" in guide

    # Filled in as a head would and uploaded back: read with the consent.
    sheet = workbook["Daftar"]
    born = date(1985, 2, 13)
    sheet.append([new_nik(born), "Budi Santoso", "13/02/1985", "L", 1, 2, "Jl. Lette", "081234567890", "Kader Posyandu dan KB", "", None, None, "Ya"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert head.upload(buffer.getvalue(), "templat.xlsx").status_code == 302
    [entry] = entries(app, head.list_id)
    assert entry.phone_consent and not entry.errors


@pytest.mark.parametrize(
    ("cell", "consent"),
    [("Ya", True), ("y", True), ("IYA", True), ("1", True), (1, True), ("Tidak", False), ("t", False), ("0", False), (0, False), ("", False), (None, False)],
)
def test_the_consent_column_reads_yes_and_no_in_any_case(app, head, cell, consent):
    assert head.upload(xlsx_bytes([[*person_row(), cell]], header=CONSENT_HEADER), "daftar.xlsx").status_code == 302
    [entry] = entries(app, head.list_id)
    assert entry.phone_consent is consent and not entry.errors


def test_a_bad_consent_cell_is_the_rows_error_and_imports_no_consent(app, head):
    rows = [[*person_row(), "Mungkin"], [*person_row(phone=None), "Ya"], [*person_row(), "ya"]]
    assert head.upload(xlsx_bytes(rows, header=CONSENT_HEADER), "daftar.xlsx").status_code == 302
    bad, no_phone, good = entries(app, head.list_id)
    assert [(i["code"], i["column"], i["message"]) for i in bad.errors] == [
        ("phone_consent_invalid", "phone_consent", "Kolom Setuju Dihubungi harus Ya atau Tidak.")
    ]
    assert not bad.phone_consent and bad.raw_values == {"phone_consent": "Mungkin"}
    assert [i["code"] for i in no_phone.errors] == ["phone_consent_without_phone"] and not no_phone.phone_consent
    assert good.phone_consent and not good.errors

    # The row's edit form says what the file held, with the box unticked; ticking it fixes the row.
    form = head.client.get(f"{head.url}/baris/{bad.id}/ubah").get_data(as_text=True)
    assert "Di berkas: «Mungkin»" in form and "Kolom Setuju Dihubungi harus Ya atau Tidak." in form
    assert head.post(f"/baris/{bad.id}/ubah", typed(nik=bad.nik, phone_consent="y")).status_code == 302
    bad = entries(app, head.list_id)[0]
    assert bad.phone_consent and not bad.errors and not bad.raw_values


def test_a_list_without_the_consent_column_imports_without_consent(app, head):
    assert head.upload(xlsx_bytes([person_row(), person_row()]), "lama.xlsx").status_code == 302
    assert [e.phone_consent for e in entries(app, head.list_id)] == [False, False]
    assert all(not e.errors for e in entries(app, head.list_id))


def test_submitting_keeps_consent_and_the_recheck_keeps_a_bad_cells_error(app, head):
    rows = [[*person_row(), "Ya"], [*person_row(), "barangkali"]]
    assert head.upload(xlsx_bytes(rows, header=CONSENT_HEADER), "daftar.xlsx").status_code == 302
    assert head.post("/kirim", {"acknowledge_warnings": "y"}).status_code == 302
    sent, held = entries(app, head.list_id)
    assert (sent.state, sent.phone_consent) == (EntryState.PENDING, True)
    assert held.state == EntryState.DRAFT and [i["code"] for i in held.errors] == ["phone_consent_invalid"]


def test_cli_import_reads_the_column_and_rejects_a_bad_cell(app, runner, tmp_path):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    header = ["NIK", "Nama", "Tgl Lahir", "L/P", "Kelurahan", "RW", "RT", "Kategori", "No HP", "Setuju Dihubungi (Ya/Tidak)"]
    born = date(1980, 1, 1)
    rows = [
        [new_nik(born), "Andi", born, "L", "Lette", 2, 1, "Kader Posyandu dan KB", "081234567890", "YA"],
        [new_nik(born), "Badu", born, "L", "Lette", 2, 1, "Kader Posyandu dan KB", "081234567891", ""],
        [new_nik(born), "Cici", born, "P", "Lette", 2, 1, "Kader Posyandu dan KB", "081234567892", "ok"],
    ]
    path = tmp_path / "kota.xlsx"
    path.write_bytes(xlsx_bytes(rows, header=header))
    result = runner.invoke(args=["lists", "import", str(path), "--by", "staff1", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["accepted"], report["rejected"]) == (2, 1)
    [issue] = [i for i in report["issues"] if i["severity"] == "error"]
    assert (issue["row"], issue["column"], issue["message"]) == (4, "phone_consent", "Kolom Setuju Dihubungi harus Ya atau Tidak.")
    assert [(e.full_name, e.phone_consent) for e in entries(app)] == [("Andi", True), ("Badu", False)]


def test_cli_import_of_an_old_sheet_without_the_column_gives_no_consent(app, runner, tmp_path):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    header = ["NIK", "Nama", "Tgl Lahir", "L/P", "Kelurahan", "RW", "RT", "Kategori", "No HP"]
    born = date(1980, 1, 1)
    path = tmp_path / "lama.xlsx"
    path.write_bytes(xlsx_bytes([[new_nik(born), "Andi", born, "L", "Lette", 2, 1, "Kader Posyandu dan KB", "081234567890"]], header=header))
    result = runner.invoke(args=["lists", "import", str(path), "--by", "staff1"])
    assert result.exit_code == 0, result.output
    assert [e.phone_consent for e in entries(app)] == [False]


def test_the_review_dossier_shows_the_consent(app, client, auth):
    from tests.factories import make_list

    with app.app_context():
        make_user("staff1", Role.STAFF)
        member_list = make_list(make_user("rtrw1", Role.RT_RW))
        agreed = make_entry(member_list, phone="081234567890", phone_consent=True).id
        declined = make_entry(member_list, phone="081234567891").id
    auth.login("staff1")
    for entry_id, shown in ((agreed, "Ya"), (declined, "Tidak")):
        page = client.get(f"/verifikasi/{entry_id}").get_data(as_text=True)
        assert f"<dt>Setuju menerima kabar WhatsApp/SMS</dt><dd>{shown}</dd>" in page
