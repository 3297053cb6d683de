"""Accounts in bulk: RT/RW heads and agents from an uploaded sheet, all created or none.

The sheet is read like a member list (portal.lists.reader: header anywhere in the first
rows, headers written in many ways, TOTAL and blank rows skipped) and every row is checked
before anything is written: its role, a known kelurahan, RW and RT numbers, a mobile number,
and across rows and against the accounts already there, the username and the area (an RW
has one head, an RT one head). The admin sees the findings and confirms; the accounts are
then created in one transaction with the file checked again. They have no password: their
owners activate them with the one-time code of an activation letter (portal.accounts.activation).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import audit
from portal.accounts.services import USERNAME_PATTERN, area_has_head_message, area_label, areas_with_heads
from portal.extensions import db
from portal.lists.reader import COLUMN_NAMES as LIST_COLUMNS
from portal.lists.reader import FileRejected, SpreadsheetLimits, read_table, records
from portal.models import AREA_NUMBER_MAX, AccountBatch, Role, User
from portal.names import name_key
from portal.text import clean_text
from portal.validation import (
    consent_value_message,
    consent_without_phone_message,
    kelurahan_lookup,
    mobile_number,
    parse_consent,
    parse_small_number,
    phone_message,
    resolve_kelurahan,
)

# The password hash of an account that waits for activation: no Argon2 hash, so no
# password can ever match it (portal.accounts.passwords.verify_password answers False).
UNUSABLE_PASSWORD = "!awaiting-activation"

COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "full_name": ("nama", "nama lengkap", "nama ketua", "nama agen", "nama ketua rt rw", "nama pengurus", "nama petugas"),
    "role": ("peran", "jabatan", "role", "tugas", "jenis akun", "sebagai"),
    "kelurahan": LIST_COLUMNS["kelurahan"],
    "rw": LIST_COLUMNS["rw"],
    "rt": LIST_COLUMNS["rt"],
    "phone": LIST_COLUMNS["phone"],
    "phone_consent": LIST_COLUMNS["phone_consent"],
    "username": ("nama pengguna", "username", "user", "akun", "nama akun", "user id"),
}
REQUIRED_COLUMNS = ("full_name", "role", "kelurahan", "rw")
COLUMN_LABELS = {
    "full_name": _l("Nama"),
    "role": _l("Peran"),
    "kelurahan": _l("Kelurahan"),
    "rw": "RW",
    "rt": "RT",
    "phone": _l("Nomor HP"),
    "phone_consent": _l("Setuju Dihubungi"),
    "username": _l("Nama pengguna"),
}

# How the role column is written (folded by name_key) -> (role, what the RT column must be).
# "rt": an RT head needs an RT; "rw": an RW head has none; None: either.
ROLE_WORDS: dict[str, tuple[Role, str | None]] = {
    "ketua rt": (Role.RT_RW, "rt"),
    "rt": (Role.RT_RW, "rt"),
    "ketua rw": (Role.RT_RW, "rw"),
    "rw": (Role.RT_RW, "rw"),
    "ketua rt rw": (Role.RT_RW, None),
    "rt rw": (Role.RT_RW, None),
    "rt_rw": (Role.RT_RW, None),
    "ketua": (Role.RT_RW, None),
    "agen": (Role.AGENT, "rw"),
    "agen perisai": (Role.AGENT, "rw"),
    "agent": (Role.AGENT, "rw"),
    "ketua r t": (Role.RT_RW, "rt"),
    "ketua r w": (Role.RT_RW, "rw"),
    "agen bpjs": (Role.AGENT, "rw"),
    "agen perisai bpjs": (Role.AGENT, "rw"),
    "agen perisai bpjs ketenagakerjaan": (Role.AGENT, "rw"),
}
ROLE_PREFIX = {Role.AGENT: "agen"}


@dataclass
class AccountRow:
    """One row of the sheet after checking: the account it makes, or why it cannot."""

    row_number: int
    full_name: str = ""
    role: Role | None = None
    kelurahan_code: str | None = None
    rw: int | None = None
    rt: int | None = None
    phone: str | None = None
    phone_consent: bool = False
    username: str = ""
    typed_username: bool = False
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (code, column, message)

    def error(self, code: str, column: str, message: str) -> None:
        self.errors.append((code, column, message))

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def area_key(self) -> tuple:
        return self.kelurahan_code, self.rw, self.rt


@dataclass
class SheetCheck:
    """What the sheet would create and what stops it."""

    rows: list[AccountRow]
    footer_rows: int = 0

    @property
    def problems(self) -> list[AccountRow]:
        return [row for row in self.rows if row.errors]

    @property
    def ready(self) -> list[AccountRow]:
        return [row for row in self.rows if row.ok]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.problems

    def counts(self) -> list[tuple[str, str, int]]:
        """(code, first message, how many rows) of each kind of problem, the commonest first."""
        counter: Counter = Counter()
        messages: dict[str, str] = {}
        for row in self.rows:
            for code, _column, message in row.errors:
                counter[code] += 1
                messages.setdefault(code, message)
        return [(code, messages[code], count) for code, count in counter.most_common()]

    def role_counts(self) -> Counter:
        return Counter((row.role, row.rt is not None) for row in self.ready)


def limits() -> SpreadsheetLimits:
    return SpreadsheetLimits.from_config(current_app.config)


def check_sheet(data: bytes, filename: str) -> SheetCheck:
    """Read and check every row of an accounts sheet; raise FileRejected when the file itself cannot be used."""
    table = read_table(data, filename, limits(), names=COLUMN_NAMES, required=REQUIRED_COLUMNS)
    if table.needs_mapping:
        missing = ", ".join(str(COLUMN_LABELS[name]) for name in REQUIRED_COLUMNS if name not in table.mapping)
        raise FileRejected(
            "columns_missing",
            _("Kolom %(columns)s tidak ditemukan. Baris judul harus memuat Nama, Peran, Kelurahan dan RW (RT, Nomor HP dan Nama pengguna boleh ada).", columns=missing),
        )
    row_limit = current_app.config["ACCOUNT_UPLOAD_ROW_LIMIT"]
    names, by_key = kelurahan_lookup()
    rows = [_check_row(number, raw, names, by_key) for number, raw in records(table, row_limit)]
    if not rows:
        raise FileRejected("no_rows", _("Berkas tidak berisi baris data."))
    _check_across(rows, names)
    return SheetCheck(rows)


def _check_row(number: int, raw: dict, names: dict[str, str], by_key: dict[str, set[str]]) -> AccountRow:
    row = AccountRow(number)
    row.full_name = " ".join(clean_text(str(raw.get("full_name") or "")).split())[:120]
    if not row.full_name:
        row.error("name_missing", "full_name", _("Nama wajib diisi."))
    role_text = name_key(str(raw.get("role") or ""))
    role, rt_rule = ROLE_WORDS.get(role_text, (None, None))
    if role is None:
        row.error("role_unknown", "role", _("Peran tidak dikenal. Tulis Ketua RW, Ketua RT atau Agen Perisai."))
    row.role = role
    kelurahan = resolve_kelurahan(raw.get("kelurahan"), names, by_key)
    if not kelurahan:
        row.error("kelurahan_unknown", "kelurahan", _("Kelurahan tidak dikenal di Kota Makassar. Tulis nama atau kode kelurahan seperti di daftar wilayah."))
    else:
        row.kelurahan_code = kelurahan
    rw = parse_small_number(raw.get("rw"))
    if not rw:
        row.error("rw_invalid", "rw", _("Nomor RW wajib diisi, 1 sampai %(max)d.", max=AREA_NUMBER_MAX))
    else:
        row.rw = rw
    rt = parse_small_number(raw.get("rt"))
    if rt is False:
        row.error("rt_invalid", "rt", _("Nomor RT 1 sampai %(max)d.", max=AREA_NUMBER_MAX))
    elif rt is not None and rt_rule == "rw":
        row.error("rt_not_allowed", "rt", _("Ketua RW dan Agen Perisai tidak terikat RT: kosongkan kolom RT."))
    elif rt is None and rt_rule == "rt":
        row.error("rt_missing", "rt", _("Ketua RT perlu nomor RT."))
    else:
        row.rt = rt
    text, digits = mobile_number(raw.get("phone"))
    if text and not digits:
        row.error("phone_invalid", "phone", phone_message())
    row.phone = digits
    consent = parse_consent(raw.get("phone_consent"))
    if consent is None:
        row.error("phone_consent_invalid", "phone_consent", consent_value_message())
    elif consent and not text:
        row.error("phone_consent_without_phone", "phone_consent", consent_without_phone_message())
    else:
        row.phone_consent = consent
    typed = str(raw.get("username") or "").strip().lower()
    if typed:
        row.typed_username = True
        row.username = typed
        if not USERNAME_PATTERN.match(typed):
            row.error("username_invalid", "username", _("Nama pengguna 3-64 karakter: huruf kecil, angka, titik, garis bawah atau strip."))
    return row


def _check_across(rows: list[AccountRow], names: dict[str, str]) -> None:
    """Usernames and areas against each other and against the accounts already there."""
    heads = [row for row in rows if row.role == Role.RT_RW and row.kelurahan_code and row.rw]
    taken_areas = areas_with_heads({row.kelurahan_code for row in heads})
    first_at: dict[tuple, int] = {}
    for row in heads:
        area = _area_label(row, names)
        if row.area_key in taken_areas:
            row.error("area_has_head", "rw", area_has_head_message(area, taken_areas[row.area_key]))
        elif row.area_key in first_at:
            row.error("area_twice", "rw", _("%(area)s juga tertulis di baris %(row)d: satu wilayah satu ketua.", area=area, row=first_at[row.area_key]))
        else:
            first_at[row.area_key] = row.row_number
    slugs = _kelurahan_slugs(names)
    for row in rows:
        if not row.typed_username and row.ok:
            row.username = _base_username(row, slugs)
    wanted = {row.username for row in rows if row.username}
    existing = _taken_usernames(wanted, agents=any(row.role == Role.AGENT and not row.typed_username for row in rows))
    # Generated agent names are numbered past what is taken; typed and head names must be free.
    used: dict[str, int] = {}
    for row in rows:
        if not row.username or (not row.typed_username and not row.ok):
            continue
        if not row.typed_username and row.role == Role.AGENT:
            base, n = row.username, 1
            while row.username in existing or row.username in used:
                n += 1
                row.username = f"{base}-{n}"
        if row.username in used:
            row.error("username_twice", "username", _("Nama pengguna %(u)s juga dipakai di baris %(row)d.", u=row.username, row=used[row.username]))
        elif row.username in existing:
            row.error("username_taken", "username", _("Nama pengguna %(u)s sudah dipakai akun lain.", u=row.username))
        else:
            used[row.username] = row.row_number


def _taken_usernames(wanted: set[str], *, agents: bool) -> set[str]:
    """The usernames already in use among `wanted`, and every agen.* one when agents' names are generated."""
    taken: set[str] = set()
    names = sorted(wanted)
    for start in range(0, len(names), 1000):
        taken.update(db.session.scalars(db.select(User.username).where(User.username.in_(names[start:start + 1000]))))
    if agents:
        taken.update(db.session.scalars(db.select(User.username).where(User.username.like("agen.%"))))
    return taken


