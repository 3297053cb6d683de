"""The monthly statement: what the city owes BPJS for one month, per programme, category and
kecamatan, and the member lines behind it (docs/contributions.md, "Ledger").

One aggregate over the members due in the month (portal.contributions.ledger's rule)
grouped by category and kecamatan gives every table of the statement; the tables are sums of those
groups (at most categories x kecamatan rows), never a loop over members.

A month's amount is split per programme as follows, so the parts always add up to it:
JKM is the flat amount, JKK its rate on the income rounded down, and JHT the rest (its rate
on the income, plus the rupiah the rounding of JKK and JHT together may leave).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import case, false, func

from portal.contributions.ledger import Month, amount_sql, due_in_month, kecamatan_code_sql, member_rows, rates_for
from portal.extensions import db
from portal.models import Category, Kecamatan, Membership, Person
from portal.programme.budget import Rates, _int
from portal.registry.services import END_REASONS

PROGRAMMES = ("jkk", "jkm", "jht")


@dataclass
class StatementLine:
    """People and rupiah of one row of a statement table (a category, a kecamatan, the total)."""

    key: str
    label: str
    people: int = 0
    amount: int = 0
    programme_people: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PROGRAMMES, 0))
    programme_amount: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PROGRAMMES, 0))

    def add(self, row) -> None:
        self.people += row.people
        self.amount += row.amount
        for programme in PROGRAMMES:
            self.programme_people[programme] += getattr(row, f"{programme}_people")
            self.programme_amount[programme] += getattr(row, f"{programme}_amount")


@dataclass(frozen=True)
class Statement:
    """A month's statement: the total, per programme, per category and per kecamatan."""

    month: Month
    rates: Rates | None
    total: StatementLine
    by_category: list[StatementLine]
    by_kecamatan: list[StatementLine]

    @property
    def by_programme(self) -> list[tuple[str, str, int, int]]:
        """(programme, label, people, rupiah) of JKK, JKM and JHT."""
        return [
            (p, PROGRAMME_LABELS[p], self.total.programme_people[p], self.total.programme_amount[p]) for p in PROGRAMMES
        ]


PROGRAMME_LABELS = {"jkk": "JKK", "jkm": "JKM", "jht": "JHT"}


def _programme_amounts(rates: Rates):
    """(JKK, JKM) rupiah of a ledger row as SQL; JHT is the rest of the row's amount."""
    jkk = amount_sql(rates, Person.monthly_income, Membership.jkk, false(), false())
    jkm = case((Membership.jkm, _int(rates.jkm_monthly)), else_=_int(0))
    return jkk.label("jkk_amount"), jkm.label("jkm_amount")


def _ledger_rows(month: Month, rates: Rates, *where):
    return member_rows(month, rates, *where).add_columns(*_programme_amounts(rates))


def _statement_query(month: Month, rates: Rates):
    """People and rupiah per category and kecamatan, in total and per programme.

    The members due are grouped first by category, kecamatan, income and programmes (the
    amount depends on nothing else), and the amounts computed once per group: a few
    thousand groups instead of a hundred thousand rows."""
    kecamatan = kecamatan_code_sql(Person.kelurahan_code)  # one expression: its binds the same in GROUP BY
    groups = (
        db.select(
            Person.category_code,
            kecamatan.label("kecamatan_code"),
            Person.monthly_income,
            Membership.jkk,
            Membership.jkm,
            Membership.jht,
            func.count().label("people"),
        )
        .select_from(Membership)
        .join(Person, Membership.person_id == Person.id)
        .where(*due_in_month(month))
        .group_by(
            Person.category_code, kecamatan, Person.monthly_income,
            Membership.jkk, Membership.jkm, Membership.jht,
        )
        .subquery()
    )
    zero = _int(0)
    people = groups.c.people
    amount = amount_sql(rates, groups.c.monthly_income, groups.c.jkk, groups.c.jkm, groups.c.jht)
    jkk = amount_sql(rates, groups.c.monthly_income, groups.c.jkk, false(), false())
    jkm = case((groups.c.jkm, _int(rates.jkm_monthly)), else_=zero)

    def people_with(flag):
        return func.sum(case((flag, people), else_=zero))

    return db.select(
        groups.c.category_code,
        groups.c.kecamatan_code,
        func.sum(people).label("people"),
        func.sum(amount * people).label("amount"),
        people_with(groups.c.jkk).label("jkk_people"),
        func.sum(jkk * people).label("jkk_amount"),
        people_with(groups.c.jkm).label("jkm_people"),
        func.sum(jkm * people).label("jkm_amount"),
        people_with(groups.c.jht).label("jht_people"),
        func.sum((amount - jkk - jkm) * people).label("jht_amount"),
    ).group_by(groups.c.category_code, groups.c.kecamatan_code)


