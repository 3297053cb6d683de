"""Administration: accounts bound to their areas, and the programme settings of each year."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, or_
from sqlalchemy.orm import selectinload

from portal import audit
from portal.accounts.services import AccountError, check_area, check_area_free, check_facility
from portal.extensions import db
from portal.validation import same_phone
from portal.models import CategorySetting, Kelurahan, ProgrammeYear, Role, User
from portal.paging import NumberedPage, numbered_page

USERS_PAGE = 50

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


@dataclass(frozen=True)
class UserFilter:
    """What the accounts page shows: a role, an area, a status, and an optional search text."""

    role: Role | None = None
    kecamatan_code: str | None = None
    kelurahan_code: str | None = None
    status: str | None = None  # aktif | nonaktif | menunggu
    search: str | None = None
    batch_id: int | None = None


def _user_query(user_filter: UserFilter):
    query = db.select(User)
    if user_filter.role:
        query = query.where(User.role == user_filter.role)
    if user_filter.kelurahan_code:
        query = query.where(User.kelurahan_code == user_filter.kelurahan_code)
    elif user_filter.kecamatan_code:
        query = query.where(User.kelurahan_code.in_(
            db.select(Kelurahan.code).where(Kelurahan.kecamatan_code == user_filter.kecamatan_code)
        ))
    if user_filter.status == "aktif":
        query = query.where(User.active.is_(True), or_(User.account_batch_id.is_(None), User.activated_at.is_not(None)))
    elif user_filter.status == "nonaktif":
        query = query.where(User.active.is_(False))
    elif user_filter.status == "menunggu":
        query = query.where(User.account_batch_id.is_not(None), User.activated_at.is_(None))
    if user_filter.batch_id:
        query = query.where(User.account_batch_id == user_filter.batch_id)
    if user_filter.search:
        pattern = "%" + user_filter.search.strip().lower().replace("\\", "").replace("%", "").replace("_", "\\_") + "%"
        query = query.where(or_(User.username.like(pattern, escape="\\"), func.lower(User.full_name).like(pattern, escape="\\")))
    return query


def users_page(user_filter: UserFilter, page: int = 1, size: int = USERS_PAGE) -> NumberedPage:
    """Page `page` of the accounts matching `user_filter`, by username, with their area and facility loaded."""
    query = _user_query(user_filter).options(selectinload(User.kelurahan), selectinload(User.facility)).order_by(User.username)
    return numbered_page(query, page, size)


def programme_years() -> list[ProgrammeYear]:
    """Every programme year, the latest first."""
    return list(db.session.scalars(db.select(ProgrammeYear).order_by(ProgrammeYear.year.desc())))


def latest_year() -> ProgrammeYear | None:
    return db.session.scalar(db.select(ProgrammeYear).order_by(ProgrammeYear.year.desc()).limit(1))


def update_user(
    user: User,
    actor: User,
    *,
    full_name: str,
    kelurahan_code,
    rw,
    rt,
    phone,
    phone_public: bool,
    phone_consent: bool | None = None,
    facility_id: int | None = None,
) -> None:
    """Change an account's name, area (or facility) and phone; both are checked against its role."""
    check_area(user.role, kelurahan_code, rw, rt)
    check_area_free(user.role, kelurahan_code, rw, rt, except_user_id=user.id)
    check_facility(user.role, facility_id)
    area_changed = (user.kelurahan_code, user.rw, user.rt, user.facility_id) != (kelurahan_code, rw, rt, facility_id)
    user.full_name = full_name
    user.kelurahan_code, user.rw, user.rt = kelurahan_code, rw, rt
    user.facility_id = facility_id
    consent_before = user.phone_consent
    if phone_consent is None:
        # Not asked: a consent stays with its number, never passes to a new one.
        phone_consent = consent_before and same_phone(phone, user.phone)
    user.phone = phone
    user.phone_consent = bool(phone_consent and phone)
    user.phone_public = phone_public
    if area_changed:
        # Whoever holds a session for the old area must sign in again.
        user.rotate_session_token()
    consent = {"phone_consent": user.phone_consent} if user.phone_consent != consent_before else {}
    audit.record("user.update", "user", user.id, actor=actor, username=user.username, area_changed=area_changed, **consent)


def enable_user(user: User, actor: User) -> None:
    check_area_free(user.role, user.kelurahan_code, user.rw, user.rt, except_user_id=user.id)
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
