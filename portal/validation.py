"""The one validator of a proposed person's row, shared by upload, inline entry, the CLI
import and the staff review.

It turns raw values (as a spreadsheet cell or a form field gave them) into the values a
ListEntry stores, plus findings: errors that keep the row out of review and warnings that
staff should look at, each with a stable code and an Indonesian message. NIK structure
comes from portal.nik, eligibility from portal.eligibility; look-ups against the registry
(already a member, proposed elsewhere, DTSEN desil) are batched, never one query per row.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from flask_babel import gettext as _

from portal import clock
from portal.eligibility import ERROR, WARNING, Finding, check_eligibility, programme_year_for
from portal.extensions import db
from portal.models import (
    AREA_NUMBER_MAX,
    Category,
    DesilRecord,
    EntryState,
    Kelurahan,
    ListEntry,
    MemberList,
    Membership,
    MembershipStatus,
    Person,
    Sex,
)
from portal.duplicates import OTHER_NIK_CODE, Match, NameMatcher, Probe, find_duplicates, reason_text
from portal.names import canonical_name, canonical_names_match, name_key
from portal.nik import NikError, clean_nik, mask_nik, parse_kk, parse_nik
from portal.sql import one_of
from portal.text import BIDI_CONTROLS, BIDI_MESSAGE, clean_text, has_bidi_controls

# Registry look-ups take this many NIKs per query (well under every driver's limit).
BATCH_SIZE = 2000
# Codes judged from what was typed, which the stored values can no longer show (a date
# that could not be read is stored empty): kept when a saved entry is checked again.
INPUT_CODES = frozenset({
    "nik_numeric_cell", "phone_consent_invalid", "birth_date_invalid", "birth_date_year_only", "sex_invalid", "address_invalid", "income_invalid",
    # The stored text is the cleaned text, cut to its column: only the typed one showed these.
    "full_name_bidi", "street_bidi", "full_name_too_long", "street_too_long", "occupation_too_long",
})
# The columns of ListEntry (and Person) that hold the row's free text.
TEXT_LIMITS = {"full_name": 120, "street": 200, "occupation": 120}
# States in which an entry is still being decided, so the same NIK elsewhere is a clash.
IN_PROCESS_STATES = (EntryState.PENDING, EntryState.RETURNED)

# Findings drawn from other people's records (the registry, other areas' lists, DTSEN). An
# area's head or agent is told these only in terms they can act on: never where a person is
# covered or proposed, nor a household's desil (see RowValidator's `allowance`).
REGISTRY_CODES = frozenset({"already_member", "pending_elsewhere"})
DESIL_CODES = frozenset({"desil_unknown", "desil_above_cutoff"})
# A note is for the reviewer only: it neither holds a row back nor asks the area's head to
# acknowledge anything (the head cannot learn or change a household's DTSEN desil).
NOTE = "note"
STAFF_NOTE_CODES = frozenset({"desil_unknown"})
# A row names at most this many records that may be its person under another NIK.
DUPLICATE_FINDINGS = 3

_SCIENTIFIC = re.compile(r"^[0-9]+([.,][0-9]*)?[eE][+-]?[0-9]+$")
_DECIMAL = re.compile(r"^[0-9]+[.,][0-9]+$")
_EXCEL_EPOCH = date(1899, 12, 30)
_MONTHS = {
    name: number
    for number, names in enumerate(
        (("jan", "januari", "january"), ("feb", "peb", "februari", "pebruari", "february"), ("mar", "maret", "march"),
         ("apr", "april"), ("mei", "may"), ("jun", "juni", "june"), ("jul", "juli", "july"),
         ("agu", "agt", "agus", "agustus", "aug", "august"), ("sep", "sept", "september"),
         ("okt", "oktober", "oct", "october"), ("nov", "nopember", "november"), ("des", "desember", "dec", "december")),
        start=1,
    )
    for name in names
}
_DATE_NUMERIC = re.compile(r"^(\d{1,4})[/\-.](\d{1,2})[/\-.](\d{1,4})$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d")
_DATE_WORDS = re.compile(r"^(\d{1,2}) ([a-z]+) (\d{4})$")
_SEX = {
    "l": Sex.MALE, "lk": Sex.MALE, "laki": Sex.MALE, "laki laki": Sex.MALE, "pria": Sex.MALE, "m": Sex.MALE, "male": Sex.MALE,
    "p": Sex.FEMALE, "pr": Sex.FEMALE, "perempuan": Sex.FEMALE, "wanita": Sex.FEMALE, "f": Sex.FEMALE, "female": Sex.FEMALE,
}
# Words people write in a Kategori/Pekerjaan column, to the category they mean.
_CATEGORY_WORDS = {
    "honorer": "non_asn", "non asn": "non_asn", "tenaga non asn": "non_asn", "pppk paruh waktu": "non_asn",
    "kader": "kader", "posyandu": "kader", "kader posyandu": "kader", "kader kb": "kader",
    "pemilu": "penyelenggara_pemilu", "kpps": "penyelenggara_pemilu", "pps": "penyelenggara_pemilu", "ppk": "penyelenggara_pemilu",
    "panwas": "penyelenggara_pemilu", "pantarlih": "penyelenggara_pemilu",
    "ketua rt": "ketua_rt_rw", "ketua rw": "ketua_rt_rw", "rt rw": "ketua_rt_rw", "ketua rt rw": "ketua_rt_rw",
    "imam": "pekerja_keagamaan", "marbot": "pekerja_keagamaan", "guru mengaji": "pekerja_keagamaan", "pekerja keagamaan": "pekerja_keagamaan",
    "pedagang": "pekerja_rentan", "ojek": "pekerja_rentan", "pengemudi": "pekerja_rentan", "sopir": "pekerja_rentan",
    "nelayan": "pekerja_rentan", "petani": "pekerja_rentan", "buruh": "pekerja_rentan", "pemulung": "pekerja_rentan",
    "pekerja rentan": "pekerja_rentan", "tukang becak": "pekerja_rentan", "petani kota": "pekerja_rentan",
}


@dataclass(frozen=True)
class Area:
    """Where rows must live: a kelurahan and RW, and one RT for heads bound to an RT."""

    kelurahan_code: str
    rw: int
    rt: int | None = None


@dataclass(frozen=True)
class DiscreetFinding(Finding):
    """A finding an area's head reads in general terms (`message`); staff read `detail`."""

    detail: str = ""


