"""Case documents: scans and photos checked by what they contain, kept through portal.storage.

The check is portal.uploads' (a file is what its bytes say; photos are written afresh
without their metadata). Files live under "cases/<random>.<ext>" (never under static/);
only the office and the account that reported the case download them, each download audited.
"""

from __future__ import annotations

import secrets

from flask import current_app
from flask_babel import lazy_gettext as _l

from portal import audit, storage, uploads
from portal.cases.services import CaseError, checklist
from portal.extensions import db
from portal.models import Case, CaseDocument, CaseDocumentType, User


def checked_content(data: bytes) -> tuple[bytes, str]:
    """The content to keep and its type, or CaseError with a message for the uploader."""
    try:
        return uploads.checked_content(data, current_app.config["CASE_DOCUMENT_MAX_BYTES"])
    except uploads.UploadRefused as refused:
        raise CaseError(refused.message) from None


def add_document(case: Case, document_type: CaseDocumentType, data: bytes, actor: User) -> CaseDocument:
    """Check, clean and keep one document of the case's checklist."""
    from portal.cases.services import _event

    if document_type.id not in {item.id for item in checklist(case.kind)}:
        raise CaseError(_l("Dokumen ini tidak ada dalam daftar untuk jenis kasus ini."))
    content, content_type = checked_content(data)
    key = f"cases/{secrets.token_urlsafe(18)}.{uploads.EXTENSIONS[content_type]}"
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
    return f"{case.reference}-{document.document_type.code}-{document.id}.{uploads.EXTENSIONS[document.content_type]}"


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
