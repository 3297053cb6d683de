"""The case desk's rules: who may report and see a case, cover on the day, states, due dates, outcome.

A case is about one registry person, found by NIK (with the KTP name as second factor for
anyone outside the office) or by KPJ number. Its area is the person's address when it was
reported: RT/RW heads and agents see their area's cases, a partner facility's accounts the
cases their facility reported, the office every case. Every change is a timeline event and
an audit event; services flush, the view or command commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from flask import abort, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, false, true
from sqlalchemy.orm import selectinload

from portal import audit, clock
from portal.access import area_clause, in_area, refuse
from portal.extensions import db
from portal.models import (
    OFFICE_ROLES,
    Case,
    CaseDocumentType,
    CaseEvent,
    CaseKind,
    CaseState,
    EndReason,
    Kelurahan,
    Membership,
    MembershipStatus,
    PartnerFacility,
    Person,
    Role,
    User,
)
from portal.models.base import utcnow
from portal.names import same_person_name
from portal.notifications import events as notification_events
from portal.paging import NumberedPage, numbered_page

KIND_LABELS = {
    CaseKind.ACCIDENT: _l("Kecelakaan kerja (JKK)"),
    CaseKind.DEATH: _l("Kematian (JKM)"),
}
STATE_LABELS = {
    CaseState.REPORTED: _l("Dilaporkan"),
    CaseState.STAGE_ONE: _l("Dikirim ke BPJS: tahap I"),
    CaseState.STAGE_TWO: _l("Dikirim ke BPJS: tahap II"),
    CaseState.DOCUMENTS_COMPLETE: _l("Dokumen lengkap"),
    CaseState.PAID: _l("Manfaat dibayar"),
    CaseState.REFUSED: _l("Ditolak BPJS"),
    CaseState.WITHDRAWN: _l("Dibatalkan"),
}
EVENT_LABELS = {
    "reported": _l("Kasus dilaporkan"),
    "state": _l("Status diubah"),
    "assigned": _l("Petugas penanggung jawab"),
    "note": _l("Catatan"),
    "document": _l("Dokumen diunggah"),
    "outcome": _l("Hasil dicatat"),
    "death_confirmed": _l("Kematian dikonfirmasi, kepesertaan diakhiri"),
}
# Benefits BPJS pays (PP 44/2015, PP 82/2019), for the outcome.
BENEFIT_KINDS = {
    "jkm_death": _l("Santunan kematian JKM"),
    "jkk_care": _l("Biaya perawatan dan pengobatan JKK"),
    "jkk_stmb": _l("Santunan sementara tidak mampu bekerja (STMB)"),
    "jkk_disability": _l("Santunan cacat JKK"),
    "jkk_death": _l("Santunan kematian karena kecelakaan kerja"),
    "other": _l("Manfaat lain"),
}
OPEN_STATES = (CaseState.REPORTED, CaseState.STAGE_ONE, CaseState.STAGE_TWO, CaseState.DOCUMENTS_COMPLETE)
CLOSED_STATES = (CaseState.PAID, CaseState.REFUSED, CaseState.WITHDRAWN)
# The states staff set by hand; paid and refused come with the outcome form.
MANUAL_STATES = (*OPEN_STATES, CaseState.WITHDRAWN)
REPORTER_ROLES = frozenset({*OFFICE_ROLES, Role.RT_RW, Role.AGENT, Role.HOSPITAL})
PAGE_SIZE = 25


class CaseError(ValueError):
    """A change the case desk refuses; the message is for the person who asked."""


@dataclass(frozen=True)
class CaseReport:
    """The facts of a report, as the form read them."""

    kind: CaseKind
    occurred_on: date
    place: str
    chronology: str
    contact_phone: str
    nik: str | None = None
    name: str | None = None
    kpj: str | None = None
    heir_name: str | None = None
    heir_phone: str | None = None
    treating_facility_id: int | None = None
    phone_consent: bool = False  # the contact and the heir agree to be told when the case moves


@dataclass(frozen=True)
class CaseFilters:
    kind: CaseKind | None = None
    state: CaseState | None = None
    overdue: bool = False
    kecamatan: str | None = None
    page: int = 1


def stage_one_hours() -> int:
    return current_app.config["CASE_STAGE_ONE_HOURS"]


def programme_of(kind: CaseKind) -> str:
    return "JKK" if kind == CaseKind.ACCIDENT else "JKM"


# --- who sees what ---------------------------------------------------------------------------

def visible_clause(user: User) -> ColumnElement[bool]:
    """The cases `user` may open: the office all, a facility its own reports, others their area."""
    if user.is_office:
        return true()
    if user.role == Role.HOSPITAL:
        return Case.reporter_facility_id == user.facility_id if user.facility_id else false()
    if user.role in (Role.RT_RW, Role.AGENT):
        return area_clause(user, Case)
    return false()


def case_or_404(case_id: int, user: User) -> Case:
    """The case if the user may open it; 404 (and an access.refused event) otherwise."""
    case = db.session.scalar(db.select(Case).where(Case.id == case_id, visible_clause(user)))
    if case is None:
        if db.session.get(Case, case_id) is not None:
            refuse(reason="area", record="benefit_case", record_id=case_id)
        abort(404)
    return case


def handles_documents(user: User, case: Case) -> bool:
    """Documents go to the office and to the account that reported the case, nobody else."""
    return user.is_office or case.reported_by_id == user.id


# --- reporting -------------------------------------------------------------------------------

def find_person(user: User, *, nik: str | None, name: str | None, kpj: str | None) -> Person | None:
    """The registry person a reporter means, or None (unknown, wrong name, or outside their area).

    Outside the office the KTP name must match a NIK (a NIK alone proves nothing), and an
    RT/RW head or agent finds only people whose address lies in their area.
    """
    if kpj:
        person = db.session.scalar(
            db.select(Person).join(Membership, Membership.person_id == Person.id).where(Membership.kpj_number == kpj).limit(1)
        )
    elif nik:
        person = db.session.scalar(db.select(Person).where(Person.nik == nik))
        if person is not None and not user.is_office and not same_person_name(name or "", person.name_canonical):
            return None
    else:
        return None
    if person is None:
        return None
    if user.role in (Role.RT_RW, Role.AGENT) and not in_area(user, person.kelurahan_code, person.rw, person.rt):
        return None
    return person


def aware(moment: datetime) -> datetime:
    """A stored moment as an aware UTC datetime (SQLite hands back naive UTC)."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _local_day(moment: datetime) -> date:
    return aware(moment).astimezone(clock.CITY_TIMEZONE).date()