class LookupAllowance(Protocol):
    """What an area's account may learn about NIKs known outside its area (portal.lists.lookups)."""

    # NIKs the account was already told about (rows being checked again): told again, free.
    disclosed: set[str]

    def at_home(self, kelurahan_code: str | None, rw: int | None, rt: int | None) -> bool:
        """Whether a record with this address lies in the account's own area."""

    def take(self, count: int) -> int:
        """Of `count` more NIKs known outside the area, how many may still be told today."""

    @property
    def exhausted(self) -> bool:
        """Whether today's allowance is used up."""

    def note_withheld(self, count: int) -> None:
        """Record (audit) that answers were withheld because the allowance ran out."""


def not_proposable_message() -> str:
    return _("NIK ini tidak dapat diusulkan dari RW ini; hubungi Dinas Ketenagakerjaan.")


def check_deferred_message() -> str:
    return _(
        "NIK ini belum dapat diperiksa terhadap data di luar wilayah Anda hari ini. Baris ini tetap dapat "
        "dikirim; Dinas Ketenagakerjaan akan memeriksanya."
    )


def desil_check_message() -> str:
    return _("Data kesejahteraan (DTSEN) orang ini perlu diperiksa Dinas Ketenagakerjaan.")


def issue_text(issue: Mapping, office: bool) -> str:
    """What a reader sees of a stored finding: staff the detail, an area's user the general text.

    Rows saved before findings were discreet hold the detailed text in `message`: an area's
    user gets the general text of their code instead.
    """
    if office:
        return issue.get("detail") or issue.get("message", "")
    if "detail" not in issue:
        if issue.get("code") in REGISTRY_CODES:
            return not_proposable_message()
        if issue.get("code") in DESIL_CODES:
            return desil_check_message()
    return issue.get("message", "")


def visible_issues(issues: Iterable[Mapping], office: bool) -> list[Mapping]:
    """The findings a reader is shown: staff all of them, an area's user none of the staff
    notes (also those stored as warnings before notes existed)."""
    if office:
        return list(issues or [])
    return [i for i in issues or [] if i.get("severity") != NOTE and i.get("code") not in STAFF_NOTE_CODES]


def niks_told(entries: Iterable[ListEntry]) -> set[str]:
    """NIKs of saved entries whose head was already told they cannot be proposed."""
    return {
        entry.nik
        for entry in entries
        if any(i.get("code") in REGISTRY_CODES and i.get("severity") == ERROR for i in entry.issues or [])
    }


@dataclass
class CheckedRow:
    """A row after validation: the values a ListEntry stores and what was found."""

    row_number: int | None
    values: dict
    findings: list[Finding] = field(default_factory=list)
    # The DTSEN desil found for the NIK; used for eligibility, never copied onto the entry.
    desil: int | None = None
    # The cell text of fields with an error (e.g. {"birth_date": "31/02/1992"}): shown again
    # in the edit form, since the stored value of such a field is empty or a guess.
    raw_values: dict = field(default_factory=dict)

    @property
    def has_errors(self) -> bool:
        return any(f.is_error for f in self.findings)

    @property
    def has_warnings(self) -> bool:
        return any(f.severity == WARNING for f in self.findings)

    def issues(self) -> list[dict]:
        return [f.as_dict() for f in self.findings]

    def error(self, code: str, message: str, column: str, **params) -> None:
        self.findings.append(Finding(code, ERROR, message, column, params))

    def warn(self, code: str, message: str, column: str, **params) -> None:
        self.findings.append(Finding(code, WARNING, message, column, params))


