"""Retention of what came from outside: `flask privacy purge` clears BPJS bills' lines and
files (RETENTION_ENDED_MONTHS) and institutional imports' files, rejected rows and example rows
(RETENTION_REJECTED_MONTHS), keeping every amount and count."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal import clock, storage
from portal.extensions import db
from portal.models import Bill, BillDifference, BillLine, ImportStatus, InstitutionalImport, Role
from portal.seed.reference import seed_reference
from tests.conftest import AuthActions
from tests.contributions.helpers import JKK_JKM, MONTH, YEAR, csv_bill, member, upload_and_reconcile
from tests.factories import make_user
from tests.institutional.helpers import import_id_of, upload, wait_for_worker
from tests.privacy.test_retention import _member

TODAY = clock.today()
# The cut-off falls in the month after MONTH: that month's bill is past retention, the next one's is not.
ENDED_MONTHS = (TODAY.year * 12 + TODAY.month) - (YEAR * 12 + MONTH + 1)


@pytest.fixture
def bills(app_factory):
    """Two reconciled bills, MONTH's (past retention) and the next month's, which also bills a
    person whose cover ended long before (to be anonymised)."""
    assert ENDED_MONTHS >= 1, "the contribution tests' YEAR and MONTH lie in the past"
    app = app_factory(RETENTION_ENDED_MONTHS=ENDED_MONTHS)
    with app.app_context():
        seed_reference()
        make_user("staff1", Role.STAFF)
        andi, _ = member("Andi Baso", "10000000001")
        gone, gone_membership = _member("Becce Lama", date(YEAR - 2, 12, 31))
        andi_nik, gone_nik, gone_kpj = andi.nik, gone.nik, gone_membership.kpj_number
    client = app.test_client()
    AuthActions(client).login("staff1")
    old_period, new_period = f"{YEAR}-{MONTH:02d}", f"{YEAR}-{MONTH + 1:02d}"
    upload_and_reconcile(app, client, csv_bill([("10000000001", andi_nik, "ANDI BASO", old_period, "JKK, JKM", JKK_JKM)]))
    upload_and_reconcile(app, client, csv_bill([
        ("10000000001", andi_nik, "ANDI BASO", new_period, "JKK, JKM", JKK_JKM),
        (gone_kpj, gone_nik, "BECCE LAMA", new_period, "JKK, JKM", JKK_JKM),
    ]), month=MONTH + 1)
    return app, client


def _bill(month: int) -> Bill:
    return db.session.scalar(db.select(Bill).filter_by(year=YEAR, month=month))


def _lines(month: int) -> list[tuple]:
    return [(line.kpj_number, line.nik, line.name, line.amount)
            for line in db.session.scalars(db.select(BillLine).filter_by(bill_id=_bill(month).id).order_by(BillLine.row_number))]


def test_purge_clears_the_lines_and_file_of_a_bill_past_retention_and_keeps_its_amounts(bills):
    app, client = bills
    runner = app.test_cli_runner()
    with app.app_context():
        old_key = _bill(MONTH).file_key
        totals = (_bill(MONTH).billed_total, _bill(MONTH).expected_total)
        differences = db.session.scalar(db.select(db.func.count()).select_from(BillDifference))

    dry = runner.invoke(args=["privacy", "purge"])
    assert "1 to lose their file and their lines' names, NIKs and KPJs" in dry.output, dry.output
    with app.app_context():
        assert storage.exists(old_key) and _lines(MONTH)[0][2] == "ANDI BASO"

    result = runner.invoke(args=["privacy", "purge", "--apply"])

    assert result.exit_code == 0, result.output
    with app.app_context():
        old = _bill(MONTH)
        assert old.file_key is None and not storage.exists(old_key)
        assert _lines(MONTH) == [(None, None, "", JKK_JKM)]
        assert (old.billed_total, old.expected_total) == totals
        assert db.session.scalar(db.select(db.func.count()).select_from(BillDifference)) == differences
        # The newer bill keeps its file and the current member's line; the long-gone person's line is cleared.
        new = _bill(MONTH + 1)
        assert new.file_key is not None and storage.exists(new.file_key)
        andi, gone = _lines(MONTH + 1)
        assert andi[2] == "ANDI BASO" and andi[1] is not None
        assert gone == (None, None, "", JKK_JKM)
        storage.delete(new.file_key)
        db.session.commit()
    assert client.get(f"/iuran/tagihan/{YEAR}/{MONTH}").status_code == 200
    # A second run finds nothing more to clear.
    assert "0 to lose their file" in runner.invoke(args=["privacy", "purge"]).output


def test_purge_forgets_an_institutional_imports_files_and_example_rows_past_retention(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    auth.login("staff1")
    old_id = import_id_of(upload(client))
    recent_id = import_id_of(upload(client, filename="kpu-baru.xlsx"))
    wait_for_worker(app)
    months = app.config["RETENTION_REJECTED_MONTHS"]
    with app.app_context():
        old = db.session.get(InstitutionalImport, old_id)
        old.created_at -= timedelta(days=31 * months + 1)
        db.session.commit()
        keys = (old.file_key, old.rejected_key)
        assert old.status == ImportStatus.READY and all(keys) and all(storage.exists(key) for key in keys)

    result = app.test_cli_runner().invoke(args=["privacy", "purge", "--apply"])

    assert result.exit_code == 0, result.output
    assert "1 to lose their file, rejected rows and example rows" in result.output
    with app.app_context():
        old = db.session.get(InstitutionalImport, old_id)
        assert old.file_key is None and old.rejected_key is None and not any(storage.exists(key) for key in keys)
        assert all(code["examples"] == [] and code["count"] > 0 for code in old.summary["codes"])
        assert (old.rows_read, old.accepted, old.rejected) == (7, 3, 3)
        assert old.status == ImportStatus.CANCELLED  # nothing is left to confirm
        recent = db.session.get(InstitutionalImport, recent_id)
        assert recent.status == ImportStatus.READY and storage.exists(recent.rejected_key) and storage.exists(recent.file_key)
        assert any(code["examples"] for code in recent.summary["codes"])
    page = client.get(f"/impor-instansi/{old_id}").get_data(as_text=True)
    assert "Becce Lagi" not in page and "ditolak-impor" not in page
