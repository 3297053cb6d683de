"""Error pages in the portal's layout; never a traceback, never personal data."""

from __future__ import annotations

import time
import traceback

from flask import Flask, current_app, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.extensions import db, limiter
from portal.hx import into_message_area, render, wants_fragment

HANDLED = (400, 403, 404, 405, 413, 429, 500)


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Permintaan tidak dapat diproses"), _("Periksa kembali isian Anda lalu coba lagi.")),
        403: (_("Akses ditolak"), _("Anda tidak memiliki izin untuk membuka halaman ini.")),
        404: (_("Halaman tidak ditemukan"), _("Alamat yang Anda buka tidak ada atau tidak dapat Anda akses.")),
        405: (_("Cara akses tidak didukung"), _("Halaman ini tidak menerima permintaan seperti itu.")),
        413: (_("Berkas terlalu besar"), _("Ukuran berkas melebihi batas %(mb)s MB. Perkecil berkas atau bagi menjadi beberapa berkas.", mb=current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024))),
        429: (_("Terlalu banyak percobaan"), _("Tunggu sebentar sebelum mencoba lagi.")),
        500: (_("Terjadi kesalahan pada sistem"), _("Kesalahan sudah dicatat. Silakan coba lagi beberapa saat lagi.")),
    }


def _render_error(error: HTTPException):
    code = error.code or 500
    title, message = _messages().get(code, _messages()[500])
    if isinstance(error, CSRFError):
        message = _("Formulir sudah kedaluwarsa atau tidak sah. Muat ulang halaman lalu kirim lagi.")
    retry_after = _retry_after_seconds() if code == 429 else None
    context = {"code": code, "title": title, "message": message, "retry_after": retry_after}
    if wants_fragment():
        # An htmx swap (a row action): the message goes to the page's message area; the
        # row stays as it was. A boosted navigation gets the whole error page.
        return into_message_area(render("errors/_message.html", status=code, **context))
    return render("errors/error.html", status=code, **context)


def _retry_after_seconds() -> int | None:
    """Seconds until the breached limit resets, as Flask-Limiter computed it."""
    limit = limiter.current_limit
    if limit is None:
        return None
    return max(1, int(limit.reset_at - time.time()))


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


def register_error_handlers(app: Flask) -> None:
    for code in HANDLED:
        if code != 500:
            app.register_error_handler(code, _render_error)
    app.register_error_handler(500, _internal_error)
