"""Handling requests (issue #22 item 3): who sees which, the queue, the staff's actions, what
an outcome does to the registry, and the figures of the reports (item 5).

The office sees every request; the RT/RW head of a request's area sees it while staff wait
for their answer (state WAITING_AREA), nobody else sees any. Every action is a line on the
request's timeline and an audit event; services flush, the view or command commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, case, exists, false, func, select, true
from sqlalchemy.orm import selectinload

from portal import audit
from portal.access import area_clause, in_area, refuse
from portal.cases.services import day_start
from portal.extensions import db
from portal.models import (
    OFFICE_ROLES,
    Kelurahan,
    ListSource,
    MemberList,
    PersonalDataAction,
    PublicRequest,
    RequestKind,
    RequestEvent,
    RequestOutcome,
    RequestState,
    Role,
    User,
)
from portal.models.base import utcnow
from portal.notifications import events as notification_events
from portal.paging import NumberedPage, numbered_page
from portal.public_requests.kinds import OPEN_STATES, OUTCOME_LABELS, STATE_LABELS
from portal.public_requests.services import add_event

PAGE_SIZE = 25
# Who opens the request desk's pages at all: the office, and RT/RW heads for their area's questions.
DESK_ROLES = frozenset({*OFFICE_ROLES, Role.RT_RW})

EVENT_LABELS = {
    "received": _l("Permintaan diterima"),
    "assigned": _l("Petugas penanggung jawab"),
    "acknowledged": _l("Penerimaan dikonfirmasi"),
    "asked_area": _l("Ditanyakan ke ketua RT/RW"),
    "area_answered": _l("Keterangan ketua RT/RW"),
    "escalated": _l("Diteruskan ke pimpinan"),
    "answered": _l("Jawaban untuk pemohon"),
    "closed": _l("Ditutup"),
    "corrected": _l("Data registri dikoreksi"),
    "case_opened": _l("Kasus kematian dibuka"),
    "entry_drafted": _l("Draf usulan untuk ketua RT/RW"),
}
# What the requester reads on the tracking page for the public lines written here.
ACKNOWLEDGED_TEXT = _l("Permintaan Anda sudah kami terima dan sedang diperiksa petugas.")
# The list a "should be covered" request's draft entries go to, one per head.
DRAFT_LIST_TITLE = "Usulan dari meja permintaan"
# The registry correction kinds: "my data is wrong", and a personal-data request to correct.
CORRECTION_KINDS = frozenset({RequestKind.DATA_WRONG, RequestKind.PERSONAL_DATA})
_REFERENCE = re.compile(r"^(?:PM)?-?(?:(\d{4})-)?0*(\d{1,9})$")


class RequestError(ValueError):
    """A change the desk refuses; the message is for the person who asked."""


@dataclass(frozen=True)
class RequestFilters:
    kind: RequestKind | None = None
    state: RequestState | None = None
    kecamatan: str | None = None
    kelurahan: str | None = None
    overdue: bool = False
    reference: str | None = None
    page: int = 1


# --- who sees what ---------------------------------------------------------------------------

def visible_clause(user: User) -> ColumnElement[bool]:
    """The requests `user` may open: the office all, an RT/RW head those of their area that
    staff asked them about (and only while asked), anyone else none."""
    if user.is_office:
        return true()
    if user.role == Role.RT_RW:
        return area_clause(user, PublicRequest) & (PublicRequest.state == RequestState.WAITING_AREA)
    return false()


def request_or_404(request_id: int, user: User) -> PublicRequest:
    """The request if the user may open it; 404 (and an access.refused event) otherwise."""
    found = db.session.scalar(db.select(PublicRequest).where(PublicRequest.id == request_id, visible_clause(user)))
    if found is None:
        if db.session.get(PublicRequest, request_id) is not None:
            refuse(reason="area", record="public_request", record_id=request_id)
        abort(404)
    return found


def note_view(request: PublicRequest, actor: User) -> None:
    """Opening a request about a registry person enters that person's access history."""
    audit.record("request.view", "public_request", request.id, person_id=request.subject_person_id, actor=actor)


# --- deadlines -------------------------------------------------------------------------------

