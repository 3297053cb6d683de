"""Demo data of the request desk: requests of several kinds in several states, so the queue
shows one overdue, one waiting for the RT/RW head rtrw1, one answered, one closed, and a
correction and a personal-data request to handle."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from portal import clock
from portal.extensions import db
from portal.models import Membership, MembershipStatus, PersonalDataAction, Person, PublicRequest, RequestKind, RequestOutcome, User
from portal.public_requests import handling
from portal.public_requests.services import Submission, receive_request


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=clock.CITY_TIMEZONE).astimezone(timezone.utc)


def _members(head: User, count: int) -> list[Person]:
    return list(db.session.scalars(
        db.select(Person).join(Membership, Membership.person_id == Person.id)
        .where(Membership.status == MembershipStatus.ACTIVE, Person.kelurahan_code == head.kelurahan_code,
               Person.rw == head.rw)
        .order_by(Person.id).limit(count)
    ))


def _about(kind: RequestKind, person: Person, description: str, **fields) -> Submission:
    return Submission(kind=kind, description=description, kelurahan_code=person.kelurahan_code, rw=person.rw,
                      rt=person.rt, subject_nik=person.nik, subject_name=person.full_name, **fields)


def seed_requests_demo(today: date | None = None) -> None:
    """Add the request desk demo once (called from seed_demo when the demo is first created)."""
    today = today or clock.today()
    if db.session.scalar(db.select(PublicRequest.id).limit(1)) is not None:
        return
    users = {u.username: u for u in db.session.scalars(db.select(User).where(User.username.in_(("staff1", "staff2", "rtrw1"))))}
    staff, head = users.get("staff1"), users.get("rtrw1")
    people = _members(head, 4) if head else []
    if staff is None or len(people) < 4:
        return
    card, moved, wrong, personal = people
    # 1. A card that never came, received three weeks ago and not answered: overdue.
    receive_request(_about(RequestKind.CARD_MISSING, card, "Kartu peserta saya belum sampai padahal tetangga sudah terima.",
                           requester_phone="081234500011"), subject=card, now=_at(today - timedelta(days=21), 9))
    # 2. A neighbour reports someone moved away; staff asked rtrw1, who has not answered yet.
    request, _ = receive_request(_about(RequestKind.DIED_OR_MOVED, moved, "Yang bersangkutan sudah pindah ke Kabupaten Gowa sejak Agustus.",
                                        requester_name="Tetangga (contoh)", requester_phone="081234500012"),
                                 subject=moved, now=_at(today - timedelta(days=4), 10))
    handling.assign(request, staff, staff)
    handling.ask_area(request, "Mohon dipastikan: apakah beliau benar sudah pindah domisili?", staff)
    # 3. A correction with the proposed values, waiting for staff to check and apply them.
    receive_request(_about(RequestKind.DATA_WRONG, wrong, "Nama saya pada kartu kurang 'Daeng'. Alamat juga sudah pindah rumah.",
                           requester_phone="081234500013",
                           proposed_changes={"full_name": f"{wrong.full_name} Daeng Sikki", "street": "Jl. Rajawali Lr. 3 No. 7"}),
                    subject=wrong, now=_at(today - timedelta(days=2), 14))
    # 4. A personal-data request (UU PDP: acknowledge within 3x24 hours), received yesterday.
    receive_request(_about(RequestKind.PERSONAL_DATA, personal, "Saya ingin tahu siapa saja yang melihat data saya.",
                           data_action=PersonalDataAction.SEE, requester_phone="081234500014"),
                    subject=personal, now=_at(today - timedelta(days=1), 8))
    # 5. An objection answered (on time), and 6. a card request answered and closed.
    objection, _ = receive_request(Submission(kind=RequestKind.OBJECTION, kelurahan_code=head.kelurahan_code, rw=head.rw,
                                              description="Ada peserta yang sudah jadi pegawai tetap di pabrik."),
                                   now=_at(today - timedelta(days=9), 11))
    handling.answer(objection, "Terima kasih. Kami sudah memeriksa bersama ketua RT/RW; data kepesertaan akan diperbarui bila terbukti.",
                    users.get("staff2") or staff, now=_at(today - timedelta(days=3), 15))
    closed, _ = receive_request(_about(RequestKind.CARD_MISSING, card, "Kartu saya hilang, bagaimana mendapat yang baru?",
                                       requester_phone="081234500011"), subject=card, now=_at(today - timedelta(days=12), 9))
    handling.answer(closed, "Kartu pengganti dapat diambil di kantor kelurahan Anda mulai minggu depan.", staff,
                    now=_at(today - timedelta(days=8), 13))
    handling.close(closed, RequestOutcome.ACCEPTED, "Kartu pengganti dicetak.", staff)
    db.session.flush()