def cover_on(person_id: int, day: date, kind: CaseKind) -> Membership | None:
    """The membership that covered the person on `day` for the kind's programme, if any.

    A membership covers its period with JKK (accidents) or JKM (deaths); one ended by staff
    covers up to the day it ended.
    """
    programme = Membership.jkk if kind == CaseKind.ACCIDENT else Membership.jkm
    candidates = db.session.scalars(
        db.select(Membership)
        .where(Membership.person_id == person_id, Membership.starts_on <= day, Membership.ends_on >= day, programme.is_(True))
        .order_by(Membership.starts_on.desc())
    ).all()
    for membership in candidates:
        if membership.status != MembershipStatus.ENDED or membership.ended_at is None:
            return membership
        if membership.end_reason == EndReason.DECEASED or _local_day(membership.ended_at) >= day:
            # A death ends cover on the day of death (which is what it is reported for).
            return membership
    return None


def report_case(user: User, report: CaseReport, person: Person, now: datetime | None = None) -> Case:
    """Open a case for `person` with the report's facts, its cover on that day and its stage I due time."""
    if user.role not in REPORTER_ROLES:
        raise CaseError(_l("Akun ini tidak dapat melaporkan kasus."))
    now = now or utcnow()
    if report.occurred_on > _local_day(now):
        raise CaseError(_l("Tanggal kejadian tidak boleh setelah hari ini."))
    membership = cover_on(person.id, report.occurred_on, report.kind)
    facility_id = user.facility_id if user.role == Role.HOSPITAL else None
    case = Case(
        kind=report.kind,
        state=CaseState.REPORTED,
        person_id=person.id,
        kelurahan_code=person.kelurahan_code,
        rw=person.rw,
        rt=person.rt,
        membership_id=membership.id if membership else None,
        covered=membership is not None,
        occurred_on=report.occurred_on,
        place=report.place,
        chronology=report.chronology,
        contact_phone=report.contact_phone,
        heir_name=(report.heir_name or None) if report.kind == CaseKind.DEATH else None,
        heir_phone=(report.heir_phone or None) if report.kind == CaseKind.DEATH else None,
        phone_consent=report.phone_consent,
        treating_facility_id=facility_id or report.treating_facility_id,
        reported_by_id=user.id,
        reporter_facility_id=facility_id,
        reported_at=now,
        stage_one_due_at=now + timedelta(hours=stage_one_hours()),
    )
    db.session.add(case)
    db.session.flush()
    _event(case, user, "reported", state=CaseState.REPORTED, at=now)
    audit.record(
        "case.report", "benefit_case", case.id, person_id=person.id, actor=user,
        kind=case.kind.value, covered=case.covered, membership_id=case.membership_id,
    )
    return case


