"""Demo data of institutional imports: one finished KPU list, with rejected rows and two rows
waiting for an area, made by the same services the staff pages use."""

from __future__ import annotations

import io
from datetime import date, timedelta

from openpyxl import Workbook

from portal import clock
from portal.extensions import db
from portal.institutional import services
from portal.models import ImportStatus, InstitutionalImport, Sex, User
from portal.models.base import utcnow
from portal.nik import make_nik

LETTE, MARISO = "7371011004", "7371011001"
NAMES = (
    "Muh. Arfah Dg. Tiro", "St. Nurhalisa", "Andi Baso Amir", "Hasnah Latif", "Irwan Saputra", "Ratna Sallatu",
    "Abd. Rahman Bakri", "Nur Aisyah Rauf", "Hamzah Pattiware", "Fitriani Tahir",
)


def _demo_file(today: date) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("KPPS")
    sheet.append(["DAFTAR ANGGOTA KPPS - DEMO"])
    sheet.append(["NIK", "Nama", "Tanggal Lahir", "L/P", "Kelurahan", "RW", "RT", "Jabatan", "No HP"])
    for i, name in enumerate(NAMES):
        born = date(1975 + i, 1 + i, 10 + i)
        sex = Sex.FEMALE if name.startswith(("St.", "Hasnah", "Ratna", "Nur", "Fitriani")) else Sex.MALE
        nik = make_nik("737101", born, sex, 9101 + i)
        kelurahan, rw = (LETTE, 2) if i < 4 else (MARISO, 1) if i < 7 else ("", "")
        sheet.append([nik, name, born.strftime("%d/%m/%Y"), sex.value, kelurahan, rw, 1 + i % 3 if rw else "", "KPPS", f"08124{i:07d}"])
    sheet.append(["7.37101E+15", "Baris Demo Bernotasi Ilmiah", "01/01/1980", "L", LETTE, 2, 1, "KPPS", ""])
    sheet.append([make_nik("737101", date(1980, 5, 5), Sex.MALE, 9201), "Alamat Tidak Dikenal", "05/05/1980", "L", "Atlantis", 2, 1, "KPPS", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def seed_institutional_demo(today: date | None = None) -> None:
    """Import the demo KPU list once, as staff1 would through the browser (no worker needed)."""
    today = today or clock.today()
    if db.session.scalar(db.select(InstitutionalImport.id).limit(1)) is not None:
        return
    staff = db.session.scalar(db.select(User).filter_by(username="staff1"))
    if staff is None:
        return
    record = services.create_import(_demo_file(today), "kpps-demo.xlsx", "penyelenggara_pemilu", "KPU Kota Makassar (demo)", staff)
    record.status, record.started_at = ImportStatus.PREVIEWING, utcnow() - timedelta(minutes=5)
    services.store_rejected_rows(record, services.preview_import(record))
    record.status = ImportStatus.QUEUED
    services.run_import(record, staff, lambda phase, done, total: None)
    record.status, record.finished_at = ImportStatus.DONE, utcnow()
    services.discard_file(record)
    db.session.flush()
