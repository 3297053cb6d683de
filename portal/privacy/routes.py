"""The data-subject report page for staff (UU PDP): a person's data and its access history."""

from __future__ import annotations

from flask import Blueprint, Response
from flask_login import current_user

from portal.access import office_required
from portal.extensions import db
from portal.hx import render
from portal.nik import mask_nik
from portal.privacy import services
from portal.privacy.forms import SubjectReportForm

bp = Blueprint("privacy", __name__, url_prefix="/privasi")


@bp.route("/laporan", methods=["GET", "POST"])
@office_required
def subject_report():
    """Enter a NIK (POST); see the report, or download it as JSON or PDF from the same form."""
    form = SubjectReportForm()
    if not form.validate_on_submit():
        return render("privacy/report.html", form=form, report=None, status=400 if form.is_submitted() else 200)
    nik, fmt = form.nik.data, form.format.data
    report = services.produce_report(nik, fmt, actor=current_user)
    db.session.commit()
    if fmt in ("json", "pdf"):
        body = services.report_pdf(report) if fmt == "pdf" else services.report_json(report)
        # The file name carries the date only: a NIK is never in a URL or a header.
        name = f"laporan-data-pribadi-{report.generated_at:%Y%m%d-%H%M%S}.{fmt}"
        mimetype = "application/pdf" if fmt == "pdf" else "application/json"
        return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return render("privacy/report.html", form=form, report=report, masked_nik=mask_nik(nik))
