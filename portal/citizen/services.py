"""What a citizen may learn: their own status (NIK and name) and whether they may qualify.

`check_status` is the one place that decides a status answer; the page and the JSON API
both call it. It runs the same indexed statement whatever the registry holds, so an
unknown NIK and a known NIK with the wrong name cost the same and answer the same.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import time
from dataclasses import dataclass, field, replace
from datetime import date

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    String,
    bindparam,
    cast,
    event,
    exists,
    inspect,
    false,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from portal import clock
from portal import audit
from portal.eligibility import Finding, category_setting, check_eligibility, programme_year_for
from portal.extensions import READS, db
from portal.models import (
    AREA_ROLES,
    CardHandover,
    Certificate,
    EntryState,
    Kecamatan,
    Kelurahan,
    ListEntry,
    Membership,
    MembershipStatus,
    Person,
    PersonNikAlias,
    ProgrammeYear,
    Role,
    RenewalDecision,
    RenewalOutcome,
    User,
)
from portal.help.services import tel_url, whatsapp_url
from portal.i18n import current_language
from portal.names import canonical_name, canonical_names_match, mask_name

def nik_limit_key(nik: str) -> str:
    """A rate-limit key for a NIK: an HMAC, because limiter keys are stored (Redis) in clear."""
    secret = current_app.config["SECRET_KEY"].encode()
    return "nik:" + hmac.new(secret, nik.encode(), hashlib.sha256).hexdigest()


class StatusOutcome(enum.StrEnum):
    ACTIVE = "active"
    PENDING = "pending"  # submitted by the area, being verified by the labour office
    RETURNED = "returned"  # sent back to the RT/RW head for correction
    REJECTED = "rejected"
    ENDED = "ended"
    EXPIRED = "expired"
    NOT_FOUND = "not_found"


# Reason categories a person may read. Review decisions use these codes, and so do the
# shared eligibility rules; anything else reads as "another reason".
REASON_LABELS = {
    "not_eligible_category": _l("Kategori pekerjaan tidak termasuk program tahun ini."),
    "category_not_eligible": _l("Kategori pekerjaan tidak termasuk program tahun ini."),
    "category_unknown": _l("Kategori pekerjaan tidak dikenal."),
    "already_covered": _l("Sudah terdaftar melalui pemberi kerja atau program lain."),
    "employer_covered": _l("Sudah terdaftar melalui pemberi kerja atau program lain."),
    "civil_servant": _l("Aparatur sipil negara (ASN) dilindungi oleh program lain."),
    "age_out_of_range": _l("Usia di luar batas program."),
    "desil_above_cutoff": _l("Desil DTSEN rumah tangga di atas batas program."),
    "duplicate": _l("Sudah diusulkan atau terdaftar sebelumnya."),
    "data_mismatch": _l("Data tidak sesuai dengan KTP atau KK."),
    "not_domiciled": _l("Tidak berdomisili di wilayah RT/RW yang mengusulkan."),
    # Why a membership is not renewed into the next budget year (portal.renewal).
    "desil_unknown": _l("Rumah tangga tidak ditemukan dalam DTSEN."),
    "moved_away": _l("Sudah pindah dari wilayah RT/RW yang mengusulkan."),
    "deceased": _l("Peserta dilaporkan meninggal dunia."),
}
OTHER_REASON = _l("Alasan lain; tanyakan kepada ketua RT/RW Anda.")

TITLES = {
    StatusOutcome.ACTIVE: _l("Terdaftar dan terlindungi"),
    StatusOutcome.PENDING: _l("Sedang diverifikasi"),
    StatusOutcome.RETURNED: _l("Dikembalikan ke ketua RT/RW"),
    StatusOutcome.REJECTED: _l("Tidak disetujui"),
    StatusOutcome.ENDED: _l("Kepesertaan sudah berakhir"),
    StatusOutcome.EXPIRED: _l("Masa perlindungan sudah habis"),
    StatusOutcome.NOT_FOUND: _l("Data tidak ditemukan"),
}
EXPLANATIONS = {
    StatusOutcome.ACTIVE: _l("Iuran BPJS Ketenagakerjaan Anda dibayar oleh Pemerintah Kota Makassar untuk masa perlindungan di bawah ini."),
    StatusOutcome.PENDING: _l("Usulan dari ketua RT/RW atau Agen Perisai sudah diterima dan sedang diverifikasi oleh Dinas Ketenagakerjaan. Anda belum terlindungi sampai usulan disetujui."),
    StatusOutcome.RETURNED: _l("Usulan Anda dikembalikan kepada ketua RT/RW atau Agen Perisai untuk diperbaiki, lalu dikirim lagi untuk diverifikasi."),
    StatusOutcome.REJECTED: _l("Usulan Anda tidak disetujui oleh Dinas Ketenagakerjaan."),
    StatusOutcome.ENDED: _l("Kepesertaan Anda dalam program ini sudah diakhiri. Iuran tidak lagi dibayar oleh Pemerintah Kota Makassar."),
    StatusOutcome.EXPIRED: _l("Masa perlindungan Anda sudah habis dan belum diperpanjang."),
    StatusOutcome.NOT_FOUND: _l("Kami tidak menemukan peserta atau usulan dengan NIK dan nama tersebut. Periksa kembali NIK dan nama lengkap sesuai KTP."),
}
NEXT_STEPS = {
    StatusOutcome.ACTIVE: _l("Jika terjadi kecelakaan kerja, segera ke rumah sakit mitra BPJS Ketenagakerjaan dan tunjukkan KTP."),
    StatusOutcome.PENDING: _l("Tidak perlu mendaftar ulang. Cek lagi status Anda dalam beberapa hari."),
    StatusOutcome.RETURNED: _l("Hubungi ketua RT/RW atau Agen Perisai di RW Anda dan siapkan KTP serta KK untuk memperbaiki data."),
    StatusOutcome.REJECTED: _l("Jika menurut Anda keputusan ini keliru, hubungi ketua RT/RW atau Agen Perisai di RW Anda."),
    StatusOutcome.ENDED: _l("Jika Anda masih memenuhi syarat, minta ketua RT/RW atau Agen Perisai di RW Anda untuk mengusulkan Anda lagi."),
    StatusOutcome.EXPIRED: _l("Minta ketua RT/RW atau Agen Perisai di RW Anda untuk mengusulkan perpanjangan."),
    StatusOutcome.NOT_FOUND: _l("Jika Anda belum pernah diusulkan, cek kelayakan Anda lalu hubungi ketua RT/RW atau Agen Perisai di RW Anda."),
}
CARD_PRINTED = _l("Kartu peserta sudah dicetak. Ambil kartu Anda melalui ketua RT/RW atau Agen Perisai di RW Anda dengan menunjukkan KTP.")
CARD_HANDED_OVER = _l("Kartu peserta sudah diserahkan kepada Anda atau keluarga Anda. Jika Anda belum menerimanya, hubungi ketua RT/RW atau Agen Perisai di RW Anda.")
CARD_PENDING = _l("Kartu peserta sedang disiapkan oleh Dinas Ketenagakerjaan dan akan dibagikan melalui ketua RT/RW atau Agen Perisai. Perlindungan sudah berlaku tanpa kartu.")

# A person's entries are few; the cap only bounds a pathological NIK.
MAX_ENTRIES = 20


@dataclass(frozen=True)
class StatusAnswer:
    """What the person may be told about their NIK; nothing in it identifies them in clear."""

    outcome: StatusOutcome
    masked_name: str | None = None
    kelurahan: str | None = None
    kecamatan: str | None = None
    programmes: tuple[str, ...] = ()
    starts_on: date | None = None
    ends_on: date | None = None
    # An approved cover that starts later (the first of the next month, or 1 January).
    starts_later: bool = False
    submitted_on: date | None = None
    reason_code: str | None = None
    card_printed: bool | None = None
    # When the valid card reached the member (portal.handout), if it did.
    card_handed_over_on: date | None = None
    # The last four digits of the BPJS KPJ number, once BPJS has sent it.
    kpj_last4: str | None = None
    # Why the membership is not renewed into the next budget year (a renewal run decided).
    renewal_reason: str | None = None
    # Which record answered, for the access history; never shown.
    person_id: int | None = field(default=None, compare=False)
    entry_id: int | None = field(default=None, compare=False)
    # The person's RW, to name whom there to ask; never shown as such.
    kelurahan_code: str | None = field(default=None, compare=False)
    rw: int | None = field(default=None, compare=False)
    # Whom in that RW to ask (answer_status_check with_contacts=True, for the page).
    contacts: tuple[AreaContact, ...] = field(default=(), compare=False)

    @property
    def found(self) -> bool:
        return self.outcome != StatusOutcome.NOT_FOUND

    @property
    def title(self) -> str:
        return str(TITLES[self.outcome])

    @property
    def explanation(self) -> str:
        return str(EXPLANATIONS[self.outcome])

    @property
    def next_step(self) -> str:
        return str(NEXT_STEPS[self.outcome])

    @property
    def reason_category(self) -> str | None:
        """The reason's code if it is one people may read about, else "other"."""
        if self.renewal_reason and self.outcome in (StatusOutcome.ACTIVE, StatusOutcome.EXPIRED):
            return self.renewal_reason if self.renewal_reason in REASON_LABELS else "other"
        if self.outcome not in (StatusOutcome.REJECTED, StatusOutcome.RETURNED):
            return None
        return self.reason_code if self.reason_code in REASON_LABELS else "other"

    @property
    def reason_label(self) -> str | None:
        category = self.reason_category
        if category is None:
            return None
        return str(REASON_LABELS.get(category, OTHER_REASON))

    @property
    def area(self) -> str:
        """The person's kelurahan and RW, "Lette RW 002", to say whom there to ask."""
        return f"{self.kelurahan} RW {self.rw:03d}" if self.kelurahan and self.rw else (self.kelurahan or "")

    @property
    def card_advice(self) -> str | None:
        if self.outcome != StatusOutcome.ACTIVE:
            return None
        if self.card_handed_over_on:
            return str(CARD_HANDED_OVER)
        return str(CARD_PRINTED if self.card_printed else CARD_PENDING)


