"""The case desk's pages: the list, a report, a case with its timeline, documents and outcome.

URLs carry case and document ids only, never a NIK or a name. Reporters (RT/RW heads,
agents, partner facilities) see the cases of their area or facility; everything else 404.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock
from portal.access import office_required, roles_required
from portal.cases import documents, services
from portal.cases.forms import (
    AssignForm,
    CaseFilterForm,
    CaseReportForm,
    DocumentForm,
    DocumentTypeForm,
    NoteForm,
    OutcomeForm,
    StateForm,
)
from portal.certificates.services import PRINT_STYLESHEET
from portal.contributions.owed_back import owed_back_of
from portal.edge import query_int
from portal.extensions import db
from portal.forms import CsrfOnlyForm, form_errors, kecamatan_choices, select_choices
from portal.hx import render
from portal.i18n import current_language
from portal.models import CaseDocumentType, CaseKind, CaseState, Role, User
from portal.pdf import render_pdf

bp = Blueprint("cases", __name__, url_prefix="/kasus")

# The case pages a partner facility's account may open (portal.hospital lets them through).
REPORTER_ENDPOINTS = frozenset({"cases.index", "cases.report", "cases.detail", "cases.upload", "cases.download"})
_reporters = roles_required(*services.REPORTER_ROLES)


def _private(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
@_reporters
def index():
    """The cases the user may see, filtered by kind, state, overdue and kecamatan, a page at a time."""
    form = CaseFilterForm(request.args, kecamatan_choices=kecamatan_choices(_("Semua")))
    filters = form.filters() if form.validate() else services.CaseFilters()
    page = services.list_cases(current_user, filters)
    return _private(render(
        "cases/index.html", block="results", form=form, page=page, filters=filters,
        overdue=services.overdue_count(current_user), now=clock.now(),
        is_overdue=services.is_overdue, kind_labels=services.KIND_LABELS, state_labels=services.STATE_LABELS,
    ))


def _report_form() -> CaseReportForm:
    form = CaseReportForm(name_required=not current_user.is_office)
    form.treating_facility.choices = select_choices(
        [("", _("Belum diketahui"))] + [(str(f.id), f.name) for f in services.active_facilities()]
    )
    return form


@bp.route("/baru", methods=["GET", "POST"])
@_reporters
def report():
    """Report a work accident or a death of a registry person; the portal says whether they were covered."""
    form = _report_form()
    if form.validate_on_submit():
        facts = form.report()
        person = services.find_person(current_user, nik=facts.nik, name=facts.name, kpj=facts.kpj)
        if person is None:
            form.nik.errors = [*form.nik.errors, _("Peserta tidak ditemukan. Periksa NIK dan nama sesuai KTP, atau nomor KPJ.")]
        else:
            try:
                case = services.report_case(current_user, facts, person)
            except services.CaseError as error:
                db.session.rollback()
                form.occurred_on.errors = [*form.occurred_on.errors, str(error)]
            else:
                db.session.commit()
                if case.covered:
                    flash(_("Kasus %(ref)s dilaporkan. Peserta tercatat terlindungi %(programme)s pada tanggal kejadian.",
                            ref=case.reference, programme=services.programme_of(case.kind)), "success")
                else:
                    flash(_("Kasus %(ref)s dilaporkan. Perhatian: peserta tidak tercatat terlindungi %(programme)s pada tanggal kejadian.",
                            ref=case.reference, programme=services.programme_of(case.kind)), "warning")
                return redirect(url_for(".detail", case_id=case.id))
    # Never echo a NIK back into the page.
    form.nik.data = form.nik.raw_data = None
    return _private(render("cases/report.html", form=form, status=422 if form.errors else 200,
                           stage_one_hours=services.stage_one_hours()))


def _detail_context(case, **forms) -> dict:
    assign_form = forms.get("assign_form") or AssignForm(formdata=None, assignee=str(case.assignee_id or ""))
    assign_form.assignee.choices = select_choices([("", _("Belum ada"))] + [(str(u.id), u.username) for u in services.office_users()])
    document_form = forms.get("document_form") or DocumentForm(formdata=None)
    document_form.document_type.choices = select_choices((str(t.id), t.label(current_language())) for t in services.checklist(case.kind))
    return {
        "case": case,
        "state_form": forms.get("state_form") or StateForm(formdata=None),
        "assign_form": assign_form,
        "note_form": forms.get("note_form") or NoteForm(formdata=None),
        "document_form": document_form,
        "outcome_form": forms.get("outcome_form") or OutcomeForm(formdata=None),
        "confirm_form": CsrfOnlyForm(),
        "checklist": services.checklist(case.kind),
        "missing": services.missing_documents(case),
        "handles_documents": services.handles_documents(current_user, case),
        "overdue": services.is_overdue(case),
        "closed": case.state in services.CLOSED_STATES,
        "kind_labels": services.KIND_LABELS,
        "state_labels": services.STATE_LABELS,
        "event_labels": services.EVENT_LABELS,
        "benefit_kinds": services.BENEFIT_KINDS,
        "programme": services.programme_of(case.kind),
        # A confirmed death lists what BPJS owes back for the months paid after it (issue 21).
        "owed_lines": owed_back_of(case.person_id) if current_user.is_office and case.kind == CaseKind.DEATH else None,
    }


@bp.get("/<int:case_id>")
@_reporters
def detail(case_id: int):
    """One case: facts, cover on the day, due time, timeline, documents and (for staff) actions."""
    case = services.case_or_404(case_id, current_user)
    services.note_view(case, current_user)
    db.session.commit()
    return _private(render("cases/detail.html", **_detail_context(case)))


def _back(case_id: int):
    return redirect(url_for(".detail", case_id=case_id))


def _apply(case, change, success: str):
    """Run a service change: commit and say so, or roll back and show its message."""
    try:
        change()
    except services.CaseError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(success, "success")
    return _back(case.id)


@bp.post("/<int:case_id>/status")
@office_required
def change_state(case_id: int):
    """Move a case on (sent to BPJS stage I or II, documents complete) or withdraw it."""
    case = services.case_or_404(case_id, current_user)
    form = StateForm()
    if not form.validate_on_submit():
        flash(form_errors(form), "error")
        return _back(case.id)
    state = CaseState(form.state.data)
    return _apply(case, lambda: services.change_state(case, state, form.note.data or "", current_user),
                  _("Status kasus menjadi: %(state)s.", state=services.STATE_LABELS[state]))


@bp.post("/<int:case_id>/petugas")
@office_required
def assign(case_id: int):
    """Make an office account answerable for the case."""
    case = services.case_or_404(case_id, current_user)
    form = AssignForm()
    form.assignee.choices = select_choices([("", "")] + [(str(u.id), u.username) for u in services.office_users()])
    if not form.validate_on_submit():
        flash(form_errors(form), "error")
        return _back(case.id)
    assignee = db.session.get(User, int(form.assignee.data)) if form.assignee.data else None
    return _apply(case, lambda: services.assign(case, assignee, current_user), _("Penanggung jawab kasus disimpan."))


@bp.post("/<int:case_id>/catatan")
@office_required
def add_note(case_id: int):
    """Add a note to the case's timeline."""
    case = services.case_or_404(case_id, current_user)
    form = NoteForm()
    if not form.validate_on_submit():
        flash(form_errors(form), "error")
        return _back(case.id)
    return _apply(case, lambda: services.add_note(case, form.note.data, current_user), _("Catatan ditambahkan."))


