"""BPJS's bills for staff: upload a month's bill, follow its reconciliation, resolve the
differences, print the berita acara, and see what BPJS owes back."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from portal import audit, clock
from portal.access import office_required
from portal.certificates.services import PRINT_STYLESHEET
from portal.contributions import bill_jobs, owed_back, reconciliation
from portal.contributions.bill_forms import MONTH_NAMES, BillUploadForm, ResolveForm
from portal.contributions.bills import bill_totals, current_bill
from portal.contributions.ledger import Month
from portal.edge import larger_uploads, parse_id
from portal.extensions import db
from portal.help.services import setting_values
from portal.hx import render
from portal.models import Bill, BillStatus, DifferenceKind, Resolution
from portal.pdf import render_pdf
from portal.registry.services import END_REASONS
from portal.spreadsheets.reader import FileRejected

bp = Blueprint("bills", __name__, url_prefix="/iuran/tagihan")


def _labels() -> dict:
    return {
        "kind_labels": reconciliation.KIND_LABELS,
        "resolution_labels": reconciliation.RESOLUTION_LABELS,
        "month_names": MONTH_NAMES,
    }


def _index(form: BillUploadForm | None = None, status: int = 200):
    if form is None:
        form = BillUploadForm()
        previous = Month.of_index(Month.of_day(clock.today()).index - 1)
        form.year.data, form.month.data = previous.year, str(previous.month)
    return render(
        "contributions/bills/index.html", status=status, form=form, bills=reconciliation.recent_bills(),
        owed=owed_back.owed_back_total(), **_labels(),
    )


@bp.get("/")
@office_required
def index():
    """The bill upload and the bills uploaded so far."""
    return _index()


@bp.post("/unggah")
@larger_uploads("BILL_MAX_UPLOAD_BYTES")
@office_required
def upload():
    """Check BPJS's bill for a month and reconcile it in the background (nothing is saved
    from a file that cannot be used whole)."""
    form = BillUploadForm()
    if not form.validate_on_submit():
        return _index(form, status=400)
    month = Month(form.year.data, int(form.month.data))
    try:
        bill = reconciliation.queue_bill(month, form.bill.data.filename or "", form.bill.data.read(), current_user)
        db.session.commit()
    except (FileRejected, reconciliation.BillError) as refusal:
        db.session.rollback()
        form.bill.errors = [getattr(refusal, "message", None) or str(refusal)]
        return _index(form, status=400)
    except IntegrityError:
        db.session.rollback()
        form.bill.errors = [_("Tagihan lain untuk bulan ini baru saja diunggah; muat ulang halaman lalu coba lagi.")]
        return _index(form, status=400)
    bill_jobs.start(bill)
    db.session.commit()
    return redirect(url_for("bills.progress", bill_id=bill.id))


@bp.get("/proses/<int:bill_id>")
@office_required
def progress(bill_id: int):
    """A bill being reconciled: its progress (htmx polls it), then its month or why it failed."""
    bill = db.session.get(Bill, bill_id) or abort(404)
    return render(
        "contributions/bills/progress.html", block="progress", bill=bill, progress=reconciliation.progress_of(bill),
        failure=reconciliation.failure_message(bill) if bill.status == BillStatus.FAILED else None, **_labels(),
    )


def _month_or_404(year: int, month: int) -> Month:
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        abort(404)
    return Month(year, month)


def _shown_bill(month: Month, versions: list[Bill]) -> Bill:
    """The version asked for (?versi=n), else the current one (the newest finished)."""
    asked = parse_id(request.args.get("versi"))
    done = [bill for bill in versions if bill.status == BillStatus.DONE]
    if asked is not None:
        return next((bill for bill in done if bill.version == asked), None) or abort(404)
    return done[0] if done else abort(404)


@bp.get("/<int:year>/<int:month>")
@office_required
def month_page(year: int, month: int):
    """A month's reconciliation: totals, differences by kind and each one (filtered, paged),
    the resolve form on the current version, and the older versions."""
    the_month = _month_or_404(year, month)
    versions = reconciliation.bill_versions(year, month)
    if not versions:
        abort(404)
    if not any(bill.status == BillStatus.DONE for bill in versions) and "versi" not in request.args:
        return render("contributions/bills/month.html", month=the_month, bill=None, versions=versions, **_labels())
    bill = _shown_bill(the_month, versions)
    kind = _enum_arg(DifferenceKind, "jenis")
    resolution = _enum_arg(Resolution, "status")
    return render(
        "contributions/bills/month.html",
        month=the_month,
        bill=bill,
        is_current=bill is current_bill(year, month),
        versions=versions,
        totals=bill_totals(bill),
        summary=reconciliation.summary_by_kind(bill),
        page=reconciliation.differences_page(bill, kind, resolution, parse_id(request.args.get("halaman")) or 1),
        kind=kind,
        resolution=resolution,
        form=ResolveForm(),
        **_labels(),
    )


def _enum_arg(enum_class, name: str):
    value = request.args.get(name) or None
    try:
        return enum_class(value) if value else None
    except ValueError:
        return None


@bp.post("/<int:year>/<int:month>/selesaikan")
@office_required
def resolve(year: int, month: int):
    """Record a decision (accepted, disputed, corrected) on the chosen differences; several at
    once only after staff confirmed how many."""
    the_month = _month_or_404(year, month)
    bill = current_bill(year, month) or abort(404)
    form = ResolveForm()
    back = url_for("bills.month_page", year=year, month=month, jenis=request.args.get("jenis"), status=request.args.get("status"))
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(back)
    if form.needs_confirmation:
        return render("contributions/bills/confirm.html", month=the_month, bill=bill, form=form, count=len(form.ids.data),
                      back=back, resolution_label=reconciliation.RESOLUTION_LABELS[Resolution(form.resolution.data)], **_labels())
    try:
        count = reconciliation.resolve(bill, form.ids.data, Resolution(form.resolution.data), form.note.data, current_user)
    except reconciliation.BillError as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
        return redirect(back)
    db.session.commit()
    flash(_("%(n)d perbedaan dicatat sebagai: %(what)s.", n=count, what=reconciliation.RESOLUTION_LABELS[Resolution(form.resolution.data)]), "success")
    return redirect(back)


@bp.get("/<int:year>/<int:month>/berita-acara.pdf")
@office_required
def minutes(year: int, month: int):
    """The berita acara of the month's current reconciliation, as PDF (audited)."""
    the_month = _month_or_404(year, month)
    bill = current_bill(year, month) or abort(404)
    pdf = render_pdf(
        "contributions/bills/minutes.html",
        stylesheet=PRINT_STYLESHEET,
        month=the_month,
        bill=bill,
        totals=bill_totals(bill),
        summary=reconciliation.summary_by_kind(bill),
        disputed=reconciliation.disputed(bill),
        settings=setting_values(),
        today=clock.today(),
        **_labels(),
    )
    audit.record("bill.minutes", "bill", bill.id, month=str(the_month), version=bill.version)
    db.session.commit()
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="berita-acara-iuran-{the_month}-v{bill.version}.pdf"', "Cache-Control": "no-store",
    })


@bp.get("/dikembalikan")
@office_required
def owed_back_list():
    """Contributions BPJS owes back: paid months billed after a member's death or exit."""
    page = owed_back.owed_back_page(parse_id(request.args.get("halaman")) or 1)
    return render("contributions/bills/owed_back.html", page=page, owed=owed_back.owed_back_total(), end_reasons=END_REASONS,
                  **_labels())


@bp.get("/dikembalikan.xlsx")
@office_required
def owed_back_download():
    """The owed-back list as XLSX (NIKs masked, formula-safe; audited)."""
    content = owed_back.owed_back_xlsx(END_REASONS)
    audit.record("bill.owed_back_export", "bill", None, lines=owed_back.owed_back_total()[0])
    db.session.commit()
    return Response(content, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", headers={
        "Content-Disposition": 'attachment; filename="iuran-dikembalikan-bpjs.xlsx"', "Cache-Control": "no-store",
    })
