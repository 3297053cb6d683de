"""Journey: staff open Tinjauan DTSEN after a refresh, filter it, keep one member with a note
and reach the bulk confirmation that shows the count."""

from datetime import date

from playwright.sync_api import expect

from portal.desil.services import DesilImport, save_extract
from portal.extensions import db
from portal.models import Role
from tests.browser.conftest import key_screen, login, nav_link
from tests.conftest import PASSWORD
from tests.factories import PABAENG, make_member, make_user


def test_staff_filter_the_dtsen_review_keep_one_and_confirm_the_rest(live_server, live_app, desktop):
    with live_app.app_context():
        make_user("staff1", Role.STAFF)
        people = [
            make_member("Daeng Ngai", category_code="pekerja_rentan")[0],
            make_member("St. Hadijah", category_code="pekerja_rentan")[0],
            make_member("Abd. Rahman", category_code="pekerja_rentan", kelurahan_code=PABAENG, rw=5)[0],
        ]
        extract = DesilImport(records={people[0].nik: (6, date(2026, 1, 31)), people[2].nik: (7, date(2026, 1, 31))})
        save_extract(extract, "dtsen-januari.csv")
        db.session.commit()
    login(desktop, live_server, "staff1", PASSWORD)
    nav_link(desktop, "Tinjauan DTSEN").click()
    expect(desktop.get_by_text("3 peserta menunggu keputusan.")).to_be_visible()
    key_screen(desktop, "dtsen-review")

    desktop.get_by_label("Alasan").select_option(label="Desil di atas batas program")
    desktop.get_by_role("button", name="Saring").click()
    expect(desktop.get_by_text("2 peserta menunggu keputusan.")).to_be_visible()
    expect(desktop.get_by_text("St. Hadijah")).to_have_count(0)

    desktop.locator("tr", has_text="Daeng Ngai").get_by_role("link", name="Putuskan").click()
    desktop.get_by_label("Pertahankan sampai akhir tahun (dengan catatan)").check()
    desktop.get_by_label("Catatan", exact=True).fill("Usaha bangkrut; tinjau lagi Desember.")
    key_screen(desktop, "dtsen-decision")
    desktop.get_by_role("button", name="Simpan keputusan").click()
    expect(desktop.get_by_text("2 peserta menunggu keputusan.")).to_be_visible()

    desktop.get_by_role("link", name="Putuskan semua (2)").click()
    expect(desktop.get_by_role("button", name="Ya, putuskan untuk 2 peserta")).to_be_visible()
    key_screen(desktop, "dtsen-decide-all")
    assert desktop.console_errors == []
