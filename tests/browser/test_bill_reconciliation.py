"""Journey: staff upload BPJS's monthly bill on a phone, watch it reconcile, see the
differences by kind, dispute one with a note and open the berita acara link."""

from datetime import date

from playwright.sync_api import expect

from portal.extensions import db
from tests.browser.conftest import key_screen, login, nav_link
from tests.conftest import PASSWORD
from tests.contributions.helpers import JKK_JKM, YEAR, csv_bill, died, member
from tests.factories import make_user
from portal.models import Role


def test_staff_upload_a_bill_on_a_phone_and_dispute_a_line_billed_after_a_death(live_server, live_app, phone, tmp_path):
    with live_app.app_context():
        make_user("staff1", Role.STAFF)
        right, _m = member("Andi Right", "10000000001")
        dead, dead_m = member("Dewi Died", "10000000004")
        died(dead_m, date(YEAR, 3, 10))
        member("Citra Unbilled", "10000000003")
        db.session.commit()
        bill = tmp_path / "tagihan-mei.csv"
        bill.write_bytes(csv_bill([
            ("10000000001", right.nik, "ANDI RIGHT", f"{YEAR}-05", "JKK, JKM", JKK_JKM),
            ("10000000004", dead.nik, "DEWI DIED", f"{YEAR}-05", "JKK, JKM", JKK_JKM),
        ]))
    login(phone, live_server, "staff1", PASSWORD)
    nav_link(phone, "Tagihan BPJS").click()
    phone.get_by_label("Bulan iuran").select_option(label="Mei")
    phone.get_by_label("Tahun").fill(str(YEAR))
    phone.get_by_label("Berkas tagihan BPJS (.xlsx, .csv atau .ods)").set_input_files(str(bill))
    key_screen(phone, "bill-upload")
    phone.get_by_role("button", name="Unggah dan cocokkan").click()
    phone.get_by_role("link", name="Lihat hasil pencocokan").click()
    expect(phone.get_by_role("heading", name=f"Tagihan BPJS Mei {YEAR}")).to_be_visible()
    summary = phone.locator("#kind-summary")
    expect(summary.get_by_text("Ditagih setelah meninggal atau keluar")).to_be_visible()
    expect(summary.get_by_text("Peserta tidak ditagih")).to_be_visible()
    key_screen(phone, "bill-month")

    row = phone.locator("#differences tr", has_text="DEWI DIED")
    row.get_by_role("checkbox").check()
    phone.get_by_label("Keputusan").select_option(label="Disanggah ke BPJS")
    phone.get_by_label("Catatan").fill("Meninggal 10 Maret, akta kematian terlampir.")
    phone.get_by_role("button", name="Simpan keputusan").click()
    expect(phone.get_by_text("1 perbedaan dicatat sebagai: Disanggah ke BPJS.")).to_be_visible()
    expect(phone.locator('[data-total="disputed"]')).to_have_text("Rp 16.800")
    expect(phone.get_by_role("link", name="Berita acara (PDF)")).to_be_visible()
    assert phone.console_errors == []
