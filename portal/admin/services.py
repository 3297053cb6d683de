"""Administration: accounts bound to their areas, and the programme settings of each year."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal import audit
from portal.accounts.services import AccountError, check_area, check_facility
from portal.extensions import db
from portal.models import CategorySetting, ProgrammeYear, Role, User
from portal.paging import keyset_page

USERS_PAGE = 100

YEAR_FIELDS = (
    "min_age",
    "max_age",
    "desil_max",
    "unknown_desil_blocks_approval",
    "income_floor",
    "jkk_rate",
    "jkm_monthly",
    "jht_rate",
    "coverage_mode",
    "coverage_months",
    "coverage_start",
    "budget_ceiling",
    "reverification_opens_days_before_end",
    "incentive_per_approved",
)
CATEGORY_FIELDS = ("eligible", "jkk", "jkm", "jht", "requires_desil", "target_population")


def users_page(role: Role | None, after_username: str = "", size: int = USERS_PAGE) -> tuple[list[User], bool]:
    """Accounts by username after `after_username`, of one role or all; and whether more follow."""
    query = db.select(User).options(selectinload(User.kelurahan), selectinload(User.facility)).order_by(User.username)
    if role:
        query = query.where(User.role == role)
    if after_username:
        query = query.where(User.username > after_username)
    return keyset_page(query, size)


def programme_years() -> list[ProgrammeYear]:
    """Every programme year, the latest first."""
    return list(db.session.scalars(db.select(ProgrammeYear).order_by(ProgrammeYear.year.desc())))


def latest_year() -> ProgrammeYear | None:
    return db.session.scalar(db.select(ProgrammeYear).order_by(ProgrammeYear.year.desc()).limit(1))


def update_user(
    user: User, actor: User, *, full_name: str, kelurahan_code, rw, rt, phone, phone_public: bool, facility_id: int | None = None
) -> None:
    """Change an account's name, area (or facility) and phone; both are checked against its role."""
    check_area(user.role, kelurahan_code, rw, rt)
    check_facility(user.role, facility_id)
    area_changed = (user.kelurahan_code, user.rw, user.rt, user.facility_id) != (kelurahan_code, rw, rt, facility_id)
    user.full_name = full_name
    user.kelurahan_code, user.rw, user.rt = kelurahan_code, rw, rt
    user.facility_id = facility_id
    user.phone = phone
    user.phone_public = phone_public
    if area_changed:
        # Whoever holds a session for the old area must sign in again.
        user.rotate_session_token()
    audit.record("user.update", "user", user.id, actor=actor, username=user.username, area_changed=area_changed)


def enable_user(user: User, actor: User) -> None:
    user.active = True
    audit.record("user.enable", "user", user.id, actor=actor, username=user.username)


def guard_self(user: User, actor: User) -> None:
    if user.id == actor.id:
        raise AccountError(_("Anda tidak dapat menonaktifkan akun Anda sendiri."))


def update_year(programme_year: ProgrammeYear, values: dict, categories: dict[str, dict], actor: User) -> None:
    """Save a year's rules and its categories' settings, with an audit event of what changed."""
    if values["min_age"] >= values["max_age"]:
        raise ValueError(_("Usia minimum harus lebih kecil dari usia maksimum."))
    changed = [name for name in YEAR_FIELDS if getattr(programme_year, name) != values[name]]
    for name in YEAR_FIELDS:
        setattr(programme_year, name, values[name])
    for setting in programme_year.categories:
        new = categories.get(setting.category_code)
        if new is None:
            continue
        for name in CATEGORY_FIELDS:
            if getattr(setting, name) != new[name]:
                setattr(setting, name, new[name])
                changed.append(f"{setting.category_code}.{name}")
    audit.record("settings.update", "programme_year", programme_year.year, actor=actor, fields=changed)


def copy_year(source: ProgrammeYear | None, year: int, actor: User) -> ProgrammeYear:
    """A new year with the settings of `source` (the programme's defaults when there is no year yet), to adjust before it starts."""
    if db.session.get(ProgrammeYear, year) is not None:
        raise ValueError(_("Pengaturan tahun %(year)d sudah ada.", year=year))
    if source is None:
        from portal.seed.reference import ensure_programme_year

        new = ensure_programme_year(year)
        audit.record("settings.create", "programme_year", year, actor=actor, copied_from=None)
        return new
    new = ProgrammeYear(year=year, **{name: getattr(source, name) for name in YEAR_FIELDS})
    new.categories = [
        CategorySetting(category_code=s.category_code, **{name: getattr(s, name) for name in CATEGORY_FIELDS})
        for s in source.categories
    ]
    db.session.add(new)
    audit.record("settings.create", "programme_year", year, actor=actor, copied_from=source.year)
    return new
