"""Renewing a budget year's members into the next one: the plan (who, why) and applying it.

`plan_renewal` reads every member of the year in one streamed query and judges each by
next year's rules; `apply_plan` writes what changed in chunks (bulk inserts of memberships,
decisions and audit events), so 100,000 members are a few hundred statements, not 100,000
round trips. A run is idempotent: a membership already renewed is never touched again, and
a decision is rewritten (and audited) only when its outcome or reason changed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, insert, or_, update

from portal import audit
from portal.eligibility import age_on
from portal.extensions import db
from portal.memberships.services import Period, membership_period, reserve_membership_numbers
from portal.models import (
    DesilRecord,
    EndReason,
    Kecamatan,
    Kelurahan,
    Membership,
    MembershipStatus,
    Person,
    ProgrammeYear,
    RenewalDecision,
    RenewalOutcome,
    RenewalRun,
    Reverification,
    ReverificationAnswer,
    User,
)
from portal.models.base import utcnow
from portal.notifications import events as notification_events
from portal.programme import budget

CHUNK = 5_000

OUTCOME_LABELS = {
    RenewalOutcome.RENEWED: _l("Diperpanjang"),
    RenewalOutcome.NEEDS_CONFIRMATION: _l("Perlu konfirmasi"),
    RenewalOutcome.NOT_RENEWED: _l("Tidak diperpanjang"),
}
# Reason codes: not renewed ones are read on Cek Status (portal.citizen.services.REASON_LABELS).
REASON_LABELS = {
    "age_out_of_range": _l("Usia pada 1 Januari di luar batas program"),
    "category_not_eligible": _l("Kategori tidak lagi termasuk program"),
    "desil_above_cutoff": _l("Desil DTSEN di atas batas program"),
    "desil_unknown": _l("Tidak ditemukan dalam DTSEN"),
    "deceased": _l("Meninggal dunia"),
    "moved_away": _l("Pindah domisili"),
    "employer_covered": _l("Sudah ditanggung pemberi kerja"),
    "ended": _l("Kepesertaan diakhiri petugas"),
    "already_member": _l("Sudah terdaftar untuk tahun baru"),
    "reverification_unanswered": _l("Belum dijawab ketua RT/RW atau agen"),
    "reverification_other": _l("Dijawab \"lainnya\": petugas memutuskan"),
}
_END_REASON_CODES = {
    EndReason.DECEASED: "deceased",
    EndReason.MOVED_AWAY: "moved_away",
    EndReason.EMPLOYER_COVERED: "employer_covered",
    EndReason.OTHER: "ended",
}
_ANSWER_ENDS = {
    ReverificationAnswer.DECEASED: "deceased",
    ReverificationAnswer.MOVED_AWAY: "moved_away",
    ReverificationAnswer.EMPLOYER_COVERED: "employer_covered",
}


class RenewalError(ValueError):
    """A renewal that cannot run; the message is for staff."""


@dataclass(slots=True)
class PlannedMember:
    """One member of the year being renewed, and what the new year's rules decide."""

    membership_id: int
    person_id: int
    kecamatan: str
    category: str
    outcome: RenewalOutcome
    reason: str | None
    monthly_premium: int = 0
    programmes: tuple[bool, bool, bool] = (True, True, False)  # JKK, JKM, JHT
    kpj_number: str | None = None
    # The new cover if renewed (the new year's settings, from the day after the old one) and
    # the new budget year's months of it.
    period: Period | None = None
    months: int = 0
    # The decision an earlier run stored: (id, outcome, reason) or None.
    previous: tuple[int, RenewalOutcome, str | None] | None = None

    @property
    def needs_writing(self) -> bool:
        """False when an earlier run already decided this (idempotence)."""
        if self.previous is None:
            return True
        _id, outcome, reason = self.previous
        return outcome != RenewalOutcome.RENEWED and (outcome, reason) != (self.outcome, self.reason)

    @property
    def gets_membership(self) -> bool:
        return self.outcome == RenewalOutcome.RENEWED and self.reason != "already_member"


