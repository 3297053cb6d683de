"""An RT/RW head answers "masih layak?" for their members on a 360 px phone, then sees who expires."""

from datetime import timedelta

from playwright.sync_api import expect

from portal import clock
from portal.extensions import db
from portal.models import Membership, MembershipStatus, Reverification, Role
from tests.browser.conftest import key_screen, login
from tests.conftest import PASSWORD
from tests.factories import make_member, make_user

YEAR = clock.today().year


def test_an_rt_rw_head_confirms_reports_a_move_and_confirms_the_rest_on_a_phone(live_server, live_app, phone):
    with live_app.app_context():
        make_user("rtrw1", Role.RT_RW)
        ids = {}
        for name in ("Daeng Ngalle", "Sitti Rahma", "Abd. Kadir", "Hj. Nurlina"):
            _person, membership = make_member(name, year=YEAR)
            ids[name] = membership.id
        db.session.get(Membership, ids["Hj. Nurlina"]).ends_on = clock.today() + timedelta(days=14)
        db.session.commit()

    login(phone, live_server, "rtrw1", PASSWORD)
    phone.goto(f"{live_server.url}/masih-layak")
    expect(phone.get_by_role("heading", name=f"Masih layak? Anggota {YEAR}")).to_be_visible()
    key_screen(phone, "reverification-list")

    # One tap: still eligible; only that card changes (htmx).
    card = phone.locator(f"#member-{ids['Abd. Kadir']}")
    card.get_by_role("button", name="Masih layak").click()
    expect(card).to_contain_text("Jawaban disimpan.")
    expect(card.get_by_role("button", name="Masih layak")).to_have_count(1)  # it stays answerable

    # A move needs its date; without it the card says so and nothing changes.
    card = phone.locator(f"#member-{ids['Daeng Ngalle']}")
    card.get_by_text("Tidak lagi layak / lainnya").click()
    card.get_by_label("Pindah domisili").check()
    card.get_by_role("button", name="Simpan jawaban").click()
    expect(card.get_by_role("alert")).to_contain_text("Isi tanggalnya")
    card.get_by_label("Pindah domisili").check()
    card.get_by_label("Tanggal (meninggal atau pindah)").fill((clock.today() - timedelta(days=2)).isoformat())
    card.get_by_role("button", name="Simpan jawaban").click()
    expect(card).to_contain_text("Kepesertaan diakhiri")
    expect(card.get_by_role("button", name="Simpan jawaban")).to_have_count(0)

    # The rest at once, after a page that says how many.
    phone.goto(f"{live_server.url}/masih-layak")
    # Hj. Nurlina's cover ends before the year does: she is not on the list (not carried over).
    expect(phone.locator(".member-card", has_text="Hj. Nurlina")).to_have_count(0)
    phone.get_by_role("link", name="Semua masih layak (1)").click()
    key_screen(phone, "reverification-confirm-all")
    phone.get_by_role("button", name="Ya, konfirmasi 1 anggota").click()
    expect(phone.get_by_text("1 anggota dikonfirmasi masih layak.")).to_be_visible()
    expect(phone.get_by_text("Tidak ada anggota yang menunggu jawaban.")).to_be_visible()

    with live_app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Reverification)) == 3
        assert db.session.get(Membership, ids["Daeng Ngalle"]).status == MembershipStatus.ENDED

    phone.goto(f"{live_server.url}/akan-berakhir")
    expect(phone.locator(".member-card", has_text="Hj. Nurlina")).to_contain_text("usulkan lagi")
    key_screen(phone, "expiring-members")
    assert phone.console_errors == []