def aware(moment: datetime | None) -> datetime | None:
    """A stored moment as an aware UTC datetime (SQLite hands back naive UTC)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def acknowledgement_overdue(request: PublicRequest, now: datetime | None = None) -> bool:
    """A request with an acknowledging deadline (UU PDP's 3x24 hours) not acknowledged in time."""
    return (request.acknowledge_due_at is not None and request.acknowledged_at is None
            and request.state in OPEN_STATES and (now or utcnow()) > aware(request.acknowledge_due_at))


def is_overdue(request: PublicRequest, now: datetime | None = None) -> bool:
    """Still open past its answer deadline, or not acknowledged past its acknowledging one."""
    now = now or utcnow()
    return request.state in OPEN_STATES and (now > aware(request.due_at) or acknowledgement_overdue(request, now))


def age_days(request: PublicRequest, now: datetime | None = None) -> int:
    """Whole days since the request was received (the queue's "age")."""
    return max(0, ((now or utcnow()) - aware(request.received_at)).days)


def overdue_clause(now: datetime) -> ColumnElement[bool]:
    """`is_overdue` in SQL."""
    unacknowledged = (PublicRequest.acknowledge_due_at.is_not(None) & PublicRequest.acknowledged_at.is_(None)
                      & (PublicRequest.acknowledge_due_at < now))
    return PublicRequest.state.in_(OPEN_STATES) & ((PublicRequest.due_at < now) | unacknowledged)


# --- the queue -------------------------------------------------------------------------------

def parse_reference(text: str) -> tuple[int | None, int] | None:
    """(year or None, id) from a reference as staff type it (PM-2026-00012, 2026-12, 12); None if it is none."""
    match = _REFERENCE.match("".join((text or "").upper().split()))
    if match is None:
        return None
    return (int(match.group(1)) if match.group(1) else None), int(match.group(2))


def list_requests(user: User, filters: RequestFilters, now: datetime | None = None) -> NumberedPage:
    """One page of the requests the user may see, the nearest deadline first, filtered in SQL."""
    now = now or utcnow()
    query = db.select(PublicRequest).where(visible_clause(user))
    if filters.kind:
        query = query.where(PublicRequest.kind == filters.kind)
    if filters.state:
        query = query.where(PublicRequest.state == filters.state)
    if filters.kelurahan:
        query = query.where(PublicRequest.kelurahan_code == filters.kelurahan)
    elif filters.kecamatan:
        query = query.where(PublicRequest.kelurahan_code.in_(
            db.select(Kelurahan.code).where(Kelurahan.kecamatan_code == filters.kecamatan)
        ))
    if filters.overdue:
        query = query.where(overdue_clause(now))
    if filters.reference:
        year, request_id = parse_reference(filters.reference) or (None, 0)
        query = query.where(PublicRequest.id == request_id)
        if year:
            query = query.where(PublicRequest.received_at >= datetime(year, 1, 1, tzinfo=timezone.utc),
                                PublicRequest.received_at < datetime(year + 1, 1, 1, tzinfo=timezone.utc))
    # Closed and answered requests go after the open ones; among each, the nearest deadline first.
    done_last = db.case((PublicRequest.state.in_(OPEN_STATES), 0), else_=1)
    query = query.order_by(done_last, PublicRequest.due_at, PublicRequest.id).options(
        selectinload(PublicRequest.assignee)
    )
    return numbered_page(query, filters.page, PAGE_SIZE)


def place_names(requests: list[PublicRequest]) -> dict[str, str]:
    """kelurahan code -> "Kelurahan, Kecamatan" for the requests on a page, in one query."""
    from portal.models import Kecamatan

    codes = {r.kelurahan_code for r in requests if r.kelurahan_code}
    if not codes:
        return {}
    rows = db.session.execute(
        db.select(Kelurahan.code, Kelurahan.name, Kecamatan.name)
        .join(Kecamatan, Kecamatan.code == Kelurahan.kecamatan_code).where(Kelurahan.code.in_(codes))
    )
    return {code: f"{name}, {kecamatan}" for code, name, kecamatan in rows}


def overdue_count(user: User, now: datetime | None = None) -> int:
    return db.session.scalar(
        db.select(db.func.count(PublicRequest.id)).where(visible_clause(user), overdue_clause(now or utcnow()))
    )


def office_users() -> list[User]:
    """Accounts a request may be assigned to."""
    return list(db.session.scalars(
        db.select(User).where(User.role.in_(OFFICE_ROLES), User.active.is_(True)).order_by(User.username)
    ))


def area_heads(request: PublicRequest) -> list[User]:
    """The active RT/RW heads whose area holds the request's address."""
    if not request.kelurahan_code or request.rw is None:
        return []
    heads = db.session.scalars(
        db.select(User).where(User.role == Role.RT_RW, User.active.is_(True),
                              User.kelurahan_code == request.kelurahan_code, User.rw == request.rw)
        .order_by(User.rt.is_not(None), User.id)
    )
    return [head for head in heads if in_area(head, request.kelurahan_code, request.rw, request.rt)]


# --- the actions -----------------------------------------------------------------------------

def _record(action: str, request: PublicRequest, actor: User, **details) -> None:
    audit.record(f"request.{action}", "public_request", request.id, person_id=request.subject_person_id,
                 actor=actor, **details)


def _require_open(request: PublicRequest) -> None:
    if request.state not in OPEN_STATES:
        raise RequestError(_l("Permintaan ini sudah %(state)s.", state=STATE_LABELS[request.state]))


def _require_office(actor: User) -> None:
    if not actor.is_office:
        raise RequestError(_l("Hanya petugas kantor yang dapat melakukan ini."))


def _require_supervisor_when_escalated(request: PublicRequest, actor: User) -> None:
    if request.state == RequestState.ESCALATED and actor.role != Role.ADMIN:
        raise RequestError(_l("Permintaan ini sudah diteruskan ke pimpinan: hanya admin yang dapat menjawab atau menutupnya."))


def _start(request: PublicRequest) -> None:
    """A new request that someone works on is in progress."""
    if request.state == RequestState.NEW:
        request.state = RequestState.IN_PROGRESS


def assign(request: PublicRequest, assignee: User, actor: User) -> None:
    """Make an office account answerable for the request (the actor themself: "take it")."""
    _require_office(actor)
    _require_open(request)
    if not assignee.is_office or not assignee.active:
        raise RequestError(_l("Penanggung jawab harus petugas kantor yang aktif."))
    if assignee.id == request.assignee_id:
        raise RequestError(_l("Petugas ini sudah menjadi penanggung jawab."))
    request.assignee_id = assignee.id
    _start(request)
    add_event(request, actor, "assigned", state=request.state, note=assignee.username)
    _record("assign", request, actor, assignee_id=assignee.id)


def acknowledge(request: PublicRequest, actor: User, now: datetime | None = None) -> None:
    """Tell the requester the request is received and being checked (UU PDP: within 3x24 hours)."""
    _require_office(actor)
    _require_open(request)
    if request.acknowledged_at is not None:
        raise RequestError(_l("Penerimaan permintaan ini sudah dikonfirmasi."))
    now = now or utcnow()
    request.acknowledged_at = now
    _start(request)
    add_event(request, actor, "acknowledged", state=request.state, note=str(ACKNOWLEDGED_TEXT), public=True, at=now)
    _record("acknowledge", request, actor, late=request.acknowledge_due_at is not None and now > aware(request.acknowledge_due_at))


def ask_area(request: PublicRequest, question: str, actor: User) -> list[User]:
    """Ask the RT/RW head of the request's area; they see it until they answer. Returns the heads."""
    _require_office(actor)
    _require_open(request)
    if request.state == RequestState.WAITING_AREA:
        raise RequestError(_l("Permintaan ini sudah menunggu keterangan ketua RT/RW."))
    if not question.strip():
        raise RequestError(_l("Tuliskan apa yang ditanyakan ke ketua RT/RW."))
    heads = area_heads(request)
    if not heads:
        raise RequestError(_l("Belum ada akun ketua RT/RW yang aktif untuk wilayah permintaan ini."))
    request.state = RequestState.WAITING_AREA
    add_event(request, actor, "asked_area", state=request.state, note=question.strip()[:2000])
    _record("ask_area", request, actor, heads=[head.id for head in heads])
    return heads


def asked_by_area(since: datetime | None) -> list:
    """Requests waiting for their area's RT/RW head, per request address (kelurahan_code, rw,
    rt): how many (`waiting`) and how many staff asked about after `since` (`new`): the heads'
    daily digest."""
    asked_since = (
        exists().where(RequestEvent.request_id == PublicRequest.id, RequestEvent.action == "asked_area",
                       RequestEvent.occurred_at > since)
        if since is not None else true()
    )
    return db.session.execute(
        select(PublicRequest.kelurahan_code, PublicRequest.rw, PublicRequest.rt, func.count(PublicRequest.id).label("waiting"),
               func.count(case((asked_since, 1))).label("new"))
        .where(PublicRequest.state == RequestState.WAITING_AREA)
        .group_by(PublicRequest.kelurahan_code, PublicRequest.rw, PublicRequest.rt)
    ).all()


def answer_from_area(request: PublicRequest, note: str, head: User) -> None:
    """The area's head answers staff's question; the request goes back to the office."""
    if request.state != RequestState.WAITING_AREA or not (
        head.role == Role.RT_RW and in_area(head, request.kelurahan_code, request.rw, request.rt)
    ):
        raise RequestError(_l("Permintaan ini tidak sedang menunggu keterangan Anda."))
    if not note.strip():
        raise RequestError(_l("Tuliskan keterangan Anda."))
    request.state = RequestState.IN_PROGRESS
    add_event(request, head, "area_answered", state=request.state, note=note.strip()[:2000])
    _record("area_answer", request, head)


def escalate(request: PublicRequest, reason: str, actor: User) -> None:
    """Hand the request to a supervisor (an admin), who answers and closes it from then on."""
    _require_office(actor)
    _require_open(request)
    if request.state == RequestState.ESCALATED:
        raise RequestError(_l("Permintaan ini sudah diteruskan ke pimpinan."))
    if not reason.strip():
        raise RequestError(_l("Tuliskan alasan meneruskan ke pimpinan."))
    request.state, request.escalated_at = RequestState.ESCALATED, utcnow()
    add_event(request, actor, "escalated", state=request.state, note=reason.strip()[:2000])
    _record("escalate", request, actor)


def answer(request: PublicRequest, text: str, actor: User, now: datetime | None = None) -> None:
    """Give the answer in the words the requester reads on the tracking page."""
    _require_office(actor)
    _require_open(request)
    _require_supervisor_when_escalated(request, actor)
    if not text.strip():
        raise RequestError(_l("Tuliskan jawaban untuk pemohon."))
    now = now or utcnow()
    request.answer, request.answered_at, request.state = text.strip()[:4000], now, RequestState.ANSWERED
    # An answer is an acknowledgement too: the requester knows it was received.
    request.acknowledged_at = request.acknowledged_at or now
    add_event(request, actor, "answered", state=request.state, note=request.answer, public=True, at=now)
    _record("answer", request, actor, on_time=now <= aware(request.due_at))
    # The requester gave the phone as the contact for this request: one text says an answer
    # is waiting on the tracking page (no code, no NIK, no answer text in the message).
    notification_events.request_answered(request, "requests_public.track")


def close(request: PublicRequest, outcome: RequestOutcome, note: str, actor: User) -> None:
    """Close an answered request with its outcome."""
    _require_office(actor)
    if request.state == RequestState.CLOSED:
        raise RequestError(_l("Permintaan ini sudah %(state)s.", state=STATE_LABELS[request.state]))
    if request.state != RequestState.ANSWERED:
        raise RequestError(_l("Tulis jawaban untuk pemohon sebelum menutup permintaan."))
    request.outcome, request.state, request.closed_at = outcome, RequestState.CLOSED, utcnow()
    add_event(request, actor, "closed", state=request.state,
              note=" · ".join(filter(None, (str(OUTCOME_LABELS[outcome]), note.strip()[:2000]))))
    _record("close", request, actor, outcome=outcome.value)


# --- outcomes that act on the registry (each confirmed by staff first) -----------------------

def takes_correction(request: PublicRequest) -> bool:
    """A "my data is wrong" request, or a personal-data request to correct, about a registry person."""
    if request.kind not in CORRECTION_KINDS or request.subject_person_id is None:
        return False
    return request.kind == RequestKind.DATA_WRONG or request.data_action == PersonalDataAction.CORRECT


def apply_correction(request: PublicRequest, changes: dict, reason: str, actor: User) -> list[str]:
    """Apply the approved (and maybe edited) values through the registry's audited correction;
    the timeline and the request's audit event keep each changed field's before and after."""
    from portal.registry.services import RegistryError, correct_person

    _require_office(actor)
    _require_open(request)
    if not takes_correction(request):
        raise RequestError(_l("Permintaan ini bukan koreksi data seorang peserta di registri."))
    person = request.subject_person
    before = {name: getattr(person, name) for name in changes}
    try:
        changed = correct_person(person, changes, f"{request.reference}: {reason.strip()}"[:300] if reason.strip() else "", actor)
    except RegistryError as error:
        raise RequestError(str(error)) from None
    values = {name: {"before": _text(before[name]), "after": _text(getattr(person, name))} for name in changed}
    add_event(request, actor, "corrected", state=request.state,
              note="\n".join(f"{name}: {value['before']} → {value['after']}" for name, value in values.items()))
    _record("correct", request, actor, fields=changed, changes=values)
    return changed


def _text(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, date):
        return value.isoformat()
    return str(getattr(value, "value", value))


def proposed_values(request: PublicRequest) -> dict:
    """The requester's proposed values for fields the registry's correction knows, read into
    the types the correction form holds (a value that does not read is left out)."""
    from portal.registry.services import CORRECTABLE_FIELDS

    values = {}
    for name, value in (request.proposed_changes or {}).items():
        if name not in CORRECTABLE_FIELDS or value in (None, ""):
            continue
        try:
            if name == "birth_date":
                values[name] = date.fromisoformat(str(value))
            elif name in ("rw", "rt", "monthly_income"):
                values[name] = int(value)
            else:
                values[name] = " ".join(str(value).split())
        except ValueError:
            continue
    return values


def takes_death_case(request: PublicRequest) -> bool:
    return request.kind == RequestKind.DIED_OR_MOVED and request.subject_person_id is not None and request.case_id is None


def open_death_case(request: PublicRequest, died_on: date, place: str, contact_phone: str, actor: User):
    """Open a death case in the case desk for the request's person, linked to the request."""
    from portal.cases import services as cases

    _require_office(actor)
    _require_open(request)
    if not takes_death_case(request):
        raise RequestError(_l("Kasus kematian hanya dibuka untuk laporan meninggal dunia tentang peserta di registri, sekali."))
    report = cases.CaseReport(kind=cases.CaseKind.DEATH, occurred_on=died_on, place=place,
                              chronology=f"{request.reference}: {request.description}"[:2000], contact_phone=contact_phone)
    try:
        case = cases.report_case(actor, report, request.subject_person)
    except cases.CaseError as error:
        raise RequestError(str(error)) from None
    request.case_id = case.id
    add_event(request, actor, "case_opened", state=request.state, note=case.reference)
    _record("case", request, actor, case_id=case.id)
    return case


def takes_draft_entry(request: PublicRequest) -> bool:
    return (request.kind == RequestKind.SHOULD_BE_COVERED and request.list_entry_id is None
            and bool(request.subject_nik) and bool(request.kelurahan_code) and request.rw is not None)


def draft_entry(request: PublicRequest, actor: User):
    """Put the proposed person on a draft list of the area's head, who completes and submits it."""
    from portal.lists import services as lists

    _require_office(actor)
    _require_open(request)
    if not takes_draft_entry(request):
        raise RequestError(_l("Draf usulan dibuat sekali, untuk permintaan 'seharusnya terlindungi' dengan NIK dan wilayah."))
    heads = area_heads(request)
    if not heads:
        raise RequestError(_l("Belum ada akun ketua RT/RW yang aktif untuk wilayah permintaan ini."))
    head = heads[0]
    member_list = db.session.scalar(
        db.select(MemberList).where(MemberList.created_by_id == head.id, MemberList.title == DRAFT_LIST_TITLE,
                                    MemberList.submitted_at.is_(None)).limit(1)
    )
    if member_list is None:
        member_list = MemberList(title=DRAFT_LIST_TITLE, kelurahan_code=request.kelurahan_code, rw=request.rw,
                                 rt=head.rt, source=ListSource.INLINE, created_by=head)
        db.session.add(member_list)
        db.session.flush()
        audit.record("list.create", "member_list", member_list.id, actor=actor, via="public_request")
    raw = {"nik": request.subject_nik, "full_name": request.subject_name or "",
           "rt": str(request.rt) if request.rt is not None else "", "phone": ""}
    entry = lists.add_entry(member_list, raw, actor)
    request.list_entry_id = entry.id
    add_event(request, actor, "entry_drafted", state=request.state, note=f"{member_list.title} ({head.username})")
    _record("draft_entry", request, actor, list_id=member_list.id, entry_id=entry.id)
    return entry


# --- figures (item 5: the dashboard's section and /statistik) --------------------------------

@dataclass(frozen=True)
class RequestFigures:
    """A year's requests in fine groups (kind x state x kecamatan; answered ones with their hours
    to answer and whether on time) from which the dashboard and /statistik add up what they show."""

    year: int
    # (kind, state, kecamatan code) -> requests received in the year
    received: dict[tuple[RequestKind, RequestState, str], int]
    # kecamatan code -> open requests overdue now
    overdue_by_kecamatan: dict[str, int]
    # (kind, kecamatan code, hours from receipt to answer, answered by the deadline)
    answers: tuple[tuple[RequestKind, str, float, bool], ...]
    # kecamatan code -> name, for the table
    kecamatan_names: dict[str, str]

    def narrowed(self, kecamatan_code: str | None) -> RequestFigures:
        """The same figures for one kecamatan (all of them when None)."""
        if not kecamatan_code:
            return self
        return RequestFigures(
            self.year,
            {key: n for key, n in self.received.items() if key[2] == kecamatan_code},
            {code: n for code, n in self.overdue_by_kecamatan.items() if code == kecamatan_code},
            tuple(a for a in self.answers if a[1] == kecamatan_code),
            {code: name for code, name in self.kecamatan_names.items() if code == kecamatan_code},
        )

    @property
    def received_total(self) -> int:
        return sum(self.received.values())

    def count(self, kind: RequestKind, state: RequestState) -> int:
        return sum(n for (k, s, _), n in self.received.items() if k == kind and s == state)

    def received_of(self, kind: RequestKind | None = None, kecamatan_code: str | None = None) -> int:
        return sum(n for (k, _, code), n in self.received.items()
                   if (kind is None or k == kind) and (kecamatan_code is None or code == kecamatan_code))

    def answered_of(self, kind: RequestKind | None = None, kecamatan_code: str | None = None) -> int:
        return sum(1 for k, code, _, _ in self.answers
                   if (kind is None or k == kind) and (kecamatan_code is None or code == kecamatan_code))

    def on_time_of(self, kind: RequestKind | None = None, kecamatan_code: str | None = None) -> int:
        return sum(1 for k, code, _, on_time in self.answers
                   if on_time and (kind is None or k == kind) and (kecamatan_code is None or code == kecamatan_code))

    @property
    def overdue(self) -> int:
        return sum(self.overdue_by_kecamatan.values())

    @property
    def median_days_to_answer(self) -> float | None:
        hours = sorted(a[2] for a in self.answers)
        if not hours:
            return None
        middle = len(hours) // 2
        median = hours[middle] if len(hours) % 2 else (hours[middle - 1] + hours[middle]) / 2
        return round(median / 24, 1)

    @property
    def kecamatan_rows(self) -> list[tuple[str, str]]:
        """(code, name) of the kecamatan with requests, by name."""
        codes = {code for _, _, code in self.received} | set(self.overdue_by_kecamatan)
        return sorted(((code, self.kecamatan_names.get(code, code)) for code in codes), key=lambda row: row[1])


# Requests without an address (an "other" request) are counted under this key.
NO_AREA = ""


def request_figures(year: int, now: datetime | None = None, *, kecamatan_code: str | None = None) -> RequestFigures:
    """Requests received in `year` by kind, state and kecamatan, overdue now, and the answered
    ones' time to answer and whether by the deadline; counted in SQL, narrowed to a kecamatan."""
    from portal.models import Kecamatan

    start, end = (day_start(date(y, 1, 1)).astimezone(timezone.utc) for y in (year, year + 1))
    in_year = (PublicRequest.received_at >= start) & (PublicRequest.received_at < end)
    kecamatan = db.func.coalesce(Kelurahan.kecamatan_code, NO_AREA)
    area = db.select(PublicRequest).outerjoin(Kelurahan, Kelurahan.code == PublicRequest.kelurahan_code)
    received = {
        (kind, state, code): n for kind, state, code, n in db.session.execute(
            area.with_only_columns(PublicRequest.kind, PublicRequest.state, kecamatan, db.func.count(PublicRequest.id))
            .where(in_year).group_by(PublicRequest.kind, PublicRequest.state, kecamatan)
        )
    }
    overdue = dict(db.session.execute(
        area.with_only_columns(kecamatan, db.func.count(PublicRequest.id))
        .where(overdue_clause(now or utcnow())).group_by(kecamatan)
    ).all())
    answers = tuple(
        (kind, code, (aware(answered) - aware(received_at)).total_seconds() / 3600, aware(answered) <= aware(due))
        for kind, code, received_at, answered, due in db.session.execute(
            area.with_only_columns(PublicRequest.kind, kecamatan, PublicRequest.received_at,
                                   PublicRequest.answered_at, PublicRequest.due_at)
            .where(in_year, PublicRequest.answered_at.is_not(None))
        )
    )
    names = dict(db.session.execute(db.select(Kecamatan.code, Kecamatan.name)).all())
    names[NO_AREA] = str(_l("Tanpa wilayah"))
    return RequestFigures(year, received, overdue, answers, names).narrowed(kecamatan_code)
