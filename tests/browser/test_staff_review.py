"""Journey: staff filter the review queue, approve in bulk, reject with a reason and return a row."""

from playwright.sync_api import expect

from portal.models import Role
from portal.models.base import utcnow
from tests.browser.conftest import key_screen, login, nav_link
from tests.conftest import PASSWORD
from tests.factories import PABAENG, make_entry, make_list, make_user


def test_staff_filter_the_queue_approve_in_bulk_reject_and_return(live_server, live_app, desktop):
    with live_app.app_context():
        lette = make_list(make_user("rtrw1", Role.RT_RW))
        pabaeng = make_list(make_user("rtrw2", Role.RT_RW, kelurahan_code=PABAENG, rw=5))
        names = ["Andi Wijaya", "Rina Marlina", "Hasan Basri", "Dewi Lestari"]
        for name in names:
            make_entry(lette, full_name=name, submitted_at=utcnow())
        make_entry(pabaeng, full_name="Yusuf Tamalate", submitted_at=utcnow())
        make_user("staff1", Role.STAFF)
    login(desktop, live_server, "staff1", PASSWORD)
    nav_link(desktop, "Verifikasi").click()
    expect(desktop.get_by_role("heading", name="Menunggu verifikasi: 5")).to_be_visible()
    key_screen(desktop, "review-queue")

    desktop.get_by_label("Kecamatan").select_option(label="Mariso")
    desktop.get_by_role("button", name="Terapkan filter").click()
    expect(desktop.get_by_role("heading", name="Menunggu verifikasi: 4")).to_be_visible()
    expect(desktop.get_by_text("Yusuf Tamalate")).to_have_count(0)
    key_screen(desktop, "review-queue-filtered")

    rows = desktop.locator("#queue-results tbody tr")
    for name in names[:2]:
        rows.filter(has_text=name).get_by_role("checkbox").check()
    desktop.get_by_role("button", name="Setujui yang dicentang").click()
    # First how many people and what they add to the year's premiums, then the approval.
    expect(desktop.get_by_role("heading", name="2 orang akan menjadi peserta")).to_be_visible()
    expect(desktop.get_by_text("Pagu anggaran", exact=True)).to_be_visible()
    desktop.get_by_role("button", name="Ya, setujui 2 usulan").click()
    expect(desktop.get_by_text("2 usulan disetujui.")).to_be_visible()
    expect(desktop.get_by_role("heading", name="Menunggu verifikasi: 2")).to_be_visible()

    # Reject one with a reason: only its row is re-rendered.
    rejected = rows.filter(has_text="Hasan Basri")
    rejected.get_by_text("Tolak", exact=True).click()
    rejected.get_by_label("Alasan penolakan").select_option(index=1)
    rejected.get_by_label("Keterangan").fill("Sudah terdaftar oleh pemberi kerja.")
    rejected.get_by_role("button", name="Tolak usulan").click()
    expect(rejected.get_by_text("Usulan ditolak.")).to_be_visible()

    returned = rows.filter(has_text="Dewi Lestari")
    returned.get_by_text("Kembalikan", exact=True).click()
    returned.get_by_label("Yang harus diperbaiki").fill("Tanggal lahir tidak sesuai KTP.")
    returned.get_by_role("button", name="Kembalikan ke pengusul").click()
    expect(returned.get_by_text("Usulan dikembalikan untuk perbaikan.")).to_be_visible()
    expect(returned.get_by_text("Tanggal lahir tidak sesuai KTP.")).to_be_visible()
    key_screen(desktop, "review-decided")
    assert desktop.console_errors == []
