"""The events that send messages: each is one call a service makes inside its transaction.

member approved -> the member's phone (with consent) and the super-app's webhook;
membership ended -> the super-app's webhook; request answered -> the requester's phone
(called by the request desk, portal.public_requests, when it records an answer).
"""

from __future__ import annotations

from collections.abc import Iterable

from portal.models import Membership, Person, PublicRequest
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