class RowValidator:
    """Validates rows against the year's settings, the city's regions and the registry.

    Build one per request or import: it loads the settings, categories and kelurahan once.
    `area` is where rows must live (None: each row's own kelurahan/RW columns decide);
    `list_id` is the list the rows belong to, so its own entries are not 'elsewhere'.
    `allowance` is given for an area's head or agent: findings from other people's records
    are then told discreetly and within the account's daily allowance; without it (staff,
    the CLI) every finding is told in full.
    """

    def __init__(
        self,
        area: Area | None = None,
        *,
        list_id: int | None = None,
        today: date | None = None,
        allowance: LookupAllowance | None = None,
    ):
        self.area = area
        self.list_id = list_id
        self.allowance = allowance
        self.today = today or clock.today()
        self.programme_year = programme_year_for(self.today)
        self.categories = _category_lookup()
        self.kelurahan_names, self.kelurahan_by_key = _kelurahan_lookup()
        self._folded: dict[str, str] = {}
        self.name_matcher = NameMatcher()

    def fold(self, text: str) -> str:
        """name_key, remembered: a list repeats the same few sexes, categories and kelurahan."""
        key = self._folded.get(text)
        if key is None:
            key = name_key(text)
            if len(self._folded) < 10_000:
                self._folded[text] = key
        return key

    # -- whole batches -------------------------------------------------------------------

    def validate(
        self,
        rows: Iterable[tuple[int | None, Mapping]],
        *,
        known_niks: Mapping[str, int | None] | None = None,
        exclude_entry_ids: Iterable[int] = (),
    ) -> list[CheckedRow]:
        """Check each (row number, raw values) and then the batch against the registry.

        `known_niks` are NIKs already on the list (NIK -> row number): a row repeating one is
        a duplicate. `exclude_entry_ids` are entries being re-checked, never their own clash.
        """
        return list(self.validate_stream(rows, known_niks=known_niks, exclude_entry_ids=exclude_entry_ids))

    def validate_stream(
        self,
        rows: Iterable[tuple[int | None, Mapping]],
        *,
        known_niks: Mapping[str, int | None] | None = None,
        exclude_entry_ids: Iterable[int] = (),
    ) -> Iterator[CheckedRow]:
        """Like `validate`, yielding rows batch by batch so a big file is never all in memory."""
        seen: dict[str, int | None] = dict(known_niks or {})
        excluded = set(exclude_entry_ids)
        batch: list[CheckedRow] = []
        for number, raw in rows:
            batch.append(self.check_row(raw, number))
            if len(batch) == BATCH_SIZE:
                self.check_registry(batch, seen=seen, exclude_entry_ids=excluded)
                yield from batch
                batch = []
        if batch:
            self.check_registry(batch, seen=seen, exclude_entry_ids=excluded)
            yield from batch

    def check_registry(
        self,
        checked: list[CheckedRow],
        *,
        seen: dict[str, int | None],
        exclude_entry_ids: set[int] = frozenset(),
    ) -> None:
        """Duplicates, members, entries in process elsewhere, desil and eligibility, batched.

        `seen` (NIK -> first row) carries over between batches and is updated here.
        """
        usable = [row for row in checked if row.values.get("nik_valid")]
        excluded = set(exclude_entry_ids)
        for start in range(0, len(usable), BATCH_SIZE):
            batch = usable[start:start + BATCH_SIZE]
            niks = list({row.values["nik"] for row in batch})
            members = _active_members(niks)
            in_process = _in_process_elsewhere(niks, self.list_id, excluded)
            desil = _desil(niks)
            withheld, deferred = self._withheld(batch, members, in_process) if self.allowance is not None else (set(), False)
            others = find_duplicates(
                [Probe(r.values["nik"], r.values["name_canonical"], r.values.get("birth_date"), r.values.get("kk_number")) for r in batch],
                exclude_entry_ids=excluded,
                exclude_list_id=self.list_id,
                matcher=self.name_matcher,
            )
            for row in batch:
                nik = row.values["nik"]
                if nik in seen:
                    first = seen[nik]
                    row.error(
                        "duplicate_in_file",
                        _("NIK ini sudah ada di daftar ini (baris %(row)s).", row=first) if first else _("NIK ini sudah ada di daftar ini."),
                        "nik",
                        first_row=first,
                    )
                else:
                    seen[nik] = row.row_number
                if self.allowance is None:
                    self._tell_staff(row, members.get(nik), in_process.get(nik, []))
                else:
                    self._tell_area(row, members.get(nik), in_process.get(nik, []), withheld=nik in withheld, deferred=deferred)
                row.desil = desil.get(nik)
            for row, matches in zip(batch, others):
                self._tell_other_niks(row, matches)
        for row in checked:
            self._check_eligibility(row)

    def _tell_staff(self, row: CheckedRow, member: _MemberHit | None, entries: list[_EntryHit]) -> None:
        if member:
            row.error("already_member", _member_message(), "nik")
        if entries:
            kelurahan, rw = entries[0].kelurahan, entries[0].rw
            row.error("pending_elsewhere", _pending_message(entries[0]), "nik", kelurahan=kelurahan, rw=rw)

    def _tell_other_niks(self, row: CheckedRow, matches: list[Match]) -> None:
        """The same person under another NIK (portal.duplicates): for staff a warning naming
        the record and why; for an area's head a note only staff read, since it tells of
        someone outside their area."""
        for match in matches[:DUPLICATE_FINDINGS]:
            if match.kind == "person":
                message = _("Mungkin orang yang sama dengan peserta di registri (NIK %(nik)s): %(why)s.", nik=mask_nik(match.nik), why=reason_text(match.reasons))
            else:
                message = _("Mungkin orang yang sama dengan usulan #%(id)s (NIK %(nik)s): %(why)s.", id=match.id, nik=mask_nik(match.nik), why=reason_text(match.reasons))
            severity = WARNING if self.allowance is None else NOTE
            row.findings.append(
                Finding(OTHER_NIK_CODE, severity, message, "nik", {"kind": match.kind, "record_id": match.id, "reasons": list(match.reasons)})
            )

    def _withheld(self, batch: list[CheckedRow], members: dict, in_process: dict) -> tuple[set[str], bool]:
        """The NIKs known outside the area the allowance no longer covers, and whether it ran out.

        Once it runs out every row not told about gets the same neutral warning, known or
        not: a warning only on rows with a NIK known elsewhere would still tell them apart.
        """
        allowance = self.allowance
        foreign: dict[str, None] = {}  # in row order
        for row in batch:
            nik = row.values["nik"]
            if nik in allowance.disclosed or nik in foreign:
                continue
            member = members.get(nik)
            places = ([member.place] if member else []) + [entry.place for entry in in_process.get(nik, [])]
            if places and not all(allowance.at_home(*place) for place in places):
                foreign[nik] = None
        allowed = allowance.take(len(foreign))
        withheld = set(list(foreign)[allowed:])
        if withheld:
            allowance.note_withheld(len(withheld))
        return withheld, bool(withheld) or allowance.exhausted

    def _tell_area(
        self, row: CheckedRow, member: _MemberHit | None, entries: list[_EntryHit], *, withheld: bool, deferred: bool
    ) -> None:
        """What an area's head may learn: that a proposal cannot go ahead, and why only when
        the row's name is the registry's (as Cek Status requires); never where."""
        facts = ([_member_message()] if member else []) + ([_pending_message(entries[0])] if entries else [])
        if not facts:
            if deferred:
                row.findings.append(DiscreetFinding("nik_check_deferred", WARNING, check_deferred_message(), "nik"))
            return
        code = "already_member" if member else "pending_elsewhere"
        detail = " ".join(facts)
        if withheld:
            row.findings.append(DiscreetFinding(code, WARNING, check_deferred_message(), "nik", detail=detail))
            return
        typed = row.values["name_canonical"]
        if member and canonical_names_match(typed, member.name_canonical):
            message = _member_message()
        elif any(canonical_names_match(typed, entry.name_canonical) for entry in entries):
            message = _("Orang ini sudah diusulkan dan sedang diproses; tidak perlu diusulkan lagi.")
        else:
            message = not_proposable_message()
        row.findings.append(DiscreetFinding(code, ERROR, message, "nik", detail=detail))

    # -- one row -------------------------------------------------------------------------

    def check_row(self, raw: Mapping, row_number: int | None = None) -> CheckedRow:
        """Clean and check one row on its own (no registry look-ups)."""
        row = CheckedRow(row_number, {})
        # One text rule for every source (typed, pasted, uploaded, XLSX's _x0007_ escapes):
        # control characters never reach the database or an export.
        raw = {key: clean_text(value) if isinstance(value, str) else value for key, value in raw.items()}
        nik_info = self._nik(row, raw.get("nik"))
        self._name(row, raw.get("full_name"))
        self._birth_date(row, raw.get("birth_date"), nik_info)
        self._sex(row, raw.get("sex"), nik_info)
        self._address(row, raw)
        self._phone(row, raw.get("phone"))
        self._phone_consent(row, raw.get("phone_consent"))
        self._kk_number(row, raw.get("kk_number"))
        self._category(row, raw.get("category"), raw.get("occupation"))
        self._income(row, raw.get("monthly_income"))
        row.raw_values = _cells_in_error(raw, row)
        if parse_consent(raw.get("phone_consent")) is not None:
            row.raw_values.pop("phone_consent", None)  # a plain Ya: the check box says it (the error is the missing phone)
        # A category the file named that matches none: its error comes later (eligibility), and
        # the edit form's drop-down cannot show the text, so keep it for the head to see.
        category_text = " ".join(str(raw.get("category") or "").split())
        if category_text and row.values.get("category_code") is None:
            row.raw_values["category"] = category_text[:RAW_VALUE_LENGTH]
        return row

    def _nik(self, row: CheckedRow, value):
        text, from_number = clean_nik(value)
        row.values["nik"] = text[:40]
        row.values["nik_valid"] = False
        if text == "":
            row.error("nik_missing", _("NIK belum diisi."), "nik")
            return None
        if _SCIENTIFIC.match(text) or _DECIMAL.match(text):
            row.error(
                "nik_scientific_notation",
                _(
                    "NIK tertulis sebagai angka desimal atau notasi ilmiah (mis. 7,37101E+15). Excel hanya menyimpan 15 "
                    "angka, sehingga angka terakhir NIK sudah hilang dan tidak dapat dipulihkan. Ubah format kolom NIK "
                    "menjadi Teks (Format Cells > Text), ketik ulang NIK dari KTP, lalu unggah lagi."
                ),
                "nik",
            )
            return None
        try:
            info = parse_nik(text, self.today)
        except NikError as error:
            row.error(error.code, nik_message(error.code), "nik")
            return None
        row.values["nik_valid"] = True
        if from_number and text.endswith("0"):
            row.warn(
                "nik_numeric_cell",
                _(
                    "NIK dibaca dari sel berformat angka dan berakhir dengan 0: Excel mungkin telah membulatkan angka "
                    "ke-16. Cocokkan dengan KTP; sebaiknya format kolom NIK sebagai Teks."
                ),
                "nik",
            )
        return info

    def _name(self, row: CheckedRow, value) -> None:
        name = " ".join(str(value or "").split())
        row.values["full_name"] = self._text(row, "full_name", name, bidi_refused=True)
        # Computed here, where every entry's name is validated, so no write path goes without it.
        row.values["name_canonical"] = canonical_name(row.values["full_name"])
        if not name:
            row.error("name_missing", _("Nama belum diisi."), "full_name")

    def _text(self, row: CheckedRow, column: str, text: str, *, bidi_refused: bool = False) -> str:
        """Free text as its column stores it; bidi controls (names, addresses) and overlong text are errors."""
        if bidi_refused and has_bidi_controls(text):
            row.error(f"{column}_bidi", str(BIDI_MESSAGE), column)
            text = "".join(ch for ch in text if ch not in BIDI_CONTROLS)
        limit = TEXT_LIMITS[column]
        if len(text) > limit:
            row.error(
                f"{column}_too_long",
                _("Isian ini paling banyak %(max)s karakter; yang tertulis %(length)s karakter. Singkat isiannya.", max=limit, length=len(text)),
                column,
                max=limit,
            )
        return text[:limit]

    def _birth_date(self, row: CheckedRow, value, nik_info) -> None:
        if value in (None, "") or (isinstance(value, str) and not value.strip()):
            row.values["birth_date"] = nik_info.birth_date if nik_info else None
            return
        year = year_only(value, self.today)
        if year is not None:
            self._year_only(row, year, nik_info)
            return
        born = parse_date(value)
        if born is None or born > self.today or born.year < 1900:
            row.values["birth_date"] = None
            row.error(
                "birth_date_invalid",
                _("Tanggal lahir tidak terbaca atau tidak mungkin. Tulis seperti 13/02/1985."),
                "birth_date",
            )
            return
        row.values["birth_date"] = born
        if nik_info and (born.day, born.month, born.year % 100) != (
            nik_info.birth_date.day, nik_info.birth_date.month, nik_info.birth_date.year % 100
        ):
            row.warn(
                "birth_date_mismatch",
                _("Tanggal lahir berbeda dengan tanggal lahir dalam NIK. Periksa KTP; petugas akan memeriksanya."),
                "birth_date",
            )

    def _year_only(self, row: CheckedRow, year: int, nik_info) -> None:
        """A birth date written as a year alone: the NIK's date is offered, never day 1965 of Excel's calendar.

        When the NIK's date falls in that year it is taken, with a warning the head confirms
        before sending (as an empty cell takes it silently); otherwise the row waits for the
        full date, the NIK's date named as the likely one.
        """
        suggestion = nik_info.birth_date if nik_info else None
        if suggestion and suggestion.year == year:
            row.values["birth_date"] = suggestion
            row.warn(
                "birth_date_year_only",
                _(
                    "Tanggal lahir hanya berisi tahun (%(year)s). Dipakai tanggal dari NIK: %(date)s. Cocokkan dengan KTP; "
                    "jika berbeda, ubah baris ini.",
                    year=year, date=suggestion.strftime("%d/%m/%Y"),
                ),
                "birth_date",
                year=year, suggestion=suggestion.isoformat(),
            )
            return
        row.values["birth_date"] = None
        if suggestion:
            message = _(
                "Tanggal lahir hanya berisi tahun (%(year)s), dan NIK menyebut tanggal lain: %(date)s. Isi tanggal lahir "
                "lengkap sesuai KTP.",
                year=year, date=suggestion.strftime("%d/%m/%Y"),
            )
            row.error("birth_date_year_only", message, "birth_date", year=year, suggestion=suggestion.isoformat())
        else:
            message = _("Tanggal lahir hanya berisi tahun (%(year)s). Isi tanggal lahir lengkap sesuai KTP, mis. 13/02/%(year)s.", year=year)
            row.error("birth_date_year_only", message, "birth_date", year=year)

    def _sex(self, row: CheckedRow, value, nik_info) -> None:
        key = self.fold(str(value)) if value not in (None, "") else ""
        if not key:
            row.values["sex"] = nik_info.sex if nik_info else None
            return
        sex = _SEX.get(key)
        row.values["sex"] = sex
        if sex is None:
            row.error("sex_invalid", _("Jenis kelamin tidak dikenal. Isi L (laki-laki) atau P (perempuan)."), "sex")
        elif nik_info and sex != nik_info.sex:
            row.warn(
                "sex_mismatch",
                _("Jenis kelamin berbeda dengan yang tertera dalam NIK. Periksa KTP; petugas akan memeriksanya."),
                "sex",
            )

    def _address(self, row: CheckedRow, raw: Mapping) -> None:
        area = self.area
        kelurahan = self._kelurahan(raw.get("kelurahan"))
        rw, rt = parse_small_number(raw.get("rw")), parse_small_number(raw.get("rt"))
        invalid = kelurahan is False or rw is False or rt is False
        kelurahan = None if kelurahan is False else kelurahan
        rw = None if rw is False else rw
        rt = None if rt is False else rt
        if area:
            kelurahan = kelurahan or area.kelurahan_code
            rw = rw if rw is not None else area.rw
            rt = rt if rt is not None else area.rt
        street = self._text(row, "street", " ".join(str(raw.get("street") or "").split()), bidi_refused=True)
        row.values.update(kelurahan_code=kelurahan, rw=rw, rt=rt, street=street)
        if invalid:
            row.error("address_invalid", _("Kelurahan, RW atau RT tidak dikenal. Tulis nomor RW/RT sebagai angka, mis. 2 atau 002."), "rw")
        elif kelurahan is None or rw is None:
            row.error("address_missing", _("Kelurahan dan RW tempat tinggal belum diisi."), "rw")
        elif area and (kelurahan != area.kelurahan_code or rw != area.rw or (area.rt is not None and rt != area.rt)):
            row.error(
                "outside_area",
                _("Alamat ini di luar wilayah daftar (%(area)s). Usulkan melalui ketua RT/RW wilayahnya.", area=self.area_label(area)),
                "rw",
            )

    def area_label(self, area: Area) -> str:
        label = f"{self.kelurahan_names.get(area.kelurahan_code, area.kelurahan_code)} RW {area.rw:03d}"
        return label + (f" RT {area.rt:03d}" if area.rt is not None else "")

    def _kelurahan(self, value):
        """A kelurahan code from its code or name; None when empty, False when unknown."""
        return resolve_kelurahan(value, self.kelurahan_names, self.kelurahan_by_key, self.fold)

    def _phone(self, row: CheckedRow, value) -> None:
        text, digits = mobile_number(value)
        if not text:
            row.values["phone"] = None
        elif digits:
            row.values["phone"] = digits
        else:
            row.values["phone"] = text[:20]
            row.warn("phone_invalid", phone_message(), "phone")

    def _phone_consent(self, row: CheckedRow, value) -> None:
        """Whether the person agreed to messages on the row's number (no column or blank: no)."""
        consent = parse_consent(value)
        row.values["phone_consent"] = bool(consent)
        if consent is None:
            row.error("phone_consent_invalid", consent_value_message(), "phone_consent")
        elif consent and not row.values["phone"]:
            row.values["phone_consent"] = False
            row.error("phone_consent_without_phone", consent_without_phone_message(), "phone_consent")

    def _kk_number(self, row: CheckedRow, value) -> None:
        """The optional family card number, checked like a NIK (portal.nik.parse_kk)."""
        text = clean_nik(value)[0]
        row.values["kk_number"] = None
        if text == "":
            return
        try:
            parse_kk(text, self.today)
        except NikError as error:
            row.error(error.code, nik_message(error.code), "kk_number")
            return
        row.values["kk_number"] = text

    def _category(self, row: CheckedRow, value, occupation) -> None:
        text = " ".join(str(value or "").split())
        key = self.fold(text) if text else ""
        row.values["category_code"] = self.categories.find(key) if key else None
        occupation_text = " ".join(str(occupation or "").split())
        if not occupation_text and text and row.values["category_code"] is None:
            occupation_text = text
        elif not occupation_text and text and key not in self.categories.exact:
            occupation_text = text  # 'Pedagang' says more than the category it maps to
        row.values["occupation"] = self._text(row, "occupation", occupation_text)

    def _income(self, row: CheckedRow, value) -> None:
        row.values["monthly_income"] = None
        if value in (None, ""):
            return
        if isinstance(value, (int, float)):
            if not math.isfinite(value):  # a spreadsheet's #NUM! or an overflowing formula
                row.warn("income_invalid", _("Penghasilan per bulan tidak terbaca; tulis angka rupiah, mis. 1500000."), "monthly_income")
                return
            amount = int(value)
        else:
            digits = re.sub(r"(?i)^rp\.?|[\s.,]|-$", "", str(value).strip())
            if not digits.isdigit():
                row.warn("income_invalid", _("Penghasilan per bulan tidak terbaca; tulis angka rupiah, mis. 1500000."), "monthly_income")
                return
            amount = int(digits)
        if amount < 0 or amount > 2_000_000_000:
            row.warn("income_invalid", _("Penghasilan per bulan tidak terbaca; tulis angka rupiah, mis. 1500000."), "monthly_income")
            return
        row.values["monthly_income"] = amount

    def _check_eligibility(self, row: CheckedRow) -> None:
        if self.programme_year is None:
            return
        codes = {f.code for f in row.findings}
        findings = check_eligibility(
            self.programme_year,
            birth_date=row.values.get("birth_date"),
            category_code=row.values.get("category_code"),
            desil=row.desil,
            today=self.today,
        )
        findings = [
            Finding(f.code, NOTE, f.message, f.column, f.params) if f.code in STAFF_NOTE_CODES else f for f in findings
        ]
        if self.allowance is not None:
            findings = [
                DiscreetFinding(f.code, WARNING, desil_check_message(), f.column, detail=f.message)
                if f.code in DESIL_CODES and f.code not in STAFF_NOTE_CODES else f
                for f in findings
            ]
        row.findings.extend(f for f in findings if f.code not in codes)


