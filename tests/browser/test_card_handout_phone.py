"""An RT/RW head hands out printed cards on a 360 px phone and an agent reads their Kinerja."""

from datetime import datetime, timezone

from playwright.sync_api import expect

from portal import clock
from portal.certificates.services import print_document
from portal.extensions import db
from portal.models import CardHandover, EntryState, PrintDocument, Role
from tests.browser.conftest import key_screen, login, nav_link
from tests.conftest import PASSWORD
from tests.factories import make_entry, make_list, make_member, make_user


def test_an_rt_rw_head_hands_a_card_to_a_family_member_on_a_phone(live_server, live_app, phone):
    with live_app.app_context():
        make_user("rtrw1", Role.RT_RW)
        staff = make_user("petugas", Role.STAFF)
        ids = {}
        for name in ("Muh. Arfah Dg. Ngalle", "St. Rahmatia"):
            _person, membership = make_member(name)
            ids[name] = print_document(membership, PrintDocument.CARD, staff).id
        db.session.commit()

    login(phone, live_server, "rtrw1", PASSWORD)
    phone.get_by_role("link", name="2 Kartu siap dibagikan").click()
    expect(phone.get_by_role("heading", name="Kartu siap dibagikan", level=1)).to_be_visible()
    key_screen(phone, "handout-ready")

    phone.locator(f"#card-{ids['St. Rahmatia']}").get_by_role("link", name="Catat penyerahan").click()
    phone.get_by_text("Anggota keluarga", exact=True).click()
    phone.get_by_role("button", name="Simpan").click()
    expect(phone.get_by_role("alert")).to_contain_text("Tulis nama anggota keluarga")
    phone.get_by_label("Nama anggota keluarga yang menerima").fill("Baso (suami)")
    key_screen(phone, "handout-record")
    phone.get_by_role("button", name="Simpan").click()
    expect(phone.get_by_text("Penyerahan kartu dicatat.")).to_be_visible()
    expect(phone.locator(f"#card-{ids['St. Rahmatia']}")).to_have_count(0)

    phone.get_by_role("link", name="Sudah diserahkan (1)").click()
    expect(phone.locator(f"#card-{ids['St. Rahmatia']}")).to_contain_text("Baso (suami)")
    key_screen(phone, "handout-handed-over")
    with live_app.app_context():
        assert db.session.scalar(db.select(CardHandover.receiver_name)) == "Baso (suami)"


def test_an_agent_reads_their_kinerja_on_a_phone(live_server, live_app, phone):
    with live_app.app_context():
        agent = make_user("agen1", Role.AGENT)
        member_list = make_list(agent)
        when = datetime(clock.today().year, 3, 3, 4, tzinfo=timezone.utc)
        for state in (EntryState.APPROVED, EntryState.APPROVED, EntryState.REJECTED, EntryState.PENDING):
            make_entry(member_list, state=state, submitted_at=when, reason_code="duplicate" if state == EntryState.REJECTED else None)

    login(phone, live_server, "agen1", PASSWORD)
    phone.goto(f"{live_server.url}/kinerja/")
    expect(phone.get_by_role("heading", name="Kinerja saya")).to_be_visible()
    expect(phone.get_by_role("row", name=f"Maret {clock.today().year}")).to_contain_text("67 %")
    key_screen(phone, "kinerja-agent")


def test_staff_read_the_figures_per_rw_and_download_the_export(live_server, live_app, desktop):
    with live_app.app_context():
        agent = make_user("agen1", Role.AGENT)
        make_user("petugas", Role.STAFF)
        member_list = make_list(agent)
        when = datetime(clock.today().year, 3, 3, 4, tzinfo=timezone.utc)
        for state in (EntryState.APPROVED, EntryState.RETURNED, EntryState.PENDING):
            make_entry(member_list, state=state, submitted_at=when)

    login(desktop, live_server, "petugas", PASSWORD)
    nav_link(desktop, "Kinerja").click()
    expect(desktop.get_by_role("row", name="Lette RW 002")).to_contain_text("100 %")
    key_screen(desktop, "kinerja-staff")
    with desktop.expect_download() as download:
        desktop.get_by_role("link", name="Unduh XLSX").click()
    assert download.value.suggested_filename == f"kinerja-rw-{clock.today().year}.xlsx"
