"""Cards ready for an RW, their hand-over to members, and the signed receipt list (tanda terima).

A card is ready for its RW once staff printed it (a PrintRecord of the card, single or in a
batch) and it is the membership's valid certificate of an active membership. Who may see it
follows the member's address (portal.access.area_clause on Person): the head of the RW
where the member lives hands it out.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, exists, func, select, true
from sqlalchemy.orm import selectinload

from portal import clock
from portal import audit
from portal.access import area_clause
from portal.extensions import db
from portal.models import (
    CardHandover,
    Certificate,
    Membership,
    MembershipStatus,
    Person,
    PrintDocument,
    PrintRecord,
    Receiver,
    User,
)
from portal.notifications import events as notification_events
from portal.paging import NumberedPage, numbered_page

HANDOUT_PAGE = 25
# A receipt list is paper for one meeting at the office: a bounded number of rows.
RECEIPT_MAX_ROWS = 500


class HandoutView(enum.StrEnum):
    """The pages of the hand-out list, by the value of `tampil` in their URL."""

    READY = "siap"
    HANDED_OVER = "diserahkan"

    @property
    def label(self) -> str:
        return str(_VIEW_LABELS[self])


_VIEW_LABELS = {
    HandoutView.READY: _l("Kartu siap dibagikan"),
    HandoutView.HANDED_OVER: _l("Sudah diserahkan"),
}


class HandoverRefused(ValueError):
    """A hand-over record the card's state or the dates do not allow (message for the user)."""


def _card_printed():
    return exists().where(PrintRecord.certificate_id == Certificate.id, PrintRecord.document == PrintDocument.CARD)


def _printed_valid(query):
    """`query` (from Certificate) joined to the membership, person and hand-over of each card,
    kept to the printed, valid cards of active memberships."""
    return (
        query
        .join(Membership, Membership.id == Certificate.membership_id)
        .join(Person, Person.id == Membership.person_id)
        .outerjoin(CardHandover, CardHandover.certificate_id == Certificate.id)
        .where(
            Certificate.revoked_at.is_(None),
            Membership.status == MembershipStatus.ACTIVE,
            _card_printed(),
        )
    )


def _cards(user: User):
    """(certificate, person, hand-over or None) of the printed, valid cards of the user's area."""
    return _printed_valid(select(Certificate, Person, CardHandover)).where(area_clause(user, Person))


def ready_by_area(since: datetime | None) -> list:
    """Cards still to hand out, per member address (kelurahan_code, rw, rt): how many
    (`waiting`) and how many were printed after `since` (`new`): the heads' daily digest."""
    printed_since = (
        exists().where(PrintRecord.certificate_id == Certificate.id, PrintRecord.document == PrintDocument.CARD,
                       PrintRecord.printed_at > since)
        if since is not None else true()
    )
    query = select(Person.kelurahan_code, Person.rw, Person.rt, func.count(Certificate.id).label("waiting"),
                   func.count(case((printed_since, 1))).label("new")).select_from(Certificate)
    return db.session.execute(
        _printed_valid(query).where(CardHandover.id.is_(None)).group_by(Person.kelurahan_code, Person.rw, Person.rt)
    ).all()


def handout_counts(user: User) -> dict[HandoutView, int]:
    """Cards still to hand out and cards handed over, in one query."""
    handed = CardHandover.id.is_not(None)
    query = _cards(user).with_only_columns(
        func.count(case((~handed, 1))), func.count(case((handed, 1))), maintain_column_froms=True
    )
    ready, handed_over = db.session.execute(query).one()
    return {HandoutView.READY: ready, HandoutView.HANDED_OVER: handed_over}


def handout_page(user: User, view: HandoutView, number: int, size: int = HANDOUT_PAGE) -> NumberedPage:
    """Page `number` of the ready (by RT, name) or handed-over (newest first) cards."""
    query = _cards(user).options(selectinload(Certificate.membership).selectinload(Membership.certificates))
    if view == HandoutView.READY:
        query = query.where(CardHandover.id.is_(None)).order_by(Person.rt, Person.full_name, Certificate.id)
    else:
        query = query.where(CardHandover.id.is_not(None)).order_by(
            CardHandover.handed_over_on.desc(), CardHandover.id.desc()
        )
    return numbered_page(query, number, size, rows=True)


def note_page_view(user: User, view: HandoutView, page: NumberedPage) -> None:
    """Access history (UU PDP): one event per card listed, so each person's history shows it.

    Written in one statement (audit.record_many): call it just before the commit.
    """
    audit.record_many(
        [
            {"action": "handout.view", "target_type": "certificate", "target_id": certificate.id,
             "person_id": person.id, "details": {"view": view.value}}
            for certificate, person, _handover in page.items
        ],
        actor=user,
    )