NOT_FOUND = StatusAnswer(StatusOutcome.NOT_FOUND)


_NIK = bindparam("nik")


def _null(type_):
    """A typed NULL: PostgreSQL reads a bare NULL in a subquery as text, which a UNION refuses."""
    return cast(null(), type_)


# One statement, one round trip, whatever the registry holds: one registry row (the person
# with this NIK and their most relevant membership, active first, then latest; all NULL when
# no person has it), then the submitted entries with this NIK that have not (yet) become a
# membership, newest first. The registry row hangs off a one-row probe by outer joins, so an
# unknown NIK fetches and converts a row like a known one does. Built once: the status check
# is the portal's hottest path.
_STAND_IN_DAY = literal(date(2000, 1, 1), Date)
# The registry's NIK of the person: the typed one, or the person's own NIK when the typed
# one is a NIK they are also known by (portal.duplicates, a "same person" verdict).
_PROBE = select(
    func.coalesce(
        select(Person.nik).join(PersonNikAlias, PersonNikAlias.person_id == Person.id).where(PersonNikAlias.nik == _NIK).correlate(None).scalar_subquery(),
        cast(_NIK, String(16)),
    ).label("nik")
).subquery("probe")
_MEMBERSHIP = (
    select(
        literal_column("1").label("from_registry"),
        Person.id,
        Person.full_name,
        Person.name_canonical,
        type_coerce(Membership.status, String).label("state"),
        _null(String).label("reason_code"),
        _null(DateTime(timezone=True)).label("submitted_at"),
        # Stand-in values where no membership matched, so the driver and SQLAlchemy convert
        # the same values either way; they are read only when `state` is set.
        func.coalesce(Membership.starts_on, _STAND_IN_DAY).label("starts_on"),
        func.coalesce(Membership.ends_on, _STAND_IN_DAY).label("ends_on"),
        func.coalesce(Membership.jkk, false()).label("jkk"),
        func.coalesce(Membership.jkm, false()).label("jkm"),
        func.coalesce(Membership.jht, false()).label("jht"),
        exists()
        .where(Certificate.membership_id == Membership.id, Certificate.revoked_at.is_(None))
        .label("card_printed"),
        select(func.max(CardHandover.handed_over_on))
        .join(Certificate, Certificate.id == CardHandover.certificate_id)
        .where(Certificate.membership_id == Membership.id, Certificate.revoked_at.is_(None))
        .scalar_subquery()
        .label("handed_over_on"),
        Kelurahan.name.label("kelurahan"),
        Kecamatan.name.label("kecamatan"),
        Person.kelurahan_code,
        Person.rw,
        Membership.kpj_number,
        select(RenewalDecision.reason_code)
        .where(RenewalDecision.membership_id == Membership.id, RenewalDecision.outcome == RenewalOutcome.NOT_RENEWED)
        .scalar_subquery()
        .label("renewal_reason"),
    )
    .select_from(_PROBE)
    .outerjoin(Person, Person.nik == _PROBE.c.nik)
    .outerjoin(Kelurahan, Kelurahan.code == Person.kelurahan_code)
    .outerjoin(Kecamatan, Kecamatan.code == Kelurahan.kecamatan_code)
    .outerjoin(Membership, Membership.person_id == Person.id)
    .order_by((Membership.status == MembershipStatus.ACTIVE).desc(), Membership.starts_on.desc())
    .limit(1)
    .subquery()
)
_ENTRIES = (
    select(
        literal_column("0").label("from_registry"),
        ListEntry.id,
        ListEntry.full_name,
        ListEntry.name_canonical,
        type_coerce(ListEntry.state, String).label("state"),
        ListEntry.reason_code,
        ListEntry.submitted_at,
        _null(Date).label("starts_on"),
        _null(Date).label("ends_on"),
        _null(Boolean).label("jkk"),
        _null(Boolean).label("jkm"),
        _null(Boolean).label("jht"),
        _null(Boolean).label("card_printed"),
        _null(Date).label("handed_over_on"),
        Kelurahan.name.label("kelurahan"),
        Kecamatan.name.label("kecamatan"),
        ListEntry.kelurahan_code,
        ListEntry.rw,
        _null(String).label("kpj_number"),
        _null(String).label("renewal_reason"),
    )
    .outerjoin(Kelurahan, Kelurahan.code == ListEntry.kelurahan_code)
    .outerjoin(Kecamatan, Kecamatan.code == Kelurahan.kecamatan_code)
    .where(
        ListEntry.nik == _NIK,
        # Three comparisons rather than IN: an IN list is expanded into the SQL again on
        # every execution (SQLAlchemy's "post-compile" step), which this path cannot afford.
        or_(*(ListEntry.state == state for state in (EntryState.PENDING, EntryState.RETURNED, EntryState.REJECTED))),
        # A core query on a bare connection: the ORM's soft-delete filter does not reach it.
        ListEntry.deleted_at.is_(None),
    )
    .order_by(ListEntry.submitted_at.desc(), ListEntry.id.desc())
    .limit(MAX_ENTRIES)
    .subquery()
)
_STATUS_ROWS = union_all(select(_MEMBERSHIP), select(_ENTRIES))


