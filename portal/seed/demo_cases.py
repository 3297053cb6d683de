"""Demo data of the case desk: an overdue accident, a death with heirs, a paid accident with a document."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta, timezone

from portal import clock
from portal.cases import documents, services
from portal.extensions import db
from portal.models import Case, CaseDocumentType, CaseKind, CaseState, Membership, MembershipStatus, Person, User


def _demo_scan() -> bytes:
    """A made-up 'scanned' KTP: a grey card with lines where the text would be."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 400), (214, 226, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 620, 380), outline=(40, 70, 120), width=4)
    draw.text((40, 40), "CONTOH DEMO - BUKAN DOKUMEN ASLI", fill=(120, 20, 20))
    for row in range(8):
        draw.line((40, 100 + row * 32, 420, 100 + row * 32), fill=(90, 90, 90), width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG")
    return buffer.getvalue()


def _member(**where) -> Person | None:
    query = (
        db.select(Person).join(Membership, Membership.person_id == Person.id)
        .where(Membership.status == MembershipStatus.ACTIVE, *[getattr(Person, k) == v for k, v in where.items()])
        .order_by(Person.id)
    )
    return db.session.scalars(query).first()


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=clock.CITY_TIMEZONE).astimezone(timezone.utc)


def seed_cases_demo(today: date | None = None) -> None:
    """Add the case desk demo once (called from seed_demo when the demo is first created)."""
    today = today or clock.today()
    if db.session.scalar(db.select(Case.id).limit(1)) is not None:
        return
    users = {u.username: u for u in db.session.scalars(db.select(User).where(User.username.in_(("staff1", "staff2", "rtrw1", "rs1"))))}
    head, staff, hospital = users.get("rtrw1"), users.get("staff1"), users.get("rs1")
    if not (head and staff):
        return
    neighbour = _member(kelurahan_code=head.kelurahan_code, rw=head.rw)
    others = [p for p in db.session.scalars(
        db.select(Person).join(Membership, Membership.person_id == Person.id)
        .where(Membership.status == MembershipStatus.ACTIVE, Person.id != (neighbour.id if neighbour else 0))
        .order_by(Person.id.desc()).limit(2)
    )]
    if neighbour is None or len(others) < 2:
        return
    # 1. An accident the RT head reported three days ago, still not sent to BPJS: overdue.
    services.report_case(head, services.CaseReport(
        kind=CaseKind.ACCIDENT, occurred_on=today - timedelta(days=3), place="Pasar Terong, los ikan",
        chronology="Tergelincir di lantai basah saat mengangkat boks ikan; pergelangan tangan kanan bengkak.",
        contact_phone="081234500001"), neighbour, now=_at(today - timedelta(days=3), 9))
    # 2. A death reported by staff, sent to BPJS (stage I), with the heirs' contact.
    death = services.report_case(staff, services.CaseReport(
        kind=CaseKind.DEATH, occurred_on=today - timedelta(days=6), place="Rumah duka, Kec. Tamalate",
        chronology="Meninggal dunia karena sakit, dilaporkan oleh keluarga ke kantor kelurahan.",
        contact_phone="081234500002", heir_name="Istri peserta (contoh)", heir_phone="081234500003",
        phone_consent=True),  # the family agreed: its state changes are messaged (portal.notifications)
        others[0], now=_at(today - timedelta(days=5), 10))
    services.change_state(death, CaseState.STAGE_ONE, "Formulir dikirim ke BPJS Cabang Makassar.", staff)
    services.assign(death, users.get("staff2") or staff, staff)
    # 3. An accident reported by the partner hospital, paid, with a (made-up) scanned KTP.
    reporter = hospital or staff
    paid = services.report_case(reporter, services.CaseReport(
        kind=CaseKind.ACCIDENT, occurred_on=today - timedelta(days=20), place="Proyek jalan, Kec. Panakkukang",
        chronology="Tertimpa besi cor saat bekerja; dirawat dua hari.", contact_phone="081234500004",
        treating_facility_id=hospital.facility_id if hospital else None), others[1], now=_at(today - timedelta(days=20), 14))
    ktp = db.session.scalar(db.select(CaseDocumentType).filter_by(code="ktp"))
    if ktp is not None:
        documents.add_document(paid, ktp, _demo_scan(), reporter)
    for state in (CaseState.STAGE_ONE, CaseState.STAGE_TWO, CaseState.DOCUMENTS_COMPLETE):
        services.change_state(paid, state, "", staff)
    services.record_payment(paid, today - timedelta(days=4), 3_750_000, "jkk_care", staff)
    db.session.flush()
