"""Staff coverage dashboard, exports, the monthly PDF, targets, and the public /stats page."""

from __future__ import annotations

from datetime import date, datetime, timezone

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import format_datetime, format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from portal import audit, clock
from portal.access import office_required, roles_required
from portal.cases.services import KIND_LABELS, STATE_LABELS
from portal.extensions import db
from portal.hx import render
from portal.i18n import current_language
from portal.models import ProgrammeYear, Role
from portal.pdf import render_pdf
from portal.public_requests.handling import request_figures
from portal.public_requests.kinds import KINDS as REQUEST_KINDS
from portal.public_requests.kinds import STATE_LABELS as REQUEST_STATES
from portal.redirects import moved
from portal.reports import presenters, tables
from portal.reports.forms import (
    MonthlyReportForm,
    PublicStatsForm,
    ReportFilterForm,
    targets_form,
)
from portal.reports.figures import ReportFilters
from portal.reports.services import (
    build_report,
    invalidate_reports,
    report_cases,
    save_targets,
    target_fields,
    year_budget,
)

bp = Blueprint("reports", __name__)


def _contributions(year: int) -> dict:
    """The arrears warning and the year's realisation (portal.contributions) for the dashboard and the PDF."""
    from portal.contributions.months import arrears, year_figures
    from portal.contributions.realisation import realisation, realisation_chart

    figures = year_figures(year, cached_ledger=True)
    result = realisation(year, figures=figures)
    return {
        "arrears": arrears(clock.today(), cached_ledger=True, known={year: figures}),
        "realisation": result,
        "realisation_chart": realisation_chart(result) if result else None,
    }



@bp.app_template_filter("percent")
def percent_filter(value: float | None) -> str:
    return "—" if value is None else format_decimal(value, "#,##0.0") + " %"


@bp.app_template_filter("rupiah")
def rupiah_filter(value: int | None) -> str:
    return "—" if value is None else "Rp " + format_decimal(value, "#,##0")


@bp.app_template_filter("format_datetime_local")
def format_datetime_local(value: datetime) -> str:
    """A moment in the portal's time zone (WITA), e.g. 21 Nov 2026 16.05."""
    return format_datetime(value, "d MMM yyyy HH.mm")


@bp.get("/laporan/")
@office_required
def dashboard():
    """Coverage against targets, the review pipeline, certificates and the budget."""
    form = ReportFilterForm(request.args, language=current_language())
    filters = form.filters()
    report = build_report(filters)
    return render(
        "reports/dashboard.html",
        block="report",
        form=form,
        report=report,
        charts=presenters.charts(report, current_language()),
        monthly_form=MonthlyReportForm(None),
        now=datetime.now(timezone.utc),
        year_budget=year_budget(filters.year),
        cases=report_cases(filters),
        kind_labels=KIND_LABELS,
        state_labels=STATE_LABELS,
        requests=request_figures(filters.year, kecamatan_code=filters.kecamatan_code),
        request_kinds=REQUEST_KINDS,
        request_states=REQUEST_STATES,
        **_contributions(filters.year),
    )


@bp.get("/laporan/ekspor/<table>.<fmt>")
@office_required
def export(table: str, fmt: str):
    """One table of the dashboard as XLSX or CSV, with the dashboard's filters."""
    if table not in tables.TABLES or fmt not in ("xlsx", "csv"):
        abort(404)
    filters = ReportFilterForm(request.args, language=current_language()).filters()
    report = build_report(filters)
    headers, rows = tables.rows_of(table, report, current_language())
    audit.record("report.export", "report", table, format=fmt, **filters.query_args())
    db.session.commit()
    body, mimetype = tables.encode(headers, rows, fmt, title=table)
    filename = f"makassar-berjasa-{table}-{filters.year}.{fmt}"
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@bp.get("/laporan/bulanan.pdf")
@office_required
def monthly_pdf():
    """The monthly report for the mayor's office, as a PDF with the charts and tables."""
    form = MonthlyReportForm(request.args)
    if not form.validate():
        flash(_("Pilih tahun dan bulan laporan yang tersedia."), "error")
        return redirect(url_for("reports.dashboard"))
    filters = ReportFilters(year=form.year.data, month=form.month.data)
    report = build_report(filters)
    pdf = render_pdf(
        "reports/monthly.html",
        report=report,
        charts=presenters.charts(report, current_language()),
        month_start=date(filters.year, filters.month, 1),
        year_budget=year_budget(filters.year),
        cases=report_cases(filters),
        kind_labels=KIND_LABELS,
        state_labels=STATE_LABELS,
        printed_by=current_user.full_name or current_user.username,
        **_contributions(filters.year),
    )
    audit.record("report.print", "report", "monthly", year=filters.year, month=filters.month)
    db.session.commit()
    filename = f"laporan-makassar-berjasa-{filters.year}-{filters.month:02d}.pdf"
    return Response(
        pdf, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'}
    )


@bp.route("/laporan/target/<int:year>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def targets(year: int):
    """The year's target population per category and kecamatan, and its budget ceiling."""
    programme_year = db.get_or_404(ProgrammeYear, year)
    language = current_language()
    settings = {s.category_code: s for s in programme_year.categories}
    categories, kecamatan, saved = target_fields(programme_year)
    initial = {"budget_ceiling": int(programme_year.budget_ceiling or 0) or None}
    initial |= {f"category_{c.code}": settings[c.code].target_population for c in categories}
    initial |= {f"kecamatan_{k.code}": saved.get(k.code, 0) for k in kecamatan}
    form = targets_form(
        [(c.code, c.label(language)) for c in categories],
        [(k.code, k.name) for k in kecamatan],
        data=initial,
    )
    if form.validate_on_submit():
        changes = save_targets(
            programme_year,
            form.budget_ceiling.data,
            {c.code: form[f"category_{c.code}"].data for c in categories},
            {k.code: form[f"kecamatan_{k.code}"].data for k in kecamatan},
        )
        audit.record("settings.targets", "programme_year", year, changed=changes)
        db.session.commit()
        invalidate_reports()
        flash(_("Target dan pagu tahun %(year)s disimpan.", year=year), "success")
        return redirect(url_for("reports.targets", year=year))
    return render(
        "reports/targets.html",
        form=form,
        year=year,
        category_fields=[form[f"category_{c.code}"] for c in categories],
        kecamatan_fields=[form[f"kecamatan_{k.code}"] for k in kecamatan],
    )


@bp.get("/statistik")
def public_stats():
    """Coverage per kecamatan and category for everyone: no personal data, small cells hidden."""
    form = PublicStatsForm(request.args)
    filters = form.filters()
    report = build_report(filters)
    return render(
        "reports/stats.html",
        block="report",
        form=form,
        report=report,
        public=presenters.public_tables(report),
        charts=presenters.public_charts(report, current_language()),
        cases=presenters.public_cases(report_cases(filters), report.by_kecamatan, list(KIND_LABELS)),
        kind_labels=KIND_LABELS,
        # City-wide totals only: no area breakdown that could point to a requester.
        requests=request_figures(filters.year),
        request_kinds=REQUEST_KINDS,
    )


@bp.get("/stats")
def old_public_stats():
    """The former address of the public statistics (permanent redirect, filters kept)."""
    return moved(url_for("reports.public_stats"))
