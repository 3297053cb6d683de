"""Printing cards and certificates (staff), the print log, and the public verify page /v/<code>."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal import audit, storage
from portal.access import office_required
from portal.certificates import jobs, services
from portal.certificates.forms import BatchPrintForm, RevokeForm
from portal.certificates.services import PRINT_STYLESHEET, PrintRefused, VerificationStatus
from portal.edge import query_int
from portal.extensions import db, limiter
from portal.forms import CsrfOnlyForm
from portal.hx import render
from portal.models import (
    Certificate,
    Membership,
    Person,
    PrintDocument,
    PrintJob,
    PrintJobStatus,
)
from portal.pdf import render_pdf
from portal.renewal.services import renewal_chain

bp = Blueprint("certificates", __name__)

DOCUMENTS = "any(card, certificate)"
# What new_verification_code() produces (URL-safe base64); anything else is not looked up.
LOG_PAGE_SIZE = 50


def _membership_or_404(membership_id: int) -> Membership:
    membership = db.session.scalar(
        db.select(Membership)
        .where(Membership.id == membership_id)
        .options(
            selectinload(Membership.certificates),
            selectinload(Membership.person).selectinload(Person.kelurahan),
        )
    )
    if membership is None:
        abort(404)
    return membership


# -- One member's documents ------------------------------------------------------------------


@bp.get("/cetak/anggota/<int:membership_id>")
@office_required
def membership_documents(membership_id: int):
    """A member's card and certificate: print, download, revoke, and their print history."""
    membership = _membership_or_404(membership_id)
    audit.record("view", "membership_documents", membership.id, person_id=membership.person_id)
    db.session.commit()
    return render(
        "certificates/membership.html",
        membership=membership,
        current=services.current_certificate(membership),
        printable=services.is_printable(membership),
        counts=services.print_counts(membership.certificates),
        scans=services.scan_counts(membership.certificates),
        number_of=services.certificate_number,
        print_form=CsrfOnlyForm(),
        revoke_form=RevokeForm(),
    )


@bp.post(f"/cetak/anggota/<int:membership_id>/<{DOCUMENTS}:document>")
@office_required
def print_document(membership_id: int, document: str):
    """Log a print of the card or certificate (issuing a certificate if none is valid), then download it."""
    membership = _membership_or_404(membership_id)
    if not CsrfOnlyForm().validate_on_submit():
        abort(400)
    try:
        services.print_document(membership, PrintDocument(document), current_user)
    except PrintRefused:
        flash(_("Kepesertaan ini tidak aktif, jadi kartu dan sertifikat tidak dapat dicetak."), "error")
        return redirect(url_for(".membership_documents", membership_id=membership.id))
    db.session.commit()
    return redirect(url_for(".download_document", membership_id=membership.id, document=document), 303)