def _event(case: Case, actor: User | None, action: str, *, state: CaseState | None = None, note: str | None = None,
           at: datetime | None = None) -> CaseEvent:
    event = CaseEvent(
        case_id=case.id, occurred_at=at or utcnow(), actor_id=actor.id if actor else None,
        actor_name=(actor.username if actor else "system")[:64], action=action, state=state, note=note or None,
    )
    db.session.add(event)
    case.events.append(event)
    return event


# --- following a case ------------------------------------------------------------------------

def is_overdue(case: Case, now: datetime | None = None) -> bool:
    """Still not sent to BPJS (stage I) after its due time."""
    return case.state == CaseState.REPORTED and (now or utcnow()) > aware(case.stage_one_due_at)


def overdue_clause(now: datetime) -> ColumnElement[bool]:
    return (Case.state == CaseState.REPORTED) & (Case.stage_one_due_at < now)


def _require_open(case: Case) -> None:
    if case.state in CLOSED_STATES:
        raise CaseError(_l("Kasus ini sudah ditutup (%(state)s).", state=STATE_LABELS[case.state]))


def change_state(case: Case, state: CaseState, note: str, actor: User) -> None:
    """Move an open case to another open state or withdraw it, with an optional note."""
    _require_open(case)
    if state not in MANUAL_STATES:
        raise CaseError(_l("Status dibayar atau ditolak dicatat lewat formulir hasil."))
    if state == case.state:
        raise CaseError(_l("Kasus ini sudah berstatus %(state)s.", state=STATE_LABELS[state]))
    if state == CaseState.WITHDRAWN and not note.strip():
        raise CaseError(_l("Tuliskan alasan pembatalan kasus."))
    previous = case.state
    case.state = state
    if state == CaseState.WITHDRAWN:
        case.closed_at = utcnow()
    _event(case, actor, "state", state=state, note=note.strip()[:2000])
    notification_events.case_changed(case)
    audit.record("case.state", "benefit_case", case.id, person_id=case.person_id, actor=actor,
                 previous=previous.value, state=state.value)


def assign(case: Case, assignee: User | None, actor: User) -> None:
    """Make an office account answerable for the case (or nobody)."""
    if assignee is not None and not assignee.is_office:
        raise CaseError(_l("Penanggung jawab harus petugas kantor."))
    if (assignee.id if assignee else None) == case.assignee_id:
        raise CaseError(_l("Petugas ini sudah menjadi penanggung jawab."))
    case.assignee_id = assignee.id if assignee else None
    _event(case, actor, "assigned", note=assignee.username if assignee else "-")
    audit.record("case.assign", "benefit_case", case.id, person_id=case.person_id, actor=actor,
                 assignee_id=case.assignee_id)


def add_note(case: Case, note: str, actor: User) -> None:
    """A note on the timeline (a call with the family, what BPJS said)."""
    if not note.strip():
        raise CaseError(_l("Tuliskan catatannya."))
    _event(case, actor, "note", note=note.strip()[:2000])
    audit.record("case.note", "benefit_case", case.id, person_id=case.person_id, actor=actor)


def office_users() -> list[User]:
    """Accounts that may be made answerable for a case."""
    return list(db.session.scalars(
        db.select(User).where(User.role.in_(OFFICE_ROLES), User.active.is_(True)).order_by(User.username)
    ))


# --- outcome ---------------------------------------------------------------------------------

