"""The figures of "Kinerja": entries proposed by an account, by what staff decided.

An entry counts once it was submitted (submitted_at is set), in the month it was submitted
(the city's time), under its current state: approved, rejected, returned or still waiting.
The approval rate is approved / (approved + rejected): entries not yet decided do not
lower it. Everything is counted with GROUP BY in the database; only the groups come back.
The incentive figure is approved x the year's rate (ProgrammeYear.incentive_per_approved),
an indication for the agents' scheme: the portal pays nothing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from portal.extensions import db
from portal.models import EntryState, Kecamatan, Kelurahan, ListEntry, MemberList, ProgrammeYear, Role, User
from portal.reports.services import _as_date, _local_period_start, report_timezone
from portal.review.services import REJECT_REASONS


MONTH_NAMES = (
    _l("Januari"), _l("Februari"), _l("Maret"), _l("April"), _l("Mei"), _l("Juni"),
    _l("Juli"), _l("Agustus"), _l("September"), _l("Oktober"), _l("November"), _l("Desember"),
)


@dataclass(frozen=True)
class Figures:
    proposed: int = 0
    approved: int = 0
    rejected: int = 0
    returned: int = 0
    pending: int = 0

    @property
    def decided(self) -> int:
        return self.approved + self.rejected

    @property
    def approval_rate(self) -> float | None:
        """Approved share of the decided entries (0..1), None while nothing is decided."""
        return self.approved / self.decided if self.decided else None


def _counts():
    def of(state: EntryState):
        return func.count(case((ListEntry.state == state, 1)))

    return (
        func.count(ListEntry.id), of(EntryState.APPROVED), of(EntryState.REJECTED),
        of(EntryState.RETURNED), of(EntryState.PENDING),
    )


def _figures(row) -> Figures:
    return Figures(*(int(value or 0) for value in row))


@dataclass(frozen=True)
class Period:
    """A budget year, or one month of it."""

    year: int
    month: int | None = None

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """The period's start and end as UTC instants (the city's days)."""
        zone = report_timezone()
        if self.month:
            start = date(self.year, self.month, 1)
            end = date(self.year + (self.month == 12), self.month % 12 + 1, 1)
        else:
            start, end = date(self.year, 1, 1), date(self.year + 1, 1, 1)
        return tuple(datetime(d.year, d.month, d.day, tzinfo=zone).astimezone(timezone.utc) for d in (start, end))


def _proposed(period: Period):
    start, end = period.bounds
    return (
        select()
        .select_from(ListEntry)
        .join(MemberList, MemberList.id == ListEntry.list_id)
        .where(ListEntry.submitted_at.is_not(None), ListEntry.submitted_at >= start, ListEntry.submitted_at < end)
    )


def total(figures: list[Figures]) -> Figures:
    return Figures(*(sum(getattr(f, name) for f in figures) for name in Figures.__dataclass_fields__))


def rejection_reasons(period: Period, *, user: User | None = None, kecamatan_code: str | None = None) -> list[tuple[str, int]]:
    """(reason label, rejected entries) of the period, most frequent first."""
    query = (
        _proposed(period)
        .add_columns(ListEntry.reason_code, func.count())
        .where(ListEntry.state == EntryState.REJECTED)
        .group_by(ListEntry.reason_code)
        .order_by(func.count().desc(), ListEntry.reason_code)
    )
    if user is not None:
        query = query.where(MemberList.created_by_id == user.id)
    if kecamatan_code:
        query = query.where(func.substr(MemberList.kelurahan_code, 1, 6) == kecamatan_code)
    return [(str(REJECT_REASONS.get(code or "other", REJECT_REASONS["other"])), count) for code, count in db.session.execute(query)]


class Grouping(enum.StrEnum):
    """How staff see the figures, by the value of `per` in the URL."""

    RW = "rw"
    AGENT = "agen"
    KECAMATAN = "kecamatan"
    MONTH = "bulan"

    @property
    def label(self) -> str:
        return str(_GROUPING_LABELS[self])


_GROUPING_LABELS = {
    Grouping.RW: _l("Per RW"),
    Grouping.AGENT: _l("Per Agen Perisai"),
    Grouping.KECAMATAN: _l("Per kecamatan"),
    Grouping.MONTH: _l("Per bulan"),
}


@dataclass(frozen=True)
class GroupFigures:
    label: str
    figures: Figures


def grouped_figures(
    grouping: Grouping, period: Period, kecamatan_code: str | None = None, *, proposer: User | None = None
) -> list[GroupFigures]:
    """The period's figures per RW, agent or kecamatan (largest first) or per month (oldest first), in one GROUP BY."""
    kecamatan = func.substr(MemberList.kelurahan_code, 1, 6)
    query = _proposed(period)
    if kecamatan_code:
        query = query.where(kecamatan == kecamatan_code)
    if proposer is not None:  # "Kinerja saya": the lists the account made
        query = query.where(MemberList.created_by_id == proposer.id)
    if grouping == Grouping.RW:
        keys = (Kelurahan.name, MemberList.rw)
        query = query.join(Kelurahan, Kelurahan.code == MemberList.kelurahan_code).add_columns(*keys)
        group_by = (MemberList.kelurahan_code, Kelurahan.name, MemberList.rw)
    elif grouping == Grouping.AGENT:
        keys = (User.username, User.full_name)
        query = query.join(User, User.id == MemberList.created_by_id).where(User.role == Role.AGENT).add_columns(*keys)
        group_by = (User.id, User.username, User.full_name)
    elif grouping == Grouping.KECAMATAN:
        keys = (Kecamatan.name,)
        query = query.join(Kecamatan, Kecamatan.code == kecamatan).add_columns(*keys)
        group_by = (Kecamatan.code, Kecamatan.name)
    else:
        month = _local_period_start(ListEntry.submitted_at, "month").label("month")
        keys = (month,)
        query = query.add_columns(month)
        group_by = (month,)
    order = group_by if grouping == Grouping.MONTH else (func.count(ListEntry.id).desc(), *group_by)
    rows = db.session.execute(query.add_columns(*_counts()).group_by(*group_by).order_by(*order)).all()
    return [GroupFigures(_group_label(grouping, row[: len(keys)]), _figures(row[len(keys):])) for row in rows]


