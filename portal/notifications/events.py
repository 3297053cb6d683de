"""The events that send messages: each is one call a service makes inside its transaction.

member approved -> the member's phone (with consent) and the super-app's webhook;
membership ended -> the super-app's webhook; request answered -> the requester's phone
(called by the request desk, portal.public_requests, when it records an answer);
card printed (first time) and card handed over -> the member's phone; cover ending soon
(portal.notifications.reminders, daily) -> the member's phone; membership renewed (the
yearly renewal run) -> the member's phone and the super-app's webhook; case state changed
-> the case's contact and heir, when the reporter recorded that they agree.

One-time events carry an event key (NotificationMessage.event_key): a reprint, a second
reminder run or a corrected hand-over queues nothing more.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask_babel import force_locale
from sqlalchemy import select

from portal.extensions import db
from portal.models import Case, Membership, Person, PublicRequest
from portal.models.base import utcnow
from portal.notifications import jobs  # noqa: F401 - registers the wake-up after commit
from portal.notifications import outbox, recipients, texts
from portal.notifications.outbox import Notice


def _membership_data(membership: Membership, status: str, occurred_at: str) -> dict:
    """What the super-app hears of a membership: its number and dates, nothing personal."""
    return {
        "membership": membership.number,
        "status": status,
        "year": membership.year,
        "starts_on": membership.starts_on.isoformat(),
        "ends_on": membership.ends_on.isoformat(),
        "occurred_at": occurred_at,
    }


def members_approved(memberships: Iterable[Membership]) -> int:
    """Queue the "you are covered" message to each consenting member and the super-app's
    webhook of the memberships (one INSERT for all); returns how many rows were queued."""
    link = texts.portal_link("citizen.status")
    phones, changes, person_id = [], [], None
    occurred_at = utcnow().isoformat(timespec="seconds")
    for membership in memberships:
        person: Person = membership.person
        changes.append(_membership_data(membership, "approved", occurred_at))
        person_id = person.id
        phone = recipients.consenting_phone(person.phone, person.phone_consent)
        if phone:
            phones.append(Notice(phone, {"first_name": texts.first_name(person.full_name), "starts_on": membership.starts_on,
                                         "link": link}, person_id=person.id))
    return outbox.queue_phone(texts.MEMBER_APPROVED, phones) + outbox.queue_webhook(texts.MEMBERSHIP_CHANGED, changes, person_id)


def membership_ended(membership: Membership) -> int:
    """Tell the super-app that a membership ended (a death, a move, ...)."""
    changes = [_membership_data(membership, "ended", utcnow().isoformat(timespec="seconds"))]
    return outbox.queue_webhook(texts.MEMBERSHIP_CHANGED, changes, membership.person_id)


def request_answered(request: PublicRequest, link_endpoint: str = "help.page") -> int:
    """Tell the requester their request has an answer (they gave the phone for it). The link
    is to a page without data; the tracking code is never in a message."""
    phone = recipients.international_phone(request.requester_phone)
    if phone is None:
        return 0
    notice = Notice(phone, {"first_name": texts.first_name(request.requester_name), "link": texts.portal_link(link_endpoint)},
                    locale=request.locale or "id", person_id=request.subject_person_id if request.requester_is_subject else None)
    return outbox.queue_phone(texts.REQUEST_ANSWERED, [notice])


def _people(person_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """Each consenting person's (phone, first name), in one query; those without consent or a
    mobile number are left out."""
    ids = set(person_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Person.id, Person.phone, Person.full_name)
        .where(Person.id.in_(ids), Person.phone_consent.is_(True), Person.phone.is_not(None))
    ).all()
    people = {}
    for person_id, phone, full_name in rows:
        number = recipients.international_phone(phone)
        if number:
            people[person_id] = (number, texts.first_name(full_name))
    return people


def cards_ready(printed: Iterable[tuple[int, int]]) -> int:
    """Tell each consenting member whose card was printed for the first time (pairs of
    certificate id and person id) that their RT/RW head has it. Once per certificate: a
    reprint queues nothing; a replacement card (a new certificate) is news again."""
    printed = list(printed)
    people = _people(person_id for _certificate, person_id in printed)
    link = texts.portal_link("citizen.status")
    notices = [
        Notice(people[person_id][0], {"first_name": people[person_id][1], "link": link}, person_id=person_id,
               event_key=f"card_ready:{certificate_id}")
        for certificate_id, person_id in printed if person_id in people
    ]
    return outbox.queue_phone(texts.CARD_READY, notices)


def card_handed_over(certificate_id: int, person_id: int, handed_over_on: date) -> int:
    """Tell the member their card was recorded as handed over (so a card that never reached
    them is noticed); once per certificate, not again when the record is corrected."""
    people = _people([person_id])
    if person_id not in people:
        return 0
    phone, name = people[person_id]
    notice = Notice(phone, {"first_name": name, "handed_over_on": handed_over_on, "link": texts.portal_link("help.page")},
                    person_id=person_id, event_key=f"card_handover:{certificate_id}")
    return outbox.queue_phone(texts.CARD_HANDED_OVER, [notice])


def cover_ending(ending: Iterable[tuple[int, int, date]]) -> int:
    """Tell consenting members (triples of membership id, person id, last day) that their
    cover ends soon and their head must confirm them; once per membership."""
    ending = list(ending)
    people = _people(person_id for _membership, person_id, _ends in ending)
    link = texts.portal_link("citizen.status")
    notices = [
        Notice(people[person_id][0], {"first_name": people[person_id][1], "ends_on": ends_on, "link": link},
               person_id=person_id, event_key=f"cover_ending:{membership_id}")
        for membership_id, person_id, ends_on in ending if person_id in people
    ]
    return outbox.queue_phone(texts.COVER_ENDING, notices)


def memberships_renewed(renewed: list[dict]) -> int:
    """The yearly renewal made new memberships (rows with number, person_id, year, starts_on
    and ends_on): the "your cover goes on" message to each consenting member and the
    super-app's webhook, status "renewed"; once per new membership."""
    if not renewed:
        return 0
    occurred_at = utcnow().isoformat(timespec="seconds")
    people = _people(row["person_id"] for row in renewed)
    link = texts.portal_link("citizen.status")
    notices, changes = [], []
    for row in renewed:
        changes.append({
            "membership": row["number"], "status": "renewed", "year": row["year"], "starts_on": row["starts_on"].isoformat(),
            "ends_on": row["ends_on"].isoformat(), "occurred_at": occurred_at,
        })
        if row["person_id"] in people:
            phone, name = people[row["person_id"]]
            notices.append(Notice(phone, {"first_name": name, "starts_on": row["starts_on"], "ends_on": row["ends_on"], "link": link},
                                  person_id=row["person_id"], event_key=f"renewed:{row['number']}"))
    person_id = renewed[0]["person_id"] if len(renewed) == 1 else None
    return outbox.queue_phone(texts.MEMBERSHIP_RENEWED, notices) + outbox.queue_webhook(texts.MEMBERSHIP_CHANGED, changes, person_id)


def case_changed(case: Case) -> int:
    """Tell the case's contact and, for a death, the heir, the case's new state, when the
    reporter recorded that they agree. The message names the case by its reference and
    state only: no name, no cause, no amount."""
    if not case.phone_consent:
        return 0
    from portal.cases.services import STATE_LABELS

    numbers = {recipients.international_phone(phone) for phone in (case.contact_phone, case.heir_phone)} - {None}
    with force_locale("id"):
        state = str(STATE_LABELS[case.state])
    parameters = {"reference": case.reference, "state": state, "link": texts.portal_link("help.page")}
    notices = [Notice(number, parameters, person_id=case.person_id) for number in sorted(numbers)]
    return outbox.queue_phone(texts.CASE_CHANGED, notices)
