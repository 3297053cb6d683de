"""BPJS exchange for staff: registration files in numbered batches, KPJ answers back."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import audit
from portal.access import office_required
from portal.bpjs import deregistration, jobs, services
from portal.bpjs.forms import AnswerForm, BatchForm, DeregBatchForm
from portal.extensions import db
from portal.hx import render
from portal.models import BpjsDeregBatch

bp = Blueprint("bpjs", __name__, url_prefix="/bpjs")



def _index(answer_form: AnswerForm | None = None, report: services.KpjReport | None = None, status: int = 200):
    return render(
        "bpjs/index.html",
        status=status,
        batch_form=BatchForm(),
        answer_form=answer_form or AnswerForm(),
        batches=services.recent_batches(),
        unsent=services.unsent_count(),
        dereg_batches=deregistration.recent_batches(),
        report=report,
    )


@bp.get("/")
@office_required
def index():
    """Members waiting to be sent, the batches sent so far, and the answer upload."""
    return _index()


@bp.post("/batch")
@office_required
def create_batch():
    """Put every approved member not yet sent into a new numbered batch."""
    form = BatchForm()
    if form.validate_on_submit():
        try:
            batch = services.create_batch(current_user, form.file_format.data)
        except services.ExchangeError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Batch %(n)d dibuat dengan %(count)d peserta.", n=batch.number, count=batch.member_count), "success")
    return redirect(url_for("bpjs.index"))


@bp.get("/batch/<int:number>.<file_format>")
@office_required
def download(number: int, file_format: str):
    """The registration file of one batch, as XLSX or CSV (formula-safe)."""
    batch = services.batch_numbered(number) if file_format in services.FORMATS else None
    return _batch_download(batch, file_format, services.batch_file, "bpjs.download", "bpjs_batch")


@bp.post("/jawaban")
@office_required
def import_answer():
    """Record the KPJ numbers in BPJS's answer file and report unmatched or conflicting rows."""
    form = AnswerForm()
    if not form.validate_on_submit():
        return _index(answer_form=form, status=400)
    upload = form.answer.data
    try:
        report = services.import_answer(upload.filename or "", upload.read(), current_user)
    except services.ExchangeError as error:
        db.session.rollback()
        form.answer.errors = [str(error)]
        return _index(answer_form=form, status=400)
    db.session.commit()
    return _index(report=report)


@bp.route("/pemberhentian", methods=["GET", "POST"])
@office_required
def dereg_preview():
    """How many ended members the next de-registration batch carries; once staff confirm
    that count, the batch is made in the background and its progress page opens."""
    form = DeregBatchForm()
    if form.validate_on_submit():
        try:
            batch = deregistration.queue_batch(current_user, form.expected_count)
        except deregistration.DeregError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            jobs.start(batch)
            db.session.commit()
            return redirect(url_for("bpjs.dereg_progress", batch_id=batch.id))
    count, by_reason = deregistration.preview()
    form.expected.data = str(count)
    reasons = sorted((code, deregistration.REASON_TEXTS.get(code, code), n) for code, n in by_reason.items())
    return render(
        "bpjs/dereg_preview.html", form=form, count=count, reasons=reasons, held_back=deregistration.held_back_count()
    )


@bp.get("/pemberhentian/proses/<int:batch_id>")
@office_required
def dereg_progress(batch_id: int):
    """A de-registration batch being made: its progress (htmx polls it), then the batch or
    why it was not made."""
    batch = db.session.get(BpjsDeregBatch, batch_id) or abort(404)
    return render(
        "bpjs/dereg_progress.html",
        block="progress",
        batch=batch,
        progress=deregistration.progress_of(batch),
        failure=deregistration.failure_message(batch) if batch.error else None,
    )


@bp.get("/pemberhentian/<int:number>.<file_format>")
@office_required
def dereg_download(number: int, file_format: str):
    """The de-registration file of one batch, as XLSX or CSV (formula-safe)."""
    batch = deregistration.batch_numbered(number) if file_format in services.FORMATS else None
    return _batch_download(batch, file_format, deregistration.batch_file, "bpjs.dereg_download", "bpjs_dereg_batch")


def _batch_download(batch, file_format: str, build_file, action: str, target_type: str) -> Response:
    """A batch's file as an attachment, its download in the audit trail (404 for no batch)."""
    if batch is None:
        abort(404)
    content, filename, mimetype = build_file(batch, file_format)
    audit.record(action, target_type, batch.id, batch=batch.number, rows=batch.member_count, format=file_format)
    db.session.commit()
    return Response(
        content,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
