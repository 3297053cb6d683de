"""Role and area checks, in one place: every view that shows a record goes through here.

Office roles (admin, staff) see the whole city. An RT/RW head sees one kelurahan and RW
(and only one RT when bound to one); an agent sees one kelurahan and RW. Anything outside
a user's area answers 404, so probing IDs learns nothing.
"""

from __future__ import annotations

from functools import wraps
from typing import TypeVar

from flask import abort, request
from flask_login import current_user, login_required
from sqlalchemy import ColumnElement, and_, true

from portal.extensions import db
from portal.models import OFFICE_ROLES, Role, User

ModelT = TypeVar("ModelT")


def refuse(**details):
    """Answer 404, recording the refusal in the audit trail (route and ids only, nothing personal)."""
    from portal import audit

    if current_user.is_authenticated:
        audit.record("access.refused", "endpoint", request.endpoint, **details)
        db.session.commit()
    abort(404)


def roles_required(*roles: Role):
    """Let only signed-in users with one of `roles` through; others get 404."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                refuse(reason="role")
            return view(*args, **kwargs)

        return wrapped

    return decorator


def office_required(view):
    """Let only the labour office (staff and admins) through; others get 404."""
    return roles_required(*OFFICE_ROLES)(view)


def area_clause(user: User, model) -> ColumnElement[bool]:
    """A WHERE clause limiting `model` (with kelurahan_code, rw, rt columns) to the user's area."""
    if user.is_office:
        return true()
    if not user.is_area_bound or not user.kelurahan_code or user.rw is None:
        return ~true()
    clause = and_(model.kelurahan_code == user.kelurahan_code, model.rw == user.rw)
    if user.role == Role.RT_RW and user.rt is not None:
        clause = and_(clause, model.rt == user.rt)
    return clause


def in_area(user: User, kelurahan_code: str | None, rw: int | None, rt: int | None) -> bool:
    """Whether an address lies in the area the user may see."""
    if user.is_office:
        return True
    if not user.is_area_bound or kelurahan_code != user.kelurahan_code or rw != user.rw:
        return False
    return not (user.role == Role.RT_RW and user.rt is not None and rt != user.rt)


def get_in_area_or_404(model: type[ModelT], record_id: int, user: User | None = None) -> ModelT:
    """Load a record by id if it lies in the user's area, else answer 404."""
    user = user or current_user
    record = db.session.scalar(
        db.select(model).where(model.id == record_id, area_clause(user, model))
    )
    if record is None:
        if db.session.get(model, record_id) is not None:
            refuse(reason="area", record=model.__tablename__, record_id=record_id)
        abort(404)
    return record