class _CategoryLookup(dict):
    """Folded text -> category code, with the exact names and codes kept apart."""

    exact: set[str]

    def find(self, key: str) -> str | None:
        """The category of a folded text, also when it starts with a known word ('pedagang sayur')."""
        if key in self:
            return self[key]
        starts = [word for word in self if key.startswith(word + " ")]
        return self[max(starts, key=len)] if starts else None


def _category_lookup() -> _CategoryLookup:
    lookup = _CategoryLookup(_CATEGORY_WORDS)
    lookup.exact = set()
    for category in db.session.scalars(db.select(Category)):
        for text in (category.code, category.code.replace("_", " "), category.name_id, category.name_en):
            lookup[name_key(text)] = category.code
            lookup.exact.add(name_key(text))
    return lookup


def _kelurahan_lookup() -> tuple[dict[str, str], dict[str, set[str]]]:
    names: dict[str, str] = {}
    by_key: dict[str, set[str]] = {}
    for code, name in db.session.execute(db.select(Kelurahan.code, Kelurahan.name)):
        names[code] = name
        by_key.setdefault(name_key(name), set()).add(code)
    return names, by_key


@dataclass(frozen=True)
class _MemberHit:
    name_canonical: str
    kelurahan_code: str
    rw: int
    rt: int | None

    @property
    def place(self) -> tuple:
        return self.kelurahan_code, self.rw, self.rt