@bp.post("/<int:case_id>/hasil")
@office_required
def outcome(case_id: int):
    """Record what BPJS decided: the benefit paid, or the refusal and its reason."""
    case = services.case_or_404(case_id, current_user)
    form = OutcomeForm()
    if not form.validate_on_submit():
        flash(form_errors(form), "error")
        return _back(case.id)
    if form.outcome.data == "paid":
        change = lambda: services.record_payment(case, form.paid_on.data, form.amount.data, form.benefit_kind.data, current_user)  # noqa: E731
    else:
        change = lambda: services.record_refusal(case, form.refusal_reason.data, current_user)  # noqa: E731
    return _apply(case, change, _("Hasil kasus dicatat."))


@bp.post("/<int:case_id>/konfirmasi-kematian")
@office_required
def confirm_death(case_id: int):
    """Confirm a death: the person's active membership ends (deceased, on the day of death)."""
    case = services.case_or_404(case_id, current_user)
    form = CsrfOnlyForm()
    if not form.validate_on_submit():
        flash(form_errors(form), "error")
        return _back(case.id)
    return _apply(case, lambda: services.confirm_death(case, current_user),
                  _("Kematian dikonfirmasi; kepesertaan diakhiri dan masuk berkas pemberhentian BPJS."))


@bp.post("/<int:case_id>/dokumen")
@_reporters
def upload(case_id: int):
    """Upload one document of the checklist (PDF, JPEG or PNG, checked by content)."""
    case = services.case_or_404(case_id, current_user)
    if not services.handles_documents(current_user, case):
        abort(404)
    form = DocumentForm()
    form.document_type.choices = select_choices((str(t.id), t.name_id) for t in services.checklist(case.kind))
    if not form.validate_on_submit():
        flash(form_errors(form), "error")
        return _back(case.id)
    document_type = db.session.get(CaseDocumentType, int(form.document_type.data))
    data = form.upload.data.read(current_app.config["CASE_DOCUMENT_MAX_BYTES"] + 1)
    return _apply(case, lambda: documents.add_document(case, document_type, data, current_user),
                  _("Dokumen %(name)s disimpan.", name=document_type.label(current_language())))


