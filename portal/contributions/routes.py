"""The contribution pages (/iuran): the year's months, a month's statement and its exports,
the payments. Staff and admins only (others 404); voiding and correcting a payment is for
admins. URLs carry a year, a month or a payment id, never personal data."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from portal import audit, clock
from portal.access import office_required, roles_required
from portal.contributions import payments, statement
from portal.contributions.forms import CorrectionForm, PaymentForm, VoidForm
from portal.contributions.ledger import Month
from portal.contributions.months import STATE_LABELS, YearTotals, arrears, month_figures, year_figures
from portal.contributions.realisation import realisation, realisation_chart
from portal.edge import query_int
from portal.exports import csv_stream, xlsx_stream
from portal.extensions import db
from portal.hx import redirect, render
from portal.i18n import current_language
from portal.models import Payment, Role
from portal.reports.services import invalidate_reports

bp = Blueprint("contributions", __name__, url_prefix="/iuran")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MIN_YEAR, MAX_YEAR = 2000, 2100


@bp.context_processor
def _labels():
    return {"state_labels": STATE_LABELS}


def _month_or_404(year: int, month: int) -> Month:
    if not (MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12):
        abort(404)
    return Month(year, month)


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
@office_required
def index():
    """The year's months: members, due, billed, agreed, paid and outstanding; arrears first."""
    today = clock.today()
    year = query_int("tahun", today.year, minimum=MIN_YEAR, maximum=MAX_YEAR)
    figures = year_figures(year)
    result = realisation(year, figures=figures)
    return render(
        "contributions/index.html",
        year=year,
        months=figures,
        totals=YearTotals.of(figures),
        arrears=arrears(today, known={year: figures}),
        realisation=result,
        realisation_chart=realisation_chart(result) if result else None,
        today=today,
    )


@bp.get("/<int:year>/<int:month>")
@office_required
def month_statement(year: int, month: int):
    """One month's statement: people and amounts per programme, category and kecamatan."""
    chosen = _month_or_404(year, month)
    result = statement.build_statement(chosen, current_language())
    return render(
        "contributions/statement.html",
        statement=result,
        figures=month_figures(chosen, result.total.people, result.total.amount),
        today=clock.today(),
        previous=Month.of_index(chosen.index - 1),
        next=Month.of_index(chosen.index + 1),
    )


def _download(rows, headers, fmt: str, title: str, filename: str) -> Response:
    """A streamed download. `rows` needs no request or app context (the member lines read
    on a connection of their own), so the stream holds none while it is sent."""
    if fmt == "xlsx":
        body, mimetype = xlsx_stream(headers, rows, title=title), XLSX
    else:
        body, mimetype = csv_stream(headers, rows), "text/csv; charset=utf-8"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _private(response)


@bp.get("/<int:year>/<int:month>/rekap.<fmt>")
@office_required
def export_statement(year: int, month: int, fmt: str):
    """The month's statement tables as XLSX or CSV."""
    chosen = _month_or_404(year, month)
    if fmt not in ("xlsx", "csv"):
        abort(404)
    headers, rows = statement.statement_table(statement.build_statement(chosen, current_language()))
    audit.record("contributions.export", "contribution_month", str(chosen), table="statement", format=fmt)
    db.session.commit()
    return _download(rows, headers, fmt, f"Iuran {chosen}", f"iuran-rekap-{chosen}.{fmt}")


@bp.get("/<int:year>/<int:month>/peserta.<fmt>")
@office_required
def export_members(year: int, month: int, fmt: str):
    """Every member line of the month (NIK, name, programmes, amount) as XLSX or CSV, streamed."""
    chosen = _month_or_404(year, month)
    if fmt not in ("xlsx", "csv"):
        abort(404)
    audit.record("contributions.export", "contribution_month", str(chosen), table="members", format=fmt)
    db.session.commit()
    rows = statement.member_lines(chosen, current_language())
    return _download(rows, statement.member_line_headers(), fmt, f"Peserta {chosen}", f"iuran-peserta-{chosen}.{fmt}")


@bp.get("/pembayaran/")
@office_required
def payment_list():
    """The payments recorded, newest first, a page at a time."""
    page = payments.list_payments(query_int("halaman", 1))
    return render("contributions/payments.html", block="results", page=page)