@dataclass
class RenewalPlan:
    from_year: int
    to_year: int
    members: list[PlannedMember] = field(default_factory=list)
    months: int = 12  # the new year's months of a renewal from 1 January (most members)

    def to_write(self) -> list[PlannedMember]:
        return [m for m in self.members if m.needs_writing]


@dataclass(frozen=True)
class PremiumProjection:
    """The new year's premiums the renewed members commit the city to (rupiah): `monthly` a
    month for `months` months from 1 January; `total` counts each member's own months (a
    member whose fixed-months cover runs into the new year is renewed from its end)."""

    members: int
    monthly: int
    months: int
    total: int


def projected_premiums(plan: RenewalPlan, outcomes: tuple[RenewalOutcome, ...] = (RenewalOutcome.RENEWED,)) -> PremiumProjection:
    """The one computation of what a renewal adds to the new year's budget.

    Counts the members this run gives a new membership (those renewed already are in the
    budget already). With NEEDS_CONFIRMATION in `outcomes`: the figure if all are confirmed.
    """
    chosen = [
        m for m in plan.members
        if m.outcome in outcomes and m.reason != "already_member" and (m.previous is None or m.previous[1] != RenewalOutcome.RENEWED)
    ]
    return PremiumProjection(
        len(chosen), sum(m.monthly_premium for m in chosen), plan.months, sum(m.monthly_premium * m.months for m in chosen)
    )


def renewal_period(settings: ProgrammeYear, old_ends_on: date) -> Period:
    """The cover a renewal into `settings`' year grants: from the day after the old cover (1
    January for a cover to the end of the year), by the new year's settings."""
    first_january = date(settings.year, 1, 1)
    return membership_period(settings, max(first_january, old_ends_on + timedelta(days=1)), renewing=True)


def budget_projection(plan: RenewalPlan) -> dict:
    """The new year's ceiling against what it already pays for (portal.programme.budget) plus
    the premiums this run adds (JSON): `fits` is False when the real run must refuse."""
    settings = db.session.get(ProgrammeYear, plan.to_year)
    ceiling = budget.ceiling_of(settings)
    committed = budget.committed(settings)
    projected = projected_premiums(plan).total
    return {
        "ceiling": ceiling,
        "committed": committed,
        "projected": projected,
        "remaining": None if ceiling is None else ceiling - committed - projected,
        "fits": ceiling is None or committed + projected <= ceiling,
    }


def budget_refusal(summary: dict) -> str | None:
    """The message that refuses a real run over the new year's ceiling, or None."""
    figures = summary.get("budget")
    if not figures or figures["fits"]:
        return None
    return _(
        "Pagu anggaran %(year)d terlampaui: perpanjangan %(people)d orang menambah premi %(added)s, "
        "sisa pagu %(remaining)s (pagu %(ceiling)s, sudah terpakai %(committed)s). Tidak ada yang diubah.",
        year=summary["to_year"],
        people=summary["premiums"]["members"],
        added=budget.rupiah(figures["projected"]),
        remaining=budget.rupiah(max(figures["ceiling"] - figures["committed"], 0)),
        ceiling=budget.rupiah(figures["ceiling"]),
        committed=budget.rupiah(figures["committed"]),
    )


def check_years(from_year: int, to_year: int) -> ProgrammeYear:
    """Next year's settings; refuses another pair of years or a year without settings."""
    if to_year != from_year + 1:
        raise RenewalError(_("Perpanjangan hanya dari satu tahun ke tahun berikutnya."))
    settings = db.session.get(ProgrammeYear, to_year)
    if settings is None:
        raise RenewalError(_(
            "Pengaturan tahun %(year)d belum ada. Buat dulu di Administrasi → Pengaturan program (disalin dari tahun ini).",
            year=to_year,
        ))
    return settings


