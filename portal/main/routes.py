"""Home page, each role's own start page, and the language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import func

from portal.access import area_clause
from portal.extensions import csrf, db
from portal.hx import render
from portal.models import EntryState, ListEntry, MemberList, Membership, MembershipStatus
from portal.redirects import safe_next

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    """What the portal is for, for citizens, RT/RW heads and agents, and staff."""
    return render("main/home.html")


@bp.get("/beranda")
@login_required
def dashboard():
    """The signed-in user's start page: their own work, for their role and area."""
    entry_counts = dict(
        db.session.execute(
            db.select(ListEntry.state, func.count())
            .where(area_clause(current_user, ListEntry))
            .group_by(ListEntry.state)
        ).all()
    )
    context = {"entry_counts": {state: entry_counts.get(state, 0) for state in EntryState}}
    if current_user.is_office:
        context["active_members"] = db.session.scalar(
            db.select(func.count()).select_from(Membership).filter_by(status=MembershipStatus.ACTIVE)
        )
    else:
        context["recent_lists"] = db.session.scalars(
            db.select(MemberList)
            .where(area_clause(current_user, MemberList))
            .order_by(MemberList.updated_at.desc())
            .limit(5)
        ).all()
    return render("main/dashboard.html", **context)


@bp.post("/bahasa")
@csrf.exempt  # another site could only switch a visitor's language; the token would cost every visitor a cookie
def set_language():
    """Switch the interface language (Indonesian or English) and go back."""
    language = request.form.get("lang", "")
    if language in current_app.config["LANGUAGES"]:
        session["lang"] = language
    return redirect(safe_next(request.form.get("next")) or url_for("main.home"))