# Compared in place of a registry name or an entry's when a NIK has none; it never answers.
# A name as long as a real one, so the comparison does a real one's work.
_STAND_IN_NAME = canonical_name("Nama Pembanding Kosong")


@dataclass(frozen=True)
class _StandIn:
    """Compared in place of an entry when a NIK has none; it never answers."""

    name_canonical: str = _STAND_IN_NAME


_NO_ENTRIES = (_StandIn(),)


def answer_status_check(nik: str, full_name: str, channel: str, with_contacts: bool = False) -> StatusAnswer:
    """Cek Status for the page and the API: the answer, and a found one in the access history.

    The portal's hottest path: the look-up runs on an autocommit connection (no BEGIN or
    ROLLBACK; a rollback would also drop the connection's prepared statements), and the
    access record joins the next batch of them (audit.record_soon). With `with_contacts`,
    a found answer also names whom in the person's RW to ask, read on the same connection
    (one pool check-out per check, not two).
    """
    answer = _on_reads_engine(lambda connection: _status_with_contacts(nik, full_name, with_contacts, connection))
    if answer.found:
        audit.record_soon(
            "status.checked",
            "person" if answer.person_id else "list_entry",
            answer.person_id or answer.entry_id,
            person_id=answer.person_id,
            actor_name=channel,
            outcome=answer.outcome.value,
            channel=channel,
        )
    return answer


