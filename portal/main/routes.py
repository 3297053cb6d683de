"""Home page, each role's own start page, and the language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, request, session, url_for
from flask_login import current_user, login_required

from portal.extensions import csrf
from portal.hx import render
from portal.main import services

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    """What the portal is for, for citizens, RT/RW heads and agents, and staff."""
    return render("main/home.html")


@bp.get("/beranda")
@login_required
def dashboard():
    """The signed-in user's start page: their own work, for their role and area."""
    context = {"entry_counts": services.entry_counts(current_user)}
    if current_user.is_office:
        context["active_members"] = services.active_member_count()
    else:
        context["recent_lists"] = services.recent_lists(current_user)
    return render("main/dashboard.html", **context)


@bp.post("/bahasa")
@csrf.exempt  # another site could only switch a visitor's language; the token would cost every visitor a cookie
def set_language():
    """Switch the interface language (Indonesian or English) and go back."""
    language = request.form.get("lang", "")
    if language in current_app.config["LANGUAGES"]:
        session["lang"] = language
    target = request.form.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("main.home")
    return redirect(target)
