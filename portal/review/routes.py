"""Staff review queue: filter pending entries and decide them one by one or in bulk."""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import office_required
from portal.edge import parse_id
from portal.extensions import db
from portal.forms import (
    category_choices,
    form_errors,
    kecamatan_choices,
    kelurahan_choices,
)
from portal.hx import render, wants_fragment
from portal.lists.services import category_names
from portal.models import ListEntry
from portal.redirects import safe_next
from portal.registry.forms import STATUS_CHOICES
from portal.review import dossier, duplicates, holds, queue, services
from portal.review.forms import (
    ApproveForm,
    BatchForm,
    QueueSearchForm,
    BulkApproveForm,
    DuplicateVerdictForm,
    QueueFilterForm,
    RejectForm,
    ReturnForm,
)

bp = Blueprint("review", __name__, url_prefix="/verifikasi")

BULK_LIMIT = 1000


@bp.before_request
def _reviewer_active():
    """Each review request of a reviewer keeps their batch theirs (portal.review.holds)."""
    if current_user.is_authenticated and current_user.is_office:
        holds.renew(current_user)
        db.session.commit()


def _filter_choices(form: QueueFilterForm) -> None:
    form.kecamatan.choices = kecamatan_choices(_("Semua"))
    form.kelurahan.choices = kelurahan_choices(_("Semua"), form.kecamatan.data or None)
    form.kategori.choices = category_choices(_("Semua"))


def _queue_filter(source) -> queue.QueueFilter:
    """The filter from query-string or hidden-field values, ignoring what does not parse."""

    def number(name):
        return parse_id(source.get(name))

    flag = source.get("tanda") or None
    kecamatan, kelurahan = source.get("kecamatan") or None, source.get("kelurahan") or None
    if kecamatan and kelurahan and not kelurahan.startswith(kecamatan):
        kelurahan = None  # the kelurahan follows the kecamatan chosen after it
    return queue.QueueFilter(
        kecamatan=kecamatan,
        kelurahan=kelurahan,
        rw=number("rw"),
        category=source.get("kategori") or None,
        list_id=number("daftar"),
        flag=flag if flag in queue.FLAG_VALUES else None,
        reviewer_id=current_user.id,
    )


def _hold_context() -> dict:
    """What a row needs to show whose batch it is in: the other holder, or whether it is mine."""
    since = holds.cutoff()
    return {
        "other_holder": lambda entry: holds.other_holder(entry, current_user, since),
        "mine": lambda entry: entry.held_by_id == current_user.id and not holds.lapsed(entry, since),
        "batch_size": current_app.config["REVIEW_BATCH_SIZE"],
        "hold_minutes": current_app.config["REVIEW_HOLD_IDLE_MINUTES"],
    }


def _row_texts() -> dict:
    """A queue row's fixed texts, translated once per page rather than once per row."""
    return {
        "pick": _("Pilih usulan"),
        "list": _("Daftar"),
        "unknown": _("belum diketahui"),
        "none": _("Tidak ada"),
        "approve": _("Setujui"),
        "reject": _("Tolak"),
        "reject_reason": _("Alasan penolakan"),
        "choose_reason": _("Pilih alasan"),
        "note": _("Keterangan"),
        "reject_submit": _("Tolak usulan"),
        "send_back": _("Kembalikan"),
        "to_correct": _("Yang harus diperbaiki"),
        "send_back_submit": _("Kembalikan ke pengusul"),
        "view_member": _("Lihat peserta"),
        "held_by": _("Sedang ditinjau oleh"),
        "mine": _("Sedang saya tinjau"),
        "reasons": [(code, str(label)) for code, label in services.REJECT_REASONS.items()],
    }


def _back_to_queue(target: str | None = None):
    queue_page = url_for("review.queue_page")
    target = safe_next(target)
    return redirect(target if target and target.startswith(queue_page) else queue_page)


@bp.route("/", methods=["GET", "POST"])
@office_required
def queue_page():
    """Pending entries matching the filters, oldest first, with counts per flag; a POST
    searches them by NIK or name (never in a URL)."""
    form = QueueFilterForm(request.args)
    _filter_choices(form)
    if form.kelurahan.data and form.kecamatan.data and not form.kelurahan.data.startswith(form.kecamatan.data):
        form.kelurahan.data = ""  # a kelurahan of another kecamatan: the kecamatan was changed
    search = QueueSearchForm(meta={"csrf": request.method == "POST"}) if request.method == "POST" else QueueSearchForm(formdata=None)
    queue_filter = _queue_filter(request.args)
    if request.method == "POST" and search.validate():
        nik = search.nik
        queue_filter = replace(queue_filter, nik=nik, name=None if nik else search.cari.data)
        if nik:  # the page never echoes a NIK back
            search.cari.data = search.cari.raw_data = None
    rows, has_more = queue.queue_page(queue_filter, form.setelah.data if form.validate() and not queue_filter.searching else None)
    return render(
        "review/queue.html",
        block="results",
        form=form,
        fragment=wants_fragment(),
        search=search,
        rows=rows,
        has_more=has_more,
        counts=queue.queue_counts(queue_filter, queue.COUNT_CAP, queue.FLAG_COUNT_CAP),
        count_cap=queue.COUNT_CAP,
        flag_count_cap=queue.FLAG_COUNT_CAP,
        queue_filter=queue_filter,
        text=_row_texts(),
        category_names=category_names(),
        period=services.approval_period(),
        next_url=request.full_path.rstrip("?") if request.method == "GET" else url_for("review.queue_page", **queue_filter.as_args()),
        **_hold_context(),
    )


