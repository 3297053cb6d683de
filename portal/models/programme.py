"""Occupation categories and the programme settings of each budget year.

Contribution rates, age limits and the desil cut-off are not constants: DOMAIN.md keeps
them as settings an administrator can change, one row per year.
"""

from __future__ import annotations

import enum
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import enum_column

PROGRAMMES = ("JKK", "JKM", "JHT")


class CoverageMode(enum.StrEnum):
    """How long a membership granted in a budget year runs (portal.memberships.services.membership_period)."""

    TO_YEAR_END = "to_year_end"  # to 31 December of the budget year that pays for it
    FIXED_MONTHS = "fixed_months"  # ProgrammeYear.coverage_months from its start, across years


class CoverageStart(enum.StrEnum):
    """The day an approved membership's cover starts."""

    APPROVAL_DATE = "approval_date"
    FIRST_OF_NEXT_MONTH = "first_of_next_month"


class Category(db.Model):
    """An occupation category (segment) of the programme, e.g. Posyandu cadres."""

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_id: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    def label(self, locale: str = "id") -> str:
        return self.name_en if locale == "en" else self.name_id


class ProgrammeYear(db.Model):
    """The rules and prices of one budget year."""

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    min_age: Mapped[int] = mapped_column(Integer, default=15)
    max_age: Mapped[int] = mapped_column(Integer, default=65)
    # Households in DTSEN welfare deciles 1..desil_max are targeted.
    desil_max: Mapped[int] = mapped_column(Integer, default=4)
    unknown_desil_blocks_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    income_floor: Mapped[int] = mapped_column(Integer, default=1_000_000)  # rupiah / month
    jkk_rate: Mapped[Decimal] = mapped_column(Numeric(6, 4), default=Decimal("0.0100"))
    jkm_monthly: Mapped[int] = mapped_column(Integer, default=6_800)  # rupiah, flat
    jht_rate: Mapped[Decimal] = mapped_column(Numeric(6, 4), default=Decimal("0.0200"))
    # A budget-funded programme covers to the end of the budget year and renews everyone
    # together; fixed_months runs coverage_months (1-12) from the start, into the next year.
    coverage_mode: Mapped[CoverageMode] = mapped_column(
        enum_column(CoverageMode), default=CoverageMode.TO_YEAR_END, server_default=CoverageMode.TO_YEAR_END.value
    )
    coverage_months: Mapped[int] = mapped_column(Integer, default=12)
    coverage_start: Mapped[CoverageStart] = mapped_column(
        enum_column(CoverageStart), default=CoverageStart.APPROVAL_DATE, server_default=CoverageStart.APPROVAL_DATE.value
    )
    budget_ceiling: Mapped[Decimal | None] = mapped_column(Numeric(16, 0))  # rupiah / year
    # RT/RW heads and agents get the "masih layak?" list this many days before 31 December.
    reverification_opens_days_before_end: Mapped[int] = mapped_column(Integer, default=42, server_default="42")
    # The agents' incentive scheme: rupiah per approved member, shown on the "Kinerja" export as
    # an indicative figure only (the portal pays nothing; DOMAIN.md: rates are not confirmed).
    incentive_per_approved: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    categories: Mapped[list[CategorySetting]] = relationship(
        back_populates="programme_year", cascade="all, delete-orphan"
    )

    @property
    def term_months(self) -> int:
        """The months of cover of a member who joins on 1 January (the reports' yearly cost)."""
        return 12 if self.coverage_mode == CoverageMode.TO_YEAR_END else self.coverage_months

    def monthly_premium(self, income: int | None, *, jkk: bool = True, jkm: bool = True, jht: bool = False) -> int:
        """Monthly contribution in rupiah for one person at the declared income (at least the
        floor), for the programmes given: JKK at its rate, JKM flat, JHT at its rate, rounded
        down to the rupiah. The one Python definition; portal.programme.budget sums the same
        in SQL."""
        base = Decimal(max(income or 0, self.income_floor))
        total = Decimal(0)
        if jkk:
            total += base * self.jkk_rate
        if jht:
            total += base * self.jht_rate
        return int(total) + (self.jkm_monthly if jkm else 0)

    def premium_of(self, programmes, income: int | None) -> int:
        """The monthly premium of something with jkk/jkm/jht flags (a CategorySetting, a
        Membership) at this year's rates."""
        return self.monthly_premium(income, jkk=programmes.jkk, jkm=programmes.jkm, jht=programmes.jht)


class CategorySetting(db.Model):
    """Whether a category is eligible in a year, its programmes and its target."""

    year: Mapped[int] = mapped_column(ForeignKey("programme_year.year"), primary_key=True)
    category_code: Mapped[str] = mapped_column(ForeignKey("category.code"), primary_key=True)
    eligible: Mapped[bool] = mapped_column(Boolean, default=True)
    jkk: Mapped[bool] = mapped_column(Boolean, default=True)
    jkm: Mapped[bool] = mapped_column(Boolean, default=True)
    jht: Mapped[bool] = mapped_column(Boolean, default=False)
    # Only categories targeted by welfare (not by the job they do for the city) need a desil.
    requires_desil: Mapped[bool] = mapped_column(Boolean, default=False)
    target_population: Mapped[int] = mapped_column(Integer, default=0)

    programme_year: Mapped[ProgrammeYear] = relationship(back_populates="categories")
    category: Mapped[Category] = relationship()

    @property
    def programmes(self) -> list[str]:
        return [p for p, on in zip(PROGRAMMES, (self.jkk, self.jkm, self.jht)) if on]
