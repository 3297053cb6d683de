"""Member lists of an area: see them, fill them (upload or inline rows), fix and submit them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import get_in_area_or_404, roles_required
from portal.edge import query_int
from portal.extensions import db
from portal.forms import CsrfOnlyForm
from portal.hx import render, wants_fragment
from portal.lists import services
from portal.lists.forms import EntryForm, NewListForm, ResendEntryForm, RestoreForm, SubmitListForm, UploadChoiceForm, UploadForm, column_mapping_form
from portal.lists.reader import read_table
from portal.lists.template import template_bytes
from portal.models import AREA_ROLES, OFFICE_ROLES, EntryState, ListEntry, MemberList
from portal.redirects import safe_next
from portal.spreadsheets.reader import FileRejected

bp = Blueprint("lists", __name__, url_prefix="/daftar")

# Only the area's own heads and agents fill and submit lists; staff review them.
LIST_ROLES = AREA_ROLES | OFFICE_ROLES
HELD_UPLOAD = "list_upload"


@bp.get("/")
@roles_required(*LIST_ROLES)
def index():
    """The member lists of the user's area, changed last first, a page at a time."""
    page = services.lists_page(current_user, request.args.get("halaman", 1, type=int))
    return render("lists/index.html", rows=page.items, page=page.number, pages=page.pages)