@bp.get(f"/cetak/anggota/<int:membership_id>/<{DOCUMENTS}:document>.pdf")
@office_required
def download_document(membership_id: int, document: str):
    """The PDF of the member's valid certificate, as card (ID-1) or A4 certificate."""
    membership = _membership_or_404(membership_id)
    certificate = services.current_certificate(membership)
    if certificate is None or not services.is_printable(membership):
        abort(404)
    template = "certificates/pdf/card.html" if document == "card" else "certificates/pdf/certificate.html"
    pdf = render_pdf(template, stylesheet=PRINT_STYLESHEET, documents=[services.document_facts(certificate)])
    audit.record("download", "membership", membership.id, person_id=membership.person_id, document=document)
    db.session.commit()
    name = "kartu" if document == "card" else "sertifikat"
    response = current_app.response_class(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{name}-{membership.number}.pdf"'
    return response


@bp.post("/cetak/sertifikat/<int:certificate_id>/cabut")
@office_required
def revoke(certificate_id: int):
    """Revoke a certificate (lost or damaged card) and issue a replacement with a new code."""
    certificate = db.get_or_404(Certificate, certificate_id)
    membership = _membership_or_404(certificate.membership_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(url_for(".membership_documents", membership_id=membership.id))
    try:
        services.revoke_certificate(certificate, form.reason_text, current_user)
    except PrintRefused:
        flash(_("Sertifikat ini sudah dicabut."), "error")
        return redirect(url_for(".membership_documents", membership_id=membership.id))
    db.session.commit()
    flash(_("Sertifikat dicabut. Kode QR lama kini tertulis \"dicabut\"; cetak kartu baru untuk peserta."), "success")
    return redirect(url_for(".membership_documents", membership_id=membership.id))


# -- Batches ---------------------------------------------------------------------------------


@bp.route("/cetak/batch", methods=["GET", "POST"])
@office_required
def batch():
    """Choose a kelurahan (RW, category, never printed) and start a background print job."""
    form = BatchPrintForm()
    if form.validate_on_submit():
        job = jobs.create_print_job(current_user, **form.filters)
        db.session.commit()
        _start(job)
        return redirect(url_for(".job", job_id=job.id))
    return render("certificates/batch.html", form=form, recent=jobs.recent_jobs())


@bp.get("/cetak/batch/<int:job_id>")
@office_required
def job(job_id: int):
    """A print job's progress; htmx polls the progress block every second until it ends."""
    # Jobs whose worker died are marked failed when someone looks (a lazy expiry).
    if jobs.fail_abandoned_jobs():
        db.session.commit()
    print_job = db.get_or_404(PrintJob, job_id)
    return render(
        "certificates/job.html",
        block="progress",
        job=print_job,
        stale=jobs.is_stale(print_job),
        can_retry=jobs.can_retry(print_job),
        failure=jobs.failure_message(print_job),
        retry_form=CsrfOnlyForm(),
    )


@bp.post("/cetak/batch/<int:job_id>/ulang")
@office_required
def retry(job_id: int):
    """Run a failed (or abandoned) print job again."""
    print_job = db.get_or_404(PrintJob, job_id)
    if not CsrfOnlyForm().validate_on_submit():
        abort(400)
    if jobs.can_retry(print_job):
        jobs.reset_for_retry(print_job)
        db.session.commit()
        _start(print_job)
    return redirect(url_for(".job", job_id=print_job.id))


def _start(print_job: PrintJob) -> None:
    """Start a committed job; if the print queue cannot take it, say so (the job offers a retry)."""
    if not jobs.start_print_job(print_job):
        db.session.commit()
        flash(_("Antrean cetak sedang tidak dapat dijangkau. Pekerjaan ini tersimpan; coba jalankan lagi beberapa saat lagi."), "error")


@bp.get("/cetak/batch/<int:job_id>/unduh")
@office_required
def job_download(job_id: int):
    """The finished batch PDF."""
    print_job = db.get_or_404(PrintJob, job_id)
    key = jobs.output_key(print_job)
    if print_job.status != PrintJobStatus.DONE or key is None or not storage.exists(key):
        abort(404)
    audit.record("download", "print_job", print_job.id, document=print_job.document.value)
    db.session.commit()
    name = "kartu" if print_job.document == PrintDocument.CARD else "sertifikat"
    response = storage.download(key, mimetype="application/pdf", download_name=f"{name}-batch-{print_job.id}.pdf")
    return response or abort(404)


# -- Print log -------------------------------------------------------------------------------


@bp.get("/cetak/log")
@office_required
def print_log():
    """Who printed which certificate when, with each print's number (reprints counted)."""
    page = query_int("page", 1)
    rows, has_next = services.print_log_page(page, LOG_PAGE_SIZE)
    return render(
        "certificates/log.html",
        rows=rows,
        page=page,
        has_next=has_next,
        number_of=services.certificate_number,
        format_datetime=format_datetime,
    )


# -- Public verification ---------------------------------------------------------------------


@bp.get("/v/<code>")
@limiter.limit(lambda: current_app.config["VERIFY_RATE_LIMIT"])
def verify(code: str):
    """Public: is the card behind this QR code genuine and valid? Masked name, never the NIK."""
    certificate = services.find_certificate(code) if services.CODE_PATTERN.fullmatch(code) else None
    # A renewed member's card stays valid: it shows the periods renewals carried it into.
    periods = renewal_chain(certificate.membership) if certificate else []
    status = services.verification_status(certificate, periods=periods)
    if certificate is not None:
        services.count_scan(certificate)
        db.session.commit()
    response = render(
        "certificates/verify.html",
        status=404 if certificate is None else 200,
        verification=status,
        statuses=VerificationStatus,
        certificate=certificate,
        periods=[m for m in periods if services.is_printable(m)] or periods[-1:],
        number=services.certificate_number(certificate) if certificate else None,
    )
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "no-store"
    return response