def _status_with_contacts(nik: str, full_name: str, with_contacts: bool, connection: Connection) -> StatusAnswer:
    answer = check_status(nik, full_name, connection=connection)
    if with_contacts and answer.found:
        answer = replace(answer, contacts=kept_area_contacts(answer.kelurahan_code, answer.rw, connection=connection))
    return answer


def _on_reads_engine(read):
    """`read(connection)` on the autocommit "reads" engine, once more on a new connection
    when the pooled one turns out dead (PostgreSQL restarted, failed over, or ended it).

    The reads engine does not ping a connection as it leaves the pool (the default engine
    does, portal/config.py): on the hottest path that ping was one round trip in three.
    SQLAlchemy's optimistic disconnect handling instead: a statement failing on a dead
    connection raises with `connection_invalidated` set, and the pool has by then discarded
    every connection older than the failure, so the second try connects afresh. A read
    changes nothing, so repeating it is safe; a database still down fails the second try
    too, and the visitor gets the calm 503 (portal/main/errors).
    """
    try:
        with db.engines[READS].connect() as connection:
            return read(connection)
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
    with db.engines[READS].connect() as connection:
        return read(connection)


def check_status(
    nik: str, full_name: str, today: date | None = None, connection: Connection | None = None
) -> StatusAnswer:
    """The status of the person with this NIK if `full_name` is theirs, else NOT_FOUND."""
    today = today or clock.today()
    typed = canonical_name(full_name)
    # Every NIK costs the same work, or response times would tell an unknown NIK from a
    # known one with another name: the same statement, one registry row either way, the
    # typed name made canonical once, and the registry name and at least one entry name
    # compared with it (stand-ins' when there is no person or no entry). Stored names are
    # canonical already (their column), so nothing else is computed per request.
    rows = (connection or db.session.connection()).execute(_STATUS_ROWS, {"nik": nik}).all()
    registry = next(r for r in rows if r.from_registry == 1)
    matched = canonical_names_match(typed, registry.name_canonical or _STAND_IN_NAME)
    member = registry if matched and registry.name_canonical else None  # never the stand-in, nor a blanked name
    entries = [r for r in rows if r.from_registry == 0]
    matching = [e for e in entries or _NO_ENTRIES if canonical_names_match(typed, e.name_canonical)]
    entry = matching[0] if entries and matching else None

    if member is not None and member.state is not None:
        membership_answer = _membership_answer(member, today)
        newer_entry = entry is not None and entry.submitted_at is not None and (
            entry.submitted_at.date() > member.starts_on
        )
        if membership_answer.outcome == StatusOutcome.ACTIVE or not newer_entry:
            return membership_answer
    if entry is not None:
        return StatusAnswer(
            StatusOutcome(entry.state),
            masked_name=mask_name(entry.full_name),
            kelurahan=entry.kelurahan,
            kecamatan=entry.kecamatan,
            submitted_on=entry.submitted_at.date() if entry.submitted_at else None,
            reason_code=entry.reason_code,
            entry_id=entry.id,
            kelurahan_code=entry.kelurahan_code,
            rw=entry.rw,
        )
    return NOT_FOUND