def _save_or_preview(form: PaymentForm, template: str, save, *, excluding_payment: int | None = None, **context):
    """Show the allocation for the staff member to confirm, or save it once confirmed.

    Saving needs the amount and months the allocation shown was computed from: a form
    changed after its preview is shown again with the new allocation instead of saved."""
    shares = None
    changed = False
    if form.validate_on_submit():
        try:
            if request.form.get("confirm") == "1" and form.previewed.data == form.signature():
                payment = save()
                db.session.commit()
                invalidate_reports()
                return redirect(url_for("contributions.payment_detail", payment_id=payment.id))
            changed = request.form.get("confirm") == "1"
            if payments.order_number_taken(form.order_number.data, excluding_payment=excluding_payment):
                raise payments.PaymentRefused(
                    _("Nomor SP2D %(number)s sudah dicatat untuk pembayaran lain.", number=form.order_number.data),
                    "order_number",
                )
            shares = payments.allocate(form.amount.data, form.chosen_months(), excluding_payment=excluding_payment)
            form.previewed.data = form.signature()
        except payments.PaymentRefused as refused:
            db.session.rollback()
            shares = None
            form[refused.field or "amount"].errors = [*form[refused.field or "amount"].errors, str(refused)]
    status = 422 if form.errors else 200
    return render(template, status=status, form=form, shares=shares, changed=changed, month_label=payments.month_label, **context)


@bp.route("/pembayaran/baru", methods=["GET", "POST"])
@office_required
def record():
    """Record a payment: the allocation to months is shown before it is saved."""
    form = PaymentForm()
    if request.method == "GET":
        form.paid_on.data = clock.today()
    return _save_or_preview(
        form, "contributions/payment_form.html",
        lambda: payments.record_payment(
            form.paid_on.data, form.amount.data, form.order_number.data, form.chosen_months(), form.note.data, current_user
        ),
        payment=None,
    )


@bp.get("/pembayaran/<int:payment_id>")
@office_required
def payment_detail(payment_id: int):
    """A payment, its months and, for admins, its void form."""
    payment = db.get_or_404(Payment, payment_id)
    return _private(render("contributions/payment.html", payment=payment, void_form=VoidForm(), month_label=payments.month_label))


@bp.route("/pembayaran/<int:payment_id>/koreksi", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def correct(payment_id: int):
    """Correct a payment (admin): its fields again, allocated again, with a reason."""
    payment = db.get_or_404(Payment, payment_id)
    if payment.voided_at is not None:
        abort(404)
    form = CorrectionForm()
    if request.method == "GET":
        form.paid_on.data, form.amount.data = payment.paid_on, int(payment.amount)
        form.order_number.data, form.note.data = payment.order_number, payment.note
        form.months.data = [f"{m.year}-{m.month:02d}" for m in payment.months]
    return _save_or_preview(
        form, "contributions/payment_form.html",
        lambda: payments.correct_payment(
            payment, form.paid_on.data, form.amount.data, form.order_number.data, form.chosen_months(), form.note.data,
            form.reason.data, current_user,
        ),
        excluding_payment=payment.id,
        payment=payment,
    )


@bp.post("/pembayaran/<int:payment_id>/batal")
@roles_required(Role.ADMIN)
def void(payment_id: int):
    """Void a payment (admin), with a reason; it then counts for nothing."""
    payment = db.get_or_404(Payment, payment_id)
    form = VoidForm()
    if form.validate_on_submit():
        try:
            payments.void_payment(payment, form.reason.data, current_user)
        except payments.PaymentRefused as refused:
            flash(str(refused), "error")
        else:
            db.session.commit()
            invalidate_reports()
            flash(_("Pembayaran %(number)s dibatalkan.", number=payment.order_number), "success")
        return redirect(url_for("contributions.payment_detail", payment_id=payment.id))
    return _private(render("contributions/payment.html", status=422, payment=payment, void_form=form,
                           month_label=payments.month_label))


@bp.app_template_global("realisation_chart_title")
def realisation_chart_title(result) -> str:
    """The realisation chart's title with its unit (portal.contributions.realisation.chart_title)."""
    from portal.contributions.realisation import chart_title

    return chart_title(result)


@bp.app_template_filter("contribution_month")
def contribution_month_filter(month: Month) -> str:
    """March 2026 in the page's language."""
    return format_date(month.first_day, "MMMM yyyy")