@bp.get("/templat.xlsx")
@roles_required(*LIST_ROLES)
def template():
    """The XLSX template to fill in a spreadsheet program."""
    response = make_response(template_bytes())
    response.headers["Content-Type"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response.headers["Content-Disposition"] = 'attachment; filename="templat-daftar-usulan.xlsx"'
    return response


@bp.route("/baru", methods=["GET", "POST"])
@roles_required(*AREA_ROLES)
def new():
    """Start a list for the user's RW (or one RT of it)."""
    form = NewListForm()
    if form.validate_on_submit():
        member_list = services.create_list(current_user, form.title.data, form.rt.data)
        db.session.commit()
        return redirect(url_for("lists.detail", list_id=member_list.id))
    return render("lists/new.html", form=form)


def _page_context(member_list: MemberList, *, page: int | None = None, entry_form: EntryForm | None = None, submit_form: SubmitListForm | None = None, upload_form: UploadForm | None = None) -> dict:
    only_errors = request.args.get("tampil") == "bermasalah"
    shown = services.entries_page(member_list, page or query_int("halaman", 1), only_errors=only_errors)
    summary = services.list_summary(member_list)
    can_edit = current_user.role in AREA_ROLES
    return {
        "member_list": member_list,
        "entries": shown.items,
        "page": shown.number,
        "pages": shown.pages,
        "only_errors": only_errors,
        "summary": summary,
        "can_edit": can_edit,
        "entry_form": entry_form or EntryForm(formdata=None),
        "submit_form": submit_form or SubmitListForm(formdata=None, warnings=summary["with_warnings"]),
        "upload_form": upload_form or UploadForm(formdata=None),
        "action_form": CsrfOnlyForm(formdata=None),
        "is_editable": services.is_editable,
        "finding_text": services.finding_text,
        "shown_findings": services.shown_findings,
        "category_names": services.category_names(),
        "deleted": services.deleted_entries(member_list) if can_edit else [],
        "restore_form": RestoreForm(formdata=None),
    }


@bp.get("/<int:list_id>")
@roles_required(*LIST_ROLES)
def detail(list_id: int):
    """One list: its rows with their findings and review state, upload, add, submit."""
    member_list = get_in_area_or_404(MemberList, list_id)
    services.note_list_view(member_list)
    db.session.commit()
    return render("lists/detail.html", block="workspace", **_page_context(member_list))


def _area_list(list_id: int) -> MemberList:
    """The list, when it lies in the signed-in head's or agent's own area (else 404)."""
    return get_in_area_or_404(MemberList, list_id)


@bp.post("/<int:list_id>/unggah")
@roles_required(*AREA_ROLES)
def upload(list_id: int):
    """Read a spreadsheet into the list as drafts (asking first when the list has rows), then show the preview."""
    member_list = _area_list(list_id)
    form = UploadForm()
    if not form.validate_on_submit():
        return render("lists/detail.html", status=400, **_page_context(member_list, upload_form=form))
    data = form.spreadsheet.data.read()
    filename = form.spreadsheet.data.filename or ""
    try:
        if services.has_entries(member_list):
            services.preview_upload(member_list, data, filename)  # a file that cannot be used is refused now
            _hold(member_list, data, filename)
            return redirect(url_for("lists.choose_upload", list_id=member_list.id))
        result = services.import_upload(member_list, data, filename, current_user)
    except services.ColumnsUnclear:
        db.session.rollback()
        _hold(member_list, data, filename)
        return redirect(url_for("lists.map_columns", list_id=member_list.id))
    except FileRejected as error:
        db.session.rollback()
        form.spreadsheet.errors = [error.message]
        return render("lists/detail.html", status=400, **_page_context(member_list, upload_form=form))
    db.session.commit()
    _flash_upload(result)
    return redirect(url_for("lists.detail", list_id=member_list.id))


def _hold(member_list: MemberList, data: bytes, filename: str) -> None:
    """Keep the upload until the head has mapped its columns or chosen what to do with the list's rows."""
    _release_held()
    session[HELD_UPLOAD] = {"list_id": member_list.id, "token": services.hold_upload(data), "filename": filename[:255]}
    db.session.commit()  # the held file, in database storage


def _held_for(member_list: MemberList) -> tuple[dict, bytes] | tuple[None, None]:
    held = session.get(HELD_UPLOAD)
    data = services.held_upload(held["token"]) if held and held.get("list_id") == member_list.id else None
    return (held, data) if data is not None else (None, None)


def _flash_upload(result: services.UploadResult) -> None:
    if result.removed:
        flash(_("%(count)d baris draf lama diganti dengan isi berkas.", count=result.removed), "info")
    flash(
        _("%(rows)d baris dibaca: %(valid)d siap dikirim, %(errors)d perlu diperbaiki.", rows=result.rows_read, valid=result.valid, errors=result.with_errors),
        "warning" if result.with_errors else "info",
    )
    if result.footer_rows:
        flash(footer_note(result.footer_rows), "info")


def footer_note(rows: list[int]) -> str:
    """What the head is told of the lines under the table that were not read as people."""
    return _(
        "%(count)d baris di bawah tabel dilewati: tanda tangan/keterangan (baris %(rows)s). Jika ada orang di situ, "
        "isi NIK-nya lalu unggah lagi, atau tambahkan orangnya di bawah.",
        count=len(rows), rows=_row_ranges(rows),
    )


def _row_ranges(rows: list[int]) -> str:
    """45, 46, 47, 50 -> '45-47, 50'."""
    ranges: list[list[int]] = []
    for number in rows:
        if ranges and number == ranges[-1][1] + 1:
            ranges[-1][1] = number
        else:
            ranges.append([number, number])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in ranges)


def _release_held() -> None:
    """Forget the session's held upload and delete its file (the caller commits)."""
    held = session.pop(HELD_UPLOAD, None)
    if held:
        services.release_upload(held.get("token"))


@bp.route("/<int:list_id>/kolom", methods=["GET", "POST"])
@roles_required(*AREA_ROLES)
def map_columns(list_id: int):
    """Say which column holds what, when the file's headers were not recognised."""
    member_list = _area_list(list_id)
    held, data = _held_for(member_list)
    if data is None:
        flash(_("Unggah berkasnya lagi."), "warning")
        return redirect(url_for("lists.detail", list_id=member_list.id))
    try:
        table = read_table(data, held["filename"], services.archive_limits())
    except FileRejected as error:
        return _drop_held(member_list, error)
    form = column_mapping_form(table.column_choices(), table.mapping)
    if form.validate_on_submit():
        if services.has_entries(member_list):
            session[HELD_UPLOAD] = {**held, "mapping": form.mapping()}
            return redirect(url_for("lists.choose_upload", list_id=member_list.id))
        try:
            result = services.import_upload(member_list, data, held["filename"], current_user, mapping=form.mapping())
        except FileRejected as error:
            return _drop_held(member_list, error)
        _release_held()
        db.session.commit()
        _flash_upload(result)
        return redirect(url_for("lists.detail", list_id=member_list.id))
    preview = table.rows[:3]
    return render("lists/columns.html", member_list=member_list, form=form, table=table, preview=preview, filename=held["filename"])