@dataclass(frozen=True)
class _EntryHit:
    """An entry being decided on another list: its address, its list's area and its name."""

    kelurahan: str
    rw: int
    name_canonical: str
    list_area: tuple

    @property
    def place(self) -> tuple:
        return self.list_area


def _member_message() -> str:
    return _("Orang ini sudah menjadi peserta aktif; tidak perlu diusulkan lagi.")


def _pending_message(entry: _EntryHit) -> str:
    return _("NIK ini sudah diusulkan di Kelurahan %(kelurahan)s RW %(rw)s dan sedang diproses.", kelurahan=entry.kelurahan, rw=f"{entry.rw:03d}")


def _active_members(niks: list[str]) -> dict[str, _MemberHit]:
    rows = db.session.execute(
        db.select(Person.nik, Person.name_canonical, Person.kelurahan_code, Person.rw, Person.rt)
        .join(Membership, Membership.person_id == Person.id)
        .where(one_of(Person.nik, niks), Membership.status == MembershipStatus.ACTIVE)
    )
    return {nik: _MemberHit(key, kelurahan, rw, rt) for nik, key, kelurahan, rw, rt in rows}


def _in_process_elsewhere(niks: list[str], list_id: int | None, excluded: set[int]) -> dict[str, list[_EntryHit]]:
    """NIK -> the entries still being decided on other lists, oldest first."""
    query = (
        db.select(
            ListEntry.id, ListEntry.nik, Kelurahan.name, ListEntry.rw, ListEntry.name_canonical,
            MemberList.kelurahan_code, MemberList.rw, MemberList.rt,
        )
        .join(Kelurahan, Kelurahan.code == ListEntry.kelurahan_code)
        .join(MemberList, MemberList.id == ListEntry.list_id)
        .where(one_of(ListEntry.nik, niks), ListEntry.state.in_(IN_PROCESS_STATES))
        .order_by(ListEntry.id)
    )
    if list_id is not None:
        query = query.where(ListEntry.list_id != list_id)
    hits: dict[str, list[_EntryHit]] = {}
    for entry_id, nik, name, rw, canonical, list_kelurahan, list_rw, list_rt in db.session.execute(query):
        if entry_id not in excluded:
            hits.setdefault(nik, []).append(_EntryHit(name, rw, canonical, (list_kelurahan, list_rw, list_rt)))
    return hits


