"""Demo of the intake rules: rtrw1's list read from a messy file (a birth date written as a year,
one that does not exist, a category that matches none, signature lines under the table) and, on it, a returned row to send again
from 'Perlu tindakan' and a deleted row that can still be undone ('Urungkan')."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook

from portal.extensions import db
from portal.lists import services
from portal.models import EntryState, Sex, User
from portal.nik import make_nik


def _messy_file() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["DAFTAR USULAN PESERTA RW 002 KELURAHAN LETTE"])
    sheet.append(["NIK", "Nama Lengkap", "Tanggal Lahir", "Jenis Kelamin", "RT", "Kategori"])
    sheet.append([make_nik("737101", date(1965, 8, 17), Sex.FEMALE, 9101), "Hasnah Daeng Kebo", 1965, "P", 1, "Kader Posyandu dan KB"])
    sheet.cell(row=sheet.max_row, column=3).number_format = "yyyy"  # shows 1965, holds day 1965 of 1900
    sheet.append([make_nik("737101", date(1978, 3, 2), Sex.MALE, 9102), "Muh. Arfah", "1975", "L", 2, "Pedagang"])
    sheet.append([make_nik("737101", date(1988, 11, 5), Sex.MALE, 9103), "Syamsul Bahri", date(1988, 11, 5), "L", 1, "Ojek"])
    # A date that does not exist, typed as text: the edit form shows it, marked (list_entry.raw_values).
    sheet.append([make_nik("737101", date(1992, 2, 1), Sex.FEMALE, 9104), "Rosmiati", "31/02/1992", "P", 2, "Kader Posyandu dan KB"])
    # A category no drop-down offers: the row's card and the edit form show the file's text.
    sheet.append([make_nik("737101", date(1990, 4, 21), Sex.FEMALE, 9106), "Nurhayati", date(1990, 4, 21), "P", 1, "Penjual Kue Keliling"])
    # Deleted by the head after the upload: it waits under "Baris yang dihapus" to be undone.
    sheet.append([make_nik("737101", date(1983, 6, 9), Sex.MALE, 9105), "Baharuddin", date(1983, 6, 9), "L", 1, "Ojek"])
    sheet.append([])
    sheet.append([None, "Mengetahui,", None, None, "Makassar, 12 Januari 2026"])
    sheet.append([None, "Lurah Lette", None, None, "Ketua RW 002"])
    sheet.append([None, "(Drs. H. Abd. Rahman)", None, None, "(Daeng Baso)"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def seed_intake_demo(users: dict[str, User]) -> None:
    """rtrw1's list 'Usulan dari berkas RT 001': uploaded through the real upload path, one row returned by staff."""
    head, staff = users["rtrw1"], next(u for u in users.values() if u.is_office)
    member_list = services.create_list(head, "Usulan dari berkas RT 001")
    services.import_upload(member_list, _messy_file(), "usulan rt 001.xlsx", head)
    db.session.flush()
    returned = next(e for e in member_list.entries if e.full_name == "Syamsul Bahri")
    returned.state = EntryState.RETURNED
    returned.decided_by = staff
    returned.reason_code = "returned"
    returned.reason_text = "Nomor HP belum diisi; lengkapi bila ada, lalu kirim ulang."
    db.session.flush()
    services.delete_entry(next(e for e in member_list.entries if e.full_name == "Baharuddin"), head)