@bp.get("/<int:entry_id>")
@office_required
def entry(entry_id: int):
    """One entry with everything needed to decide it: proposal, history, duplicates, decisions."""
    entry = db.session.get(ListEntry, entry_id) or abort(404)
    services.note_entry_view(entry, current_user)
    db.session.commit()
    return _entry_page(entry)


@bp.post("/<int:entry_id>/nik")
@office_required
def reveal_nik(entry_id: int):
    """Show the entry's full NIK (never in a URL); the reveal enters the access history."""
    entry = db.session.get(ListEntry, entry_id) or abort(404)
    if not ApproveForm().validate_on_submit():
        abort(400)
    dossier.note_nik_reveal(entry, current_user)
    db.session.commit()
    return _entry_page(entry, nik_revealed=True, block="nik")


def _entry_page(entry: ListEntry, nik_revealed: bool = False, block: str | None = None):
    found = dossier.entry_dossier(entry)
    return render(
        "review/entry.html",
        block=block,
        entry=entry,
        dossier=found,
        waited=format_timedelta(found.waiting, granularity="minute", threshold=1.2) if found.waiting else None,
        nik_revealed=nik_revealed,
        match_labels=dossier.MATCH_LABELS,
        verdict_form=DuplicateVerdictForm(formdata=None),
        status_labels=dict(STATUS_CHOICES),
        text=_row_texts(),
        category_names=category_names(),
        period=services.approval_period(),
        next_url=url_for("review.entry", entry_id=entry.id),
        **_hold_context(),
    )


def _row_response(entry: ListEntry, message: str | None = None, error: str | None = None):
    """The entry's queue row, re-rendered after a decision taken from it."""
    return render(
        "review/queue.html",
        block="row",
        entry=entry,
        desil=services.desil_of(entry.nik),
        text=_row_texts(),
        period=services.approval_period(),
        category_names=category_names(),
        message=message,
        error=error,
        next_url=request.form.get("next") or url_for("review.queue_page"),
        **_hold_context(),
    )


def _after_decision(entry_id: int, decide, form):
    """Run a decision and commit it; answer htmx with the re-rendered row, a browser with a
    redirect."""
    message = error = None
    if form.validate_on_submit():
        try:
            message = decide()
        except services.DecisionError as problem:
            db.session.rollback()
            error = str(problem)
        else:
            db.session.commit()
    else:
        error = form_errors(form)
    entry = db.session.get(ListEntry, entry_id) or abort(404)
    if wants_fragment():
        return _row_response(entry, message=message, error=error)
    if error:
        flash(error, "error")
    else:
        flash(message, "success")
    return _back_to_queue(form.next.data)


@bp.post("/<int:entry_id>/setujui")
@office_required
def approve(entry_id: int):
    """Approve an entry: the person joins the registry with a membership number."""

    def decide():
        membership = services.approve_entry(entry_id, current_user, commit=db.session.commit)
        return _("Disetujui: nomor keanggotaan %(number)s.", number=membership.number)

    return _after_decision(entry_id, decide, ApproveForm())


@bp.post("/<int:entry_id>/tolak")
@office_required
def reject(entry_id: int):
    """Reject an entry with a reason from the list and free text."""
    form = RejectForm()

    def decide():
        services.reject_entry(entry_id, current_user, form.reason_code.data, form.reason_text.data or "")
        return _("Usulan ditolak.")

    return _after_decision(entry_id, decide, form)


@bp.post("/<int:entry_id>/kembalikan")
@office_required
def send_back(entry_id: int):
    """Return an entry to its RT/RW head or agent for correction, saying why."""
    form = ReturnForm()

    def decide():
        services.return_entry(entry_id, current_user, form.reason_text.data)
        return _("Usulan dikembalikan untuk perbaikan.")

    return _after_decision(entry_id, decide, form)