def record_payment(case: Case, paid_on: date, amount: int, benefit_kind: str, actor: User) -> None:
    """BPJS paid: the day, the amount (rupiah) and what it paid; the case is closed."""
    _require_open(case)
    if benefit_kind not in BENEFIT_KINDS:
        raise CaseError(_l("Pilih jenis manfaat yang dibayar."))
    if amount <= 0:
        raise CaseError(_l("Jumlah yang dibayar harus lebih dari nol."))
    if paid_on < case.occurred_on or paid_on > clock.today():
        raise CaseError(_l("Tanggal pembayaran harus antara tanggal kejadian dan hari ini."))
    case.paid_on, case.paid_amount, case.benefit_kind = paid_on, amount, benefit_kind
    case.state, case.closed_at = CaseState.PAID, utcnow()
    _event(case, actor, "outcome", state=CaseState.PAID, note=f"{BENEFIT_KINDS[benefit_kind]}: Rp {amount:,}".replace(",", "."))
    notification_events.case_changed(case)
    audit.record("case.paid", "benefit_case", case.id, person_id=case.person_id, actor=actor,
                 paid_on=paid_on.isoformat(), amount=amount, benefit_kind=benefit_kind)


def record_refusal(case: Case, reason: str, actor: User) -> None:
    """BPJS refused the claim, with its reason; the case is closed."""
    _require_open(case)
    if not reason.strip():
        raise CaseError(_l("Tuliskan alasan penolakan dari BPJS."))
    case.refusal_reason = reason.strip()[:2000]
    case.state, case.closed_at = CaseState.REFUSED, utcnow()
    _event(case, actor, "outcome", state=CaseState.REFUSED, note=case.refusal_reason)
    notification_events.case_changed(case)
    audit.record("case.refused", "benefit_case", case.id, person_id=case.person_id, actor=actor)


def confirm_death(case: Case, actor: User) -> list[Membership]:
    """Staff confirmed the death: the person's active cover ends (deceased, on the day of death).

    Through the registry's ending (portal.memberships.services.end_membership), so a
    renewal already carried into next year ends too and the de-registration file reports it.
    """
    from portal.memberships.services import end_membership

    if case.kind != CaseKind.DEATH:
        raise CaseError(_l("Hanya kasus kematian yang mengakhiri kepesertaan."))
    if case.death_confirmed_at is not None:
        raise CaseError(_l("Kematian ini sudah dikonfirmasi."))
    if case.state == CaseState.WITHDRAWN:
        raise CaseError(_l("Kasus ini sudah dibatalkan."))
    active = db.session.scalars(
        db.select(Membership)
        .where(Membership.person_id == case.person_id, Membership.status == MembershipStatus.ACTIVE)
        .order_by(Membership.starts_on)
    ).all()
    note = f"{case.reference}"
    ended = []
    for membership in active:
        if membership.status != MembershipStatus.ACTIVE:  # ended already as part of a renewal chain
            continue
        end_membership(membership, EndReason.DECEASED, case.occurred_on, note)
        audit.record("membership.end", "membership", membership.id, person_id=membership.person_id, actor=actor,
                     number=membership.number, reason=EndReason.DECEASED.value, via="case", case_id=case.id)
        ended.append(membership)
    case.death_confirmed_at = utcnow()
    _event(case, actor, "death_confirmed", note=", ".join(m.number for m in ended) or "-")
    audit.record("case.death_confirmed", "benefit_case", case.id, person_id=case.person_id, actor=actor,
                 memberships=[m.id for m in ended], date_of_death=case.occurred_on.isoformat())
    return ended


# --- the list --------------------------------------------------------------------------------

def list_cases(user: User, filters: CaseFilters, now: datetime | None = None) -> NumberedPage:
    """One page of the cases the user may see, newest report first, filtered in SQL."""
    now = now or utcnow()
    query = db.select(Case).where(visible_clause(user))
    if filters.kind:
        query = query.where(Case.kind == filters.kind)
    if filters.state:
        query = query.where(Case.state == filters.state)
    if filters.overdue:
        query = query.where(overdue_clause(now))
    if filters.kecamatan:
        query = query.where(Case.kelurahan_code.in_(
            db.select(Kelurahan.code).where(Kelurahan.kecamatan_code == filters.kecamatan)
        ))
    # The page shows each case's person and kelurahan: loaded with the page, not row by row.
    query = query.order_by(Case.reported_at.desc(), Case.id.desc()).options(
        selectinload(Case.person).selectinload(Person.kelurahan)
    )
    return numbered_page(query, filters.page, PAGE_SIZE)