def card_in_area(user: User, certificate_id: int):
    """(certificate, person, hand-over) of a printed valid card in the user's area, or None."""
    return db.session.execute(
        _cards(user)
        .where(Certificate.id == certificate_id)
        .options(selectinload(Certificate.membership).selectinload(Membership.certificates))
    ).first()


@dataclass(frozen=True)
class Handover:
    handed_over_on: date
    receiver: Receiver
    receiver_name: str | None


def _check(certificate: Certificate, handover: Handover, today: date) -> Handover:
    if handover.handed_over_on > today:
        raise HandoverRefused(_("Tanggal penyerahan tidak boleh setelah hari ini."))
    if handover.handed_over_on < certificate.issued_at.date():
        raise HandoverRefused(_("Tanggal penyerahan tidak boleh sebelum kartu diterbitkan."))
    name = (handover.receiver_name or "").strip() or None
    if handover.receiver == Receiver.FAMILY and not name:
        raise HandoverRefused(_("Tulis nama anggota keluarga yang menerima kartu."))
    return Handover(handover.handed_over_on, handover.receiver, name if handover.receiver == Receiver.FAMILY else None)


def record_handover(
    certificate: Certificate, person: Person, handover: Handover, user: User, today: date | None = None
) -> CardHandover:
    """Record that the card reached its member (or a family member); audited."""
    handover = _check(certificate, handover, today or clock.today())
    record = CardHandover(
        certificate=certificate,
        handed_over_on=handover.handed_over_on,
        receiver=handover.receiver,
        receiver_name=handover.receiver_name,
        recorded_by=user,
    )
    db.session.add(record)
    db.session.flush()
    audit.record(
        "card.handover", "certificate", certificate.id, person_id=person.id, actor=user,
        handed_over_on=handover.handed_over_on.isoformat(), receiver=handover.receiver.value,
    )
    notification_events.card_handed_over(certificate.id, person.id, handover.handed_over_on)
    return record


def correct_handover(
    record: CardHandover, person: Person, handover: Handover, reason: str, user: User, today: date | None = None
) -> list[str]:
    """Correct a mistaken hand-over record in place; the audit event keeps what it said before."""
    handover = _check(record.certificate, handover, today or clock.today())
    before = {
        "handed_over_on": record.handed_over_on.isoformat(),
        "receiver": record.receiver.value,
        "receiver_named": record.receiver_name is not None,
    }
    changed = [
        name for name in ("handed_over_on", "receiver", "receiver_name")
        if getattr(record, name) != getattr(handover, name)
    ]
    if not changed:
        return []
    record.handed_over_on = handover.handed_over_on
    record.receiver = handover.receiver
    record.receiver_name = handover.receiver_name
    record.corrections += 1
    audit.record(
        "card.handover.correct", "certificate", record.certificate_id, person_id=person.id, actor=user,
        fields=changed, before=before, reason=reason,
    )
    return changed


@dataclass(frozen=True)
class ReceiptRow:
    certificate_id: int
    person_id: int
    full_name: str
    masked_nik: str
    rt: int | None
    card_number: str
    handed_over_on: date
    receiver: str


def receipt_rows(user: User, start: date, end: date) -> tuple[list[ReceiptRow], bool]:
    """The hand-overs between `start` and `end` (inclusive) for the receipt list, and whether rows were cut off."""
    from portal.certificates.services import certificate_number
    from portal.nik import mask_nik

    rows = db.session.execute(
        _cards(user)
        .where(CardHandover.handed_over_on.between(start, end))
        .options(selectinload(Certificate.membership).selectinload(Membership.certificates))
        .order_by(Person.rt, CardHandover.handed_over_on, Person.full_name, Certificate.id)
        .limit(RECEIPT_MAX_ROWS + 1)
    ).all()
    receipt = [
        ReceiptRow(
            certificate_id=certificate.id,
            person_id=person.id,
            full_name=person.full_name,
            masked_nik=mask_nik(person.nik),
            rt=person.rt,
            card_number=certificate_number(certificate),
            handed_over_on=handover.handed_over_on,
            receiver=handover.receiver.label
            if handover.receiver == Receiver.MEMBER
            else f"{handover.receiver.label}: {handover.receiver_name}",
        )
        for certificate, person, handover in rows[:RECEIPT_MAX_ROWS]
    ]
    return receipt, len(rows) > RECEIPT_MAX_ROWS


def note_receipt_print(user: User, rows: list[ReceiptRow], start: date, end: date) -> None:
    """Access history: the receipt list printed each person's name and masked NIK (one event each, one statement)."""
    details = {"document": "tanda_terima", "start": start.isoformat(), "end": end.isoformat()}
    audit.record_many(
        [
            {"action": "print", "target_type": "certificate", "target_id": row.certificate_id,
             "person_id": row.person_id, "details": details}
            for row in rows
        ],
        actor=user,
    )