def _judge(row, settings: ProgrammeYear, categories: dict, first_january: date) -> tuple[RenewalOutcome, str | None]:
    """Next year's rules for one member: ended, age on 1 January, category, desil, re-verification."""
    if row.status == MembershipStatus.ENDED:
        return RenewalOutcome.NOT_RENEWED, _END_REASON_CODES.get(row.end_reason, "ended")
    if row.answer in _ANSWER_ENDS:
        return RenewalOutcome.NOT_RENEWED, _ANSWER_ENDS[row.answer]
    if not settings.min_age <= age_on(row.birth_date, first_january) <= settings.max_age:
        return RenewalOutcome.NOT_RENEWED, "age_out_of_range"
    setting = categories.get(row.category_code)
    if setting is None or not setting.eligible:
        return RenewalOutcome.NOT_RENEWED, "category_not_eligible"
    if setting.requires_desil:
        if row.desil is None and settings.unknown_desil_blocks_approval:
            return RenewalOutcome.NOT_RENEWED, "desil_unknown"
        if row.desil is not None and row.desil > settings.desil_max:
            return RenewalOutcome.NOT_RENEWED, "desil_above_cutoff"
    if row.answer == ReverificationAnswer.CONFIRMED:
        return RenewalOutcome.RENEWED, None
    if row.answer == ReverificationAnswer.OTHER:
        return RenewalOutcome.NEEDS_CONFIRMATION, "reverification_other"
    return RenewalOutcome.NEEDS_CONFIRMATION, "reverification_unanswered"


# A membership that ran to the year's end, whether `flask programme expire` marked it yet or not.
_COVERED_TO_THE_END = (MembershipStatus.ACTIVE, MembershipStatus.EXPIRED)


def members_query(from_year: int):
    """Every member of `from_year` the renewal judges: covered until the year's end (active,
    or marked expired once that end has passed: a run in January), or ended in it."""
    year_end = date(from_year, 12, 31)
    return (
        db.select(
            Membership.id,
            Membership.person_id,
            Membership.status,
            Membership.end_reason,
            Membership.kpj_number,
            Membership.ends_on,
            Person.birth_date,
            Person.category_code,
            Person.monthly_income,
            Kelurahan.kecamatan_code,
            DesilRecord.desil,
            Reverification.answer,
            RenewalDecision.id.label("decision_id"),
            RenewalDecision.outcome.label("decision_outcome"),
            RenewalDecision.reason_code.label("decision_reason"),
        )
        .join(Person, Person.id == Membership.person_id)
        .join(Kelurahan, Kelurahan.code == Person.kelurahan_code)
        .outerjoin(DesilRecord, DesilRecord.nik == Person.nik)
        .outerjoin(Reverification, Reverification.membership_id == Membership.id)
        .outerjoin(RenewalDecision, RenewalDecision.membership_id == Membership.id)
        .where(
            Membership.year == from_year,
            or_(
                and_(Membership.status.in_(_COVERED_TO_THE_END), Membership.ends_on >= year_end),
                Membership.status == MembershipStatus.ENDED,
            ),
        )
        # One membership per person: the one covered to the end, else the latest ended one.
        .order_by(Membership.person_id, (Membership.status == MembershipStatus.ENDED).asc(), Membership.id.desc())
        .execution_options(yield_per=CHUNK)
    )


