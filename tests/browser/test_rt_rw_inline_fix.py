"""RT/RW head fixes a flagged row inline; the list's summary and submit button follow."""

from datetime import date

from playwright.sync_api import expect

from portal.extensions import db
from portal.lists import services
from portal.models import Role
from tests.browser.conftest import assert_accessible, login, screenshot
from tests.conftest import PASSWORD
from tests.factories import make_user, new_nik


def test_fixing_a_row_inline_updates_the_summary_and_the_submit_button(live_server, live_app, desktop):
    with live_app.app_context():
        head = make_user("rtrw1", Role.RT_RW)
        member_list = services.create_list(head, "Usulan RW 002")
        born = date(1985, 2, 13)
        raw = {"nik": new_nik(born), "full_name": "", "birth_date": "13/02/1985", "sex": "L", "rt": "1",
               "street": "Jl. Lette", "phone": "", "category": "kader", "occupation": "", "monthly_income": ""}
        entry = services.add_entry(member_list, raw, head)
        db.session.commit()
        list_id, entry_id = member_list.id, entry.id
        assert entry.errors  # the name is missing

    login(desktop, live_server, "rtrw1", PASSWORD)
    desktop.goto(f"{live_server.url}/daftar/{list_id}")
    summary = desktop.locator("#list-summary")
    expect(summary.get_by_text("Perlu diperbaiki")).to_be_visible()
    expect(desktop.get_by_role("button", name="Kirim 0 orang")).to_be_disabled()

    row = desktop.locator(f"#entry-{entry_id}")
    row.get_by_role("link", name="Perbaiki").click()
    desktop.locator(f"#entry-{entry_id}").get_by_label("Nama lengkap").fill("Daeng Rani")
    desktop.locator(f"#entry-{entry_id}").get_by_role("button", name="Simpan dan periksa").click()

    expect(desktop.locator(f"#entry-{entry_id}")).to_contain_text("Daeng Rani")
    expect(desktop.get_by_role("button", name="Kirim 1 orang")).to_be_enabled()
    expect(summary.locator("div", has_text="Perlu diperbaiki").locator("dd")).to_have_text("0")
    assert_accessible(desktop)
    screenshot(desktop, "list-inline-fix")
    assert desktop.console_errors == []
