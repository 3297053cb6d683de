"""Accounts in bulk (admins): upload a sheet, see its findings, confirm, print activation letters."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.access import roles_required
from portal.admin import bulk, letters
from portal.admin.forms import ROLE_CHOICES, AccountSheetForm, LettersForm
from portal.admin.routes import bp
from portal.extensions import db
from portal.forms import CsrfOnlyForm, form_errors
from portal.hx import render
from portal.lists import services as uploads
from portal.lists.reader import FileRejected
from portal.models import AccountBatch, Role, User
from portal.paging import numbered_page

HELD_SHEET = "held_account_sheet"  # the session's mark of a checked sheet awaiting confirmation
PREVIEW_ROWS = 50  # rows of each table the preview shows
BATCH_PAGE = 50


def _release_held() -> None:
    held = session.pop(HELD_SHEET, None)
    if held:
        uploads.release_upload(held.get("token"))


def _page(form: AccountSheetForm, check: bulk.SheetCheck | None = None, status: int = 200, error: str | None = None):
    return render(
        "admin/bulk_accounts.html",
        status=status,
        form=form,
        check=check,
        error=error,
        preview_rows=PREVIEW_ROWS,
        batches=bulk.batches(),
        confirm_form=CsrfOnlyForm(),
        role_labels=dict(ROLE_CHOICES),
        column_labels=bulk.COLUMN_LABELS,
        row_limit=current_app.config["ACCOUNT_UPLOAD_ROW_LIMIT"],
    )


@bp.get("/akun-massal")
@roles_required(Role.ADMIN)
def bulk_accounts():
    """Upload a sheet of RT/RW heads and agents; the latest batches."""
    return _page(AccountSheetForm())


@bp.get("/akun-massal/templat.xlsx")
@roles_required(Role.ADMIN)
def bulk_template():
    """An empty sheet with the columns the upload reads."""
    response = current_app.response_class(bulk.template_bytes(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = 'attachment; filename="templat-akun-rt-rw-agen.xlsx"'
    return response


@bp.post("/akun-massal")
@roles_required(Role.ADMIN)
def check_accounts_sheet():
    """Check an uploaded sheet and show what it would create; nothing is created yet."""
    form = AccountSheetForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
    upload = form.spreadsheet.data
    data, filename = upload.read(), upload.filename or ""
    _release_held()
    try:
        check = bulk.check_sheet(data, filename)
    except FileRejected as rejected:
        db.session.rollback()
        audit.record("account_batch.upload_refused", "account_batch", None, code=rejected.code)
        db.session.commit()
        return _page(form, status=422, error=rejected.message)
    audit.record("account_batch.upload_checked", "account_batch", None, rows=len(check.rows), problems=len(check.problems))
    if check.ok:
        session[HELD_SHEET] = {"token": uploads.hold_upload(data), "filename": filename[:255]}
    db.session.commit()
    return _page(form, check, status=200 if check.ok else 422)


@bp.post("/akun-massal/buat")
@roles_required(Role.ADMIN)
def create_accounts():
    """Create every account of the checked sheet, or none: the sheet is checked again first."""
    held = session.get(HELD_SHEET)
    data = uploads.held_upload(held["token"]) if held else None
    if not CsrfOnlyForm().validate_on_submit() or data is None:
        flash(_("Unggah berkas akun lagi: pemeriksaan sebelumnya sudah tidak berlaku."), "error")
        return redirect(url_for("admin.bulk_accounts"))
    try:
        check = bulk.check_sheet(data, held["filename"])
    except FileRejected as rejected:
        _release_held()
        db.session.commit()
        flash(rejected.message, "error")
        return redirect(url_for("admin.bulk_accounts"))
    if not check.ok:
        # Someone made a clashing account meanwhile: show the findings again, create nothing.
        _release_held()
        db.session.commit()
        return _page(AccountSheetForm(formdata=None), check, status=409)
    try:
        batch = bulk.create_accounts(check, current_user, held["filename"])
        _release_held()
        db.session.commit()
    except IntegrityError:
        # Another admin created one of these usernames in the same moment: nothing was kept.
        db.session.rollback()
        flash(_("Sebagian nama pengguna baru saja dibuat oleh admin lain. Tidak ada akun yang dibuat; unggah berkas lagi."), "error")
        return redirect(url_for("admin.bulk_accounts"))
    flash(_("%(n)d akun dibuat. Cetak surat aktivasinya dan serahkan kepada masing-masing pemilik akun.", n=batch.account_count), "success")
    return redirect(url_for("admin.account_batch", batch_id=batch.id))


def _batch_or_404(batch_id: int) -> AccountBatch:
    return db.session.get(AccountBatch, batch_id) or abort(404)


@bp.get("/akun-massal/<int:batch_id>")
@roles_required(Role.ADMIN)
def account_batch(batch_id: int):
    """One batch: its accounts, who has activated, and its activation letters in parts."""
    batch = _batch_or_404(batch_id)
    page_number = request.args.get("halaman", "1")
    query = db.select(User).where(User.account_batch_id == batch.id).order_by(User.username)
    page = numbered_page(query, int(page_number) if page_number.isdigit() else 1, BATCH_PAGE)
    counts = bulk.batch_counts(batch)
    return render(
        "admin/account_batch.html",
        batch=batch,
        page=page,
        counts=counts,
        parts=letters.parts(counts["waiting"]),
        letters_form=LettersForm(formdata=None),
        role_labels=dict(ROLE_CHOICES),
    )


def _pdf_response(pdf: bytes, filename: str):
    response = current_app.response_class(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"  # the letters carry live codes
    return response


@bp.post("/akun-massal/<int:batch_id>/surat")
@roles_required(Role.ADMIN)
def batch_letters(batch_id: int):
    """Activation letters of one part of a batch (new codes for its accounts not yet activated)."""
    batch = _batch_or_404(batch_id)
    form = LettersForm()
    if not form.validate_on_submit():
        flash(form_errors(form) or _("Formulir kedaluwarsa. Coba lagi."), "error")
        return redirect(url_for("admin.account_batch", batch_id=batch.id))
    part = form.bagian.data or 1
    users = letters.part_users(batch, part)
    if not users:
        flash(_("Semua akun di bagian ini sudah aktif: tidak ada surat untuk dicetak."), "info")
        return redirect(url_for("admin.account_batch", batch_id=batch.id))
    if any(user.activation_code_hash for user in users) and not form.ulang.data:
        flash(_("Surat bagian ini sudah pernah dicetak. Centang persetujuan bahwa kode lama tidak berlaku lagi, lalu cetak ulang."), "error")
        return redirect(url_for("admin.account_batch", batch_id=batch.id))
    pdf = letters.print_letters(users, current_user, batch=batch, part=part)
    db.session.commit()
    return _pdf_response(pdf, f"surat-aktivasi-{batch.id}-{part}.pdf")


@bp.post("/pengguna/<int:user_id>/surat-aktivasi")
@roles_required(Role.ADMIN)
def user_letter(user_id: int):
    """The activation letter of one account (a new code; an earlier letter's code stops working)."""
    user = db.session.get(User, user_id) or abort(404)
    if not CsrfOnlyForm().validate_on_submit() or not user.awaiting_activation:
        flash(_("Akun ini tidak menunggu aktivasi."), "error")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    pdf = letters.print_letters([user], current_user)
    db.session.commit()
    return _pdf_response(pdf, f"surat-aktivasi-{user.username}.pdf")
