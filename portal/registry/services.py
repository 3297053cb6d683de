"""The member registry: finding people, their whole history, corrections and ending cover."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from sqlalchemy.orm import selectinload

from portal import audit, clock
from portal.memberships import services as membership_services
from portal.extensions import db
from portal.models import (
    AuditEvent,
    EndReason,
    ListEntry,
    Membership,
    MembershipStatus,
    Person,
    User,
)
from portal.names import canonical_name, name_key, name_search
from portal.paging import keyset_page
from portal.validation import same_phone

PAGE_SIZE = 50

END_REASONS = {
    EndReason.DECEASED.value: _l("Meninggal dunia"),
    EndReason.MOVED_AWAY.value: _l("Pindah domisili"),
    EndReason.EMPLOYER_COVERED.value: _l("Kini didaftarkan pemberi kerja"),
    EndReason.OTHER.value: _l("Alasan lain"),
}

AUDIT_LABELS = {
    "person.view": _l("Melihat data"),
    "person.search": _l("Menemukan lewat pencarian"),
    "entry.view": _l("Melihat usulan"),
    "entry.nik_reveal": _l("Melihat NIK lengkap usulan"),
    "privacy.report": _l("Membuat laporan data pribadi"),
    "print": _l("Mencetak kartu atau sertifikat"),
    "person.correct": _l("Mengoreksi data"),
    "dtsen.flag": _l("Ditandai keluar dari sasaran (pembaruan DTSEN)"),
    "dtsen.flag_cleared": _l("Tanda keluar dari sasaran ditutup otomatis"),
    "dtsen.decision": _l("Keputusan tinjauan DTSEN"),
    "entry.approve": _l("Menyetujui usulan"),
    "entry.reject": _l("Menolak usulan"),
    "entry.return": _l("Mengembalikan usulan"),
    "membership.end": _l("Mengakhiri keanggotaan"),
    "certificate.print": _l("Mencetak sertifikat"),
    "bpjs.export": _l("Mengirim data ke BPJS"),
    "bpjs.kpj": _l("Mencatat nomor KPJ dari BPJS"),
    "hospital.lookup": _l("Dicek oleh fasilitas kesehatan mitra"),
    "case.report": _l("Melaporkan kasus kecelakaan atau kematian"),
    "case.view": _l("Melihat kasus"),
    "case.state": _l("Mengubah status kasus"),
    "case.assign": _l("Menunjuk penanggung jawab kasus"),
    "case.note": _l("Menambah catatan kasus"),
    "case.paid": _l("Mencatat manfaat dibayar"),
    "case.refused": _l("Mencatat penolakan klaim"),
    "case.death_confirmed": _l("Mengonfirmasi kematian"),
    "case.document.upload": _l("Mengunggah dokumen kasus"),
    "case.document.download": _l("Mengunduh dokumen kasus"),
    "case.print": _l("Mencetak laporan kasus untuk BPJS"),
    # The request desk (portal.public_requests.handling): requests about the person.
    "request.view": _l("Melihat permintaan warga tentang orang ini"),
    "request.assign": _l("Menunjuk penanggung jawab permintaan"),
    "request.acknowledge": _l("Mengonfirmasi penerimaan permintaan"),
    "request.ask_area": _l("Menanyakan permintaan ke ketua RT/RW"),
    "request.area_answer": _l("Keterangan ketua RT/RW atas permintaan"),
    "request.escalate": _l("Meneruskan permintaan ke pimpinan"),
    "request.answer": _l("Menjawab permintaan"),
    "request.close": _l("Menutup permintaan"),
    "request.correct": _l("Mengoreksi data atas permintaan"),
    "request.case": _l("Membuka kasus kematian atas permintaan"),
    "request.draft_entry": _l("Membuat draf usulan atas permintaan"),
}

# Fields staff may correct, in the order the form shows them. The NIK is not among them:
# a wrong NIK is a different person, handled by rejecting and proposing again.
CORRECTABLE_FIELDS = (
    "full_name",
    "birth_date",
    "sex",
    "kelurahan_code",
    "rw",
    "rt",
    "street",
    "phone",
    "phone_consent",
    "kk_number",
    "category_code",
    "occupation",
    "monthly_income",
)


class RegistryError(ValueError):
    """A registry change that cannot be made; the message is for the staff member."""


@dataclass(frozen=True)
class MemberSearch:
    nik: str | None = None
    name: str | None = None
    kelurahan: str | None = None
    category: str | None = None
    status: str | None = None


def search_members(search: MemberSearch, after_id: int | None = None, size: int = PAGE_SIZE):
    """People matching the search, by id, one keyset page at a time; and whether more follow."""
    query = db.select(Person)
    if search.nik:
        query = query.where(Person.nik == search.nik)
    if search.name:
        query = query.where(_name_matches(search.name))
    if search.kelurahan:
        query = query.where(Person.kelurahan_code == search.kelurahan)
    if search.category:
        query = query.where(Person.category_code == search.category)
    if search.status == "none":
        query = query.where(~db.select(Membership.id).where(Membership.person_id == Person.id).exists())
    elif search.status in {s.value for s in MembershipStatus}:
        query = query.where(
            db.select(Membership.id)
            .where(Membership.person_id == Person.id, Membership.status == search.status)
            .exists()
        )
    if after_id:
        query = query.where(Person.id > after_id)
    query = query.options(
        selectinload(Person.kelurahan), selectinload(Person.category), selectinload(Person.memberships)
    )
    return keyset_page(query.order_by(Person.id), size)


def _name_matches(name: str):
    """People whose name holds the typed words in order, as typed or in canonical form."""
    return name_search(name, Person.name_canonical, Person.name_key)


@dataclass
class MemberHistory:
    entries: list[ListEntry]
    memberships: list[Membership]
    events: list[AuditEvent]


def member_history(person: Person) -> MemberHistory:
    """Everything the registry knows about a person: entries, memberships, the audit trail."""
    entries = db.session.scalars(
        db.select(ListEntry)
        .where((ListEntry.person_id == person.id) | (ListEntry.nik == person.nik))
        .order_by(ListEntry.id.desc())
    ).all()
    events = db.session.scalars(
        db.select(AuditEvent)
        .where(AuditEvent.person_id == person.id)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(500)
    ).all()
    return MemberHistory(entries=list(entries), memberships=list(person.memberships), events=list(events))


HOUSEHOLD_LIMIT = 30


def household_members(kk_number: str | None, exclude_person_id: int | None = None) -> list[Person]:
    """The registry's persons on the same family card (KK), by name; none without a KK."""
    if not kk_number:
        return []
    query = db.select(Person).where(Person.kk_number == kk_number).options(selectinload(Person.memberships))
    if exclude_person_id is not None:
        query = query.where(Person.id != exclude_person_id)
    return list(db.session.scalars(query.order_by(Person.full_name, Person.id).limit(HOUSEHOLD_LIMIT)))