def _drop_held(member_list: MemberList, error: FileRejected):
    """The held file cannot be used: nothing changes, the file is deleted, the head is told why."""
    db.session.rollback()
    _release_held()
    db.session.commit()
    flash(error.message, "error")
    return redirect(url_for("lists.detail", list_id=member_list.id))


@bp.route("/<int:list_id>/unggah/pilih", methods=["GET", "POST"])
@roles_required(*AREA_ROLES)
def choose_upload(list_id: int):
    """Ask whether an upload replaces the list's drafts or is added to its rows, with the counts of each."""
    member_list = _area_list(list_id)
    held, data = _held_for(member_list)
    if data is None:
        flash(_("Unggah berkasnya lagi."), "warning")
        return redirect(url_for("lists.detail", list_id=member_list.id))
    mapping = held.get("mapping")
    try:
        preview = services.preview_upload(member_list, data, held["filename"], mapping)
    except (FileRejected, services.ColumnsUnclear) as error:
        return _drop_held(member_list, error if isinstance(error, FileRejected) else FileRejected("columns_unclear", _("Unggah berkasnya lagi.")))
    form = UploadChoiceForm()
    if form.validate_on_submit():
        try:
            result = services.import_upload(member_list, data, held["filename"], current_user, mapping=mapping, mode=services.UploadMode(form.mode.data))
        except FileRejected as error:
            return _drop_held(member_list, error)
        _release_held()
        db.session.commit()
        _flash_upload(result)
        return redirect(url_for("lists.detail", list_id=member_list.id))
    status = 400 if form.is_submitted() else 200
    return render(
        "lists/upload_choice.html", status=status, member_list=member_list, form=form, preview=preview,
        filename=held["filename"], footer=footer_note(preview.footer_rows) if preview.footer_rows else None,
    )


def _entry_or_404(member_list: MemberList, entry_id: int) -> ListEntry:
    entry = db.session.get(ListEntry, entry_id)
    if entry is None or entry.list_id != member_list.id:
        abort(404)
    return entry


@bp.post("/<int:list_id>/baris")
@roles_required(*AREA_ROLES)
def add_entry(list_id: int):
    """Add one typed row; it is checked as it is saved."""
    member_list = _area_list(list_id)
    form = EntryForm()
    if not form.validate_on_submit():
        return render("lists/detail.html", block="workspace", status=400, **_page_context(member_list, entry_form=form))
    entry = services.add_entry(member_list, form.raw_values(), current_user)
    db.session.commit()
    page = services.last_page_number(member_list)
    if wants_fragment():
        return render("lists/detail.html", block="workspace", **_page_context(member_list, page=page))
    return redirect(url_for("lists.detail", list_id=member_list.id, halaman=page, _anchor=f"entry-{entry.id}"))


def _list_parts_context(member_list: MemberList) -> dict:
    """What the summary and submit parts need when they are sent out of band."""
    return {
        "member_list": member_list,
        "summary": services.list_summary(member_list),
        "deleted": services.deleted_entries(member_list),
        "restore_form": RestoreForm(formdata=None),
        "action_form": CsrfOnlyForm(formdata=None),
        "can_edit": current_user.role in AREA_ROLES,
        "only_errors": False,
        "oob": True,
    }


def _row(member_list: MemberList, entry: ListEntry, *, editing: bool, form: EntryForm | None = None, status: int = 200, oob: bool = False):
    """One row (view or edit form); with `oob`, the list's summary and submit parts too, swapped out of band."""
    context = {
        "member_list": member_list,
        "entry": entry,
        "editing": editing,
        "form": form,
        "can_edit": current_user.role in AREA_ROLES,
        "is_editable": services.is_editable,
        "finding_text": services.finding_text,
        "shown_findings": services.shown_findings,
        "action_form": CsrfOnlyForm(formdata=None),
        "category_names": services.category_names(),
        "oob": False,
    }
    if oob:
        context.update(_list_parts_context(member_list))
    return render("lists/entry.html", block="row", status=status, **context)


