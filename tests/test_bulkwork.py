"""portal/bulkwork.py: the garbage collector is paused while a bulk import checks rows, and always switched back on."""

from __future__ import annotations

import gc
from datetime import date

from portal.models import Role
from portal.validation import RowValidator
from tests.factories import make_user, new_nik
from tests.lists.spreadsheets import xlsx_bytes


def test_the_collector_is_paused_while_rows_are_checked_and_back_on_whether_the_file_worked_or_not(app, runner, tmp_path, monkeypatch):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    collecting = []
    check_row = RowValidator.check_row
    monkeypatch.setattr(RowValidator, "check_row", lambda self, *args: collecting.append(gc.isenabled()) or check_row(self, *args))
    good = tmp_path / "usulan.xlsx"
    good.write_bytes(xlsx_bytes([[new_nik(date(1980, 1, 1)), "Andi", date(1980, 1, 1), "L", "Lette", 2, 1, "KPPS"]],
                                header=["NIK", "Nama", "Tgl Lahir", "L/P", "Kelurahan", "RW", "RT", "Kategori"]))
    broken = tmp_path / "rusak.xlsx"
    broken.write_bytes(b"PK\x03\x04 terpotong")

    assert runner.invoke(args=["lists", "import", str(good), "--by", "staff1", "--dry-run"]).exit_code == 0
    assert collecting == [False] and gc.isenabled()
    assert runner.invoke(args=["lists", "import", str(broken), "--by", "staff1"]).exit_code == 2
    assert gc.isenabled()
