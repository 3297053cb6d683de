"""Uploaded scans and photos checked by what they contain: the case desk's documents and the
request desk's photos share this one check.

A file is what its bytes say, never what its name or the browser claims: a PDF starts
with %PDF- and opens in pypdf, a JPEG or PNG opens in Pillow within a pixel limit. Photos
are decoded and written afresh, so EXIF (GPS position, camera, time), comments and other
metadata are gone.
"""

from __future__ import annotations

import io
import warnings

from flask import current_app
from flask_babel import lazy_gettext as _l

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png"}
NOT_ACCEPTED = _l("Berkas ini bukan PDF, JPEG atau PNG yang dapat dibuka. Unggah pindaian PDF atau foto JPEG/PNG.")


class UploadRefused(ValueError):
    """An upload that is not kept; the message is for the person who sent it."""

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


def sniff(data: bytes) -> str | None:
    """The accepted type the content starts like, or None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return None


def _checked_pdf(data: bytes) -> bytes:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if len(PdfReader(io.BytesIO(data)).pages) < 1:
                raise UploadRefused(NOT_ACCEPTED)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError):
        raise UploadRefused(NOT_ACCEPTED) from None
    return data


def _reencoded_image(data: bytes, content_type: str) -> bytes:
    """The picture alone, written afresh: no EXIF, no comments, no colour-profile blobs."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    max_pixels = current_app.config["CASE_DOCUMENT_MAX_PIXELS"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ("JPEG", "PNG") or probe.width * probe.height > max_pixels:
                    raise UploadRefused(NOT_ACCEPTED)
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                # Turn the photo the way its EXIF says before the EXIF goes.
                upright = ImageOps.exif_transpose(image)
    except UploadRefused:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError, ValueError, SyntaxError):
        raise UploadRefused(NOT_ACCEPTED) from None
    target = io.BytesIO()
    if content_type == JPEG:
        clean = upright.convert("RGB")
        clean.info = {}
        clean.save(target, format="JPEG", quality=88, optimize=True)
    else:
        mode = upright.mode if upright.mode in ("1", "L", "LA", "P", "RGB", "RGBA") else "RGBA"
        clean = upright.convert(mode)
        clean.info = {}
        clean.save(target, format="PNG", optimize=True)
    return target.getvalue()


def checked_content(data: bytes, max_bytes: int) -> tuple[bytes, str]:
    """The content to keep and its type, or UploadRefused with a message for the uploader."""
    if not data:
        raise UploadRefused(_l("Berkas kosong. Pilih berkas pindaian atau foto dokumen."))
    if len(data) > max_bytes:
        raise UploadRefused(_l("Berkas terlalu besar (paling besar %(mb)s MB).", mb=f"{max_bytes / 1024 / 1024:.0f}"))
    content_type = sniff(data)
    if content_type is None:
        raise UploadRefused(NOT_ACCEPTED)
    if content_type == PDF:
        return _checked_pdf(data), PDF
    return _reencoded_image(data, content_type), content_type
