"""Demo data: the demo accounts and a few hundred realistic persons and list entries.

Deterministic (fixed random seed) so screenshots and walkthroughs stay the same.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from faker import Faker

from portal import clock
from portal.accounts import mfa
from portal.accounts.services import create_user, set_password
from portal.certificates.services import verify_url
from portal.extensions import db
from portal.seed.demo_bpjs import seed_bpjs_demo
from portal.seed.demo_accounts import seed_accounts_demo
from portal.seed.demo_contributions import seed_contributions_demo
from portal.seed.demo_cases import seed_cases_demo
from portal.seed.demo_institutional import seed_institutional_demo
from portal.seed.demo_bills import seed_bills_demo
from portal.seed.demo_dtsen import seed_dtsen_demo
from portal.seed.demo_handout import seed_handout_demo
from portal.seed.demo_help import seed_demo_help
from portal.memberships.services import expire_memberships, grant_membership, issue_certificate
from portal.models import (
    AREA_ROLES,
    CategorySetting,
    Certificate,
    KecamatanTarget,
    Kelurahan,
    EndReason,
    EntryState,
    ListEntry,
    ListSource,
    MemberList,
    Membership,
    MembershipStatus,
    Person,
    Role,
    Sex,
    User,
)
from portal.names import canonical_name, name_key
from portal.nik import make_kk, make_nik
from portal.reports.services import apportion
from portal.seed.demo_intake import seed_intake_demo
from portal.seed.demo_notifications import seed_notifications_demo
from portal.seed.demo_renewal import seed_renewal_demo
from portal.seed.demo_requests import seed_requests_demo
from portal.seed.reference import CATEGORIES, ensure_programme_year
from portal.validation import RowValidator, recheck_entries

DEMO_SEED = 73_71


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    full_name: str
    kelurahan_code: str | None = None
    rw: int | None = None
    rt: int | None = None
    facility: str | None = None  # the partner facility a hospital account works for


DEMO_ACCOUNTS = (
    DemoAccount("admin", Role.ADMIN, "Administrator Portal"),
    DemoAccount("staff1", Role.STAFF, "Andi Pratiwi"),
    DemoAccount("staff2", Role.STAFF, "Muhammad Rizal"),
    DemoAccount("rtrw1", Role.RT_RW, "Daeng Baso", "7371011004", 2),  # Lette, Mariso
    DemoAccount("rtrw2", Role.RT_RW, "Hj. Nurhaeda", "7371101008", 5),  # Pa'baeng-Baeng, Tamalate
    DemoAccount("agent1", Role.AGENT, "Syamsul Alam", "7371011004", 4),  # Lette, Mariso
    DemoAccount("rs1", Role.HOSPITAL, "Perawat IGD Primaya", facility="Primaya Hospital Makassar"),
)

# How the demo entries of an area spread over the review states.
STATE_WEIGHTS = {
    EntryState.APPROVED: 50,
    EntryState.PENDING: 25,
    EntryState.REJECTED: 8,
    EntryState.RETURNED: 7,
    EntryState.DRAFT: 10,
}
REJECT_REASONS = {
    "not_eligible_category": "Kategori pekerjaan tidak termasuk program tahun ini.",
    "already_covered": "Sudah terdaftar sebagai peserta melalui pemberi kerja.",
}
RETURN_REASONS = {"data_mismatch": "Tanggal lahir tidak sesuai dengan KTP, mohon diperiksa."}


class DemoRefused(RuntimeError):
    pass


def demo_present() -> bool:
    return db.session.scalar(db.select(User.id).filter_by(username="admin")) is not None


def seed_demo(password: str | None = None, today: date | None = None) -> dict[str, str]:
    """Create demo accounts and data once; returns each account's password.

    With `password`, every demo account gets it (also when the demo already exists).
    """
    today = today or clock.today()
    if demo_present():
        passwords = {}
        for account in DEMO_ACCOUNTS:
            user = db.session.scalar(db.select(User).filter_by(username=account.username))
            if user is None:
                # A demo account added after this demo was loaded (e.g. rs1).
                passwords[account.username] = password or secrets.token_urlsafe(12)
                _demo_user(account, passwords[account.username])
            elif password:
                set_password(user, password)
        seed_accounts_demo(password or secrets.token_urlsafe(12))
        return {a.username: passwords.get(a.username) or password or "(unchanged)" for a in DEMO_ACCOUNTS}

    programme_year = ensure_programme_year(today.year)
    for setting in programme_year.categories:
        # Demo choice, not a rule: JHT for cadres and religious workers.
        if setting.category_code in ("kader", "pekerja_keagamaan"):
            setting.jht = True
    _demo_targets(programme_year)
    passwords = {}
    users = {}
    for account in DEMO_ACCOUNTS:
        passwords[account.username] = password or secrets.token_urlsafe(12)
        users[account.username] = _demo_user(account, passwords[account.username])
    _DemoPopulation(users, programme_year.categories, today).create()
    db.session.flush()
    expire_memberships(today, actor_name="seed:demo")
    seed_demo_help()
    seed_intake_demo(users)
    seed_renewal_demo(today)
    seed_dtsen_demo(today)
    seed_handout_demo(today)
    seed_bpjs_demo(today)
    seed_cases_demo(today)
    seed_accounts_demo(passwords["admin"])
    seed_institutional_demo(today)
    seed_contributions_demo(today)
    seed_bills_demo(today)
    seed_requests_demo(today)
    seed_notifications_demo()
    return passwords


def _demo_user(account: DemoAccount, password: str) -> User:
    facility_id = None
    if account.facility:
        from portal.facilities.services import ensure_facility

        facility_id = ensure_facility(account.facility)[0].id
    user = create_user(
        account.username,
        account.role,
        password,
        full_name=account.full_name,
        kelurahan_code=account.kelurahan_code,
        rw=account.rw,
        rt=account.rt,
        phone="0812" + f"{random.Random(account.username).randrange(10**7):07d}",
        phone_public=account.role == Role.RT_RW,
        # rtrw1 and agent1 agreed to the portal's messages; rtrw2 did not (yet).
        phone_consent=account.role in AREA_ROLES and account.username != "rtrw2",
        facility_id=facility_id,
    )
    db.session.flush()
    if user.is_office or user.role == Role.HOSPITAL:
        # Office and hospital accounts need a second factor: enrol the demo ones so a
        # walkthrough can use `flask users totp-code USER` instead of a phone.
        mfa.enable(user, mfa.new_secret())
    return user


# Demo figure, not an official one: about the 2024 enrolment at Rp 16,800 a month for 12
# months (Rp 20.45 billion) plus room for JHT.
DEMO_BUDGET_CEILING = 25_000_000_000


def _demo_targets(programme_year) -> None:
    """Demo kecamatan targets: the year's category targets spread by number of kelurahan,
    in shares that add up to the city's target (as the targets form requires).

    No per-kecamatan figure is published (DOMAIN.md); an admin sets real ones.
    """
    programme_year.budget_ceiling = DEMO_BUDGET_CEILING
    total = sum(s.target_population for s in programme_year.categories)
    kelurahan_per_kecamatan = dict(
        db.session.execute(
            db.select(Kelurahan.kecamatan_code, db.func.count()).group_by(Kelurahan.kecamatan_code)
        ).all()
    )
    for code, target in sorted(apportion(total, kelurahan_per_kecamatan).items()):
        db.session.add(KecamatanTarget(year=programme_year.year, kecamatan_code=code, target_population=target))


def demo_citizens() -> list[tuple[str, str, str]]:
    """One made-up person per status answer, for trying the public status check."""
    examples = []
    member = db.session.execute(
        db.select(Person.nik, Person.full_name)
        .join(Person.memberships)
        .where(Membership.status == MembershipStatus.ACTIVE)
        .order_by(Person.id)
        .limit(1)
    ).first()
    if member:
        examples.append((member.nik, member.full_name, "active member"))
    for state in (EntryState.PENDING, EntryState.RETURNED, EntryState.REJECTED):
        entry = db.session.execute(
            db.select(ListEntry.nik, ListEntry.full_name).filter_by(state=state).order_by(ListEntry.id).limit(1)
        ).first()
        if entry:
            examples.append((entry.nik, entry.full_name, state.value))
    return examples


def demo_card() -> str | None:
    """What the QR code of an active member's card says, for trying the hospital look-up's card scan."""
    code = db.session.scalar(
        db.select(Certificate.code)
        .join(Membership, Membership.id == Certificate.membership_id)
        .where(Membership.status == MembershipStatus.ACTIVE, Certificate.revoked_at.is_(None))
        .order_by(Certificate.id)
        .limit(1)
    )
    return verify_url(code) if code else None


class _DemoPopulation:
    def __init__(self, users: dict[str, User], settings: list[CategorySetting], today: date):
        self.users = users
        self.settings = {s.category_code: s for s in settings}
        self.today = today
        self.random = random.Random(DEMO_SEED)
        self.fake = Faker("id_ID")
        self.fake.seed_instance(DEMO_SEED)
        self.serial = 0

    def create(self) -> None:
        staff = self.users["staff1"]
        for username, rts, lists, per_list in (
            ("rtrw1", (1, 2, 3, 4), 3, 35),
            ("rtrw2", (1, 2, 3, 4, 5, 6), 3, 35),
            ("agent1", (1, 2, 3), 2, 30),
        ):
            head = self.users[username]
            for number in range(1, lists + 1):
                member_list = MemberList(
                    title=f"Usulan {head.kelurahan.name} RW {head.rw:03d} tahap {number}",
                    kelurahan_code=head.kelurahan_code,
                    rw=head.rw,
                    source=ListSource.UPLOAD if number % 2 else ListSource.INLINE,
                    source_filename=f"usulan-rw{head.rw:03d}-{number}.xlsx" if number % 2 else None,
                    created_by=head,
                )
                db.session.add(member_list)
                for row in range(per_list):
                    self._entry(member_list, head, self.random.choice(rts), row + 2, staff)
        db.session.flush()
        self._duplicate_proposal()

    def _household(self, nik: str) -> str | None:
        """Every third pair of consecutive people shares a family card (KK): households to see
        on the member and entry pages. Deterministic, so the demo's random draws stay as they were."""
        pair = self.serial // 2
        if pair % 3:
            return None
        return make_kk(nik[:6], date(2010, 1, 1) + timedelta(days=pair * 7 % 5000), pair % 9999 + 1)

    def _duplicate_proposal(self) -> None:
        """Pending entries for registry members under another NIK: the same name and birth date,
        a NIK one digit off (the name with a title), and a spelling variant under a NIK one digit
        off. The queue flags them, the entry page shows each pair side by side with why, and
        the finder's findings are the validator's (portal.duplicates)."""
        members = db.session.scalars(db.select(Person).order_by(Person.id).limit(3)).all()
        added = []
        for member, how in zip(members, ("same_name", "nik_slip", "spelling")):
            entry = db.session.scalar(db.select(ListEntry).where(ListEntry.person_id == member.id))
            self.serial += 1
            nik = make_nik("737110", member.birth_date, member.sex, self.serial)
            name = member.full_name.upper()
            if how == "nik_slip":
                nik = member.nik[:13] + str((int(member.nik[13]) + 1) % 10) + member.nik[14:]
                name = ("Hj. " if member.sex == Sex.FEMALE else "H. ") + member.full_name
            elif how == "spelling":
                # Another spelling under a NIK whose last digit slipped (a far NIK with another
                # spelling is beyond the finder's blocks: docs/duplicates.md).
                nik = member.nik[:15] + str((int(member.nik[15]) + 2) % 10 or 1)
                name = _spelling_variant(member.full_name)
            duplicate = ListEntry(
                member_list=entry.member_list,
                row_number=99 + len(added),
                nik=nik,
                full_name=name,
                name_canonical=canonical_name(name),
                birth_date=member.birth_date,
                sex=member.sex,
                kelurahan_code=entry.kelurahan_code,
                rw=entry.rw,
                rt=entry.rt,
                street=entry.street,
                phone=entry.phone,
                category_code=entry.category_code,
                occupation="",
                monthly_income=entry.monthly_income,
                state=EntryState.PENDING,
                issues=[],
                submitted_at=datetime.combine(self.today - timedelta(days=2), time(9), timezone.utc),
            )
            db.session.add(duplicate)
            added.append(duplicate)
        db.session.flush()
        for entry in added:
            recheck_entries(RowValidator(today=self.today), [entry])
        db.session.flush()

    def _birth(self) -> date:
        age_days = self.random.randint(19 * 365, 62 * 365)
        return self.today - timedelta(days=age_days)

    def _entry(self, member_list: MemberList, head: User, rt: int, row: int, staff: User) -> None:
        sex = self.random.choice(list(Sex))
        name = self.fake.name_male() if sex == Sex.MALE else self.fake.name_female()
        born = self._birth()
        self.serial += 1
        category = self.random.choices(
            [c.code for c in CATEGORIES], weights=[c.target_2024 for c in CATEGORIES]
        )[0]
        nik = make_nik(self.random.choice(["737101", "737110", "730601", "730901"]), born, sex, self.serial)
        state = self.random.choices(list(STATE_WEIGHTS), weights=list(STATE_WEIGHTS.values()))[0]
        submitted = datetime.combine(
            self.today - timedelta(days=self.random.randint(1, 60)), time(9), timezone.utc
        )
        entry = ListEntry(
            member_list=member_list,
            row_number=row,
            nik=nik,
            full_name=name,
            name_canonical=canonical_name(name),
            birth_date=born,
            sex=sex,
            kelurahan_code=head.kelurahan_code,
            rw=head.rw,
            rt=rt,
            street=self.fake.street_address(),
            phone="08" + "".join(self.random.choices("0123456789", k=10)),
            # Two in three agreed to messages (from the serial, so the random stream, and the
            # rest of the demo, stay as they were).
            phone_consent=self.serial % 3 != 0,
            kk_number=self._household(nik),
            category_code=category,
            occupation="",
            monthly_income=self.random.choice([1_000_000, 1_500_000, 2_000_000]),
            state=state,
            issues=[],
            submitted_at=None if state == EntryState.DRAFT else submitted,
        )
        db.session.add(entry)
        if state in (EntryState.APPROVED, EntryState.REJECTED, EntryState.RETURNED):
            entry.decided_by = staff
            entry.decided_at = submitted + timedelta(days=self.random.randint(1, 7))
        if state == EntryState.REJECTED:
            entry.reason_code, entry.reason_text = self.random.choice(list(REJECT_REASONS.items()))
        elif state == EntryState.RETURNED:
            entry.reason_code, entry.reason_text = next(iter(RETURN_REASONS.items()))
        elif state == EntryState.APPROVED:
            db.session.flush()
            self._enrol(entry, staff)

    def _enrol(self, entry: ListEntry, staff: User) -> None:
        person = Person(
            nik=entry.nik,
            full_name=entry.full_name,
            name_key=name_key(entry.full_name),
            name_canonical=entry.name_canonical,
            birth_date=entry.birth_date,
            sex=entry.sex,
            kelurahan_code=entry.kelurahan_code,
            rw=entry.rw,
            rt=entry.rt,
            street=entry.street,
            phone=entry.phone,
            phone_consent=entry.phone_consent,
            kk_number=entry.kk_number,
            category_code=entry.category_code,
            monthly_income=entry.monthly_income,
        )
        db.session.add(person)
        entry.person = person
        membership = grant_membership(
            person,
            self.settings[entry.category_code],
            entry.decided_at.date(),
            entry_id=entry.id,
        )
        # A few memberships from an earlier period have run out (seed_demo then marks them
        # expired as the timer would: `flask programme expire`); a few were ended.
        roll = self.random.random()
        if roll < 0.05:
            membership.starts_on = membership.starts_on.replace(year=membership.starts_on.year - 1)
            membership.ends_on = membership.starts_on + timedelta(days=364)
        elif roll < 0.08:
            membership.status = MembershipStatus.ENDED
            membership.end_reason = EndReason.MOVED_AWAY
            membership.end_note = "Pindah domisili ke Kabupaten Gowa."
        elif roll < 0.6:
            issue_certificate(membership, issued_by=staff)


def _spelling_variant(name: str) -> str:
    """The name with a letter doubled in its longest word ("Rahmawati" -> "Rahmawatti"), which
    portal.names reads as the same name."""
    words = name.split()
    plain = [i for i, w in enumerate(words) if w.isalpha() and len(w) > 2]
    if not plain:
        return name
    longest = max(plain, key=lambda i: len(words[i]))
    word = words[longest]
    words[longest] = word[:-1] + word[-2] + word[-1]
    return " ".join(words)
