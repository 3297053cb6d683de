"""The downloadable XLSX template: NIK column formatted as text, drop-downs, instructions."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from portal.extensions import db
from portal.models import Category

HEADERS = (
    ("NIK", 22),
    ("Nama Lengkap", 30),
    ("Tanggal Lahir", 14),
    ("Jenis Kelamin (L/P)", 12),
    ("RT", 6),
    ("RW", 6),
    ("Alamat", 30),
    ("No HP", 16),
    ("Kategori", 40),
    ("Pekerjaan", 20),
    ("Penghasilan per Bulan", 16),
    ("No. KK", 22),
    ("Setuju Dihubungi", 12),
)
# Rows prepared with the formats and drop-downs (a web upload takes at most 5,000).
PREPARED_ROWS = 1000

INSTRUCTIONS = (
    "PETUNJUK PENGISIAN DAFTAR USULAN PESERTA MAKASSAR BERJASA",
    "",
    "1. Isi satu orang per baris pada lembar 'Daftar', mulai baris ke-2. Jangan mengubah baris judul kolom.",
    "2. NIK: 16 angka persis seperti di KTP. Kolom NIK sudah berformat Teks; jangan diubah menjadi Angka.",
    "   Jika NIK tampil seperti 7,37101E+15 atau angka terakhirnya berubah menjadi 0, Excel telah membulatkannya:",
    "   ubah format kolom menjadi Teks (Format Cells > Text) lalu ketik ulang NIK dari KTP.",
    "3. Nama Lengkap: sesuai KTP.",
    "4. Tanggal Lahir: tanggal/bulan/tahun, misalnya 13/02/1985.",
    "5. Jenis Kelamin: L untuk laki-laki, P untuk perempuan.",
    "6. RT dan RW: nomor tempat tinggal, misalnya 2 atau 002. Hanya warga RW Anda yang dapat diusulkan.",
    "7. No HP: misalnya 081234567890 (boleh dikosongkan).",
    "8. Kategori: pilih dari daftar pilihan pada sel.",
    "9. Penghasilan per Bulan: angka rupiah tanpa titik, misalnya 1500000 (boleh dikosongkan).",
    "10. No. KK: 16 angka Nomor Kartu Keluarga (boleh dikosongkan). Kolom ini juga berformat Teks.",
    "11. Setuju Dihubungi: Ya bila orang itu setuju menerima kabar kepesertaan lewat WhatsApp/SMS di No HP-nya",
    "    (tanpa NIK; balas STOP untuk berhenti), Tidak atau kosong bila tidak. Ya hanya bila No HP diisi.",
    "",
    "Simpan sebagai XLSX (atau ODS/CSV), lalu unggah di portal. Baris yang bermasalah dapat diperbaiki langsung di portal.",
    "Data pribadi dilindungi UU No. 27 Tahun 2022 tentang Pelindungan Data Pribadi: jangan sebarkan berkas ini.",
)


def template_bytes() -> bytes:
    """The template workbook, with the category names of the database."""
    categories = [c.name_id for c in db.session.scalars(db.select(Category).order_by(Category.sort_order))]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Daftar"
    header_font, header_fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="0B5D4B")
    for column, (title, width) in enumerate(HEADERS, start=1):
        cell = sheet.cell(row=1, column=column, value=title)
        cell.font, cell.fill = header_font, header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[cell.column_letter].width = width
    sheet.freeze_panes = "A2"
    # Text format on the column and on each prepared cell: Excel keeps all 16 digits.
    sheet.column_dimensions["A"].number_format = "@"
    sheet.column_dimensions["L"].number_format = "@"
    for row in range(2, PREPARED_ROWS + 2):
        sheet.cell(row=row, column=1).number_format = "@"
        sheet.cell(row=row, column=3).number_format = "DD/MM/YYYY"
        sheet.cell(row=row, column=8).number_format = "@"
        sheet.cell(row=row, column=12).number_format = "@"

    lists = workbook.create_sheet("Pilihan")
    for row, name in enumerate(categories, start=1):
        lists.cell(row=row, column=1, value=name)
    lists.sheet_state = "hidden"
    last = PREPARED_ROWS + 1
    category_choice = DataValidation(type="list", formula1=f"=Pilihan!$A$1:$A${len(categories)}", allow_blank=True)
    category_choice.error, category_choice.errorTitle = "Pilih kategori dari daftar.", "Kategori"
    sex_choice = DataValidation(type="list", formula1='"L,P"', allow_blank=True)
    sex_choice.error, sex_choice.errorTitle = "Isi L atau P.", "Jenis kelamin"
    consent_choice = DataValidation(type="list", formula1='"Ya,Tidak"', allow_blank=True)
    consent_choice.error, consent_choice.errorTitle = "Isi Ya atau Tidak.", "Setuju Dihubungi"
    sheet.add_data_validation(category_choice)
    sheet.add_data_validation(sex_choice)
    sheet.add_data_validation(consent_choice)
    category_choice.add(f"I2:I{last}")
    sex_choice.add(f"D2:D{last}")
    consent_choice.add(f"M2:M{last}")

    guide = workbook.create_sheet("Petunjuk")
    guide.column_dimensions["A"].width = 120
    for row, line in enumerate(INSTRUCTIONS, start=1):
        guide.cell(row=row, column=1, value=line).font = Font(bold=row == 1)

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
