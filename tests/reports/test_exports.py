"""Exports of the report tables: spreadsheets that never run injected formulas, audited."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

from openpyxl import load_workbook

from portal.extensions import db
from portal.models import AuditEvent, Role
from tests.factories import make_entry, make_list, make_member, make_user

INJECTED = '=HYPERLINK("http://evil.example","klik")'


def test_every_table_exports_as_xlsx_and_csv_with_injected_formulas_as_text(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        head = make_user("rtrw1", Role.RT_RW)
        make_member()
        member_list = make_list(head, title=INJECTED)
        make_entry(member_list, submitted_at=datetime.now(timezone.utc) - timedelta(days=3))
    auth.login("staff1")
    for table in ("kategori", "kecamatan", "alur", "sertifikat", "antrean", "anggaran"):
        response = client.get(f"/laporan/ekspor/{table}.xlsx")
        assert response.status_code == 200
        assert "attachment" in response.headers["Content-Disposition"]
        sheet = load_workbook(io.BytesIO(response.data)).active
        assert sheet.max_row >= 1
        csv_response = client.get(f"/laporan/ekspor/{table}.csv")
        assert csv_response.mimetype == "text/csv"

    sheet = load_workbook(io.BytesIO(client.get("/laporan/ekspor/antrean.xlsx").data)).active
    title = sheet["A2"]
    assert title.value == INJECTED and title.data_type == "s"
    text = client.get("/laporan/ekspor/antrean.csv").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[1][0] == "'" + INJECTED


def test_exports_are_recorded_in_the_audit_trail_with_their_filters(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    auth.login("staff1")
    client.get("/laporan/ekspor/kecamatan.xlsx?kecamatan=737101&category=kader")
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).filter_by(action="report.export"))
        assert event.actor_name == "staff1"
        assert event.target_id == "kecamatan"
        assert event.details["format"] == "xlsx"
        assert event.details["kecamatan"] == "737101" and event.details["category"] == "kader"
