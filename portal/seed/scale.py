"""City-scale synthetic data for benchmarks and load tests: `flask seed scale --persons N`.

Generates a realistic city: persons in all 153 kelurahan and their 1,005 RWs, categories in
the proportions of the 2024 enrolment, lists and entries in every review state,
memberships, certificates, DTSEN deciles and audit events. Rows are written with
SQLAlchemy Core in large batches (explicit ids), so 200,000 persons load in minutes.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from faker import Faker
from sqlalchemy import func, insert, select, text

from portal import clock
from portal.accounts.passwords import hash_password
from portal.audit.chain import mark_pending
from portal.extensions import db
from portal.memberships.services import membership_period, reserve_membership_numbers
from portal.models import (
    OFFICE_ROLES,
    AuditEvent,
    Certificate,
    DesilRecord,
    EntryState,
    Kelurahan,
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
from portal.nik import make_nik
from portal.validation import issue_columns
from portal.seed.reference import CATEGORIES, ensure_programme_year

TOTAL_RW = 1_005  # RWs in Kota Makassar (DOMAIN.md)
BATCH = 5_000
# NIK prefixes: mostly Makassar kecamatan, some issued in Gowa and Maros (people move).
NIK_PREFIXES = ["737101", "737102", "737105", "737109", "737110", "737113", "737114", "730601", "730901"]
OTHER_STATES = {EntryState.PENDING: 60, EntryState.RETURNED: 10, EntryState.REJECTED: 15, EntryState.DRAFT: 15}


@dataclass
class Area:
    kelurahan_code: str
    rw: int
    list_id: int = 0
    head_id: int = 0


@dataclass
class ScaleCounts:
    persons: int = 0
    entries: int = 0
    memberships: int = 0
    certificates: int = 0
    lists: int = 0
    audit_events: int = 0
    by_state: dict = field(default_factory=dict)


def _next_id(model) -> int:
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def _insert(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(model), rows[start : start + BATCH])


def _reset_sequences(models) -> None:
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for model in models:
        table = model.__tablename__  # a model's own table name, never user input
        statement = f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), COALESCE((SELECT MAX(id) FROM \"{table}\"), 1))"  # nosec B608
        db.session.execute(text(statement))


class CityGenerator:
    def __init__(self, persons: int, pending: int, seed: int, today: date, progress: Callable[[str], None]):
        self.persons = persons
        self.pending = pending
        self.random = random.Random(seed)
        self.fake = Faker("id_ID")
        self.fake.seed_instance(seed)
        self.today = today
        self.progress = progress
        self.niks: set[str] = set(db.session.scalars(select(Person.nik)))
        self.niks.update(db.session.scalars(select(ListEntry.nik)))
        self.serial = 0
        self.counts = ScaleCounts()

    # -- areas, heads and lists ------------------------------------------------------
    def areas(self) -> list[Area]:
        kelurahan = sorted(db.session.scalars(select(Kelurahan.code)))
        per, extra = divmod(TOTAL_RW, len(kelurahan))
        areas = []
        for index, code in enumerate(kelurahan):
            for rw in range(1, per + (1 if index < extra else 0) + 1):
                areas.append(Area(code, rw))
        return areas

    def create_heads_and_lists(self, areas: list[Area]) -> None:
        # One unknown password for every generated head: nobody can sign in as them.
        shared_hash = hash_password(secrets.token_urlsafe(24))
        user_id, list_id = _next_id(User), _next_id(MemberList)
        users, lists = [], []
        now = datetime.now(timezone.utc)
        for area in areas:
            area.head_id, area.list_id = user_id, list_id
            users.append(
                dict(
                    id=user_id, username=f"rw-{area.kelurahan_code}-{area.rw:03d}", full_name=self.fake.name(),
                    password_hash=shared_hash, role=Role.RT_RW, kelurahan_code=area.kelurahan_code, rw=area.rw,
                    phone="08" + "".join(self.random.choices("0123456789", k=10)), phone_public=self.random.random() < 0.5,
                    active=True, session_token=secrets.token_urlsafe(24), created_at=now, updated_at=now,
                )
            )
            lists.append(
                dict(
                    id=list_id, title=f"Usulan RW {area.rw:03d} tahun {self.today.year}", kelurahan_code=area.kelurahan_code,
                    rw=area.rw, rt=None, source=ListSource.UPLOAD, source_filename=f"usulan-rw{area.rw:03d}.xlsx",
                    created_by_id=user_id, created_at=now, updated_at=now, submitted_at=now,
                )
            )
            user_id += 1
            list_id += 1
        existing = set(db.session.scalars(select(User.username)))
        if any(u["username"] in existing for u in users):
            raise RuntimeError("Scale data is already present in this database; use a fresh database.")
        _insert(User, users)
        _insert(MemberList, lists)
        self.counts.lists = len(lists)

    # -- people --------------------------------------------------------------------
    def new_person_fields(self, area: Area) -> dict:
        sex = self.random.choice((Sex.MALE, Sex.FEMALE))
        while True:
            born = self.today - timedelta(days=self.random.randint(18 * 365, 63 * 365))
            self.serial = self.serial % 9_999 + 1
            nik = make_nik(self.random.choice(NIK_PREFIXES), born, sex, self.serial)
            if nik not in self.niks:
                self.niks.add(nik)
                break
        full_name = self.fake.name_male() if sex == Sex.MALE else self.fake.name_female()
        category = self.random.choices(self.category_codes, weights=self.category_weights)[0]
        return dict(
            nik=nik, full_name=full_name, name_canonical=canonical_name(full_name), birth_date=born, sex=sex, kelurahan_code=area.kelurahan_code,
            rw=area.rw, rt=self.random.randint(1, 8), street=self.fake.street_address(),
            phone="08" + "".join(self.random.choices("0123456789", k=10)), category_code=category,
            occupation="", monthly_income=self.random.choice((1_000_000, 1_000_000, 1_500_000, 2_000_000)),
        )

    def generate(self, staff_id: int) -> ScaleCounts:
        settings = {s.category_code: s for s in ensure_programme_year(self.today.year).categories}
        self.category_codes = [c.code for c in CATEGORIES]
        self.category_weights = [c.target_2024 for c in CATEGORIES]
        areas = self.areas()
        self.create_heads_and_lists(areas)
        self.progress(f"{len(areas)} RW with their heads and lists")

        year = self.today.year
        numbers = iter(reserve_membership_numbers(year, self.persons))
        ids = {m: _next_id(m) for m in (Person, ListEntry, Membership, Certificate, AuditEvent, DesilRecord)}
        rows: dict = {m: [] for m in ids}
        now = datetime.now(timezone.utc)

        def take(model) -> int:
            ids[model] += 1
            return ids[model] - 1

        def flush_rows(force: bool = False) -> None:
            if force or len(rows[Person]) >= BATCH:
                for model in (Person, ListEntry, Membership, Certificate, DesilRecord, AuditEvent):
                    _insert(model, rows[model])
                    rows[model].clear()

        for index in range(self.persons + self.pending):
            area = self.random.choice(areas)
            person_fields = self.new_person_fields(area)
            submitted = datetime.combine(self.today - timedelta(days=self.random.randint(1, 300)), time(9), timezone.utc)
            is_member = index < self.persons
            state = EntryState.APPROVED if is_member else self.random.choices(list(OTHER_STATES), weights=list(OTHER_STATES.values()))[0]
            entry_id = take(ListEntry)
            entry = dict(
                id=entry_id, list_id=area.list_id, row_number=index % 500 + 2, issues=[], state=state,
                submitted_at=None if state == EntryState.DRAFT else submitted, created_at=submitted, updated_at=submitted,
                version=1, **person_fields,
            )
            if state == EntryState.PENDING and self.random.random() < 0.15:
                entry.update(issue_columns([{"code": "birth_date_mismatch", "severity": "warning", "column": "birth_date",
                                             "message": "Tanggal lahir berbeda dengan tanggal di NIK.", "params": {}}]))
            if state in (EntryState.APPROVED, EntryState.REJECTED, EntryState.RETURNED):
                entry.update(decided_at=submitted + timedelta(days=self.random.randint(1, 20)), decided_by_id=staff_id)
            if state == EntryState.REJECTED:
                entry.update(reason_code="not_eligible_category", reason_text="Kategori pekerjaan tidak memenuhi syarat.")
            if state == EntryState.RETURNED:
                entry.update(reason_code="data_mismatch", reason_text="Tanggal lahir tidak sesuai KTP.")
            self.counts.by_state[state.value] = self.counts.by_state.get(state.value, 0) + 1
            self.counts.entries += 1

            if is_member:
                person_id = take(Person)
                entry["person_id"] = person_id
                rows[Person].append(dict(id=person_id, name_key=name_key(person_fields["full_name"]), created_at=now, updated_at=now, **person_fields))
                setting = settings[person_fields["category_code"]]
                # The year's period rule (membership_period), from a decision in this year.
                _, starts_on, ends_on = membership_period(setting.programme_year, max(entry["decided_at"].date(), date(year, 1, 1)))
                status, end_reason, ended_at = MembershipStatus.ACTIVE, None, None
                roll = self.random.random()
                if roll < 0.04:
                    status, end_reason = MembershipStatus.ENDED, self.random.choice(["deceased", "moved_away", "employer_covered"])
                    # Cover stops on the day it ended (memberships.services.end_membership).
                    ends_on = min(ends_on, starts_on + timedelta(days=self.random.randrange(0, 200)))
                    ended_at = datetime.combine(ends_on, time(4), tzinfo=timezone.utc)
                membership_id = take(Membership)
                rows[Membership].append(
                    dict(
                        id=membership_id, number=next(numbers), person_id=person_id, year=year,
                        jkk=setting.jkk, jkm=setting.jkm, jht=setting.jht, starts_on=starts_on, ends_on=ends_on,
                        status=status, end_reason=end_reason, ended_at=ended_at, entry_id=entry_id,
                        kpj_number=f"{26_000_000_000 + person_id:011d}" if self.random.random() < 0.7 else None,
                        created_at=now, updated_at=now,
                    )
                )
                self.counts.persons += 1
                self.counts.memberships += 1
                rows[AuditEvent].append(
                    dict(id=take(AuditEvent), occurred_at=entry["decided_at"], actor_id=staff_id, actor_name="scale",
                         action="entry.approve", target_type="list_entry", target_id=str(entry_id), person_id=person_id, details={})
                )
                if status == MembershipStatus.ACTIVE and self.random.random() < 0.6:
                    rows[Certificate].append(
                        dict(id=take(Certificate), membership_id=membership_id, code=secrets.token_urlsafe(16),
                             issued_at=entry["decided_at"] + timedelta(days=3), issued_by_id=staff_id)
                    )
                    self.counts.certificates += 1
                if setting.requires_desil and self.random.random() < 0.9:
                    rows[DesilRecord].append(
                        dict(id=take(DesilRecord), nik=person_fields["nik"], desil=self.random.choice((1, 1, 2, 2, 3, 4)),
                             source_date=date(self.today.year, 1, 15), imported_at=now)
                    )
            rows[ListEntry].append(entry)
            flush_rows()
            if (index + 1) % 50_000 == 0:
                self.progress(f"{index + 1:,} entries written")
        flush_rows(force=True)
        mark_pending(db.session())  # the events above get sealed when the caller commits
        _reset_sequences([User, MemberList, Person, ListEntry, Membership, Certificate, AuditEvent, DesilRecord])
        self.counts.audit_events = db.session.scalar(select(func.count()).select_from(AuditEvent))
        return self.counts


def seed_scale(persons: int, pending: int | None = None, seed: int = 7371, today: date | None = None,
               progress: Callable[[str], None] = lambda _message: None) -> ScaleCounts:
    """Generate `persons` members (and `pending` more entries in other states); commit is the caller's."""
    today = today or clock.today()
    staff = db.session.scalar(select(User).where(User.role.in_(OFFICE_ROLES)).order_by(User.id).limit(1))
    if staff is None:
        staff = User(username="scale-staff", full_name="Petugas data skala", role=Role.STAFF,
                     password_hash=hash_password(secrets.token_urlsafe(24)), active=False)
        db.session.add(staff)
        db.session.flush()
    generator = CityGenerator(persons, persons // 4 if pending is None else pending, seed, today, progress)
    return generator.generate(staff.id)


def iter_counts(counts: ScaleCounts) -> Iterator[str]:
    yield f"persons {counts.persons:,}, memberships {counts.memberships:,}, certificates {counts.certificates:,}"
    yield f"lists {counts.lists:,}, entries {counts.entries:,} " + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.by_state.items()))
    yield f"audit events {counts.audit_events:,}"