def _group_label(grouping: Grouping, keys) -> str:
    if grouping == Grouping.RW:
        return f"{keys[0]} RW {keys[1]:03d}"
    if grouping == Grouping.AGENT:
        username, full_name = keys
        return f"{full_name} ({username})" if full_name else username
    if grouping == Grouping.MONTH:
        month = _as_date(keys[0])
        return f"{MONTH_NAMES[month.month - 1]} {month.year}"
    return keys[0]


def incentive_rate(year: int) -> int:
    """Rupiah per approved member in the year's settings (0 when the year has none)."""
    programme_year = db.session.get(ProgrammeYear, year)
    return programme_year.incentive_per_approved if programme_year else 0


def export_rows(groups: list[GroupFigures], rate: int) -> tuple[list[str], list[list]]:
    """Headers and rows of the XLSX export: the counts, the rate and approved x rate."""
    headers = [
        str(_l("Kelompok")), str(_l("Diusulkan")), str(_l("Disetujui")), str(_l("Ditolak")),
        str(_l("Dikembalikan")), str(_l("Menunggu verifikasi")), str(_l("Tingkat persetujuan (%)")),
        str(_l("Tarif per peserta disetujui (Rp)")), str(_l("Insentif indikatif (Rp)")),
    ]
    rows = []
    for group in groups:
        f = group.figures
        rate_percent = round(100 * f.approval_rate, 1) if f.approval_rate is not None else None
        rows.append([group.label, f.proposed, f.approved, f.rejected, f.returned, f.pending, rate_percent, rate, f.approved * rate])
    return headers, rows
