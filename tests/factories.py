"""Helpers that make domain objects for tests (called inside an app context)."""

from __future__ import annotations

import itertools
from datetime import date

from portal import clock
from portal.accounts import mfa
from portal.accounts.services import create_user
from portal.extensions import db
from portal.memberships.services import grant_membership
from portal.models import (
    CategorySetting,
    EntryState,
    ListEntry,
    ListSource,
    MemberList,
    Person,
    Role,
    Sex,
    User,
)
from portal.names import canonical_name, name_key
from portal.nik import make_nik
from portal.validation import issue_columns
from tests.conftest import PASSWORD

LETTE = "7371011004"  # Lette, Mariso
PABAENG = "7371101008"  # Pa'baeng-Baeng, Tamalate

_serials = itertools.count(1)


def make_user(
    username: str, role: Role = Role.STAFF, *, password: str = PASSWORD, totp: bool | None = None, **area
) -> User:
    """An account; office roles get a second factor by default (they cannot sign in without)."""
    if role in (Role.RT_RW, Role.AGENT):
        area.setdefault("kelurahan_code", LETTE)
        area.setdefault("rw", 2)
    # Tests may give an area two heads; the admin's forms and the CLI refuse it.
    user = create_user(username, role, password, full_name=username.title(), second_head=True, **area)
    if totp if totp is not None else role in (Role.ADMIN, Role.STAFF, Role.HOSPITAL):
        mfa.enable(user, mfa.new_secret())
    db.session.commit()
    return user


def make_list(owner: User, *, kelurahan_code: str | None = None, rw: int | None = None, title: str = "Usulan uji") -> MemberList:
    member_list = MemberList(
        title=title,
        kelurahan_code=kelurahan_code or owner.kelurahan_code or LETTE,
        rw=rw or owner.rw or 1,
        rt=None,
        source=ListSource.INLINE,
        created_by=owner,
    )
    db.session.add(member_list)
    db.session.commit()
    return member_list


def new_nik(born: date = date(1985, 2, 13), sex: Sex = Sex.MALE, kecamatan: str = "737101") -> str:
    return make_nik(kecamatan, born, sex, next(_serials))


def make_entry(member_list: MemberList, *, state: EntryState = EntryState.PENDING, **fields) -> ListEntry:
    born = fields.pop("birth_date", date(1985, 2, 13))
    sex = fields.pop("sex", Sex.MALE)
    entry = ListEntry(
        member_list=member_list,
        nik=fields.pop("nik", None) or new_nik(born, sex),
        full_name=(full_name := fields.pop("full_name", "Budi Santoso")),
        name_canonical=canonical_name(full_name),
        birth_date=born,
        sex=sex,
        kelurahan_code=member_list.kelurahan_code,
        rw=member_list.rw,
        rt=fields.pop("rt", 1),
        category_code=fields.pop("category_code", "kader"),
        state=state,
        **issue_columns(fields.pop("issues", [])),
        **fields,
    )
    db.session.add(entry)
    db.session.commit()
    return entry


def make_member(full_name: str = "Siti Aminah", *, year: int | None = None, **fields):
    """A person with an active membership of the year's settings."""
    born = fields.pop("birth_date", date(1980, 5, 17))
    sex = fields.pop("sex", Sex.FEMALE)
    person = Person(
        nik=fields.pop("nik", None) or new_nik(born, sex),
        full_name=full_name,
        name_key=name_key(full_name),
        name_canonical=canonical_name(full_name),
        birth_date=born,
        sex=sex,
        kelurahan_code=fields.pop("kelurahan_code", LETTE),
        rw=fields.pop("rw", 2),
        rt=fields.pop("rt", 1),
        category_code=fields.pop("category_code", "kader"),
        **fields,
    )
    db.session.add(person)
    year = year or clock.today().year
    setting = db.session.get(CategorySetting, (year, person.category_code))
    membership = grant_membership(person, setting, date(year, 1, 1))
    db.session.commit()
    return person, membership
