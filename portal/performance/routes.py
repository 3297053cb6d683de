"""Kinerja: an agent's or RT/RW head's own figures per month, and the staff's view per RW, agent and kecamatan."""

from __future__ import annotations

from flask import Blueprint, Response, request
from flask_login import current_user

from portal import audit
from portal.access import office_required, roles_required
from portal.exports import xlsx_bytes
from portal.extensions import db
from portal.hx import render
from portal.models import AREA_ROLES
from portal.performance import services
from portal.performance.forms import PeriodForm, StaffFiguresForm

bp = Blueprint("performance", __name__, url_prefix="/kinerja")


@bp.get("/")
@roles_required(*AREA_ROLES)
def mine():
    """The signed-in agent's or head's own results: proposed, approved, rejected, returned, waiting per month."""
    form = PeriodForm(request.args)
    form.validate()
    period = services.Period(form.period.year)  # "Kinerja saya" shows the whole year by month
    months = services.grouped_figures(services.Grouping.MONTH, period, proposer=current_user)
    return render(
        "performance/mine.html", form=form, period=period, months=months,
        total=services.total([m.figures for m in months]),
        reasons=services.rejection_reasons(period, user=current_user),
    )


def _staff_figures():
    form = StaffFiguresForm(request.args)
    form.validate()
    groups = services.grouped_figures(form.grouping, form.period, form.kecamatan_code)
    return form, groups


@bp.get("/petugas")
@office_required
def staff():
    """The figures per RW, per agent or per kecamatan for a year or month, with the export."""
    form, groups = _staff_figures()
    return render(
        "performance/staff.html", form=form, groups=groups, total=services.total([g.figures for g in groups]),
        reasons=services.rejection_reasons(form.period, kecamatan_code=form.kecamatan_code),
        rate=services.incentive_rate(form.period.year),
    )


@bp.get("/petugas.xlsx")
@office_required
def staff_export():
    """The staff's figures as XLSX for the incentive scheme: counts, the rate and approved x rate (indicative)."""
    form, groups = _staff_figures()
    headers, rows = services.export_rows(groups, services.incentive_rate(form.period.year))
    audit.record("performance.export", "performance", None, **form.query_args())
    db.session.commit()
    period = form.period
    name = f"kinerja-{form.grouping.value}-{period.year}{f'-{period.month:02d}' if period.month else ''}.xlsx"
    return Response(
        xlsx_bytes(headers, rows, title="Kinerja"),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
