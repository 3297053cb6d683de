"""Card hand-out: the cards ready for an RW, recording each hand-over, and the receipt list PDF."""

from __future__ import annotations


from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal import clock
from portal import audit
from portal.access import refuse
from portal.certificates.services import PRINT_STYLESHEET, certificate_number
from portal.edge import query_int
from portal.extensions import db
from portal.forms import form_errors
from portal.handout import services
from portal.handout.forms import HandoverForm, ReceiptForm
from portal.hx import render
from portal.models import Certificate
from portal.pdf import render_pdf

bp = Blueprint("handout", __name__, url_prefix="/kartu")


def _view() -> services.HandoutView:
    try:
        return services.HandoutView(request.args.get("tampil", services.HandoutView.READY.value))
    except ValueError:
        return services.HandoutView.READY


@bp.get("/")
@login_required
def index():
    """The printed cards of the user's area: still to hand out, or handed over."""
    view = _view()
    page = services.handout_page(current_user, view, query_int("halaman", 1))
    counts = services.handout_counts(current_user)
    services.note_page_view(current_user, view, page)
    db.session.commit()
    today = clock.today()
    receipt_form = ReceiptForm(data={"dari": today.replace(day=1), "sampai": today})
    return render(
        "handout/index.html", view=view, views=list(services.HandoutView), page=page,
        counts=counts, number_of=certificate_number, receipt_form=receipt_form,
    )


def _card_or_404(certificate_id: int):
    card = services.card_in_area(current_user, certificate_id)
    if card is None:
        if db.session.get(Certificate, certificate_id) is not None:
            refuse(reason="area", record="certificate", record_id=certificate_id)
        abort(404)
    return card


@bp.route("/<int:certificate_id>/serahkan", methods=["GET", "POST"])
@login_required
def record(certificate_id: int):
    """Record a card's hand-over, or correct the record (with a reason, audited)."""
    certificate, person, handover = _card_or_404(certificate_id)
    correcting = handover is not None
    form = HandoverForm(obj=handover if request.method == "GET" else None, correcting=correcting)
    if form.validate_on_submit():
        try:
            if correcting:
                services.correct_handover(handover, person, form.handover, (form.reason.data or "").strip(), current_user)
            else:
                services.record_handover(certificate, person, form.handover, current_user)
        except services.HandoverRefused as refusal:
            db.session.rollback()
            form.handed_over_on.errors = [*form.handed_over_on.errors, str(refusal)]
        else:
            db.session.commit()
            flash(_("Perbaikan penyerahan kartu disimpan.") if correcting else _("Penyerahan kartu dicatat."), "success")
            view = services.HandoutView.HANDED_OVER if correcting else services.HandoutView.READY
            return redirect(url_for(".index", tampil=view.value), 303)
    if request.method == "GET":
        audit.record("view", "card_handover", certificate.id, person_id=person.id)
        db.session.commit()
    return render(
        "handout/record.html", form=form, certificate=certificate, person=person, handover=handover,
        number=certificate_number(certificate), status=422 if form.errors else 200,
    )


@bp.get("/tanda-terima.pdf")
@login_required
def receipt():
    """The receipt list (tanda terima) of the hand-overs between two dates, to sign and bring to the office."""
    form = ReceiptForm(request.args)
    if not form.validate():
        flash(form_errors(form), "error")
        return redirect(url_for(".index", tampil=services.HandoutView.HANDED_OVER.value))
    rows, cut_off = services.receipt_rows(current_user, form.dari.data, form.sampai.data)
    pdf = render_pdf(
        "handout/pdf/receipt.html", stylesheet=PRINT_STYLESHEET, rows=rows, cut_off=cut_off,
        start=form.dari.data, end=form.sampai.data, user=current_user, printed_on=clock.today(),
        max_rows=services.RECEIPT_MAX_ROWS,
    )
    services.note_receipt_print(current_user, rows, form.dari.data, form.sampai.data)
    db.session.commit()
    response = current_app.response_class(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="tanda-terima-{form.dari.data:%Y%m%d}-{form.sampai.data:%Y%m%d}.pdf"'
    return response
