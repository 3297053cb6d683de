"""Journey: a staff member's session runs out while the review queue is open; the next row
action sends the whole page to the sign-in page and, once signed in, back to the queue."""

from playwright.sync_api import expect

from portal.models import Role
from portal.models.base import utcnow
from tests.browser.conftest import login
from tests.conftest import PASSWORD, current_totp
from tests.factories import make_entry, make_list, make_user


def test_a_row_action_after_the_session_ran_out_signs_in_again_and_returns_to_the_queue(live_server, live_app, desktop):
    with live_app.app_context():
        member_list = make_list(make_user("rtrw1", Role.RT_RW))
        make_entry(member_list, full_name="Andi Wijaya", submitted_at=utcnow())
        make_user("staff1", Role.STAFF)
    login(desktop, live_server, "staff1", PASSWORD)
    queue = f"{live_server.url}/verifikasi/?kecamatan=737101"
    desktop.goto(queue)
    row = desktop.locator("#queue-results tbody tr").filter(has_text="Andi Wijaya")
    expect(row).to_be_visible()

    # Every session is now past the idle timeout (without waiting for one to pass).
    live_app.config["IDLE_TIMEOUT_MINUTES"] = -1
    row.get_by_role("button", name="Setujui").click()

    desktop.wait_for_url(f"{live_server.url}/masuk?next=*")
    expect(desktop.get_by_text("Sesi Anda berakhir karena tidak ada aktivitas. Silakan masuk lagi.")).to_be_visible()
    expect(desktop.locator("tr")).to_have_count(0)  # the sign-in page, not a row holding it
    live_app.config["IDLE_TIMEOUT_MINUTES"] = 30
    desktop.get_by_label("Nama pengguna").fill("staff1")
    desktop.get_by_label("Kata sandi").fill(PASSWORD)
    desktop.get_by_role("button", name="Masuk").click()
    desktop.wait_for_url("**/masuk/kode")
    desktop.get_by_label("Kode verifikasi").fill(current_totp(live_app, "staff1"))
    desktop.get_by_role("button", name="Verifikasi").click()

    desktop.wait_for_url(queue)
    expect(desktop.locator("#queue-results tbody tr").filter(has_text="Andi Wijaya")).to_be_visible()
    assert desktop.console_errors == []
