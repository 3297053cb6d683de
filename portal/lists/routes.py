"""Member lists of an area: the lists an RT/RW head or agent may see, and one list."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user
from sqlalchemy import func

from portal.access import area_clause, get_in_area_or_404, roles_required
from portal.extensions import db
from portal.hx import render
from portal.models import ListEntry, MemberList, Role

bp = Blueprint("lists", __name__, url_prefix="/daftar")

LIST_ROLES = (Role.RT_RW, Role.AGENT, Role.STAFF, Role.ADMIN)


@bp.get("/")
@roles_required(*LIST_ROLES)
def index():
    """The member lists of the user's area, newest first."""
    counts = (
        db.select(ListEntry.list_id, func.count().label("n"))
        .group_by(ListEntry.list_id)
        .subquery()
    )
    rows = db.session.execute(
        db.select(MemberList, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.list_id == MemberList.id)
        .where(area_clause(current_user, MemberList))
        .order_by(MemberList.updated_at.desc())
        .limit(100)
    ).all()
    return render("lists/index.html", rows=rows)


@bp.get("/<int:list_id>")
@roles_required(*LIST_ROLES)
def detail(list_id: int):
    """One list and its entries with their review state."""
    member_list = get_in_area_or_404(MemberList, list_id)
    return render("lists/detail.html", member_list=member_list)
