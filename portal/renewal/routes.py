"""Turning the year over: the renewal run (staff), "masih layak?" (RT/RW heads, agents, staff)
and the members whose cover ends soon."""

from __future__ import annotations


from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal import clock
from portal import hx
from portal.access import office_required, refuse
from portal.edge import query_int
from portal.lists.services import category_names
from portal.extensions import db
from portal.hx import render
from portal.models import Membership, RenewalRun
from portal.renewal import jobs, reverification, services
from portal.renewal.forms import AnswerForm, ConfirmAllForm, RenewalRunForm

bp = Blueprint("renewal", __name__)


def _list_context(only_unanswered: bool, page: int) -> dict:
    window = reverification.window()
    return {
        "window": window,
        "today": clock.today(),
        "page": reverification.members_page(current_user, window.year, only_unanswered, page),
        "counts": reverification.counts(current_user, window.year),
        "only_unanswered": only_unanswered,
        "labels": reverification.SHORT_LABELS,
    }


@bp.get("/masih-layak")
@login_required
def members():
    """The "masih layak?" list of the user's members (unanswered first; staff: the whole city)."""
    only_unanswered = request.args.get("tampil", "belum") != "semua"
    context = _list_context(only_unanswered, query_int("halaman", 1))
    return render("renewal/members.html", form=AnswerForm(formdata=None), **context)


@bp.post("/masih-layak/<int:membership_id>")
@login_required
def answer(membership_id: int):
    """Record one member's answer; the card re-renders itself (htmx) or the list reloads."""
    window = reverification.window()
    found = reverification.membership_in_area_or_none(current_user, membership_id, window.year)
    if found is None:
        if db.session.get(Membership, membership_id) is not None:
            refuse(reason="area", record="membership", record_id=membership_id)
        abort(404)
    membership, person, _record = found
    form = AnswerForm()
    error = None
    if form.validate_on_submit():
        try:
            record = reverification.answer(current_user, membership, form.answer_value, form.event_date.data, form.note.data or "")
        except reverification.ReverificationError as refused:
            db.session.rollback()
            error = str(refused)
        else:
            db.session.commit()
            if not hx.wants_fragment():
                flash(_("Jawaban untuk %(name)s disimpan.", name=person.full_name), "success")
                return hx.redirect(url_for(".members"))
            return render("renewal/_member_card.html", membership=membership, person=person, record=record,
                          form=AnswerForm(formdata=None), labels=reverification.SHORT_LABELS, saved=True)
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    if not hx.wants_fragment():
        flash(error, "error")
        return hx.redirect(url_for(".members"))
    return render("renewal/_member_card.html", status=200, membership=membership, person=person, record=_record,
                  form=form, labels=reverification.SHORT_LABELS, error=error)


@bp.route("/masih-layak/semua", methods=["GET", "POST"])
@login_required
def confirm_all():
    """Confirm every unanswered member at once, after a page that shows how many."""
    window = reverification.window()
    waiting = reverification.counts(current_user, window.year)["unanswered"]
    form = ConfirmAllForm()
    if form.validate_on_submit():
        try:
            confirmed = reverification.confirm_all(current_user, window.year, form.expected_count)
        except reverification.ReverificationError as refused:
            db.session.rollback()
            flash(str(refused), "error")
        else:
            db.session.commit()
            flash(_("%(count)d anggota dikonfirmasi masih layak.", count=confirmed), "success")
            return hx.redirect(url_for(".members"))
        waiting = reverification.counts(current_user, window.year)["unanswered"]
    form.expected.data = str(waiting)
    return render("renewal/confirm_all.html", form=form, waiting=waiting, window=window)


@bp.get("/akan-berakhir")
@login_required
def expiring():
    """Members whose cover ends within 60 days, and what each needs to be renewed."""
    page = reverification.expiring_page(current_user, query_int("halaman", 1))
    return render("renewal/expiring.html", page=page, need=reverification.renewal_need,
                  days=reverification.EXPIRY_WARNING_DAYS, window=reverification.window())


@bp.route("/perpanjangan", methods=["GET", "POST"])
@office_required
def runs():
    """Renew a year's members into the next year: a preview first, then the real run (background)."""
    form = RenewalRunForm()
    if not form.is_submitted():
        form.from_year.data = clock.today().year
    if form.validate_on_submit():
        try:
            run = jobs.create_run(form.from_year.data, form.from_year.data + 1, dry_run=not form.run.data, user=current_user)
        except services.RenewalError as refused:
            db.session.rollback()
            form.from_year.errors = [str(refused)]
        else:
            db.session.commit()
            if not jobs.start_run(run):
                db.session.commit()
                flash(_("Antrean pekerjaan sedang tidak dapat dijangkau; coba lagi beberapa saat lagi."), "error")
            return hx.redirect(url_for(".run", run_id=run.id))
    return render("renewal/runs.html", form=form, runs=services.latest_runs())


@bp.get("/perpanjangan/<int:run_id>")
@office_required
def run(run_id: int):
    """A run's progress and its counts; htmx polls the progress block until it ends."""
    renewal_run = db.get_or_404(RenewalRun, run_id)
    return render(
        "renewal/run.html",
        block="progress",
        run=renewal_run,
        kecamatan=services.kecamatan_names(),
        categories=category_names(),
        outcome_labels=services.OUTCOME_LABELS,
        reason_labels=services.REASON_LABELS,
        budget_refusal=services.budget_refusal(renewal_run.summary or {}),
        form=RenewalRunForm(formdata=None, from_year=renewal_run.from_year),
    )