@bp.get("/<int:list_id>/baris/<int:entry_id>")
@roles_required(*LIST_ROLES)
def entry(list_id: int, entry_id: int):
    """One row of a list, with its findings."""
    member_list = get_in_area_or_404(MemberList, list_id)
    entry = _entry_or_404(member_list, entry_id)
    services.note_entry_view(entry, current_user)
    db.session.commit()
    return _row(member_list, entry, editing=False)


@bp.route("/<int:list_id>/baris/<int:entry_id>/ubah", methods=["GET", "POST"])
@roles_required(*AREA_ROLES)
def edit_entry(list_id: int, entry_id: int):
    """Correct a draft or returned row; it is checked again as it is saved."""
    member_list = _area_list(list_id)
    entry = _entry_or_404(member_list, entry_id)
    if not services.is_editable(entry):
        flash(_("Baris ini sudah dikirim untuk verifikasi dan tidak dapat diubah."), "warning")
        return redirect(url_for("lists.detail", list_id=member_list.id))
    if request.method == "GET":
        form = EntryForm.for_entry(entry, formdata=None)
        form.mark_findings([(i.get("column"), services.finding_text(i, current_user)) for i in entry.errors])
        return _row(member_list, entry, editing=True, form=form)
    form = EntryForm(saved=entry)
    if not form.validate_on_submit():
        return _row(member_list, entry, editing=True, form=form, status=400)
    services.update_entry(entry, form.raw_values(), current_user)
    db.session.commit()
    if wants_fragment():
        # The row re-renders itself; the summary and submit parts come along out of band
        # (no extra requests, so no access-history event per refresh).
        return _row(member_list, entry, editing=False, oob=True)
    return redirect(url_for("lists.detail", list_id=member_list.id, _anchor=f"entry-{entry.id}"))


@bp.route("/<int:list_id>/baris/<int:entry_id>/hapus", methods=["GET", "POST"])
@roles_required(*AREA_ROLES)
def delete_entry(list_id: int, entry_id: int):
    """Ask first (GET), then set a draft or returned row aside; it can be undone until the list is submitted."""
    member_list = _area_list(list_id)
    entry = _entry_or_404(member_list, entry_id)
    form = CsrfOnlyForm()
    if not services.is_editable(entry):
        flash(_("Baris ini sudah dikirim untuk verifikasi dan tidak dapat dihapus."), "warning")
        return redirect(url_for("lists.detail", list_id=member_list.id))
    if request.method == "GET":
        return render(
            "lists/confirm.html", member_list=member_list, form=form, entries=[entry],
            action=url_for("lists.delete_entry", list_id=member_list.id, entry_id=entry.id),
            heading=_("Hapus orang ini dari daftar?"),
            what=_("1 orang dihapus dari daftar. Anda dapat mengurungkannya (Urungkan) sampai daftar dikirim."),
            button=_("Ya, hapus 1 orang"),
        )
    if form.validate_on_submit():
        services.delete_entry(entry, current_user)
        db.session.commit()
        if wants_fragment():
            # The row goes (empty main content); the summary and submit parts come out of band.
            return render("lists/_list_parts.html", **_list_parts_context(member_list))
        flash(_("1 baris dihapus. Urungkan di bagian \"Baris yang dihapus\" bila keliru."), "info")
    return redirect(url_for("lists.detail", list_id=member_list.id))


@bp.post("/<int:list_id>/dihapus/urungkan")
@roles_required(*AREA_ROLES)
def restore_entries(list_id: int):
    """Undo deletions: one row (entry given) or all of the list's deleted rows, until the list is submitted."""
    member_list = _area_list(list_id)
    form = RestoreForm()
    if form.validate_on_submit():
        restored = services.restore_entries(member_list, current_user, form.entry_id.data)
        db.session.commit()
        flash(_("%(count)d baris dikembalikan ke daftar.", count=restored), "info")
    else:
        flash(_("Urungkan tidak berhasil; muat ulang halaman lalu coba lagi."), "error")
    return redirect(url_for("lists.detail", list_id=member_list.id))