def _desil(niks: list[str]) -> dict[str, int]:
    return dict(db.session.execute(db.select(DesilRecord.nik, DesilRecord.desil).where(one_of(DesilRecord.nik, niks))).all())


def mobile_number(value) -> tuple[str, str | None]:
    """A phone cell as typed (cleaned) and as an Indonesian mobile number 08..., or None when it is not one."""
    text = clean_nik(value)[0] if isinstance(value, (int, float)) else str(value or "").strip()
    digits = re.sub(r"[\s\-().]", "", text)
    if digits.startswith("+62"):
        digits = "0" + digits[3:]
    elif digits.startswith("62"):
        digits = "0" + digits[2:]
    elif digits.startswith("8"):
        digits = "0" + digits  # a number cell loses the leading 0
    if digits.isdigit() and digits.startswith("08") and 10 <= len(digits) <= 13:
        return text, digits
    return text, None


# How a sheet says yes or no in the "Setuju Dihubungi" column (folded: lower case, no dots).
CONSENT_YES = frozenset({"ya", "y", "iya", "1", "yes", "setuju", "true"})
CONSENT_NO = frozenset({"tidak", "t", "tdk", "0", "no", "n", "false", ""})


def parse_consent(value) -> bool | None:
    """A consent cell or field as True/False (blank: False); None when it says neither."""
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {1: True, 0: False}.get(value) if math.isfinite(value) else None
    word = " ".join(str(value).replace(".", " ").lower().split())
    if word in CONSENT_YES:
        return True
    if word in CONSENT_NO:
        return False
    return None


