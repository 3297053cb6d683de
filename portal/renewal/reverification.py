"""Re-verification ("masih layak?") before the year ends, and the members whose cover ends soon.

RT/RW heads and agents answer for the members of their own area; staff see the whole city
and decide for the members nobody answered for. A death, a move or employer cover ends the
membership at once with that reason and date (the BPJS de-registration file reads ended
memberships); a confirmed member is renewed by the next renewal run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, func, insert, select, true
from sqlalchemy.orm import aliased, selectinload

from portal import clock
from portal import audit
from portal.access import area_clause
from portal.extensions import db
from portal.models import (
    EndReason,
    Membership,
    MembershipStatus,
    Person,
    ProgrammeYear,
    RenewalDecision,
    Reverification,
    ReverificationAnswer,
    User,
)
from portal.memberships.services import end_membership
from portal.models.base import utcnow
from portal.paging import NumberedPage, numbered_page

PAGE_SIZE = 25
EXPIRY_WARNING_DAYS = 60

ANSWER_LABELS = {
    ReverificationAnswer.CONFIRMED: _l("Masih layak: masih tinggal di sini dan masih bekerja sebagai ini"),
    ReverificationAnswer.DECEASED: _l("Meninggal dunia"),
    ReverificationAnswer.MOVED_AWAY: _l("Pindah domisili"),
    ReverificationAnswer.EMPLOYER_COVERED: _l("Sekarang ditanggung pemberi kerja"),
    ReverificationAnswer.OTHER: _l("Lainnya"),
}
SHORT_LABELS = {
    ReverificationAnswer.CONFIRMED: _l("Masih layak"),
    ReverificationAnswer.DECEASED: _l("Meninggal"),
    ReverificationAnswer.MOVED_AWAY: _l("Pindah"),
    ReverificationAnswer.EMPLOYER_COVERED: _l("Pemberi kerja"),
    ReverificationAnswer.OTHER: _l("Lainnya"),
}
# Answers that end the membership on the reported day.
ENDING = {
    ReverificationAnswer.DECEASED: EndReason.DECEASED,
    ReverificationAnswer.MOVED_AWAY: EndReason.MOVED_AWAY,
    ReverificationAnswer.EMPLOYER_COVERED: EndReason.EMPLOYER_COVERED,
}
NEEDS_DATE = (ReverificationAnswer.DECEASED, ReverificationAnswer.MOVED_AWAY)
FILTERS = ("belum", "semua")  # unanswered (default), all


class ReverificationError(ValueError):
    """An answer that cannot be taken; the message is for the person answering."""


@dataclass(frozen=True)
class Window:
    """When this year's re-verification list opens (a setting of the year)."""

    year: int
    opens_on: date

    def is_open(self, today: date) -> bool:
        return self.opens_on <= today <= date(self.year, 12, 31)


def window(today: date | None = None) -> Window:
    today = today or clock.today()
    settings = db.session.get(ProgrammeYear, today.year)
    days = settings.reverification_opens_days_before_end if settings else 42
    return Window(today.year, date(today.year, 12, 31) - timedelta(days=days))


def _in_force(query, year: int):
    """`query` (from Membership) joined to person and answer, kept to the active memberships
    of `year` still in force at its end."""
    return (
        query
        .join(Person, Person.id == Membership.person_id)
        .outerjoin(Reverification, Reverification.membership_id == Membership.id)
        .where(
            Membership.year == year,
            Membership.status == MembershipStatus.ACTIVE,
            Membership.ends_on >= date(year, 12, 31),
        )
    )


def _members(user: User, year: int):
    """Active memberships of `year` still in force at its end, in the user's area."""
    return _in_force(select(Membership, Person, Reverification), year).where(area_clause(user, Person))


def waiting_by_area(since: datetime | None, today: date | None = None) -> list:
    """Members still to re-confirm while this year's window is open, per member address
    (kelurahan_code, rw, rt): how many (`waiting`) and how many are news after `since` (`new`:
    all of them when the window opened after `since`, else the memberships made since):
    the heads' daily digest. Nothing while the window is closed."""
    today = today or clock.today()
    current = window(today)
    if not current.is_open(today):
        return []
    opened_since = since is None or since.astimezone(clock.CITY_TIMEZONE).date() < current.opens_on
    newer = true() if opened_since else Membership.created_at > since
    query = select(Person.kelurahan_code, Person.rw, Person.rt, func.count(Membership.id).label("waiting"),
                   func.count(case((newer, 1))).label("new")).select_from(Membership)
    return db.session.execute(
        _in_force(query, current.year).where(Reverification.id.is_(None)).group_by(Person.kelurahan_code, Person.rw, Person.rt)
    ).all()


def members_page(user: User, year: int, only_unanswered: bool, number: int, size: int = PAGE_SIZE) -> NumberedPage:
    """A page of the user's members to re-verify (by RW, RT and name), unanswered ones only by default."""
    query = (
        _members(user, year)
        .options(selectinload(Person.category))
        .order_by(Person.kelurahan_code, Person.rw, Person.rt, Person.name_key, Membership.id)
    )
    if only_unanswered:
        query = query.where(Reverification.id.is_(None))
    return numbered_page(query, number, size, rows=True)


def counts(user: User, year: int) -> dict[str, int]:
    """How many of the user's members are answered, and how many wait."""
    rows = db.session.execute(
        _members(user, year).with_only_columns(Reverification.answer, db.func.count()).group_by(Reverification.answer)
    ).all()
    result = {"unanswered": 0, "answered": 0}
    for answer, count in rows:
        result["unanswered" if answer is None else "answered"] += count
    return result


