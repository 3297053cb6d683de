"""Staff resolve a bill's differences; a corrected bill becomes the month's next version."""

from __future__ import annotations

from datetime import date

from portal.audit.chain import verify_chain
from portal.contributions.bills import bill_totals, current_bill
from portal.extensions import db
from portal.models import AuditEvent, Bill, BillDifference, Resolution
from tests.conftest import csrf_token
from tests.contributions.helpers import JKK_JKM, MONTH, YEAR, csv_bill, died, differences, member, staff, upload_and_reconcile

PERIOD = f"{YEAR}-{MONTH:02d}"
MONTH_PAGE = f"/iuran/tagihan/{YEAR}/{MONTH}"
RESOLVE = f"/iuran/tagihan/{YEAR}/{MONTH}/selesaikan"


def _registry(app) -> dict:
    """Three members: one billed right, one billed too much, one dead before the month."""
    with app.app_context():
        right, _m = member("Andi Right", "10000000001")
        wrong, _m = member("Budi Amount", "10000000002")
        dead, dead_m = member("Dewi Died", "10000000004")
        died(dead_m, date(YEAR, 3, 10))
        return {"right": right.nik, "wrong": wrong.nik, "dead": dead.nik, "dead_person": dead.id}


def _bill(people: dict, wrong_amount: int = 36_800) -> bytes:
    return csv_bill([
        ("10000000001", people["right"], "ANDI", PERIOD, "JKK, JKM", JKK_JKM),
        ("10000000002", people["wrong"], "BUDI", PERIOD, "JKK, JKM", wrong_amount),
        ("10000000004", people["dead"], "DEWI", PERIOD, "JKK, JKM", JKK_JKM),
    ])


def _resolve(client, ids: list[int], resolution: str, note: str = "", confirmed: str | None = None):
    data = {"csrf_token": csrf_token(client, MONTH_PAGE), "ids": [str(i) for i in ids], "resolution": resolution, "note": note}
    if confirmed:
        data["confirmed"] = confirmed
    return client.post(RESOLVE, data=data)


def test_a_dispute_needs_a_note_and_is_audited_and_leaves_the_agreed_total(app, client, auth):
    staff(app)
    people = _registry(app)
    auth.login("staff1")
    upload_and_reconcile(app, client, _bill(people))
    with app.app_context():
        after_end = differences()["after_end"][0].id
    response = _resolve(client, [after_end], "disputed")
    assert response.status_code == 302
    assert "Tulis catatan sanggahan" in client.get(response.location).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(BillDifference, after_end).resolution == Resolution.OPEN
    _resolve(client, [after_end], "disputed", "Meninggal 10 Maret 2026, akta kematian terlampir.")
    with app.app_context():
        difference = db.session.get(BillDifference, after_end)
        assert (difference.resolution, difference.note) == (Resolution.DISPUTED, "Meninggal 10 Maret 2026, akta kematian terlampir.")
        event = db.session.scalar(db.select(AuditEvent).filter_by(action="bill.resolve"))
        assert (event.target_id, event.person_id, event.details["resolution"]) == (str(after_end), people["dead_person"], "disputed")
        totals = bill_totals(current_bill(YEAR, MONTH))
        # Billed 16,800 + 36,800 + 16,800; the dead member's line is disputed, the amount still open.
        assert (totals.billed, totals.disputed, totals.open_amount) == (70_400, JKK_JKM, 20_000)
        assert totals.agreed == 70_400 - JKK_JKM - 20_000
    page = client.get(MONTH_PAGE).get_data(as_text=True)
    assert 'data-total="agreed">Rp 33.600<' in page
    assert "Disanggah ke BPJS" in page


def test_resolving_several_differences_asks_to_confirm_their_count_first(app, client, auth):
    staff(app)
    people = _registry(app)
    auth.login("staff1")
    upload_and_reconcile(app, client, _bill(people))
    with app.app_context():
        ids = [d.id for kind in differences().values() for d in kind]
    assert len(ids) == 2
    asked = _resolve(client, ids, "accepted", "Sesuai kesepakatan rapat.")
    assert asked.status_code == 200
    assert "Putuskan 2 perbedaan sekaligus?" in asked.get_data(as_text=True)
    with app.app_context():
        assert {d.resolution for d in db.session.scalars(db.select(BillDifference))} == {Resolution.OPEN}
    done = _resolve(client, ids, "accepted", "Sesuai kesepakatan rapat.", confirmed="2")
    assert done.status_code == 302
    with app.app_context():
        assert {d.resolution for d in db.session.scalars(db.select(BillDifference))} == {Resolution.ACCEPTED}
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent).filter_by(action="bill.resolve")) == 2
        report = verify_chain()
        assert report.intact and report.unsealed == 0, report.problems


def test_corrected_in_the_registry_links_to_the_persons_page(app, client, auth):
    staff(app)
    people = _registry(app)
    auth.login("staff1")
    upload_and_reconcile(app, client, _bill(people))
    with app.app_context():
        after_end = differences()["after_end"][0].id
    _resolve(client, [after_end], "corrected", "Tanggal meninggal diperbaiki.")
    page = client.get(MONTH_PAGE + "?status=corrected").get_data(as_text=True)
    assert f'href="/anggota/{people["dead_person"]}"' in page
    assert "Data di registri" in page


def test_a_corrected_bill_becomes_version_two_and_carries_identical_resolutions(app, client, auth):
    staff(app)
    people = _registry(app)
    auth.login("staff1")
    upload_and_reconcile(app, client, _bill(people))
    with app.app_context():
        found = differences()
        old_ids = [found["after_end"][0].id, found["amount"][0].id]
    _resolve(client, old_ids[:1], "disputed", "Sudah meninggal.")
    _resolve(client, old_ids[1:], "accepted", "Iuran JHT diminta sendiri.")
    # BPJS's corrected bill: the amount is fixed, the dead member still billed.
    upload_and_reconcile(app, client, _bill(people, wrong_amount=JKK_JKM))
    with app.app_context():
        bills = db.session.scalars(db.select(Bill).order_by(Bill.version)).all()
        assert [b.version for b in bills] == [1, 2]
        assert current_bill(YEAR, MONTH).id == bills[1].id
        found = differences(bills[1].id)
        assert sorted(found) == ["after_end"]
        carried = found["after_end"][0]
        assert (carried.resolution, carried.note, carried.carried) == (Resolution.DISPUTED, "Sudah meninggal.", True)
        # The first version keeps its own decisions.
        assert {d.resolution for d in db.session.scalars(db.select(BillDifference).filter_by(bill_id=bills[0].id))} == {
            Resolution.DISPUTED, Resolution.ACCEPTED}
    page = client.get(MONTH_PAGE).get_data(as_text=True)
    assert "Versi 2" in page and "(terbaru)" in page and "dari versi sebelumnya" in page
    assert f'href="{MONTH_PAGE}?versi=1"' in page
    old = client.get(MONTH_PAGE + "?versi=1").get_data(as_text=True)
    assert "versi lama, hanya dibaca" in old and 'name="ids"' not in old
    # A difference of the older version cannot be resolved any more.
    response = _resolve(client, old_ids[1:], "corrected", "Salah versi.")
    assert "Pilih perbedaan dari tagihan ini" in client.get(response.location).get_data(as_text=True)