def consent_value_message() -> str:
    return _("Kolom Setuju Dihubungi harus Ya atau Tidak.")


def consent_without_phone_message() -> str:
    return _("Persetujuan menerima kabar perlu nomor HP: isi nomor HP, atau jangan centang (Tidak).")


def same_phone(a: str | None, b: str | None) -> bool:
    """Whether two typed numbers are one number (081..., +6281..., spaces and dashes alike)."""
    def key(value):
        text, digits = mobile_number(value)
        return digits or text
    return key(a) == key(b)


def phone_message() -> str:
    return _("Nomor HP tidak lazim. Tulis seperti 081234567890.")


def resolve_kelurahan(value, names: Mapping[str, str], by_key: Mapping[str, set[str]], fold=name_key):
    """A kelurahan code from its code (73.71.01.1001 or 7371011001) or its name; None when empty, False when unknown or ambiguous."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    digits = text.replace(".", "")
    if digits in names:
        return digits
    codes = by_key.get(fold(text), set())
    return next(iter(codes)) if len(codes) == 1 else False


def kelurahan_lookup() -> tuple[dict[str, str], dict[str, set[str]]]:
    """Kelurahan code -> name, and folded name -> codes (a name may be shared)."""
    return _kelurahan_lookup()


def nik_message(code: str) -> str:
    """The Indonesian explanation of a NIK rule's error code."""
    return {
        "nik_not_digits": _("NIK hanya boleh berisi angka."),
        "nik_length": _("NIK harus 16 angka."),
        "nik_leading_zero": _("NIK tidak mungkin diawali angka 0. Periksa kembali dari KTP."),
        "nik_bad_date": _("Angka ke-7 sampai ke-12 NIK bukan tanggal lahir yang mungkin. Periksa kembali dari KTP."),
        "nik_serial_zero": _("Empat angka terakhir NIK tidak mungkin 0000. Periksa kembali dari KTP."),
        "kk_not_digits": _("No. KK hanya boleh berisi angka."),
        "kk_length": _("No. KK harus 16 angka."),
        "kk_leading_zero": _("No. KK tidak mungkin diawali angka 0. Periksa kembali dari Kartu Keluarga."),
        "kk_bad_date": _("Angka ke-7 sampai ke-12 No. KK bukan tanggal terbit yang mungkin. Periksa kembali dari Kartu Keluarga."),
        "kk_serial_zero": _("Empat angka terakhir No. KK tidak mungkin 0000. Periksa kembali dari Kartu Keluarga."),
    }.get(code, _("NIK tidak sah."))


