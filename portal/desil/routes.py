"""The DTSEN refresh review for staff: members "keluar dari sasaran" and the decisions on them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import office_required
from portal.desil import review
from portal.desil.forms import DECISION_LABELS, BulkDecisionForm, DecisionForm, FlagFilterForm
from portal.extensions import db
from portal.forms import form_errors, kecamatan_choices
from portal.hx import render
from portal.models import DtsenFlagStatus

bp = Blueprint("dtsen", __name__, url_prefix="/dtsen")


def _filter_form(data) -> tuple[FlagFilterForm, review.FlagFilter]:
    form = FlagFilterForm(data, meta={"csrf": False})
    form.kecamatan.choices = kecamatan_choices(_("Semua"))
    if not form.validate():
        return form, review.FlagFilter()
    return form, review.FlagFilter(kecamatan=form.kecamatan.data or None, reason=form.alasan.data or None)


def _labels() -> dict:
    return {"reason_labels": review.REASON_LABELS, "status_labels": review.STATUS_LABELS, "decision_labels": DECISION_LABELS}


@bp.get("/tinjauan")
@office_required
def flags():
    """Members a DTSEN refresh put out of the target, waiting for a decision (filtered, paged)."""
    form, chosen = _filter_form(request.args)
    page = review.open_flags_page(chosen, form.hal.data or 1)
    return render("dtsen/flags.html", form=form, chosen=chosen, page=page, **_labels())


def _flag_or_404(flag_id: int):
    return review.open_flag_or_none(flag_id) or abort(404)


@bp.route("/tinjauan/<int:flag_id>", methods=["GET", "POST"])
@office_required
def flag(flag_id: int):
    """One flagged member: keep until the year's end with a note, or end the membership."""
    found = _flag_or_404(flag_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            review.decide(found, form.decision.data, current_user, note=form.note.data or "",
                          end_reason=form.end_reason.data, end_date=form.end_date.data)
        except review.ReviewError as error:
            db.session.rollback()
            form.decision.errors = list(form.decision.errors) + [str(error)]
        else:
            db.session.commit()
            flash(_("Keputusan untuk %(number)s disimpan.", number=found.membership.number), "success")
            return redirect(url_for("dtsen.flags"))
    elif request.method == "POST":
        flash(form_errors(form), "error")
    return render("dtsen/flag.html", flag=found, form=form, open=found.status == DtsenFlagStatus.OPEN, **_labels())


@bp.route("/tinjauan/semua", methods=["GET", "POST"])
@office_required
def decide_all():
    """One decision for every flagged member of the filter, after a confirmation showing the count."""
    source = request.form if request.method == "POST" else request.args
    filter_form, chosen = _filter_form(source)
    form = BulkDecisionForm()
    if request.method == "GET":
        form.expected.data = str(review.count_open(chosen))
        form.kecamatan.data, form.alasan.data = chosen.kecamatan or "", chosen.reason or ""
    elif form.validate_on_submit():
        try:
            done = review.decide_all(chosen, form.expected_count, form.decision.data, current_user,
                                     note=form.note.data or "", end_reason=form.end_reason.data, end_date=form.end_date.data)
        except review.ReviewError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Keputusan disimpan untuk %(count)d peserta.", count=done), "success")
            return redirect(url_for("dtsen.flags"))
    else:
        flash(form_errors(form), "error")
    waiting = review.count_open(chosen)
    return render("dtsen/decide_all.html", form=form, filter_form=filter_form, chosen=chosen, waiting=waiting,
                  expected=form.expected_count, **_labels())