def plan_renewal(from_year: int, to_year: int) -> RenewalPlan:
    """Judge every member of `from_year` by the rules of `to_year`; changes nothing."""
    settings = check_years(from_year, to_year)
    categories = {s.category_code: s for s in settings.categories}
    first_january = date(to_year, 1, 1)
    already = set(db.session.scalars(
        db.select(Membership.person_id).where(Membership.year == to_year, Membership.status == MembershipStatus.ACTIVE)
    ))
    premiums: dict[tuple[int | None, bool, bool, bool], int] = {}
    periods: dict[date, tuple[Period, int]] = {}
    full = renewal_period(settings, date(from_year, 12, 31))
    plan = RenewalPlan(from_year, to_year, months=budget.premium_months(full.starts_on, full.ends_on, to_year))
    last_person = None
    for row in db.session.execute(members_query(from_year)):
        if row.person_id == last_person:
            continue
        last_person = row.person_id
        if row.person_id in already and row.status != MembershipStatus.ENDED:
            outcome, reason = RenewalOutcome.RENEWED, "already_member"
        else:
            outcome, reason = _judge(row, settings, categories, first_january)
        setting = categories.get(row.category_code)
        member = PlannedMember(
            membership_id=row.id,
            person_id=row.person_id,
            kecamatan=row.kecamatan_code,
            category=row.category_code,
            outcome=outcome,
            reason=reason,
            kpj_number=row.kpj_number,
            previous=(row.decision_id, row.decision_outcome, row.decision_reason) if row.decision_id else None,
        )
        if setting is not None and outcome != RenewalOutcome.NOT_RENEWED:
            member.programmes = (setting.jkk, setting.jkm, setting.jht)
            key = (row.monthly_income, setting.jkk, setting.jkm, setting.jht)
            if key not in premiums:
                premiums[key] = settings.premium_of(setting, row.monthly_income)
            member.monthly_premium = premiums[key]
            if row.ends_on not in periods:
                period = renewal_period(settings, row.ends_on)
                periods[row.ends_on] = (period, budget.premium_months(period.starts_on, period.ends_on, to_year))
            member.period, member.months = periods[row.ends_on]
        plan.members.append(member)
    return plan


def summarise(plan: RenewalPlan) -> dict:
    """Counts per outcome, reason, kecamatan and category, and the projected premiums (JSON)."""
    by_outcome = Counter(m.outcome.value for m in plan.members)
    by_reason = Counter(m.reason for m in plan.members if m.reason)
    by_kecamatan: dict[str, Counter] = defaultdict(Counter)
    by_category: dict[str, Counter] = defaultdict(Counter)
    for m in plan.members:
        by_kecamatan[m.kecamatan][m.outcome.value] += 1
        by_category[m.category][m.outcome.value] += 1
    renewed = projected_premiums(plan)
    # Members a DTSEN refresh flagged and staff have not decided yet: the rules above judge
    # them as usual (the latest desil), the count says a decision is still pending.
    from portal.desil.review import open_flag_membership_ids

    flagged = open_flag_membership_ids(m.membership_id for m in plan.members)
    flagged_outcomes = Counter(m.outcome.value for m in plan.members if m.membership_id in flagged)
    if_confirmed = projected_premiums(plan, (RenewalOutcome.RENEWED, RenewalOutcome.NEEDS_CONFIRMATION))
    return {
        "from_year": plan.from_year,
        "to_year": plan.to_year,
        "members": len(plan.members),
        "to_write": len(plan.to_write()),
        "outcomes": {o.value: by_outcome.get(o.value, 0) for o in RenewalOutcome},
        "reasons": dict(sorted(by_reason.items())),
        "kecamatan": {code: dict(counts) for code, counts in sorted(by_kecamatan.items())},
        "categories": {code: dict(counts) for code, counts in sorted(by_category.items())},
        "premiums": {"members": renewed.members, "monthly": renewed.monthly, "months": renewed.months, "total": renewed.total},
        "dtsen_flags_open": {"members": len(flagged), "outcomes": dict(flagged_outcomes)},
        "premiums_if_confirmed": {
            "members": if_confirmed.members, "monthly": if_confirmed.monthly,
            "months": if_confirmed.months, "total": if_confirmed.total,
        },
        "budget": budget_projection(plan),
    }


def kecamatan_names() -> dict[str, str]:
    return dict(db.session.execute(db.select(Kecamatan.code, Kecamatan.name)).all())


