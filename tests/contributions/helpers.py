"""Helpers of the contribution tests: signing in, reading a CSV download back, members with KPJs,
crafted bills and uploads through the page."""

from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import Workbook

from portal.extensions import db
from portal.memberships.services import end_membership
from portal.models import Bill, BillDifference, DifferenceKind, EndReason, Role
from tests.conftest import csrf_token
from tests.factories import make_member, make_user

YEAR = 2026
MONTH = 5
UPLOAD_PAGE = "/iuran/tagihan/"
JKK_JKM = 16_800


def staff_signed_in(app, auth, username: str = "staff1", role: Role = Role.STAFF) -> None:
    with app.app_context():
        make_user(username, role)
    auth.login(username)


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"), newline="")))


def staff(app, username: str = "staff1") -> int:
    with app.app_context():
        return make_user(username, Role.STAFF).id


def member(name: str, kpj: str | None, **fields):
    """A member of YEAR's settings (JKK+JKM at the income floor: Rp 16,800 a month) with a KPJ."""
    person, membership = make_member(name, year=YEAR, **fields)
    membership.kpj_number = kpj
    db.session.commit()
    return person, membership


def died(membership, day: date) -> None:
    end_membership(membership, EndReason.DECEASED, day, "Dilaporkan ahli waris.")
    db.session.commit()


def csv_bill(rows: list[tuple], header: tuple = ("No. KPJ", "NIK", "Nama Peserta", "Periode", "Program", "Iuran (Rp)")) -> bytes:
    lines = [";".join(header)] + [";".join("" if cell is None else str(cell) for cell in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def xlsx_bill(rows: list[tuple], header: tuple) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["TAGIHAN IURAN BPU PEMERINTAH KOTA MAKASSAR"])
    sheet.append([])
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, data: bytes, *, filename: str = "tagihan.csv", year: int = YEAR, month: int = MONTH):
    token = csrf_token(client, UPLOAD_PAGE)
    return client.post(
        "/iuran/tagihan/unggah",
        data={"csrf_token": token, "year": str(year), "month": str(month), "bill": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def wait_for_worker(app) -> None:
    app.extensions["renewal_worker"].submit(lambda: None).result(timeout=60)


def upload_and_reconcile(app, client, data: bytes, **kwargs):
    """Upload a bill and let the background worker reconcile it; returns the progress page's response."""
    response = upload(client, data, **kwargs)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert "/iuran/tagihan/proses/" in response.location
    wait_for_worker(app)
    return client.get(response.location)


def differences(bill_id: int | None = None) -> dict[str, list[BillDifference]]:
    """The (given or newest) bill's differences by kind."""
    if bill_id is None:
        bill_id = db.session.scalar(db.select(Bill.id).order_by(Bill.id.desc()).limit(1))
    found: dict[str, list[BillDifference]] = {}
    for difference in db.session.scalars(db.select(BillDifference).filter_by(bill_id=bill_id).order_by(BillDifference.id)):
        found.setdefault(difference.kind.value, []).append(difference)
    return found


KINDS = tuple(kind.value for kind in DifferenceKind)
