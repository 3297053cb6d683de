"""Institutional lists for staff: upload, preview, confirm, progress, cancel, and the rows
waiting for an area. Every view answers within a request's budget: the work is in the jobs."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import audit, storage
from portal.access import office_required
from portal.extensions import db
from portal.forms import CsrfOnlyForm
from portal.hx import render
from portal.institutional import jobs, services
from portal.institutional.forms import ConfirmImportForm, InstitutionalUploadForm, PlaceEntryForm
from portal.models import InstitutionalImport, UnplacedEntry

bp = Blueprint("institutional", __name__, url_prefix="/impor-instansi")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _import(import_id: int) -> InstitutionalImport:
    return db.session.get(InstitutionalImport, import_id) or abort(404)


def _index(form: InstitutionalUploadForm, status: int = 200):
    page = services.imports_page(request.args.get("halaman", 1, type=int))
    return render(
        "institutional/index.html", status=status, form=form, page=page, unplaced=services.unplaced_count()
    )


@bp.get("/")
@office_required
def index():
    """The imports so far and the upload form of a new institutional list."""
    return _index(InstitutionalUploadForm())


@bp.post("/")
@office_required
def upload():
    """Keep the uploaded file and start its preview in the background; its page opens."""
    form = InstitutionalUploadForm()
    if not form.validate_on_submit():
        return _index(form, status=400)
    upload = form.spreadsheet.data
    try:
        record = services.create_import(upload.read(), upload.filename or "", form.category.data, form.source.data, current_user)
    except services.ImportRefused as error:
        db.session.rollback()
        form.category.errors = [error.message]
        return _index(form, status=400)
    db.session.commit()
    jobs.start(record)
    db.session.commit()
    return redirect(url_for("institutional.show", import_id=record.id))


@bp.get("/<int:import_id>")
@office_required
def show(import_id: int):
    """One import: its progress while a job works on it (htmx polls the block), then the
    preview with the confirmation, or the outcome."""
    record = _import(import_id)
    return render(
        "institutional/show.html",
        block="status",
        record=record,
        progress=services.progress_of(record),
        stalled=services.is_stalled(record),
        confirm_form=ConfirmImportForm(expected=str(record.to_add)),
        button_form=CsrfOnlyForm(),
    )


@bp.post("/<int:import_id>/konfirmasi")
@office_required
def confirm(import_id: int):
    """Queue a previewed import for its run, for the count staff saw."""
    record = _import(import_id)
    form = ConfirmImportForm()
    if form.validate_on_submit():
        try:
            services.confirm_import(record, form.expected_count, current_user)
        except services.ImportRefused as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            jobs.start(record)
            db.session.commit()
    return redirect(url_for("institutional.show", import_id=record.id))


@bp.post("/<int:import_id>/batal")
@office_required
def cancel(import_id: int):
    """Cancel an import not yet done: nothing of it is added."""
    record = _import(import_id)
    if CsrfOnlyForm().validate_on_submit():
        if services.cancel_import(record, current_user):
            flash(_("Impor dibatalkan; tidak ada baris yang ditambahkan."), "success")
        else:
            flash(_("Impor ini sudah selesai dan tidak dapat dibatalkan."), "error")
        db.session.commit()
    return redirect(url_for("institutional.show", import_id=record.id))


@bp.get("/<int:import_id>/ditolak.xlsx")
@office_required
def rejected_rows(import_id: int):
    """The rows the import does not add, with the reason in a column (formula-safe XLSX)."""
    record = _import(import_id)
    response = storage.download(
        record.rejected_key, mimetype=XLSX, download_name=f"ditolak-impor-{record.id}.xlsx", as_attachment=True
    ) if record.rejected_key else None
    if response is None:
        abort(404)
    audit.record("institutional_import.rejected_download", "institutional_import", record.id, rows=record.rejected)
    db.session.commit()
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/perlu-wilayah")
@office_required
def unplaced():
    """The valid rows of institutional lists that had no address, waiting for an area."""
    page = services.unplaced_page(request.args.get("halaman", 1, type=int))
    audit.record("unplaced_entry.view", "unplaced_entry", None, rows=len(page.items))
    db.session.commit()
    return render("institutional/unplaced.html", page=page, form=PlaceEntryForm(formdata=None), failed=None)


@bp.post("/perlu-wilayah/<int:row_id>")
@office_required
def place(row_id: int):
    """Give a waiting row its kelurahan and RW: it becomes a pending entry for review."""
    unplaced = db.session.get(UnplacedEntry, row_id) or abort(404)
    form = PlaceEntryForm()
    row = None
    if form.validate_on_submit():
        entry, row = services.place_entry(unplaced, form.kelurahan.data, form.rw.data, form.rt.data, current_user)
        if entry is not None:
            db.session.commit()
            flash(_("Baris %(row)s ditempatkan di daftar %(list)s untuk diverifikasi.", row=entry.row_number or "-", list=entry.member_list.title), "success")
            return redirect(url_for("institutional.unplaced"))
        db.session.rollback()
        form.rw.errors = [f.message for f in row.findings if f.is_error]
    page = services.unplaced_page(request.args.get("halaman", 1, type=int))
    return render("institutional/unplaced.html", status=400, page=page, form=form, failed=row_id)