def apply_plan(
    plan: RenewalPlan,
    actor: User | None,
    run: RenewalRun | None = None,
    *,
    actor_name: str | None = None,
    commit_each: Callable[[int], None] | None = None,
) -> int:
    """Write the plan's changed decisions, new memberships and audit events, chunk by chunk.

    `commit_each(done)` is called after each chunk (the job commits there and reports
    progress); without it the caller commits once. Returns how many members were written.
    """
    todo = plan.to_write()
    run_id = run.id if run else None
    written = 0
    for start in range(0, len(todo), CHUNK):
        chunk = todo[start : start + CHUNK]
        renewing = [m for m in chunk if m.gets_membership]
        new_ids: dict[int, int] = {}
        if renewing:
            numbers = reserve_membership_numbers(plan.to_year, len(renewing))
            now = utcnow()
            rows = [
                {
                    "number": number,
                    "person_id": m.person_id,
                    "year": plan.to_year,
                    "jkk": m.programmes[0],
                    "jkm": m.programmes[1],
                    "jht": m.programmes[2],
                    "starts_on": m.period.starts_on,
                    "ends_on": m.period.ends_on,
                    "status": MembershipStatus.ACTIVE,
                    "kpj_number": m.kpj_number,
                    "created_at": now,
                    "updated_at": now,
                }
                for m, number in zip(renewing, numbers, strict=True)
            ]
            ids = db.session.scalars(
                insert(Membership).returning(Membership.id, sort_by_parameter_order=True), rows
            ).all()
            new_ids = {m.membership_id: new_id for m, new_id in zip(renewing, ids, strict=True)}
            notification_events.memberships_renewed(rows)  # the members' messages and the super-app's webhook
        now = utcnow()
        fresh = [m for m in chunk if m.previous is None]
        if fresh:
            db.session.execute(insert(RenewalDecision), [
                {
                    "membership_id": m.membership_id,
                    "to_year": plan.to_year,
                    "outcome": m.outcome,
                    "reason_code": m.reason,
                    "new_membership_id": new_ids.get(m.membership_id),
                    "run_id": run_id,
                    "decided_at": now,
                }
                for m in fresh
            ])
        changed = [m for m in chunk if m.previous is not None]
        if changed:
            table = RenewalDecision.__table__  # Core: an executemany UPDATE, not ORM bulk by key
            db.session.execute(
                update(table)
                .where(table.c.id == bindparam("decision_id"))
                .values(
                    outcome=bindparam("new_outcome"), reason_code=bindparam("new_reason"),
                    new_membership_id=bindparam("new_membership"), run_id=bindparam("new_run"),
                    decided_at=bindparam("new_time"),
                ),
                [
                    {
                        "decision_id": m.previous[0], "new_outcome": m.outcome, "new_reason": m.reason,
                        "new_membership": new_ids.get(m.membership_id), "new_run": run_id, "new_time": now,
                    }
                    for m in changed
                ],
            )
        audit.record_many(
            [
                {
                    "action": f"renewal.{m.outcome.value}",
                    "target_type": "membership",
                    "target_id": m.membership_id,
                    "person_id": m.person_id,
                    "details": {
                        "from_year": plan.from_year,
                        "to_year": plan.to_year,
                        "reason": m.reason,
                        "new_membership_id": new_ids.get(m.membership_id),
                        "run_id": run_id,
                    },
                }
                for m in chunk
            ],
            actor=actor,
            actor_name=actor_name,
        )
        written += len(chunk)
        if commit_each:
            commit_each(written)
    return written


def renewal_chain(membership: Membership) -> list[Membership]:
    """The membership and the ones renewal runs carried it into, oldest first (a card's periods)."""
    chain = [membership]
    while len(chain) < 50:
        following = db.session.scalar(
            db.select(Membership)
            .join(RenewalDecision, RenewalDecision.new_membership_id == Membership.id)
            .where(RenewalDecision.membership_id == chain[-1].id)
        )
        if following is None:
            break
        chain.append(following)
    return chain


def latest_runs(limit: int = 10) -> list[RenewalRun]:
    return list(db.session.scalars(db.select(RenewalRun).order_by(RenewalRun.id.desc()).limit(limit)))
