"""The list workspace on a 360 px phone: upload a messy file, fix a row from its card, delete
with confirmation and undo, submit, then fix and resend a row staff returned."""

from datetime import date

from playwright.sync_api import expect

from portal.extensions import db
from portal.lists import services
from portal.models import ListEntry, Role, User
from portal.review.services import return_entry
from tests.browser.conftest import key_screen, login
from tests.conftest import PASSWORD
from tests.factories import make_user, new_nik
from tests.lists.spreadsheets import person_row, xlsx_bytes


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_rt_rw_head_works_a_messy_list_on_a_phone(live_server, live_app, phone, tmp_path):
    with live_app.app_context():
        head = make_user("rtrw1", Role.RT_RW)
        staff = make_user("staff1")
        list_id = services.create_list(head, "Usulan RW 002 tahap 2").id
        db.session.commit()
        staff_id = staff.id
    bad_date = person_row(nik=new_nik(date(1990, 2, 1)), name="Rahman Daeng Tompo", born=date(1990, 2, 1))
    bad_date[2] = "31/02/1990"
    rows = [person_row(name="Siti Aminah"), bad_date, person_row(nik=new_nik(date(1979, 7, 1)), name="Andi Wijaya", born=date(1979, 7, 1))]
    path = tmp_path / "usulan-rw002.xlsx"
    path.write_bytes(xlsx_bytes(rows))

    login(phone, live_server, "rtrw1", PASSWORD)
    phone.goto(f"{live_server.url}/daftar/{list_id}")
    phone.get_by_label("Berkas daftar").set_input_files(str(path))
    phone.get_by_role("button", name="Unggah dan periksa").click()
    expect(phone.get_by_role("button", name="Kirim 2 orang")).to_be_visible()
    card = phone.locator("tr.entry-row", has_text="Rahman Daeng Tompo")
    expect(card.locator(".entry-findings")).to_be_visible()
    assert card.bounding_box()["width"] <= 360
    _no_sideways_scroll(phone)
    key_screen(phone, "list-workspace-cards")

    # Fix the bad date from its card: the file's own text is there, marked.
    card.get_by_role("link", name="Perbaiki").click()
    birth = phone.locator("tr.entry-editing").get_by_label("Tanggal lahir")
    expect(birth).to_have_value("31/02/1990")
    expect(birth).to_have_attribute("aria-invalid", "true")
    _no_sideways_scroll(phone)
    key_screen(phone, "list-workspace-edit-card")
    birth.fill("01/02/1990")
    phone.locator("tr.entry-editing").get_by_role("button", name="Simpan dan periksa").click()
    expect(phone.get_by_role("button", name="Kirim 3 orang")).to_be_enabled()  # the summary came out of band
    expect(phone.locator("#list-summary div", has_text="Perlu diperbaiki").locator("dd")).to_have_text("0")

    # Delete one person: asked first, then undone.
    phone.locator("tr.entry-row", has_text="Andi Wijaya").get_by_role("link", name="Hapus").click()
    expect(phone.get_by_role("heading", name="Hapus orang ini dari daftar?")).to_be_visible()
    expect(phone.get_by_text("1 orang dihapus dari daftar")).to_be_visible()
    key_screen(phone, "list-workspace-confirm-delete")
    phone.get_by_role("button", name="Ya, hapus 1 orang").click()
    expect(phone.locator("tr.entry-row", has_text="Andi Wijaya")).to_have_count(0)
    expect(phone.get_by_role("button", name="Kirim 2 orang")).to_be_visible()
    phone.get_by_text("Baris yang dihapus (1)").click()
    phone.get_by_role("button", name="Urungkan Andi Wijaya").click()
    expect(phone.locator("tr.entry-row", has_text="Andi Wijaya")).to_have_count(1)

    # Submit: the confirmation says how many go.
    phone.get_by_role("button", name="Kirim 3 orang").click()
    expect(phone.get_by_role("heading", name="Kirim daftar untuk verifikasi?")).to_be_visible()
    acknowledge = phone.get_by_label("Saya sudah memeriksa peringatan", exact=False)
    if acknowledge.count():
        acknowledge.check()
    key_screen(phone, "list-workspace-confirm-submit")
    phone.get_by_role("button", name="Ya, kirim 3 orang").click()
    expect(phone.get_by_text("Menunggu verifikasi").first).to_be_visible()

    with live_app.app_context():
        entry = db.session.scalar(db.select(ListEntry).filter_by(list_id=list_id, full_name="Siti Aminah"))
        return_entry(entry.id, db.session.get(User, staff_id), "Alamat kurang lengkap, tulis nomor rumah dan lorong.")
        db.session.commit()
        entry_id = entry.id

    # A returned row: the staff's note on the card and first in the edit form; fixed and resent.
    phone.goto(f"{live_server.url}/daftar/{list_id}")
    returned = phone.locator(f"#entry-{entry_id}")
    expect(returned).to_contain_text("Catatan petugas: Alamat kurang lengkap")
    returned.get_by_role("link", name="Perbaiki").click()
    editing = phone.locator(f"#entry-{entry_id}")
    expect(editing.locator(".staff-note")).to_contain_text("Alamat kurang lengkap")
    editing.get_by_label("Alamat").fill("Jl. Lette Lorong 3 No. 1")
    editing.get_by_role("button", name="Simpan dan periksa").click()
    expect(phone.locator("tr.entry-editing")).to_have_count(0)  # the saved row (and its OOB parts) are in
    phone.get_by_role("button", name="Kirim 1 orang").click()
    phone.get_by_role("button", name="Ya, kirim 1 orang").click()
    expect(phone.locator(f"#entry-{entry_id}")).to_contain_text("Menunggu verifikasi")
    _no_sideways_scroll(phone)
    assert phone.console_errors == []


def test_a_drop_down_s_unmatched_file_value_shows_on_the_card_and_in_the_edit_form_on_a_phone(live_server, live_app, phone, tmp_path):
    with live_app.app_context():
        head = make_user("rtrw1", Role.RT_RW)
        list_id = services.create_list(head, "Usulan RW 002 tahap 3").id
        db.session.commit()
    odd = person_row(name="Nurhayati Daeng Ngugi", category="Penjual Kue Keliling")
    path = tmp_path / "usulan-kategori.xlsx"
    path.write_bytes(xlsx_bytes([odd]))

    login(phone, live_server, "rtrw1", PASSWORD)
    phone.goto(f"{live_server.url}/daftar/{list_id}")
    phone.get_by_label("Berkas daftar").set_input_files(str(path))
    phone.get_by_role("button", name="Unggah dan periksa").click()
    card = phone.locator("tr.entry-row", has_text="Nurhayati Daeng Ngugi")
    expect(card.locator(".entry-category .raw-value")).to_have_text("Di berkas: «Penjual Kue Keliling»")
    expect(card.get_by_role("cell", name="Kategori: Di berkas: «Penjual Kue Keliling»")).to_be_visible()
    assert card.bounding_box()["width"] <= 360
    _no_sideways_scroll(phone)

    card.get_by_role("link", name="Perbaiki").click()
    category = phone.locator("tr.entry-editing").get_by_label("Kategori")
    expect(category).to_have_attribute("aria-invalid", "true")
    expect(category).to_have_accessible_description(
        "Di berkas: «Penjual Kue Keliling», tidak ada di pilihan. Pilih yang sesuai. Kategori pekerjaan tidak dikenal."
    )
    _no_sideways_scroll(phone)
    key_screen(phone, "list-workspace-edit-unmatched-category")