def build_statement(month: Month, language: str = "id") -> Statement:
    """The month's statement in one aggregate (_statement_query)."""
    categories = list(db.session.scalars(db.select(Category).order_by(Category.sort_order)))
    kecamatan = list(db.session.scalars(db.select(Kecamatan).order_by(Kecamatan.name)))
    by_category = {c.code: StatementLine(c.code, c.label(language)) for c in categories}
    by_kecamatan = {k.code: StatementLine(k.code, k.name) for k in kecamatan}
    total = StatementLine("total", _("Jumlah"))
    rates = rates_for(month.year)
    if rates is not None:
        for row in db.session.execute(_statement_query(month, rates)):
            group = _Group(row)
            total.add(group)
            by_category.setdefault(row.category_code, StatementLine(row.category_code, row.category_code)).add(group)
            code = row.kecamatan_code or ""
            by_kecamatan.setdefault(code, StatementLine(code, code or _("Tanpa kecamatan"))).add(group)
    return Statement(month, rates, total, list(by_category.values()), list(by_kecamatan.values()))


class _Group:
    """One grouped row with its sums as integers (PostgreSQL sums bigints as numeric)."""

    def __init__(self, row):
        self.people = int(row.people)
        self.amount = int(row.amount or 0)
        for programme in PROGRAMMES:
            setattr(self, f"{programme}_people", int(getattr(row, f"{programme}_people") or 0))
            setattr(self, f"{programme}_amount", int(getattr(row, f"{programme}_amount") or 0))


# --- exports ---------------------------------------------------------------------------------


def statement_table(statement: Statement) -> tuple[list[str], list[list]]:
    """The statement as one table for a spreadsheet: programmes, then categories, kecamatan, total."""
    headers = [
        _("Bagian"), _("Baris"), _("Orang"), _("Iuran (Rp)"),
        _("Peserta JKK"), _("JKK (Rp)"), _("Peserta JKM"), _("JKM (Rp)"), _("Peserta JHT"), _("JHT (Rp)"),
    ]

    def line(section: str, item: StatementLine) -> list:
        parts = []
        for programme in PROGRAMMES:
            parts += [item.programme_people[programme], item.programme_amount[programme]]
        return [section, item.label, item.people, item.amount, *parts]

    body = [[_("Program"), label, people, amount] + [None] * 6 for _p, label, people, amount in statement.by_programme]
    body += [line(_("Kategori"), item) for item in statement.by_category]
    body += [line(_("Kecamatan"), item) for item in statement.by_kecamatan]
    body.append(line(_("Jumlah"), statement.total))
    return headers, body


def member_line_headers() -> list[str]:
    return [
        _("Nomor kepesertaan"), _("KPJ"), _("NIK"), _("Nama"), _("Kategori"), _("Kecamatan"),
        "JKK", "JKM", "JHT", _("JKK (Rp)"), _("JKM (Rp)"), _("JHT (Rp)"), _("Iuran (Rp)"),
        _("Akhir perlindungan"), _("Alasan berakhir"),
    ]


def member_lines(month: Month, language: str = "id", batch: int = 2000) -> Iterator[list]:
    """Every member line of the month, in membership-number order.

    The labels and the statement are prepared here; the rows are read `batch` at a time on
    a connection of the iterator's own (opened at the first row, closed at the last or when
    the iterator is dropped), so a streamed download needs no request context while it runs."""
    rates = rates_for(month.year)
    if rates is None:
        return iter(())
    categories = {c.code: c.label(language) for c in db.session.scalars(db.select(Category))}
    kecamatan = dict(db.session.execute(db.select(Kecamatan.code, Kecamatan.name)).all())
    reasons = {str(key): str(label) for key, label in END_REASONS.items()}
    yes, no = _("ya"), _("tidak")
    query = _ledger_rows(month, rates).add_columns(Person.full_name).order_by(Membership.number)
    engine = db.engine

    def lines() -> Iterator[list]:
        with engine.connect() as connection:
            result = connection.execution_options(stream_results=True, yield_per=batch).execute(query)
            for row in result:
                jht = row.amount - row.jkk_amount - row.jkm_amount
                reason = reasons.get(str(row.end_reason)) if row.end_reason else None
                yield [
                    row.number, row.kpj_number or "", row.nik, row.full_name,
                    categories.get(row.category_code, row.category_code),
                    kecamatan.get(row.kecamatan_code, row.kecamatan_code or ""),
                    yes if row.jkk else no, yes if row.jkm else no, yes if row.jht else no,
                    int(row.jkk_amount), int(row.jkm_amount), int(jht), int(row.amount),
                    row.ends_on.isoformat() if reason else "", reason or "",
                ]

    return lines()