def _area_label(row: AccountRow, names: dict[str, str]) -> str:
    return area_label(names.get(row.kelurahan_code, row.kelurahan_code), row.rw, row.rt)


def _kelurahan_slugs(names: dict[str, str]) -> dict[str, str]:
    """Kelurahan code -> the short name usernames carry ('Pa'baeng-Baeng' -> 'pabaengbaeng')."""
    slugs = {code: re.sub(r"[^a-z0-9]", "", name_key(name.replace("'", ""))) or code for code, name in names.items()}
    shared = Counter(slugs.values())
    return {code: slug if shared[slug] == 1 else f"{slug}{code[-4:]}" for code, slug in slugs.items()}


def _base_username(row: AccountRow, slugs: dict[str, str]) -> str:
    """rw.lette.002 for an RW head, rt.lette.002.003 for an RT head, agen.lette.004 for an agent."""
    slug = slugs[row.kelurahan_code][:40]
    if row.role == Role.AGENT:
        return f"agen.{slug}.{row.rw:03d}"
    if row.rt:
        return f"rt.{slug}.{row.rw:03d}.{row.rt:03d}"
    return f"rw.{slug}.{row.rw:03d}"


def create_accounts(check: SheetCheck, actor: User, filename: str) -> AccountBatch:
    """Create every account of a checked sheet in one batch (the caller commits); nothing when any row has a problem."""
    if not check.ok:
        raise ValueError("a sheet with problems creates no accounts")
    batch = AccountBatch(created_by_id=actor.id, account_count=len(check.rows))
    db.session.add(batch)
    db.session.flush()
    users = [
        User(
            username=row.username,
            full_name=row.full_name,
            password_hash=UNUSABLE_PASSWORD,
            role=row.role,
            kelurahan_code=row.kelurahan_code,
            rw=row.rw,
            rt=row.rt,
            phone=row.phone,
            phone_consent=row.phone_consent,
            account_batch_id=batch.id,
        )
        for row in check.rows
    ]
    db.session.add_all(users)
    db.session.flush()
    audit.record("account_batch.create", "account_batch", batch.id, actor=actor, accounts=len(users), file=filename[:120])
    audit.record_many(
        [
            {"action": "user.create", "target_type": "user", "target_id": user.id,
             "details": {"role": user.role.value, "username": user.username, "batch": batch.id}}
            for user in users
        ],
        actor=actor,
    )
    return batch


