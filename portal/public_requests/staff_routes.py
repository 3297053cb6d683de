"""The request desk's staff pages: the queue, a request with its timeline, and the actions.

URLs carry request ids only, never a NIK, a name or a tracking code. The office sees every
request; an RT/RW head sees the requests of their area staff asked them about, and answers
them; everyone else gets 404.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import office_required, roles_required
from portal.extensions import db
from portal.forms import CsrfOnlyForm, category_choices, form_errors, kecamatan_choices, kelurahan_choices, select_choices
from portal.hx import render
from portal.models import User
from portal.public_requests import handling
from portal.public_requests.kinds import DATA_ACTION_LABELS, KINDS, OUTCOME_LABELS, STATE_LABELS
from portal.public_requests.staff_forms import (
    AnswerForm,
    AreaAnswerForm,
    AskAreaForm,
    AssignForm,
    CloseForm,
    DeathCaseForm,
    EscalateForm,
    RequestFilterForm,
)
from portal.registry.forms import CorrectionForm

bp = Blueprint("requests_desk", __name__, url_prefix="/meja-permintaan")
_desk = roles_required(*handling.DESK_ROLES)


def _private(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _labels() -> dict:
    return {"kinds": KINDS, "state_labels": STATE_LABELS, "outcome_labels": OUTCOME_LABELS,
            "event_labels": handling.EVENT_LABELS, "data_action_labels": DATA_ACTION_LABELS}


@bp.get("/")
@_desk
def queue():
    """The requests the user may see, filtered by kind, state, area, overdue and reference, a page at a time."""
    form = RequestFilterForm(request.args, kecamatan_choices=kecamatan_choices(_("Semua")),
                             kelurahan_choices=kelurahan_choices(_("Semua"), request.args.get("kecamatan") or None))
    filters = form.filters() if form.validate() else handling.RequestFilters()
    page = handling.list_requests(current_user, filters)
    return _private(render("public_requests/staff/queue.html", block="results", form=form, page=page,
                           places=handling.place_names(page.items),
                           overdue=handling.overdue_count(current_user), is_overdue=handling.is_overdue,
                           age_days=handling.age_days, **_labels()))


def _assign_form(req) -> AssignForm:
    form = AssignForm(formdata=None, assignee=str(req.assignee_id or current_user.id))
    form.assignee.choices = select_choices((str(u.id), u.username) for u in handling.office_users())
    return form


def _correction_form(req, formdata=None) -> CorrectionForm:
    """The registry's correction form: the person's values with the requester's proposals over them."""
    form = CorrectionForm(formdata=formdata, obj=req.subject_person if formdata is None else None)
    if formdata is None:
        form.sex.data = req.subject_person.sex.value
        for name, value in handling.proposed_values(req).items():
            form[name].data = value
        form.reason.data = _("Permintaan koreksi dari pemohon, diperiksa petugas.")
    form.kelurahan_code.choices = kelurahan_choices()
    form.category_code.choices = category_choices()
    return form


def _detail(req, status: int = 200, **forms):
    context = {
        "req": req,
        "place": handling.place_names([req]).get(req.kelurahan_code),
        "overdue": handling.is_overdue(req),
        "acknowledgement_overdue": handling.acknowledgement_overdue(req),
        "is_open": req.state in handling.OPEN_STATES,
        **_labels(),
    }
    if current_user.is_office:
        context |= {
            "assign_form": _assign_form(req),
            "confirm_form": CsrfOnlyForm(),
            "ask_form": forms.get("ask_form") or AskAreaForm(formdata=None),
            "escalate_form": forms.get("escalate_form") or EscalateForm(formdata=None),
            "answer_form": forms.get("answer_form") or AnswerForm(formdata=None),
            "close_form": forms.get("close_form") or CloseForm(formdata=None),
            "death_form": forms.get("death_form") or DeathCaseForm(formdata=None, contact_phone=req.requester_phone),
            "heads": handling.area_heads(req),
            "takes_correction": handling.takes_correction(req),
            "takes_death_case": handling.takes_death_case(req),
            "takes_draft_entry": handling.takes_draft_entry(req),
        }
    else:
        context["area_form"] = forms.get("area_form") or AreaAnswerForm(formdata=None)
    return _private(render("public_requests/staff/detail.html", status=status, **context))


@bp.get("/<int:request_id>")
@_desk
def detail(request_id: int):
    """One request: what was asked, its deadlines, its timeline and the actions the user may take."""
    req = handling.request_or_404(request_id, current_user)
    handling.note_view(req, current_user)
    db.session.commit()
    return _detail(req)


def _back(req):
    return redirect(url_for(".detail", request_id=req.id))


def _apply(req, change, success: str, form=None):
    """Run a service change: commit and say so, or roll back and show its message."""
    if form is not None and not form.validate_on_submit():
        flash(form_errors(form), "error")
        return _back(req)
    try:
        change()
    except handling.RequestError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(success, "success")
    return _back(req)