@bp.post("/<int:entry_id>/ganda")
@office_required
def resolve_duplicate(entry_id: int):
    """Resolve one possible duplicate across NIKs: the same person (the other entry rejected as
    a duplicate, both NIKs kept as the person's) or different people (never flagged again)."""
    entry = db.session.get(ListEntry, entry_id) or abort(404)
    form = DuplicateVerdictForm()
    if not form.validate_on_submit():
        flash(form_errors(form), "error")
        return redirect(url_for("review.entry", entry_id=entry.id))
    try:
        if form.verdict.data == "same":
            message = duplicates.same_person(entry, form.kind.data, form.other_id.data, form.keep.data, form.reason_text.data, current_user)
        else:
            duplicates.different_people(entry, form.kind.data, form.other_id.data, form.reason_text.data, current_user)
            message = _("Dicatat sebagai orang yang berbeda; pasangan ini tidak akan ditandai lagi.")
    except services.DecisionError as problem:
        db.session.rollback()
        flash(str(problem), "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("review.entry", entry_id=entry.id))


def _bulk_selection(form: BulkApproveForm, queue_filter: queue.QueueFilter) -> list[int]:
    if form.mode.data != "warning_free":
        return form.entry_ids.data[:BULK_LIMIT]
    return queue.warning_free_ids(queue_filter, BULK_LIMIT)


@bp.post("/massal/periksa")
@office_required
def bulk_confirm():
    """Before a bulk decision: how many entries it takes, and for an approval how many people
    and what it adds to the year's premiums."""
    form = BulkApproveForm()
    queue_filter = _queue_filter(request.form)
    if not form.validate_on_submit():
        flash(form_errors(form), "error")
        return redirect(url_for("review.queue_page", **queue_filter.as_args()))
    entry_ids = _bulk_selection(form, queue_filter)
    if form.decision != "approve":
        return render(
            "review/bulk_close_confirm.html",
            form=form,
            entry_ids=entry_ids,
            decidable=queue.decidable_count(entry_ids, current_user),
            reason_label=services.REJECT_REASONS.get(form.reason_code.data),
            queue_filter=queue_filter,
        )
    return render(
        "review/bulk_confirm.html",
        entry_ids=entry_ids,
        preview=services.approval_preview(entry_ids),
        queue_filter=queue_filter,
    )


@bp.post("/massal/tutup")
@office_required
def bulk_close():
    """Reject or return the ticked entries with one reason, after the confirmation."""
    form = BulkApproveForm()
    queue_filter = _queue_filter(request.form)
    target = url_for("review.queue_page", **queue_filter.as_args())
    if not form.validate_on_submit() or form.decision == "approve":
        flash(form_errors(form) or _("Pilihan tidak dikenal."), "error")
        return redirect(target)
    entry_ids = _bulk_selection(form, queue_filter)
    if form.decision == "reject":
        result = services.reject_entries(entry_ids, current_user, form.reason_code.data, form.reason_text.data or "")
        done = _("%(n)d usulan ditolak.", n=len(result.decided))
    else:
        result = services.return_entries(entry_ids, current_user, form.return_text.data or "")
        done = _("%(n)d usulan dikembalikan untuk perbaikan.", n=len(result.decided))
    db.session.commit()
    flash(done, "success")
    if result.skipped:
        reasons = "; ".join(sorted({str(why) for why in result.skipped.values()}))
        flash(_("%(n)d usulan dilewati: %(why)s", n=len(result.skipped), why=reasons[:600]), "warning")
    return redirect(target)


@bp.post("/massal")
@office_required
def bulk_approve():
    """Approve the ticked entries, or every warning-free entry of the current filter."""
    form = BulkApproveForm()
    queue_filter = _queue_filter(request.form)
    target = url_for("review.queue_page", **queue_filter.as_args())
    if not form.validate_on_submit():
        flash(form_errors(form), "error")
        return redirect(target)
    entry_ids = _bulk_selection(form, queue_filter)
    try:
        result = services.approve_entries(entry_ids, current_user, commit=db.session.commit)
    except services.OverBudget as refusal:
        flash(str(refusal), "error")
        return redirect(target)
    flash(_("%(n)d usulan disetujui.", n=len(result.approved)), "success")
    if result.skipped:
        reasons = "; ".join(sorted({str(why) for why in result.skipped.values()}))
        flash(_("%(n)d usulan dilewati: %(why)s", n=len(result.skipped), why=reasons[:600]), "warning")
    return redirect(target)


@bp.post("/ambil")
@office_required
def take_batch():
    """Take the oldest free entries of the current filter as my batch, so no one else works them."""
    form = BatchForm()
    queue_filter = _queue_filter(request.form)
    if not form.validate_on_submit():
        flash(form_errors(form), "error")
        return redirect(url_for("review.queue_page", **queue_filter.as_args()))
    candidates = queue.batch_candidates(queue_filter, current_app.config["REVIEW_BATCH_SIZE"])
    taken = holds.take_batch(candidates, current_user)
    db.session.commit()
    if taken:
        flash(_("%(n)d usulan diambil untuk Anda tinjau; dilepas otomatis setelah %(minutes)d menit tanpa kegiatan.",
                n=taken, minutes=current_app.config["REVIEW_HOLD_IDLE_MINUTES"]), "success")
    else:
        flash(_("Tidak ada usulan bebas untuk diambil dalam filter ini."), "warning")
    return redirect(url_for("review.queue_page", **{**queue_filter.as_args(), "tanda": "mine"}))


@bp.post("/lepaskan")
@office_required
def release_batch():
    """Give my batch back to the queue."""
    form = BatchForm()
    if not form.validate_on_submit():
        flash(form_errors(form), "error")
    else:
        released = holds.release(current_user)
        db.session.commit()
        flash(_("%(n)d usulan dilepas kembali ke antrean.", n=released), "success")
    return redirect(url_for("review.queue_page"))