def overdue_count(user: User, now: datetime | None = None) -> int:
    return db.session.scalar(
        db.select(db.func.count(Case.id)).where(visible_clause(user), overdue_clause(now or utcnow()))
    )


def active_facilities() -> list[PartnerFacility]:
    return list(db.session.scalars(db.select(PartnerFacility).where(PartnerFacility.active.is_(True)).order_by(PartnerFacility.name)))


def note_view(case: Case, actor: User) -> None:
    """Opening a case enters the person's access history."""
    audit.record("case.view", "benefit_case", case.id, person_id=case.person_id, actor=actor)


# --- the checklist ---------------------------------------------------------------------------

def checklist(kind: CaseKind, *, include_inactive: bool = False) -> list[CaseDocumentType]:
    """The documents a kind of case needs, in the admins' order."""
    column = CaseDocumentType.for_accident if kind == CaseKind.ACCIDENT else CaseDocumentType.for_death
    query = db.select(CaseDocumentType).where(column.is_(True))
    if not include_inactive:
        query = query.where(CaseDocumentType.active.is_(True))
    return list(db.session.scalars(query.order_by(CaseDocumentType.sort_order, CaseDocumentType.id)))


def all_document_types() -> list[CaseDocumentType]:
    return list(db.session.scalars(db.select(CaseDocumentType).order_by(CaseDocumentType.sort_order, CaseDocumentType.id)))


def missing_documents(case: Case) -> list[CaseDocumentType]:
    have = {document.type_id for document in case.documents}
    return [item for item in checklist(case.kind) if item.id not in have]


# The starting checklist (issue 21 item 3); admins edit it on /kasus/syarat-dokumen.
DEFAULT_CHECKLIST = (
    ("ktp", "KTP peserta", "Participant's identity card (KTP)", True, True),
    ("kk", "Kartu Keluarga (KK)", "Family card (KK)", True, True),
    ("kronologi", "Kronologi kecelakaan", "Accident chronology", True, False),
    ("resume_medis", "Resume medis", "Medical summary", True, False),
    ("surat_kematian", "Surat keterangan kematian", "Death certificate", False, True),
    ("ahli_waris", "Surat keterangan ahli waris", "Heirship letter", False, True),
    ("buku_tabungan", "Buku tabungan", "Bank book", True, True),
)


def seed_checklist() -> int:
    """Add the starting checklist items that are missing (by code); how many were added."""
    known = set(db.session.scalars(db.select(CaseDocumentType.code)))
    added = 0
    for order, (code, name_id, name_en, accident, death) in enumerate(DEFAULT_CHECKLIST, start=1):
        if code in known:
            continue
        db.session.add(CaseDocumentType(code=code, name_id=name_id, name_en=name_en, for_accident=accident,
                                        for_death=death, sort_order=order * 10, active=True))
        added += 1
    db.session.flush()
    return added


def save_document_type(item: CaseDocumentType | None, values: dict, actor: User) -> CaseDocumentType:
    """Add a checklist item or change one (the code never changes once made)."""
    if item is None:
        if db.session.scalar(db.select(CaseDocumentType.id).where(CaseDocumentType.code == values["code"])):
            raise CaseError(_l("Kode dokumen ini sudah dipakai."))
        item = CaseDocumentType(code=values["code"])
        db.session.add(item)
    changed = [name for name in ("name_id", "name_en", "for_accident", "for_death", "sort_order", "active")
               if getattr(item, name) != values[name]]
    for name in changed:
        setattr(item, name, values[name])
    db.session.flush()
    audit.record("case.checklist", "case_document_type", item.id, actor=actor, code=item.code, fields=changed)
    return item


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.CITY_TIMEZONE)


def kpj_of(case: Case) -> str | None:
    """The person's BPJS participant number (KPJ), from the covering membership or any other."""
    if case.membership is not None and case.membership.kpj_number:
        return case.membership.kpj_number
    return db.session.scalar(
        db.select(Membership.kpj_number)
        .where(Membership.person_id == case.person_id, Membership.kpj_number.is_not(None))
        .order_by(Membership.starts_on.desc()).limit(1)
    )


def note_print(case: Case, actor: User) -> None:
    """Printing the case report for BPJS enters the person's access history."""
    audit.record("case.print", "benefit_case", case.id, person_id=case.person_id, actor=actor)


