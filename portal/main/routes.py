"""Home page, each role's own start page, and the language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, request, session, url_for
from flask_login import current_user, login_required

from portal.access import roles_required
from portal.edge import query_int
from portal.extensions import csrf, db
from portal.handout.services import handout_counts
from portal.hx import render
from portal.lists.forms import ResendEntryForm
from portal.lists.services import finding_text, shown_findings
from portal.main import inbox, services
from portal.models import AREA_ROLES
from portal.redirects import safe_next
from portal.renewal.reverification import expiring_count

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
    context["expiring"] = expiring_count(current_user)
    if current_user.is_office:
        context["active_members"] = services.active_members()
    else:
        context["recent_lists"] = services.recent_lists(current_user)
        context["inbox_counts"] = inbox.inbox_counts(current_user, context["entry_counts"])
        context["handout_counts"] = handout_counts(current_user)
    return render("main/dashboard.html", **context)


@bp.get("/beranda/perlu-tindakan")
@roles_required(*AREA_ROLES)
def action_inbox():
    """What waits for the head or agent across their lists: returned rows, unsent drafts, lists."""
    try:
        view = inbox.InboxView(request.args.get("tampil", inbox.InboxView.RETURNED.value))
    except ValueError:
        view = inbox.InboxView.RETURNED
    page = inbox.inbox_page(current_user, view, query_int("halaman", 1))
    inbox.note_inbox_view(current_user, view, page)
    db.session.commit()
    counts = inbox.inbox_counts(current_user, services.entry_counts(current_user))
    return render(
        "main/inbox.html", view=view, views=list(inbox.InboxView), counts=counts, page=page,
        resend_form=ResendEntryForm, finding_text=finding_text,
        shown_findings=shown_findings,
    )


@bp.post("/bahasa")
@csrf.exempt  # another site could only switch a visitor's language; the token would cost every visitor a cookie
def set_language():
    """Switch the interface language (Indonesian or English) and go back."""
    language = request.form.get("lang", "")
    if language in current_app.config["LANGUAGES"]:
        session["lang"] = language
    return redirect(safe_next(request.form.get("next")) or url_for("main.home"))