@bp.get("/<int:case_id>/dokumen/<int:document_id>")
@_reporters
def download(case_id: int, document_id: int):
    """Send one document to the office or the reporting account; every download is audited."""
    case = services.case_or_404(case_id, current_user)
    document = documents.document_of(case, document_id)
    if document is None or not services.handles_documents(current_user, case):
        abort(404)
    documents.note_download(case, document, current_user)
    db.session.commit()
    response = documents.download(case, document)
    if response is None:
        abort(404)
    return _private(response)


@bp.get("/<int:case_id>/laporan.pdf")
@office_required
def case_pdf(case_id: int):
    """The case report for BPJS (participant, KPJ, date, place, chronology, facility, reporter, documents)."""
    case = services.case_or_404(case_id, current_user)
    pdf = render_pdf("cases/pdf/case.html", stylesheet=PRINT_STYLESHEET, case=case, printed_at=clock.now(),
                     kind_labels=services.KIND_LABELS, state_labels=services.STATE_LABELS,
                     checklist=services.checklist(case.kind), kpj=services.kpj_of(case))
    services.note_print(case, current_user)
    db.session.commit()
    response = current_app.response_class(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{case.reference}.pdf"'
    return _private(response)


@bp.get("/ringkasan")
@office_required
def figures():
    """The year's cases by kind and state, overdue, days to payment, benefits paid per month and kecamatan."""
    year = query_int("tahun", clock.today().year, minimum=2020, maximum=2100)
    return render("cases/figures.html", year=year, figures=services.case_figures(year),
                  kinds=list(services.KIND_LABELS), states=list(services.STATE_LABELS),
                  kind_labels=services.KIND_LABELS, state_labels=services.STATE_LABELS)


@bp.route("/syarat-dokumen", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def checklist():
    """The admins' document checklist per kind of case: add an item."""
    form = DocumentTypeForm()
    if form.validate_on_submit():
        if not form.code.data:
            form.code.errors = [*form.code.errors, _("Isi kode dokumen.")]
        else:
            try:
                services.save_document_type(None, {"code": form.code.data, **form.values()}, current_user)
            except services.CaseError as error:
                db.session.rollback()
                form.code.errors = [*form.code.errors, str(error)]
            else:
                db.session.commit()
                flash(_("Dokumen ditambahkan ke daftar."), "success")
                return redirect(url_for(".checklist"))
    items = services.all_document_types()
    edit_forms = {item.id: DocumentTypeForm(formdata=None, obj=item) for item in items}
    return render("cases/checklist.html", form=form, items=items, edit_forms=edit_forms,
                  status=422 if form.errors else 200)


@bp.post("/syarat-dokumen/<int:type_id>")
@roles_required(Role.ADMIN)
def edit_checklist_item(type_id: int):
    """Change one checklist item (names, kinds, order, asked for or not)."""
    item = db.session.get(CaseDocumentType, type_id) or abort(404)
    form = DocumentTypeForm()
    if not form.validate_on_submit():
        flash(form_errors(form), "error")
    else:
        services.save_document_type(item, form.values(), current_user)
        db.session.commit()
        flash(_("Daftar dokumen disimpan."), "success")
    return redirect(url_for(".checklist"))