def cases_of(person: Person) -> list[Case]:
    """A person's cases, newest first (the registry's member page)."""
    return list(db.session.scalars(db.select(Case).where(Case.person_id == person.id).order_by(Case.reported_at.desc())))


# --- figures (issue 21 item 6: the case desk's page, the dashboard, the monthly PDF, /statistik) ---

@dataclass(frozen=True)
class PaidMonth:
    month: str  # "2026-03"
    kecamatan: str
    count: int
    amount: int


@dataclass(frozen=True)
class PaidGroup:
    """Benefits paid in one month (its first day), kecamatan and kind of case."""

    month: date
    kecamatan_code: str
    kecamatan: str
    kind: CaseKind
    count: int
    amount: int


@dataclass(frozen=True)
class CaseFigures:
    """A year's case figures in fine groups (kind x state x kecamatan, month x kecamatan x kind,
    days to payment x kecamatan), from which every page adds up what it shows, any kecamatan
    included (`narrowed`): one count, many views. Plain values: the reports cache them."""

    year: int
    computed_at: datetime
    # (kind, state, kecamatan code) -> cases reported in the year
    reported: dict[tuple[CaseKind, CaseState, str], int]
    # kecamatan code -> cases overdue now
    overdue_by_kecamatan: dict[str, int]
    # (kecamatan code, days from report to payment) -> paid cases reported in the year
    waits: dict[tuple[str, int], int]
    paid_groups: tuple[PaidGroup, ...]

    def narrowed(self, kecamatan_code: str | None) -> CaseFigures:
        """The same figures for one kecamatan (all of them when None)."""
        if not kecamatan_code:
            return self
        return CaseFigures(
            self.year, self.computed_at,
            {key: n for key, n in self.reported.items() if key[2] == kecamatan_code},
            {code: n for code, n in self.overdue_by_kecamatan.items() if code == kecamatan_code},
            {key: n for key, n in self.waits.items() if key[0] == kecamatan_code},
            tuple(g for g in self.paid_groups if g.kecamatan_code == kecamatan_code),
        )

    @property
    def overdue(self) -> int:
        return sum(self.overdue_by_kecamatan.values())

    @property
    def median_days_to_payment(self) -> float | None:
        days: dict[int, int] = {}
        for (_, wait), n in self.waits.items():
            days[wait] = days.get(wait, 0) + n
        count = sum(days.values())
        if not count:
            return None

        def nth(position: int) -> int:  # the position-th smallest wait, from 0
            seen = 0
            for wait in sorted(days):
                seen += days[wait]
                if position < seen:
                    return wait
            raise IndexError(position)

        middle = count // 2
        return float(nth(middle)) if count % 2 else (nth(middle - 1) + nth(middle)) / 2

    @property
    def by_kind_and_state(self) -> dict[tuple[CaseKind, CaseState], int]:
        totals: dict[tuple[CaseKind, CaseState], int] = {}
        for (kind, state, _), n in self.reported.items():
            totals[kind, state] = totals.get((kind, state), 0) + n
        return totals
    def count(self, kind: CaseKind, state: CaseState) -> int:
        return self.by_kind_and_state.get((kind, state), 0)

    def total(self, kind: CaseKind) -> int:
        return sum(n for (k, _, _), n in self.reported.items() if k == kind)

    @property
    def reported_total(self) -> int:
        return sum(self.reported.values())

    def reported_in(self, kecamatan_code: str, kind: CaseKind) -> int:
        return sum(n for (k, _, code), n in self.reported.items() if k == kind and code == kecamatan_code)

    def paid_in(self, kecamatan_code: str, kind: CaseKind) -> tuple[int, int]:
        """(cases paid, rupiah) of one kind in one kecamatan."""
        groups = [g for g in self.paid_groups if g.kind == kind and g.kecamatan_code == kecamatan_code]
        return sum(g.count for g in groups), sum(g.amount for g in groups)

    @property
    def paid(self) -> list[PaidMonth]:
        """Benefits paid per month and kecamatan (the case desk's table)."""
        months: dict[tuple[str, str], list[int]] = {}
        for group in self.paid_groups:
            totals = months.setdefault((f"{group.month:%Y-%m}", group.kecamatan), [0, 0])
            totals[0] += group.count
            totals[1] += group.amount
        return [PaidMonth(month, kecamatan, count, amount) for (month, kecamatan), (count, amount) in sorted(months.items())]

    @property
    def paid_per_month(self) -> list[tuple[date, int, int]]:
        """(month, cases paid, rupiah) per month (the dashboard and the monthly PDF)."""
        months: dict[date, list[int]] = {}
        for group in self.paid_groups:
            totals = months.setdefault(group.month, [0, 0])
            totals[0] += group.count
            totals[1] += group.amount
        return [(month, count, amount) for month, (count, amount) in sorted(months.items())]

    @property
    def paid_count(self) -> int:
        return sum(g.count for g in self.paid_groups)

    @property
    def paid_amount(self) -> int:
        return sum(g.amount for g in self.paid_groups)