@bp.post("/<int:list_id>/baris/<int:entry_id>/kirim-ulang")
@roles_required(*AREA_ROLES)
def resend_entry(list_id: int, entry_id: int):
    """Send one corrected returned row back to staff, leaving the list's other rows as they are."""
    member_list = _area_list(list_id)
    entry = _entry_or_404(member_list, entry_id)
    form = ResendEntryForm(warnings=len(entry.warnings))
    back = safe_next(form.next.data) or url_for("lists.detail", list_id=member_list.id, _anchor=f"entry-{entry.id}")
    if entry.state != EntryState.RETURNED:
        flash(_("Baris ini tidak sedang dikembalikan; tidak ada yang dikirim ulang."), "warning")
    elif not form.validate_on_submit():
        flash(" ".join(map(str, form.acknowledge_warnings.errors)) or _("Kirim ulang tidak berhasil; muat ulang halaman lalu coba lagi."), "error")
    elif services.resend_entry(entry, current_user):
        db.session.commit()
        # Flashes travel in the session cookie: no name or finding (a finding may quote a date) goes there.
        flash(_("Satu baris dikirim ulang untuk diverifikasi petugas; baris lain di daftar tidak ikut terkirim."), "info")
    else:
        db.session.commit()  # the findings found again
        flash(_("Baris itu masih bermasalah dan belum dikirim. Perbaiki dulu, lalu kirim ulang."), "error")
    return redirect(back)


@bp.route("/<int:list_id>/hapus-bermasalah", methods=["GET", "POST"])
@roles_required(*AREA_ROLES)
def drop_errors(list_id: int):
    """Ask first (GET, with the count and names), then delete every draft row that still has errors (undoable)."""
    member_list = _area_list(list_id)
    form = CsrfOnlyForm()
    if request.method == "GET":
        rows = services.rows_with_errors(member_list)
        return render(
            "lists/confirm.html", member_list=member_list, form=form, entries=rows,
            action=url_for("lists.drop_errors", list_id=member_list.id),
            heading=_("Hapus semua baris bermasalah?"),
            what=_("%(count)d orang dengan kesalahan dihapus dari daftar. Anda dapat mengurungkannya (Urungkan) sampai daftar dikirim.", count=len(rows)),
            button=_("Ya, hapus %(count)d orang", count=len(rows)) if rows else None,
        )
    if form.validate_on_submit():
        dropped = services.drop_rows_with_errors(member_list, current_user)
        db.session.commit()
        flash(_("%(count)d baris bermasalah dihapus. Urungkan di bagian \"Baris yang dihapus\" bila keliru.", count=dropped), "info")
    return redirect(url_for("lists.detail", list_id=member_list.id))


def _submit_page(member_list: MemberList, form: SubmitListForm, status: int = 200):
    return render("lists/submit.html", status=status, member_list=member_list, form=form, preview=services.submit_preview(member_list))


@bp.route("/<int:list_id>/kirim", methods=["GET", "POST"])
@roles_required(*AREA_ROLES)
def submit(list_id: int):
    """Ask first (GET: how many go, stay and are deleted for good), then send the list's valid draft and corrected rows to staff."""
    member_list = _area_list(list_id)
    summary = services.list_summary(member_list)
    form = SubmitListForm(warnings=summary["with_warnings"])
    if request.method == "GET":
        return _submit_page(member_list, SubmitListForm(formdata=None, warnings=summary["with_warnings"]))
    if not form.validate_on_submit():
        return _submit_page(member_list, form, status=400)
    sent = services.submit_list(member_list, current_user)
    db.session.commit()
    held_back = services.list_summary(member_list)["with_errors"]
    if sent:
        flash(_("%(count)d orang dikirim untuk diverifikasi petugas.", count=sent), "info")
    if held_back or not sent:
        flash(_("%(count)d baris masih bermasalah dan belum dikirim.", count=held_back), "warning")
    return redirect(url_for("lists.detail", list_id=member_list.id))