def membership_in_area_or_none(user: User, membership_id: int, year: int):
    """(membership, person, reverification) if it is one of the user's members of `year`."""
    return db.session.execute(_members(user, year).where(Membership.id == membership_id)).first()


def answer(user: User, membership: Membership, value: ReverificationAnswer, event_date: date | None, note: str, today: date | None = None) -> Reverification:
    """Record one member's answer; a death, move or employer cover ends the membership (audited)."""
    today = today or clock.today()
    note = (note or "").strip()
    if value in NEEDS_DATE and event_date is None:
        raise ReverificationError(_("Isi tanggalnya (meninggal atau pindah)."))
    if event_date is not None and (event_date > today or event_date < membership.starts_on):
        raise ReverificationError(_("Tanggal harus di dalam masa kepesertaan dan tidak di masa depan."))
    if value == ReverificationAnswer.OTHER and not note:
        raise ReverificationError(_("Tuliskan keterangannya."))
    record = db.session.scalar(select(Reverification).where(Reverification.membership_id == membership.id))
    if record is None:
        record = Reverification(membership_id=membership.id)
        db.session.add(record)
    record.answer, record.event_date, record.note = value, event_date, note[:500] or None
    record.answered_by_id, record.answered_at = user.id, utcnow()
    ends = ENDING.get(value)
    if ends is None and value == ReverificationAnswer.OTHER and user.is_office:
        ends = EndReason.OTHER  # staff answering "other" decide: the membership ends
    if ends is not None:
        end_membership(membership, ends, event_date or today, note)
    audit.record(
        "reverification.answer", "membership", membership.id, person_id=membership.person_id, actor=user,
        answer=value.value, event_date=event_date.isoformat() if event_date else None,
        ended=ends.value if ends else None,
    )
    db.session.flush()
    return record


def unanswered_ids(user: User, year: int) -> list[int]:
    query = _members(user, year).where(Reverification.id.is_(None)).with_only_columns(Membership.id, Membership.person_id)
    return db.session.execute(query).all()


def confirm_all(user: User, year: int, expected: int) -> int:
    """Confirm every unanswered member of the user's area at once ("semua masih layak").

    Refused when the count changed since the confirmation page showed it.
    """
    waiting = unanswered_ids(user, year)
    if len(waiting) != expected:
        raise ReverificationError(_("Jumlah anggota yang belum dijawab berubah (sekarang %(count)d). Periksa lagi lalu konfirmasi.", count=len(waiting)))
    if not waiting:
        return 0
    now = utcnow()
    db.session.execute(insert(Reverification), [
        {"membership_id": membership_id, "answer": ReverificationAnswer.CONFIRMED, "answered_by_id": user.id, "answered_at": now}
        for membership_id, _person in waiting
    ])
    audit.record_many(
        [
            {"action": "reverification.answer", "target_type": "membership", "target_id": membership_id,
             "person_id": person_id, "details": {"answer": "confirmed", "bulk": True}}
            for membership_id, person_id in waiting
        ],
        actor=user,
    )
    return len(waiting)


# -- Expiry warnings -------------------------------------------------------------------------


def ending_clause(today: date, days: int):
    """Active memberships ending within `days` of `today` whose person holds no active cover
    after them (a renewal already made leaves nothing to warn of)."""
    later = aliased(Membership)
    return and_(
        Membership.status == MembershipStatus.ACTIVE,
        Membership.ends_on >= today,
        Membership.ends_on <= today + timedelta(days=days),
        ~exists().where(
            and_(later.person_id == Membership.person_id, later.status == MembershipStatus.ACTIVE, later.ends_on > Membership.ends_on)
        ),
    )


def _expiring(user: User, today: date):
    """Active memberships in the user's area ending within 60 days, with nothing after them."""
    return (
        select(Membership, Person, Reverification, RenewalDecision)
        .join(Person, Person.id == Membership.person_id)
        .outerjoin(Reverification, Reverification.membership_id == Membership.id)
        .outerjoin(RenewalDecision, RenewalDecision.membership_id == Membership.id)
        .where(ending_clause(today, EXPIRY_WARNING_DAYS), area_clause(user, Person))
    )


def expiring_page(user: User, number: int, today: date | None = None, size: int = PAGE_SIZE) -> NumberedPage:
    """Members whose cover ends within 60 days and who hold nothing after it, soonest first."""
    query = _expiring(user, today or clock.today()).order_by(
        Membership.ends_on, Person.rw, Person.rt, Person.name_key, Membership.id
    )
    return numbered_page(query, number, size, rows=True)


def expiring_count(user: User, today: date | None = None) -> int:
    """How many of the user's members lose cover within 60 days (the start page's warning)."""
    query = _expiring(user, today or clock.today())
    return db.session.scalar(query.with_only_columns(db.func.count(), maintain_column_froms=True))


def renewal_need(membership: Membership, reverification: Reverification | None, decision: RenewalDecision | None) -> str:
    """What is needed to renew one expiring member, in words."""
    from portal.renewal.services import REASON_LABELS

    if membership.ends_on < date(membership.year, 12, 31):
        # Only cover running to the end of its budget year is carried into the next.
        return _("Masa ini berakhir sebelum akhir tahun anggaran: usulkan lagi melalui daftar usulan bila masih layak.")
    if decision is not None and decision.outcome.value == "not_renewed":
        return _("Tidak diperpanjang: %(reason)s.", reason=REASON_LABELS.get(decision.reason_code, decision.reason_code))
    if reverification is None:
        return _("Jawab \"Masih layak?\" untuk anggota ini.")
    if reverification.answer == ReverificationAnswer.OTHER:
        return _("Menunggu keputusan petugas Dinas.")
    return _("Sudah dikonfirmasi; diperpanjang pada proses perpanjangan tahunan.")
