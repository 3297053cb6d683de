"""Case documents: scans and photos checked by what they contain, kept through portal.storage.

A file is what its bytes say, never what its name or the browser claims: a PDF starts
with %PDF- and opens in pypdf, a JPEG or PNG opens in Pillow within a pixel limit. Photos
are decoded and written afresh, so EXIF (GPS position, camera, time), comments and other
metadata are gone. Files live under "cases/<random>.<ext>" (never under static/); only the
office and the account that reported the case download them, each download audited.
"""

from __future__ import annotations

import io
import secrets
import warnings

from flask import current_app
from flask_babel import lazy_gettext as _l

from portal import audit, storage
from portal.cases.services import CaseError, checklist
from portal.extensions import db
from portal.models import Case, CaseDocument, CaseDocumentType, User

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png"}
NOT_ACCEPTED = _l("Berkas ini bukan PDF, JPEG atau PNG yang dapat dibuka. Unggah pindaian PDF atau foto JPEG/PNG.")


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
                raise CaseError(NOT_ACCEPTED)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError):
        raise CaseError(NOT_ACCEPTED) from None
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
                    raise CaseError(NOT_ACCEPTED)
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                # Turn the photo the way its EXIF says before the EXIF goes.
                upright = ImageOps.exif_transpose(image)
    except CaseError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError, ValueError, SyntaxError):
        raise CaseError(NOT_ACCEPTED) from None
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


def checked_content(data: bytes) -> tuple[bytes, str]:
    """The content to keep and its type, or CaseError with a message for the uploader."""
    limit = current_app.config["CASE_DOCUMENT_MAX_BYTES"]
    if not data:
        raise CaseError(_l("Berkas kosong. Pilih berkas pindaian atau foto dokumen."))
    if len(data) > limit:
        raise CaseError(_l("Berkas terlalu besar (paling besar %(mb)s MB).", mb=f"{limit / 1024 / 1024:.0f}"))
    content_type = sniff(data)
    if content_type is None:
        raise CaseError(NOT_ACCEPTED)
    if content_type == PDF:
        return _checked_pdf(data), PDF
    return _reencoded_image(data, content_type), content_type


def add_document(case: Case, document_type: CaseDocumentType, data: bytes, actor: User) -> CaseDocument:
    """Check, clean and keep one document of the case's checklist."""
    from portal.cases.services import _event

    if document_type.id not in {item.id for item in checklist(case.kind)}:
        raise CaseError(_l("Dokumen ini tidak ada dalam daftar untuk jenis kasus ini."))
    content, content_type = checked_content(data)
    key = f"cases/{secrets.token_urlsafe(18)}.{EXTENSIONS[content_type]}"
    storage.put(key, content)
    document = CaseDocument(case_id=case.id, type_id=document_type.id, storage_key=key, content_type=content_type,
                            size=len(content), uploaded_by_id=actor.id)
    db.session.add(document)
    case.documents.append(document)
    db.session.flush()
    _event(case, actor, "document", note=document_type.name_id)
    audit.record("case.document.upload", "case_document", document.id, person_id=case.person_id, actor=actor,
                 case_id=case.id, type=document_type.code, content_type=content_type, size=len(content))
    return document


def document_of(case: Case, document_id: int) -> CaseDocument | None:
    return db.session.scalar(db.select(CaseDocument).where(CaseDocument.id == document_id, CaseDocument.case_id == case.id))


def note_download(case: Case, document: CaseDocument, actor: User) -> None:
    audit.record("case.document.download", "case_document", document.id, person_id=case.person_id, actor=actor,
                 case_id=case.id, type=document.document_type.code)


def download_name(case: Case, document: CaseDocument) -> str:
    return f"{case.reference}-{document.document_type.code}-{document.id}.{EXTENSIONS[document.content_type]}"


def download(case: Case, document: CaseDocument):
    """A response that sends the stored file as an attachment; None when the file is gone."""
    return storage.download(document.storage_key, mimetype=document.content_type,
                            download_name=download_name(case, document), as_attachment=True)


def delete_files_of(case_ids: list[int]) -> int:
    """Delete the stored files of these cases' documents (their rows go with the cases)."""
    keys = list(db.session.scalars(db.select(CaseDocument.storage_key).where(CaseDocument.case_id.in_(case_ids))))
    for key in keys:
        storage.delete(key)
    return len(keys)