_REGISTRY_PERSON = (
    select(Person.id, Person.name_canonical).select_from(_PROBE).outerjoin(Person, Person.nik == _PROBE.c.nik)
)


def matching_person_id(nik: str, full_name: str, connection: Connection | None = None) -> int | None:
    """The registry person with this NIK (or one they are also known by) if `full_name` is
    theirs, matched as Cek Status matches; None otherwise. The same statement and one name
    comparison whether or not the NIK is known, as in check_status."""
    row = (connection or db.session.connection()).execute(_REGISTRY_PERSON, {"nik": nik}).one()
    matched = canonical_names_match(canonical_name(full_name), row.name_canonical or _STAND_IN_NAME)
    return row.id if matched and row.name_canonical else None


def _membership_answer(member, today: date) -> StatusAnswer:
    if member.state == MembershipStatus.ENDED:
        outcome = StatusOutcome.ENDED
    elif member.state == MembershipStatus.EXPIRED or member.ends_on < today:
        outcome = StatusOutcome.EXPIRED
    else:
        outcome = StatusOutcome.ACTIVE
    programmes = tuple(
        name for name, on in (("JKK", member.jkk), ("JKM", member.jkm), ("JHT", member.jht)) if on
    )
    return StatusAnswer(
        outcome,
        masked_name=mask_name(member.full_name),
        kelurahan=member.kelurahan,
        kecamatan=member.kecamatan,
        programmes=programmes,
        starts_on=member.starts_on,
        ends_on=member.ends_on,
        starts_later=outcome == StatusOutcome.ACTIVE and member.starts_on > today,
        card_printed=bool(member.card_printed),
        card_handed_over_on=member.handed_over_on,
        kpj_last4=member.kpj_number[-4:] if member.kpj_number else None,
        renewal_reason=member.renewal_reason,
        person_id=member.id,
        kelurahan_code=member.kelurahan_code,
        rw=member.rw,
    )