@bp.post("/<int:request_id>/petugas")
@office_required
def assign(request_id: int):
    """Make an office account (the user themself, or a colleague) answerable for the request."""
    req = handling.request_or_404(request_id, current_user)
    form = AssignForm()
    form.assignee.choices = select_choices((str(u.id), u.username) for u in handling.office_users())
    return _apply(req, lambda: handling.assign(req, db.session.get(User, int(form.assignee.data)), current_user),
                  _("Penanggung jawab disimpan."), form)


@bp.post("/<int:request_id>/konfirmasi")
@office_required
def acknowledge(request_id: int):
    """Confirm to the requester that the request is received and being checked."""
    req = handling.request_or_404(request_id, current_user)
    return _apply(req, lambda: handling.acknowledge(req, current_user),
                  _("Penerimaan dikonfirmasi; pemohon melihatnya di halaman lacak."), CsrfOnlyForm())


@bp.post("/<int:request_id>/tanya-rt-rw")
@office_required
def ask_area(request_id: int):
    """Ask the RT/RW head of the request's area; the request waits for their answer."""
    req = handling.request_or_404(request_id, current_user)
    form = AskAreaForm()
    return _apply(req, lambda: handling.ask_area(req, form.question.data, current_user),
                  _("Pertanyaan dikirim ke ketua RT/RW wilayah ini."), form)


@bp.post("/<int:request_id>/keterangan")
@roles_required(*handling.DESK_ROLES)
def area_answer(request_id: int):
    """The area's RT/RW head answers staff's question; the request goes back to the office."""
    req = handling.request_or_404(request_id, current_user)
    form = AreaAnswerForm()
    if not form.validate_on_submit():
        return _detail(req, status=422, area_form=form)
    try:
        handling.answer_from_area(req, form.note.data, current_user)
    except handling.RequestError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _back(req)
    db.session.commit()
    flash(_("Terima kasih, keterangan Anda sudah dikirim ke petugas."), "success")
    return redirect(url_for(".queue"))


@bp.post("/<int:request_id>/teruskan")
@office_required
def escalate(request_id: int):
    """Hand the request to a supervisor (an admin) with the reason."""
    req = handling.request_or_404(request_id, current_user)
    form = EscalateForm()
    return _apply(req, lambda: handling.escalate(req, form.reason.data, current_user),
                  _("Permintaan diteruskan ke pimpinan."), form)


@bp.post("/<int:request_id>/jawab")
@office_required
def answer(request_id: int):
    """Write the answer the requester reads on the tracking page."""
    req = handling.request_or_404(request_id, current_user)
    form = AnswerForm()
    return _apply(req, lambda: handling.answer(req, form.answer.data, current_user),
                  _("Jawaban disimpan; pemohon melihatnya di halaman lacak."), form)


@bp.post("/<int:request_id>/tutup")
@office_required
def close(request_id: int):
    """Close an answered request with its outcome."""
    req = handling.request_or_404(request_id, current_user)
    form = CloseForm()
    return _apply(req, lambda: handling.close(req, form.outcome_value(), form.note.data or "", current_user),
                  _("Permintaan ditutup."), form)


@bp.route("/<int:request_id>/koreksi", methods=["GET", "POST"])
@office_required
def correction(request_id: int):
    """Check the requester's proposed corrections (editable), then apply them to the registry."""
    req = handling.request_or_404(request_id, current_user)
    if not handling.takes_correction(req):
        flash(_("Permintaan ini bukan koreksi data seorang peserta di registri."), "error")
        return _back(req)
    form = _correction_form(req, request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate_on_submit():
        try:
            changed = handling.apply_correction(req, form.changes(), form.reason.data, current_user)
        except handling.RequestError as error:
            db.session.rollback()
            form.reason.errors = [*form.reason.errors, str(error)]
        else:
            db.session.commit()
            flash(_("Data peserta dikoreksi: %(fields)s.", fields=", ".join(changed)), "success")
            return _back(req)
    return _private(render("public_requests/staff/correction.html", req=req, form=form,
                           proposed=req.proposed_changes or {}, status=422 if form.errors else 200))


@bp.post("/<int:request_id>/kasus-kematian")
@office_required
def death_case(request_id: int):
    """Open a death case in the case desk for the person the request reports dead."""
    req = handling.request_or_404(request_id, current_user)
    form = DeathCaseForm()
    if not form.validate_on_submit():
        return _detail(req, status=422, death_form=form)
    return _apply(req, lambda: handling.open_death_case(req, form.died_on.data, form.place.data, form.contact_phone.data,
                                                        current_user),
                  _("Kasus kematian dibuka di meja kasus."))


@bp.post("/<int:request_id>/draf-usulan")
@office_required
def draft_entry(request_id: int):
    """Put the proposed person on a draft list of the area's RT/RW head."""
    req = handling.request_or_404(request_id, current_user)
    return _apply(req, lambda: handling.draft_entry(req, current_user),
                  _("Draf usulan dibuat di daftar ketua RT/RW wilayah ini."), CsrfOnlyForm())

