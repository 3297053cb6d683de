"""Demo data for the turn of the year: next year's settings, some "masih layak?" answers in
rtrw1's RW (Lette RW 002), a few members there whose cover ends within 60 days, one who
joined mid-year (her member page shows the months this year's budget pays), and one
household now above the desil cut-off, so `flask programme renew --dry-run` has every outcome."""

from __future__ import annotations

from datetime import date, timedelta

from portal import clock
from portal.admin.services import copy_year
from portal.extensions import db
from portal.memberships.services import add_months, grant_membership
from portal.models import (
    CategorySetting,
    DesilRecord,
    Membership,
    MembershipStatus,
    Person,
    ProgrammeYear,
    Reverification,
    ReverificationAnswer,
    Sex,
    User,
)
from portal.names import canonical_name, name_key
from portal.nik import make_nik
from portal.renewal import reverification

LETTE, RW = "7371011004", 2
EXPIRING = (  # name, sex, born, days of cover left
    ("Muh. Arfah Dg. Ngalle", Sex.MALE, date(1979, 3, 8), 12),
    ("St. Rahmatia", Sex.FEMALE, date(1988, 11, 21), 27),
    ("Abd. Kadir", Sex.MALE, date(1965, 6, 2), 45),
)
MID_YEAR_JOINER = ("Hasnah Dg. Baji", Sex.FEMALE, date(1983, 9, 14))  # approved on 1 July (or 1st of this month)


def seed_renewal_demo(today: date | None = None) -> None:
    """Add the renewal demo once (called from seed_demo when the demo is first created)."""
    today = today or clock.today()
    current = db.session.get(ProgrammeYear, today.year)
    if current is None:
        return
    if db.session.get(ProgrammeYear, today.year + 1) is None:
        copy_year(current, today.year + 1, None)
    rtrw1 = db.session.scalar(db.select(User).filter_by(username="rtrw1"))
    for serial, (name, sex, born, days_left) in enumerate(EXPIRING, start=9001):
        person = Person(
            nik=make_nik("737101", born, sex, serial), full_name=name, name_key=name_key(name), name_canonical=canonical_name(name),
            birth_date=born, sex=sex, kelurahan_code=LETTE, rw=RW, rt=3, category_code="pekerja_rentan",
            occupation="Pedagang pasar",
        )
        db.session.add(person)
        # Granted when the programme still gave 12 months from approval (coverage_mode
        # fixed_months), so their cover ends before the year does.
        membership = grant_membership(person, db.session.get(CategorySetting, (today.year, "pekerja_rentan")), today)
        membership.ends_on = today + timedelta(days=days_left)
        membership.starts_on = add_months(membership.ends_on + timedelta(days=1), -12)
    db.session.flush()
    members = db.session.scalars(
        db.select(Membership)
        .join(Person)
        .where(
            Person.kelurahan_code == LETTE, Person.rw == RW, Membership.year == today.year,
            Membership.status == MembershipStatus.ACTIVE, Membership.ends_on >= date(today.year, 12, 31),
        )
        .order_by(Person.name_key)
    ).all()
    # About a third answered: most "masih layak", one moved away, one "other" for staff.
    answered = members[: max(3, len(members) // 3)]
    for n, membership in enumerate(answered):
        if n == 1:
            reverification.answer(rtrw1, membership, ReverificationAnswer.MOVED_AWAY, max(membership.starts_on, today - timedelta(days=20)), "Pindah ke Kabupaten Gowa.", today)
        elif n == 2:
            reverification.answer(rtrw1, membership, ReverificationAnswer.OTHER, None, "Jarang terlihat, perlu dicek petugas.", today)
        else:
            db.session.add(Reverification(membership_id=membership.id, answer=ReverificationAnswer.CONFIRMED, answered_by_id=rtrw1.id))
    # One welfare-targeted household the last DTSEN extract puts above the cut-off.
    targeted = next((m for m in answered[3:] if m.person.category_code == "pekerja_rentan"), None)
    if targeted is not None:
        db.session.merge(DesilRecord(nik=targeted.person.nik, desil=7, source_date=today - timedelta(days=30)))
    _seed_mid_year_joiner(today)  # after the answers: she is left for the head to answer
    db.session.flush()


def _seed_mid_year_joiner(today: date) -> None:
    """A member approved mid-year under the demo year's default period rule (to 31 December
    from the approval date): this year's budget pays July to December, 6 months."""
    name, sex, born = MID_YEAR_JOINER
    person = Person(
        nik=make_nik("737101", born, sex, 9101), full_name=name, name_key=name_key(name), name_canonical=canonical_name(name),
        birth_date=born, sex=sex, kelurahan_code=LETTE, rw=RW, rt=2, category_code="pekerja_rentan",
        occupation="Penjual kue", monthly_income=1_000_000,
    )
    db.session.add(person)
    joined = min(date(today.year, 7, 1), today.replace(day=1))
    grant_membership(person, db.session.get(CategorySetting, (today.year, "pekerja_rentan")), joined)
