"""What each kind of request is called, what the public form asks for it, and its deadlines.
The one definition the form, the queue, the tracking page, the API and the reports read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.models import PersonalDataAction, RequestKind, RequestOutcome, RequestState


@dataclass(frozen=True)
class KindRule:
    label: object  # a lazy string
    # The request is about the requester (NIK and name checked like Cek Status; tracking
    # then asks for the NIK too).
    about_requester: bool
    # The form asks for the NIK and name of the person it is about.
    asks_subject: bool
    # The requester may leave name and phone empty (an objection).
    may_be_anonymous: bool = False
    # The setting holding the days to answer (REQUEST_ANSWER_DAYS when None).
    answer_days_setting: str | None = None
    acknowledge_hours_setting: str | None = None


KINDS: dict[RequestKind, KindRule] = {
    RequestKind.SHOULD_BE_COVERED: KindRule(_l("Saya (atau orang yang saya usulkan) seharusnya terlindungi"),
                                            about_requester=False, asks_subject=True),
    RequestKind.REJECTED: KindRule(_l("Saya ditolak dan tidak setuju"), about_requester=True, asks_subject=True),
    RequestKind.DATA_WRONG: KindRule(_l("Data saya salah"), about_requester=True, asks_subject=True),
    RequestKind.CARD_MISSING: KindRule(_l("Kartu saya belum sampai"), about_requester=True, asks_subject=True,
                                       answer_days_setting="REQUEST_ANSWER_DAYS_CARD_MISSING"),
    RequestKind.DIED_OR_MOVED: KindRule(_l("Peserta meninggal dunia atau pindah"), about_requester=False,
                                        asks_subject=True, answer_days_setting="REQUEST_ANSWER_DAYS_DIED_OR_MOVED"),
    RequestKind.OBJECTION: KindRule(_l("Seseorang yang terlindungi seharusnya tidak (sanggahan)"),
                                    about_requester=False, asks_subject=True, may_be_anonymous=True),
    RequestKind.PERSONAL_DATA: KindRule(_l("Permintaan tentang data pribadi saya (lihat, perbaiki, hapus)"),
                                        about_requester=True, asks_subject=True,
                                        answer_days_setting="REQUEST_ANSWER_DAYS_PERSONAL_DATA",
                                        acknowledge_hours_setting="REQUEST_ACKNOWLEDGE_HOURS_PERSONAL_DATA"),
    RequestKind.OTHER: KindRule(_l("Lainnya"), about_requester=False, asks_subject=False),
}

DATA_ACTION_LABELS = {
    PersonalDataAction.SEE: _l("Melihat data saya dan siapa yang mengaksesnya"),
    PersonalDataAction.CORRECT: _l("Memperbaiki data saya"),
    PersonalDataAction.DELETE: _l("Menghapus data saya"),
}

STATE_LABELS = {
    RequestState.NEW: _l("Diterima"),
    RequestState.IN_PROGRESS: _l("Sedang diperiksa"),
    RequestState.WAITING_AREA: _l("Menunggu keterangan ketua RT/RW"),
    RequestState.ESCALATED: _l("Diteruskan ke pimpinan"),
    RequestState.ANSWERED: _l("Sudah dijawab"),
    RequestState.CLOSED: _l("Selesai"),
}

OUTCOME_LABELS = {
    RequestOutcome.ACCEPTED: _l("Diterima dan ditindaklanjuti"),
    RequestOutcome.REJECTED: _l("Diperiksa; data tetap"),
    RequestOutcome.INFORMATION: _l("Dijawab dengan informasi"),
    RequestOutcome.DUPLICATE: _l("Sama dengan permintaan sebelumnya"),
    RequestOutcome.WITHDRAWN: _l("Ditarik"),
}

OPEN_STATES = frozenset({RequestState.NEW, RequestState.IN_PROGRESS, RequestState.WAITING_AREA,
                         RequestState.ESCALATED})


def answer_days(kind: RequestKind) -> int:
    """Days the office has to answer a request of this kind (settings)."""
    setting = KINDS[kind].answer_days_setting or "REQUEST_ANSWER_DAYS"
    return current_app.config[setting]


def deadlines(kind: RequestKind, received_at: datetime) -> tuple[datetime | None, datetime]:
    """(acknowledge by, answer by) for a request received at `received_at`."""
    rule = KINDS[kind]
    acknowledge = None
    if rule.acknowledge_hours_setting:
        acknowledge = received_at + timedelta(hours=current_app.config[rule.acknowledge_hours_setting])
    return acknowledge, received_at + timedelta(days=answer_days(kind))
