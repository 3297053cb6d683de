"""What the public side of the request desk decides: taking a request from the form or the
super-app's API, and what a tracking code (with the NIK, for personal requests) may show.

Nothing here tells a requester whether a NIK is in the registry: the matched person is
stored for the office, and every answer is the same whether or not there was one.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l

from portal import storage, uploads
from portal.citizen.services import matching_person_id
from portal.extensions import db
from portal.i18n import current_language
from portal.models import ApiKey, Person, PublicRequest, RequestEvent, RequestKind
from portal.models.base import utcnow
from portal.public_requests import codes, kinds
from portal.public_requests.services import Submission, receive_request
from portal.validation import mobile_number

# What happens after a request is received, in the words of the confirmation page.
NEXT_STEPS = {
    RequestKind.SHOULD_BE_COVERED: _l("Petugas Dinas Ketenagakerjaan dan ketua RT/RW di wilayah tersebut memeriksa apakah orang ini memenuhi syarat, lalu dapat mengusulkannya."),
    RequestKind.REJECTED: _l("Petugas memeriksa kembali keputusan atas usulan Anda bersama ketua RT/RW Anda."),
    RequestKind.DATA_WRONG: _l("Petugas membandingkan data yang Anda tulis dengan KTP dan KK; jika benar, data diperbaiki dan perbaikannya dicatat."),
    RequestKind.CARD_MISSING: _l("Petugas memeriksa di mana kartu Anda dan memberi tahu kapan dan dari siapa Anda dapat mengambilnya."),
    RequestKind.DIED_OR_MOVED: _l("Petugas memeriksa laporan ini bersama ketua RT/RW; untuk peserta yang meninggal, ahli waris dapat dibantu mengurus santunan JKM."),
    RequestKind.OBJECTION: _l("Petugas memverifikasi sanggahan ini bersama ketua RT/RW. Demi perlindungan data, jawaban tidak menyebut data orang lain."),
    RequestKind.PERSONAL_DATA: _l("Petugas mengonfirmasi permintaan Anda lebih dulu, lalu menjawabnya. Untuk melacak, Anda memerlukan kode ini dan NIK Anda."),
    RequestKind.OTHER: _l("Petugas membaca permintaan Anda dan menjawabnya di halaman pelacakan."),
}


@dataclass(frozen=True)
class Received:
    """What the confirmation shows: the code (once), the kind and the deadlines."""

    code: str
    kind: RequestKind
    due_at: datetime
    acknowledge_due_at: datetime | None

    @property
    def label(self) -> str:
        return str(kinds.KINDS[self.kind].label)

    def to_session(self) -> dict:
        return {"code": self.code, "kind": self.kind.value, "due_at": self.due_at.isoformat(),
                "acknowledge_due_at": self.acknowledge_due_at.isoformat() if self.acknowledge_due_at else None}

    @classmethod
    def from_session(cls, kept: dict) -> Received:
        acknowledge = kept.get("acknowledge_due_at")
        return cls(kept["code"], RequestKind(kept["kind"]), datetime.fromisoformat(kept["due_at"]),
                   datetime.fromisoformat(acknowledge) if acknowledge else None)

    @property
    def next_step(self) -> str:
        return str(NEXT_STEPS[self.kind])


def submission_from(form, locale: str | None = None) -> Submission:
    """The Submission a validated RequestForm holds."""
    rule = kinds.KINDS[form.kind]
    subject_name = form.subject_name.data if rule.asks_subject else None
    phone = form.requester_phone.data
    return Submission(
        kind=form.kind,
        description=form.description.data,
        kelurahan_code=form.kelurahan.data,
        rw=form.rw.data,
        rt=form.rt.data,
        subject_nik=form.subject_nik.data if rule.asks_subject else None,
        subject_name=subject_name,
        requester_name=subject_name if rule.about_requester else form.requester_name.data,
        requester_phone=(mobile_number(phone)[1] or phone) if phone else None,
        data_action=form.data_action_value,
        proposed_changes=form.proposed_changes() or None,
        locale=locale or current_language(),
    )


def _store_photo(request: PublicRequest, photo: tuple[bytes, str]) -> None:
    content, content_type = photo
    key = f"requests/{secrets.token_urlsafe(18)}.{uploads.EXTENSIONS[content_type]}"
    storage.put(key, content)
    request.photo_key, request.photo_content_type, request.photo_size = key, content_type, len(content)


def submit(submission: Submission, *, photo: tuple[bytes, str] | None = None, channel: str = "web",
           api_key: ApiKey | None = None) -> Received:
    """Receive a checked submission: match its person in the registry (kept, never told),
    store its photo, flush. The caller commits."""
    subject_id = None
    if submission.subject_nik and submission.subject_name:
        subject_id = matching_person_id(submission.subject_nik, submission.subject_name)
    subject = db.session.get(Person, subject_id) if subject_id else None
    request, code = receive_request(submission, subject=subject, channel=channel, api_key=api_key)
    if photo:
        _store_photo(request, photo)
        db.session.flush()
    return Received(code, request.kind, request.due_at, request.acknowledge_due_at)


def pretend_received(kind: RequestKind) -> Received:
    """The confirmation a bot that filled the honeypot sees: like a real one, nothing stored."""
    acknowledge_due, answer_due = kinds.deadlines(kind, utcnow())
    return Received(codes.new_code(), kind, answer_due, acknowledge_due)


# Looked up in place of a code that cannot be one, so every typed code costs one query.
_NO_CODE_DIGEST = codes.digest("0" * codes.LENGTH)


def tracked_request(typed_code: str, typed_nik: str | None) -> PublicRequest | None:
    """The request this code tracks, if the NIK is its person's when the request is about the
    requester; None otherwise (an unknown code and a wrong NIK are the same None)."""
    code = codes.normalise(typed_code)
    digest = codes.digest(code) if code else _NO_CODE_DIGEST
    request = db.session.scalar(db.select(PublicRequest).filter_by(code_digest=digest))
    if request is None or code is None:
        return None
    if request.requester_is_subject:
        # Compared in constant time, like a password: the code alone is not enough.
        if not hmac.compare_digest((request.subject_nik or "").encode(), (typed_nik or "").encode()):
            return None
    return request


def public_timeline(request: PublicRequest) -> list[RequestEvent]:
    """The timeline lines the requester may read, oldest first."""
    return list(db.session.scalars(
        db.select(RequestEvent).where(RequestEvent.request_id == request.id, RequestEvent.public.is_(True))
        .order_by(RequestEvent.occurred_at, RequestEvent.id)
    ))
