"""RT/RW head: template download, upload with errors, inline fix, submit, returned row resent."""

from datetime import date

from openpyxl import load_workbook
from playwright.sync_api import expect

from portal.extensions import db
from portal.lists import services
from portal.models import EntryState, ListEntry, Role, Sex
from portal.nik import mask_nik
from portal.review.services import return_entry
from tests.browser.conftest import key_screen, login
from tests.conftest import PASSWORD
from tests.factories import make_user, new_nik

KADER = "Kader Posyandu dan KB"


def test_rt_rw_head_uploads_a_filled_template_fixes_rows_submits_and_resends_a_returned_row(
    live_server, live_app, desktop, tmp_path
):
    with live_app.app_context():
        head = make_user("rtrw1", Role.RT_RW)
        staff = make_user("staff1")
        list_id = services.create_list(head, "Usulan RW 002 tahap 1").id
        db.session.commit()
        staff_id = staff.id
    siti = new_nik(date(1985, 2, 13), Sex.FEMALE)
    nameless = new_nik(date(1990, 3, 3), Sex.MALE)

    login(desktop, live_server, "rtrw1", PASSWORD)
    desktop.goto(f"{live_server.url}/daftar/{list_id}")
    with desktop.expect_download() as download:
        desktop.get_by_role("link", name="Unduh templat XLSX").click()
    path = tmp_path / "usulan.xlsx"
    download.value.save_as(path)

    # The head fills the template in a spreadsheet program: one good row, one whose NIK
    # Excel turned into scientific notation, one without a name.
    workbook = load_workbook(path)
    sheet = workbook["Daftar"]
    rows = [
        [siti, "Siti Aminah", "13/02/1985", "P", 1, 2, "Jl. Lette No. 1", "081234567890", KADER, "", 1_000_000],
        ["7.37101E+15", "Andi Wijaya", "01/07/1979", "L", 1, 2, "Jl. Lette No. 2", "", KADER, "", 1_000_000],
        [nameless, "", "03/03/1990", "L", 2, 2, "Jl. Lette No. 3", "", KADER, "", 1_000_000],
    ]
    for row_number, values in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            sheet.cell(row=row_number, column=column, value=value)
    workbook.save(path)

    desktop.get_by_label("Berkas daftar").set_input_files(str(path))
    desktop.get_by_role("button", name="Unggah dan periksa").click()
    expect(desktop.get_by_role("button", name="Kirim 1 orang")).to_be_visible()
    expect(desktop.get_by_text("notasi ilmiah", exact=False).first).to_be_visible()
    key_screen(desktop, "list-uploaded-with-errors")

    # Fix the nameless row inline (htmx); the summary follows without a reload.
    row = desktop.locator("tr", has_text=mask_nik(nameless))
    row.get_by_role("link", name="Perbaiki").click()
    editing = desktop.locator("tr.entry-editing")
    editing.get_by_label("Nama lengkap").fill("Rahman Daeng Tompo")
    editing.get_by_role("button", name="Simpan dan periksa").click()
    expect(desktop.get_by_role("button", name="Kirim 2 orang")).to_be_enabled()

    # The NIK Excel rounded cannot be repaired: drop it (the head asks for the real one).
    desktop.get_by_role("link", name="Hapus semua baris bermasalah").click()
    expect(desktop.get_by_role("heading", name="Hapus semua baris bermasalah?")).to_be_visible()
    desktop.get_by_role("button", name="Ya, hapus 1 orang").click()
    expect(desktop.locator("table.entries").get_by_text("Andi Wijaya")).to_have_count(0)
    desktop.get_by_role("button", name="Kirim 2 orang").click()
    desktop.get_by_role("button", name="Ya, kirim 2 orang").click()
    expect(desktop.get_by_text("Menunggu verifikasi").first).to_be_visible()

    with live_app.app_context():
        entry = db.session.scalar(db.select(ListEntry).filter_by(list_id=list_id, nik=siti))
        assert entry.state == EntryState.PENDING
        entry_id = entry.id
        return_entry(entry_id, db.session.get(type(head), staff_id), "Alamat kurang lengkap, tulis nomor rumah dan lorong.")
        db.session.commit()

    # Later: the head sees the returned row and why, fixes it and sends it again.
    desktop.goto(f"{live_server.url}/daftar/{list_id}")
    returned = desktop.locator(f"#entry-{entry_id}")
    expect(returned).to_contain_text("Alamat kurang lengkap")
    key_screen(desktop, "list-returned-row")
    returned.get_by_role("link", name="Perbaiki").click()
    desktop.locator(f"#entry-{entry_id}").get_by_label("Alamat").fill("Jl. Lette Lorong 3 No. 1")
    desktop.locator(f"#entry-{entry_id}").get_by_role("button", name="Simpan dan periksa").click()
    expect(desktop.locator("tr.entry-editing")).to_have_count(0)  # the save's answer (with its OOB parts) is in
    expect(desktop.get_by_role("button", name="Kirim 1 orang")).to_be_enabled()
    desktop.get_by_role("button", name="Kirim 1 orang").click()
    desktop.get_by_role("button", name="Ya, kirim 1 orang").click()
    expect(desktop.locator(f"#entry-{entry_id}")).to_contain_text("Menunggu verifikasi")
    with live_app.app_context():
        assert db.session.get(ListEntry, entry_id).state == EntryState.PENDING
    assert desktop.console_errors == []