def note_view(person: Person, actor: User) -> None:
    """Write the access history (UU PDP): who opened this person's record."""
    audit.record("person.view", "person", person.id, person_id=person.id, actor=actor)


def note_search(people: list[Person], actor: User) -> None:
    """A search by NIK or name shows each person found: each enters their access history."""
    for person in people:
        audit.record("person.search", "person", person.id, person_id=person.id, actor=actor)


def correct_person(person: Person, changes: dict, reason: str, actor: User) -> list[str]:
    """Apply staff corrections with a reason; return the names of the fields that changed."""
    if not reason.strip():
        raise RegistryError(_("Tuliskan alasan koreksi."))
    changes = dict(changes)
    if "phone" in changes and not same_phone(changes["phone"], person.phone):
        # A consent was given for the old number: the new one needs its own.
        changes.setdefault("phone_consent", False)
    if not changes.get("phone", person.phone):
        changes["phone_consent"] = False
    changed = []
    for name in CORRECTABLE_FIELDS:
        if name in changes and getattr(person, name) != changes[name]:
            setattr(person, name, changes[name])
            changed.append(name)
    if not changed:
        raise RegistryError(_("Tidak ada data yang berubah."))
    if "full_name" in changed:
        person.name_key = name_key(person.full_name)
        person.name_canonical = canonical_name(person.full_name)
    audit.record(
        "person.correct",
        "person",
        person.id,
        person_id=person.id,
        actor=actor,
        fields=changed,
        reason=reason.strip()[:300],
        # Consent is recorded as given or withdrawn; the number itself never enters the trail.
        **({"phone_consent": person.phone_consent} if "phone_consent" in changed else {}),
    )
    return changed


def end_membership(membership: Membership, reason: str, note: str, actor: User) -> None:
    """End an active membership today (deceased, moved away, employer cover, other) with a
    reason, as staff do from the person's page (portal.memberships.services.end_membership)."""
    if membership.status != MembershipStatus.ACTIVE:
        raise RegistryError(_("Keanggotaan %(number)s sudah tidak aktif.", number=membership.number))
    if reason not in END_REASONS:
        raise RegistryError(_("Pilih alasan berakhirnya keanggotaan."))
    if reason == EndReason.OTHER and not note.strip():
        raise RegistryError(_("Tuliskan alasan berakhirnya keanggotaan."))
    # Cover ends today (the ledger stops counting after it), renewals into next year with it.
    membership_services.end_membership(membership, EndReason(reason), clock.today(), note.strip())
    audit.record(
        "membership.end",
        "membership",
        membership.id,
        person_id=membership.person_id,
        actor=actor,
        number=membership.number,
        reason=reason,
    )