# --- Eligibility self-check -------------------------------------------------------------


@dataclass(frozen=True)
class AreaContact:
    """Someone a citizen may ask: their role and area; name and phone only if they agreed."""

    role: str
    area: str
    name: str | None = None
    phone: str | None = None

    @property
    def tel_url(self) -> str | None:
        return tel_url(self.phone) if self.phone else None

    @property
    def whatsapp_url(self) -> str | None:
        return whatsapp_url(self.phone)


@dataclass(frozen=True)
class EligibilityAnswer:
    year: int | None
    findings: list[Finding]
    programmes: list[str]
    contacts: list[AreaContact]
    kelurahan: str

    @property
    def configured(self) -> bool:
        return self.year is not None

    @property
    def likely_eligible(self) -> bool:
        return self.configured and not any(f.is_error for f in self.findings)

    @property
    def reasons(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    @property
    def notes(self) -> list[Finding]:
        return [f for f in self.findings if not f.is_error]


_CONTACTS = (
    select(User.role, User.full_name, User.rw, User.rt, User.phone, User.phone_public, Kelurahan.name.label("kelurahan"))
    .join(Kelurahan, Kelurahan.code == User.kelurahan_code)
    .where(
        User.role.in_(AREA_ROLES),
        User.active.is_(True),
        User.kelurahan_code == bindparam("kelurahan_code"),
        User.rw == bindparam("rw"),
    )
    .order_by(User.role.desc(), User.rt, User.id)
)


def area_contacts(kelurahan_code: str | None, rw: int | None, connection: Connection | None = None) -> list[AreaContact]:
    """The active RT/RW heads and agents bound to this kelurahan and RW.

    Those who agreed to be shown to citizens (`phone_public`) come with their name and
    phone; the others only with their role and area.
    """
    if not kelurahan_code or not rw:
        return []
    rows = (connection or db.session.connection()).execute(_CONTACTS, {"kelurahan_code": kelurahan_code, "rw": rw})
    contacts = []
    for row in rows:
        area = f"{row.kelurahan} RW {row.rw:03d}" + (f" RT {row.rt:03d}" if row.rt else "")
        shown = bool(row.phone_public and row.phone)
        contacts.append(
            AreaContact(
                role=str(_l("Ketua RT/RW") if row.role == Role.RT_RW else _l("Agen Perisai")),
                area=area,
                name=(row.full_name or None) if shown else None,
                phone=row.phone if shown else None,
            )
        )
    return contacts


_KEPT_CONTACTS = "area_contacts"
# Bounds the per-process store of kept contacts (the city has 1,005 RW, in two languages).
_KEPT_CONTACTS_MAX = 4_096


def kept_area_contacts(
    kelurahan_code: str | None, rw: int | None, connection: Connection | None = None
) -> tuple[AreaContact, ...]:
    """area_contacts, read at most once every SITE_SETTINGS_CACHE_SECONDS per RW, language
    and process.

    Every found Cek Status answer names them, and the status check is the portal's hottest
    path: the query and its round trip were a tenth of its work. A change to an account is
    seen at once by the process that made it (`forget_area_contacts`) and within that many
    seconds by the others, as the help settings are.
    """
    kept = current_app.extensions.setdefault(_KEPT_CONTACTS, {})
    key = (current_language(), kelurahan_code, rw)
    found = kept.get(key)
    now = time.monotonic()
    if found is None or found[0] < now:
        if len(kept) >= _KEPT_CONTACTS_MAX:
            kept.clear()
        found = (now + current_app.config["SITE_SETTINGS_CACHE_SECONDS"], tuple(area_contacts(kelurahan_code, rw, connection)))
        kept[key] = found
    return found[1]


def forget_area_contacts() -> None:
    """Drop the contacts this process keeps: an account was added, changed or removed."""
    if has_app_context():
        current_app.extensions.pop(_KEPT_CONTACTS, None)


# What an account's contact line is made of (_CONTACTS); a sign-in's time stamps are not.
_CONTACT_FIELDS = ("role", "active", "full_name", "kelurahan_code", "rw", "rt", "phone", "phone_public")


@event.listens_for(User, "after_insert")
@event.listens_for(User, "after_delete")
def _account_added_or_removed(_mapper, _connection, _user) -> None:
    forget_area_contacts()


@event.listens_for(User, "after_update")
def _account_changed(_mapper, _connection, user) -> None:
    state = inspect(user)
    if any(state.attrs[name].history.has_changes() for name in _CONTACT_FIELDS):
        forget_area_contacts()


def judge_eligibility(
    *,
    kelurahan_code: str,
    rw: int,
    birth_date: date,
    category_code: str,
    desil: int | None,
    employer_covered: bool,
    civil_servant: bool,
    today: date | None = None,
) -> EligibilityAnswer:
    """Judge a visitor's answers by the shared rules of the year in force, and whom to ask."""
    today = today or clock.today()
    programme_year: ProgrammeYear | None = programme_year_for(today)
    kelurahan = db.session.get(Kelurahan, kelurahan_code)
    contacts = area_contacts(kelurahan_code, rw)
    area = f"{kelurahan.name} RW {rw:03d}" if kelurahan else ""
    if programme_year is None:
        return EligibilityAnswer(None, [], [], contacts, area)
    findings = check_eligibility(
        programme_year,
        birth_date=birth_date,
        category_code=category_code,
        desil=desil,
        employer_covered=employer_covered,
        civil_servant=civil_servant,
        today=today,
    )
    setting = category_setting(programme_year, category_code)
    programmes = setting.programmes if setting and setting.eligible else []
    return EligibilityAnswer(programme_year.year, findings, programmes, contacts, area)