def case_figures(year: int, now: datetime | None = None, *, kecamatan_code: str | None = None,
                 through: date | None = None) -> CaseFigures:
    """Cases reported in `year` by kind, state and kecamatan, overdue now, days from report to
    payment, and benefits paid (count and rupiah) per month, kecamatan and kind; counted in SQL.

    `through` stops the year at that day (the monthly report: reports and payments up to the
    month's end); `kecamatan_code` narrows the figures to one kecamatan. Overdue is always
    counted now: a past day's states are not kept. The reports cache this count
    (portal.reports.services.report_cases); the case desk's own page counts it live.
    """
    from portal.models import Kecamatan

    first, last = date(year, 1, 1), date(year, 12, 31)
    if through is not None:
        last = min(last, through)
    # In UTC: SQLite stores naive UTC and would compare a Makassar-aware bound by its wall time.
    start, end = (day_start(day).astimezone(timezone.utc) for day in (first, last + timedelta(days=1)))
    in_year = (Case.reported_at >= start) & (Case.reported_at < end)
    kecamatan = Kelurahan.kecamatan_code
    reported = {
        (kind, state, code): count
        for kind, state, code, count in db.session.execute(
            db.select(Case.kind, Case.state, kecamatan, db.func.count(Case.id))
            .join(Kelurahan, Kelurahan.code == Case.kelurahan_code)
            .where(in_year)
            .group_by(Case.kind, Case.state, kecamatan)
        )
    }
    overdue = dict(db.session.execute(
        db.select(kecamatan, db.func.count(Case.id))
        .join(Kelurahan, Kelurahan.code == Case.kelurahan_code)
        .where(overdue_clause(now or utcnow()))
        .group_by(kecamatan)
    ).all())
    # Days from the report's (Makassar) day to the payment day, for the year's paid cases.
    waits: dict[tuple[str, int], int] = {}
    for code, paid_on, reported_at in db.session.execute(
        db.select(kecamatan, Case.paid_on, Case.reported_at)
        .join(Kelurahan, Kelurahan.code == Case.kelurahan_code)
        .where(in_year, Case.state == CaseState.PAID, Case.paid_on.is_not(None), Case.paid_on <= last)
    ):
        key = (code, (paid_on - _local_day(reported_at)).days)
        waits[key] = waits.get(key, 0) + 1
    paid_rows = db.session.execute(
        db.select(Case.paid_on, Kecamatan.code, Kecamatan.name, Case.kind, db.func.count(Case.id),
                  db.func.coalesce(db.func.sum(Case.paid_amount), 0))
        .join(Kelurahan, Kelurahan.code == Case.kelurahan_code)
        .join(Kecamatan, Kecamatan.code == Kelurahan.kecamatan_code)
        .where(Case.state == CaseState.PAID, Case.paid_on >= first, Case.paid_on <= last)
        .group_by(Case.paid_on, Kecamatan.code, Kecamatan.name, Case.kind)
    ).all()
    groups: dict[tuple[date, str, str, CaseKind], list[int]] = {}
    for paid_on, code, name, kind, count, amount in paid_rows:
        totals = groups.setdefault((paid_on.replace(day=1), code, name, kind), [0, 0])
        totals[0] += count
        totals[1] += int(amount)
    paid = tuple(
        PaidGroup(month, code, name, kind, count, amount)
        for (month, code, name, kind), (count, amount) in sorted(groups.items(), key=lambda item: (item[0][0], item[0][2], item[0][3].value))
    )
    figures = CaseFigures(year, datetime.now(timezone.utc), reported, overdue, waits, paid)
    return figures.narrowed(kecamatan_code)