def batches(limit: int = 20) -> list[AccountBatch]:
    """The latest batches, newest first."""
    return list(db.session.scalars(db.select(AccountBatch).order_by(AccountBatch.id.desc()).limit(limit)))


def batch_counts(batch: AccountBatch) -> dict[str, int]:
    """How many accounts of a batch there are and how many have been activated."""
    from sqlalchemy import func

    total, activated = db.session.execute(
        db.select(func.count(User.id), func.count(User.activated_at)).where(User.account_batch_id == batch.id)
    ).one()
    return {"total": total, "activated": activated, "waiting": total - activated}


TEMPLATE_HEADERS = (("Nama", 32), ("Peran", 16), ("Kelurahan", 22), ("RW", 6), ("RT", 6), ("No HP", 16), ("Nama pengguna", 22), ("Setuju Dihubungi", 12))
TEMPLATE_GUIDE = (
    "Petunjuk pengisian akun RT/RW dan Agen Perisai",
    "",
    "1. Nama: nama lengkap pemilik akun.",
    "2. Peran: Ketua RW, Ketua RT atau Agen Perisai.",
    "3. Kelurahan: nama atau kode kelurahan di Kota Makassar.",
    "4. RW: nomor RW, misalnya 2 atau 002. RT: hanya untuk Ketua RT.",
    "5. No HP: misalnya 081234567890 (boleh dikosongkan).",
    "6. Nama pengguna: boleh dikosongkan; portal membuatnya dari wilayah (rw.lette.002, rt.lette.002.003, agen.lette.004).",
    "7. Setuju Dihubungi: Ya bila pemilik akun setuju menerima kabar portal lewat WhatsApp/SMS di No HP-nya, Tidak atau kosong bila tidak",
    "   (balas STOP untuk berhenti). Ya hanya bila No HP diisi. Pemilik akun dapat mengubahnya sendiri di Keamanan akun.",
    "",
    "Satu RW satu ketua RW, satu RT satu ketua RT. Portal tidak membuat akun apa pun sebelum semua baris benar.",
    "Kata sandi tidak pernah dicetak: setiap orang menerima surat aktivasi berisi kode sekali pakai.",
)


def template_bytes() -> bytes:
    """The empty accounts sheet, with a guide."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Akun"
    for column, (title, width) in enumerate(TEMPLATE_HEADERS, start=1):
        cell = sheet.cell(row=1, column=column, value=title)
        cell.font, cell.fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="0B5D4B")
        sheet.column_dimensions[cell.column_letter].width = width
    sheet.freeze_panes = "A2"
    for letter in ("D", "E", "F"):
        sheet.column_dimensions[letter].number_format = "@"
    roles = DataValidation(type="list", formula1='"Ketua RW,Ketua RT,Agen Perisai"', allow_blank=True)
    sheet.add_data_validation(roles)
    roles.add("B2:B2000")
    consent = DataValidation(type="list", formula1='"Ya,Tidak"', allow_blank=True)
    sheet.add_data_validation(consent)
    consent.add("H2:H2000")
    guide = workbook.create_sheet("Petunjuk")
    guide.column_dimensions["A"].width = 110
    for row, line in enumerate(TEMPLATE_GUIDE, start=1):
        guide.cell(row=row, column=1, value=line).font = Font(bold=row == 1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
