"""The data-subject report (UU PDP): a person's data and who viewed, changed and printed it."""

from __future__ import annotations

import json

from portal.extensions import db
from portal.models import AuditEvent, Role
from tests.conftest import csrf_token
from tests.factories import make_member, make_user
from tests.review.helpers import post

CORRECTION = {
    "full_name": "Budi Santosa",
    "birth_date": "1980-05-17",
    "sex": "P",
    "kelurahan_code": "7371011004",
    "rw": "2",
    "rt": "1",
    "street": "Jl. Nuri 5",
    "category_code": "kader",
    "reason": "Salah ketik nama pada daftar",
}


def _view_change_and_print(app, client, auth):
    """Staff open the member page, correct the name and print the card; returns (nik, person id)."""
    with app.app_context():
        make_user("staff1", Role.STAFF)
        person, membership = make_member("Budi Santoso")
        nik, person_id, membership_id = person.nik, person.id, membership.id
    auth.login("staff1")
    assert client.get(f"/anggota/{person_id}").status_code == 200
    page = f"/anggota/{person_id}/koreksi"
    assert post(client, page, CORRECTION, page=page).status_code == 302
    page = f"/cetak/anggota/{membership_id}"
    assert post(client, f"{page}/card", page=page).status_code == 303
    return nik, person_id


def test_report_page_lists_the_view_the_change_and_the_print_made_here(app, client, auth):
    nik, person_id = _view_change_and_print(app, client, auth)
    response = post(client, "/privasi/laporan", {"nik": nik, "format": "html"}, page="/privasi/laporan")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Budi Santosa" in page
    for action in ("person.view", "person.correct", "print"):
        assert f"{action} (" in page
    assert nik not in response.headers.get("Location", "")


def test_report_json_download_holds_the_data_and_history_and_is_audited(app, client, auth):
    nik, person_id = _view_change_and_print(app, client, auth)
    response = post(client, "/privasi/laporan", {"nik": nik, "format": "json"}, page="/privasi/laporan")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert nik not in response.headers["Content-Disposition"]
    report = json.loads(response.get_data())
    assert report["person"]["nik"] == nik and report["person"]["full_name"] == "Budi Santosa"
    actions = [event["action"] for event in report["history"]]
    assert "person.view" in actions and "person.correct" in actions and "print" in actions
    (membership,) = report["memberships"]
    assert membership["certificates"][0]["prints"][0]["printed_by"] == "staff1"
    with app.app_context():
        (event,) = db.session.scalars(db.select(AuditEvent).filter_by(action="privacy.report")).all()
        assert event.person_id == person_id and event.actor_name == "staff1"
        assert nik not in json.dumps(event.details)


def test_report_pdf_is_downloaded_by_post(app, client, auth):
    nik, _person_id = _view_change_and_print(app, client, auth)
    response = post(client, "/privasi/laporan", {"nik": nik, "format": "pdf"}, page="/privasi/laporan")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.get_data().startswith(b"%PDF")


def test_report_cli_writes_json_and_pdf_and_records_each_run(app, client, auth, runner, tmp_path):
    nik, person_id = _view_change_and_print(app, client, auth)
    result = runner.invoke(args=["privacy", "report", "--nik", nik])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {"person.view", "person.correct", "print"} <= {e["action"] for e in report["history"]}
    target = tmp_path / "report.pdf"
    result = runner.invoke(args=["privacy", "report", "--nik", nik, "--format", "pdf", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"%PDF")
    with app.app_context():
        events = db.session.scalars(db.select(AuditEvent).filter_by(action="privacy.report")).all()
        assert [e.details["format"] for e in events] == ["json", "pdf"]
        assert all(e.person_id == person_id and e.actor_name.startswith("cli") for e in events)


def test_report_refuses_a_malformed_nik_and_area_roles_get_404(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        make_user("rtrw1", Role.RT_RW)
    auth.login("staff1")
    response = post(client, "/privasi/laporan", {"nik": "12345"}, page="/privasi/laporan")
    assert response.status_code == 400
    assert "NIK harus 16 digit angka." in response.get_data(as_text=True)
    auth.logout()
    auth.login("rtrw1")
    assert client.get("/privasi/laporan").status_code == 404
    token = csrf_token(client, "/")
    assert client.post("/privasi/laporan", data={"nik": "7371015702850001", "csrf_token": token}).status_code == 404


def test_report_of_an_unknown_nik_says_nothing_is_held(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    auth.login("staff1")
    response = post(client, "/privasi/laporan", {"nik": "7371015702850001"}, page="/privasi/laporan")
    assert "tidak menyimpan data apa pun" in response.get_data(as_text=True)


def test_report_lists_a_row_the_proposer_deleted_from_a_list_never_sent(app, client, auth):
    from portal.models import EntryState
    from tests.factories import make_entry, make_list

    with app.app_context():
        make_user("staff1", Role.STAFF)
        head = make_user("rtrw1", Role.RT_RW)
        entry = make_entry(make_list(head, title="Usulan RW 002"), state=EntryState.DRAFT, full_name="Rina Dihapus")
        nik, list_id, entry_id = entry.nik, entry.list_id, entry.id
    auth.login("rtrw1")
    url = f"/daftar/{list_id}"
    token = csrf_token(client, url)
    assert client.post(f"{url}/baris/{entry_id}/hapus", data={"csrf_token": token}).status_code == 302
    auth.logout()

    auth.login("staff1")
    page = post(client, "/privasi/laporan", {"nik": nik, "format": "html"}, page="/privasi/laporan").get_data(as_text=True)
    assert "Rina Dihapus" in page and "Dihapus oleh pengusul pada" in page
    assert "tidak menyimpan data apa pun" not in page
    report = json.loads(post(client, "/privasi/laporan", {"nik": nik, "format": "json"}, page="/privasi/laporan").get_data())
    (row,) = report["list_entries"]
    assert row["full_name"] == "Rina Dihapus" and row["state"] == "draft" and row["deleted_at"]
    assert "entry.delete" in {event["action"] for event in report["history"]}