def year_only(value, today: date) -> int | None:
    """The year, when a birth-date cell holds only one: '1965', the number 1965, or the date a
    spreadsheet made of it (day 1965 of Excel's calendar, 18/05/1905, when the column is
    formatted as dates). Serials of real birth dates (after 1905) never fall in that range."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        number = (value - _EXCEL_EPOCH).days
    elif isinstance(value, (int, float)):
        if not float(value).is_integer():
            return None
        number = int(value)
    else:
        text = str(value).strip()
        if not (len(text) == 4 and text.isascii() and text.isdigit()):
            return None
        number = int(text)
    return number if 1900 <= number <= today.year else None


def parse_date(value) -> date | None:
    """A date from a date cell, an Excel serial number, or text (13/02/1985, 1985-02-13, 13 Februari 1985)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        # Excel serial days since 1899-12-30 (this covers every birth year from 1900).
        return _EXCEL_EPOCH + timedelta(days=int(value)) if 1 <= value < 100_000 else None
    text = str(value).strip()
    if text.isdigit() and len(text) <= 5:
        return _EXCEL_EPOCH + timedelta(days=int(text)) if int(text) >= 1 else None
    if _DATE_TIME.match(text):  # 1985-02-13 00:00:00 from a CSV export of a date column
        text = text.split(" ")[0]
    try:
        if match := _DATE_NUMERIC.match(text):
            first, month, last = (int(g) for g in match.groups())
            if len(match.group(1)) == 4:
                return date(first, month, last)
            if len(match.group(3)) == 4:
                return date(last, month, first)
            return None
        if match := _DATE_WORDS.match(name_key(text)):
            month = _MONTHS.get(match.group(2))
            return date(int(match.group(3)), month, int(match.group(1))) if month else None
    except ValueError:
        return None
    return None


def parse_small_number(value):
    """An RW/RT number from 2, 2.0, '002', 'RW 02'; None when empty, False when unreadable."""
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return int(value) if float(value).is_integer() and 0 < value <= AREA_NUMBER_MAX else False
    digits = re.sub(r"(?i)^\s*(rw|rt)\.?\s*", "", str(value)).strip()
    if not digits:
        return None
    return int(digits) if digits.isdigit() and 0 < int(digits) <= AREA_NUMBER_MAX else False


def entry_raw_values(entry: ListEntry) -> dict:
    """A saved entry's values in the validator's raw form, to check it again."""
    return {
        "nik": entry.nik,
        "full_name": entry.full_name,
        "birth_date": entry.birth_date,
        "sex": entry.sex.value if entry.sex else None,
        "kelurahan": entry.kelurahan_code,
        "rw": entry.rw,
        "rt": entry.rt,
        "street": entry.street,
        "phone": entry.phone,
        "phone_consent": entry.phone_consent,
        "kk_number": entry.kk_number,
        "category": entry.category_code,
        "occupation": entry.occupation,
        "monthly_income": entry.monthly_income,
    }


def recheck_entries(validator: RowValidator, entries: list[ListEntry], *, known_niks: Mapping[str, int | None] | None = None) -> None:
    """Check saved entries again (before submitting); findings only typed input shows are kept."""
    checked = validator.validate(
        ((entry.row_number, entry_raw_values(entry)) for entry in entries),
        known_niks=known_niks,
        exclude_entry_ids=[entry.id for entry in entries if entry.id],
    )
    for entry, row in zip(entries, checked):
        kept = [i for i in entry.issues or [] if i.get("code") in INPUT_CODES]
        fresh = [i for i in row.issues() if i["code"] not in INPUT_CODES]
        issues = kept + fresh
        if issues != (entry.issues or []):
            for name, value in issue_columns(issues).items():
                setattr(entry, name, value)


RAW_VALUE_LENGTH = 100


def _cells_in_error(raw: Mapping, row: CheckedRow) -> dict:
    """The raw text of each field an error was found in (dates and numbers as the file wrote them)."""
    kept = {}
    for finding in row.findings:
        value = raw.get(finding.column)
        if finding.is_error and value not in (None, "") and not isinstance(value, (date, datetime)):
            kept[finding.column] = str(value)[:RAW_VALUE_LENGTH]
    return kept


def entry_columns(row: CheckedRow) -> dict:
    """The values of a checked row as ListEntry columns."""
    values = {k: v for k, v in row.values.items() if k != "nik_valid"}
    values["raw_values"] = row.raw_values or None
    values.update(issue_columns(row.issues()))
    values["row_number"] = row.row_number
    return values


def issue_columns(issues: list[dict]) -> dict:
    """An entry's findings with the flags the review queue filters on (stored, so indexed).

    Every path that stores findings (upload, inline rows, the CLI's bulk insert, the recheck
    before submitting) takes the flags from here, so no path can store one without the other.
    """
    return {
        "issues": issues,
        # Staff notes count for the reviewer's queue (no bulk approval past them); an area's
        # head never sees them (visible_issues) nor counts them (they are not "warning").
        "has_warnings": any(i.get("severity") in (WARNING, NOTE) for i in issues),
        "possible_duplicate": any("duplicate" in (i.get("code") or "") for i in issues),
    }
