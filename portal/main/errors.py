"""Error pages in the portal's layout; never a traceback, never personal data."""

from __future__ import annotations

import traceback

from flask import Flask, current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import Conflict, HTTPException, InternalServerError, ServiceUnavailable

from portal.extensions import db, login_manager
from portal.hx import into_message_area, render, wants_fragment
from portal.ratelimit import retry_after_seconds

HANDLED = (400, 403, 404, 405, 409, 413, 429, 500)


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Permintaan tidak dapat diproses"), _("Periksa kembali isian Anda lalu coba lagi.")),
        403: (_("Akses ditolak"), _("Anda tidak memiliki izin untuk membuka halaman ini.")),
        404: (_("Halaman tidak ditemukan"), _("Alamat yang Anda buka tidak ada atau tidak dapat Anda akses.")),
        405: (_("Cara akses tidak didukung"), _("Halaman ini tidak menerima permintaan seperti itu.")),
        409: (_("Data baru saja berubah"), _("Data ini baru saja diubah di tempat lain (oleh orang lain atau di jendela lain). Perubahan Anda belum disimpan: muat ulang halaman, periksa, lalu coba lagi.")),
        413: (_("Berkas terlalu besar"), _("Ukuran berkas melebihi batas %(mb)s MB. Perkecil berkas atau bagi menjadi beberapa berkas.", mb=current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024))),
        429: (_("Terlalu banyak percobaan"), _("Tunggu sebentar sebelum mencoba lagi.")),
        500: (_("Terjadi kesalahan pada sistem"), _("Kesalahan sudah dicatat. Silakan coba lagi beberapa saat lagi.")),
        503: (_("Layanan sedang tidak tersedia"), _("Layanan sedang dalam pemeliharaan atau gangguan sementara. Silakan coba lagi beberapa saat lagi.")),
    }


def _render_error(error: HTTPException):
    code = error.code or 500
    title, message = _messages().get(code, _messages()[500])
    if isinstance(error, CSRFError):
        message = _("Formulir sudah kedaluwarsa atau tidak sah. Muat ulang halaman lalu kirim lagi.")
    retry_after = retry_after_seconds() if code == 429 else None
    context = {"code": code, "title": title, "message": message, "retry_after": retry_after}
    if wants_fragment():
        # An htmx swap (a row action): the message goes to the page's message area; the
        # row stays as it was. A boosted navigation gets the whole error page.
        return into_message_area(render("errors/_message.html", status=code, **context))
    return render("errors/error.html", status=code, **context)


def _internal_error(error: InternalServerError):
    db.session.rollback()
    original = error.original_exception or error
    # Only the type and where it happened: exception text and local values can carry
    # submitted personal data (an IntegrityError quotes the NIK it refused).
    frames = traceback.extract_tb(original.__traceback__)
    where = " < ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}:{f.name}" for f in reversed(frames[-6:]))
    current_app.logger.error(
        "Unhandled %s on %s %s at %s", type(original).__name__, request.method, request.url_rule, where
    )
    return _render_error(InternalServerError())


# Errors that mean "the database cannot be reached now" (down, restarting, refusing
# connections, pool exhausted), as opposed to a bug: OperationalError also covers a
# deadlock or a cancelled statement, which are as transient.
DATABASE_UNAVAILABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)
DATABASE_RETRY_AFTER_SECONDS = 30


def _database_unavailable(error: Exception):
    """503 in the portal's layout (JSON on the API) while the database cannot answer."""
    try:
        db.session.rollback()
    except sa_exc.SQLAlchemyError:
        pass
    # Later hooks (request log, templates) must not ask the database for the user again.
    g._login_user = login_manager.anonymous_user()
    # The type only: a database error's text quotes its statement.
    current_app.logger.error(
        "Database unavailable (%s) on %s %s", type(error).__name__, request.method, request.url_rule
    )
    if request.path.startswith("/api/"):
        # The shape of every API error (portal/api/routes.py).
        message = _("Layanan sedang tidak tersedia. Coba lagi dalam %(seconds)s detik.", seconds=DATABASE_RETRY_AFTER_SECONDS)
        response = jsonify(
            {"error": {"code": "unavailable", "message": message, "retry_after": DATABASE_RETRY_AFTER_SECONDS}}
        )
        response.status_code = 503
        response.headers["Cache-Control"] = "no-store"
    else:
        response = _render_error(ServiceUnavailable())
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response


def _changed_meanwhile(error: StaleDataError):
    """409 when a row changed between reading and writing it (a versioned row, e.g. a list
    entry saved in one tab while the list was sent from another): nothing is written."""
    db.session.rollback()
    current_app.logger.info("Concurrent change refused (%s) on %s %s", type(error).__name__, request.method, request.url_rule)
    if request.path.startswith("/api/"):
        title, message = _messages()[409]
        response = jsonify({"error": {"code": "conflict", "message": message}})
        response.status_code = 409
        return response
    return _render_error(Conflict())


def register_error_handlers(app: Flask) -> None:
    for code in HANDLED:
        if code != 500:
            app.register_error_handler(code, _render_error)
    app.register_error_handler(500, _internal_error)
    for error in DATABASE_UNAVAILABLE:
        app.register_error_handler(error, _database_unavailable)
    app.register_error_handler(StaleDataError, _changed_meanwhile)
