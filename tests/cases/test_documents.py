"""Case documents: checked by content, images stripped of metadata, downloads audited and kept to the office and the reporter."""

from __future__ import annotations

import io

from PIL import Image

from portal.extensions import db
from portal.models import AuditEvent, CaseDocument, CaseDocumentType, Role
from tests.cases.helpers import PNG_BYTES, report_case_of
from tests.conftest import csrf_token
from tests.factories import LETTE, PABAENG, make_member, make_user


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (40, 30), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "KameraRahasia"  # Make
    exif[0x0131] = "LokasiGPS-5.14S-119.42E"  # Software: stands for any identifying tag
    exif[0x0112] = 1  # Orientation
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif, comment=b"lokasi rumah")
    return buffer.getvalue()


def _minimal_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _setup(app, reporter_role=Role.RT_RW):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        head = make_user("rtrw1", reporter_role, kelurahan_code=LETTE, rw=2)
        make_user("agent1", Role.AGENT, kelurahan_code=LETTE, rw=2)
        make_user("rtrw2", Role.RT_RW, kelurahan_code=PABAENG, rw=5)
        person, _ = make_member("Sitti Aminah")
        case = report_case_of(head, person)
        ktp = db.session.scalar(db.select(CaseDocumentType.id).filter_by(code="ktp"))
        return case.id, ktp


def _upload(client, case_id: int, type_id: int, content: bytes, filename: str):
    token = csrf_token(client, f"/kasus/{case_id}")
    return client.post(
        f"/kasus/{case_id}/dokumen",
        data={"csrf_token": token, "document_type": str(type_id), "upload": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def test_an_executable_renamed_jpg_is_refused_and_nothing_is_kept(app, client, auth):
    case_id, ktp = _setup(app)
    auth.login("rtrw1")
    for content in (b"MZ\x90\x00" + b"\x00" * 200, b"\x7fELF\x02\x01\x01" + b"\x00" * 200, b"\xff\xd8\xff" + b"not really a photo"):
        response = _upload(client, case_id, ktp, content, "ktp.jpg")
        assert response.status_code == 200
        assert "Berkas ini bukan PDF, JPEG atau PNG yang dapat dibuka" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(CaseDocument.id))) == 0


def test_photo_metadata_is_stripped_and_the_download_is_audited(app, client, auth):
    case_id, ktp = _setup(app)
    original = _jpeg_with_exif()
    assert b"KameraRahasia" in original and b"LokasiGPS" in original and b"lokasi rumah" in original
    auth.login("rtrw1")
    response = _upload(client, case_id, ktp, original, "foto ktp Sitti.jpg")
    assert "Dokumen KTP peserta disimpan." in response.get_data(as_text=True)
    with app.app_context():
        document = db.session.scalar(db.select(CaseDocument))
        document_id = document.id
        assert document.content_type == "image/jpeg" and "Sitti" not in document.storage_key
    download = client.get(f"/kasus/{case_id}/dokumen/{document_id}")
    assert download.status_code == 200 and download.headers["Cache-Control"] == "no-store"
    assert download.headers["Content-Type"] == "image/jpeg"
    assert "Sitti" not in download.headers["Content-Disposition"]
    kept = download.get_data()
    download.close()  # a local file is streamed from an open file
    assert b"KameraRahasia" not in kept and b"LokasiGPS" not in kept and b"lokasi rumah" not in kept
    with Image.open(io.BytesIO(kept)) as image:
        assert image.size == (40, 30) and not image.getexif()
    with app.app_context():
        events = db.session.scalars(db.select(AuditEvent).filter_by(action="case.document.download")).all()
        assert [(e.actor_name, e.target_id) for e in events] == [("rtrw1", str(document_id))]
        assert events[0].person_id is not None


def test_a_pdf_and_a_png_are_accepted_and_the_checklist_shows_what_is_missing(app, client, auth):
    case_id, ktp = _setup(app)
    with app.app_context():
        kk = db.session.scalar(db.select(CaseDocumentType.id).filter_by(code="kk"))
    auth.login("rtrw1")
    _upload(client, case_id, ktp, _minimal_pdf(), "ktp.pdf")
    page = _upload(client, case_id, kk, PNG_BYTES, "kk.png").get_data(as_text=True)
    assert "Belum ada: Kronologi kecelakaan, Resume medis, Buku tabungan." in page
    refused = _upload(client, case_id, ktp, b"%PDF-1.4 broken", "x.pdf").get_data(as_text=True)
    assert "bukan PDF, JPEG atau PNG" in refused


def test_a_document_larger_than_the_limit_is_refused(app_factory, tmp_path):
    app = app_factory(CASE_DOCUMENT_MAX_BYTES=1000, STORAGE_DIR=str(tmp_path))
    with app.app_context():
        from portal.seed.reference import seed_reference

        seed_reference()
        db.session.commit()
    case_id, ktp = _setup(app)
    client = app.test_client()
    from tests.conftest import AuthActions

    AuthActions(client).login("rtrw1")
    response = _upload(client, case_id, ktp, PNG_BYTES + b"\x00" * 2000, "big.png")
    assert "Berkas terlalu besar" in response.get_data(as_text=True)


def test_documents_are_refused_to_other_areas_and_to_accounts_that_did_not_report(app, client, auth):
    case_id, ktp = _setup(app)
    auth.login("rtrw1")
    _upload(client, case_id, ktp, PNG_BYTES, "ktp.png")
    with app.app_context():
        document_id = db.session.scalar(db.select(CaseDocument.id))
    auth.logout()
    url = f"/kasus/{case_id}/dokumen/{document_id}"
    auth.login("rtrw2")  # another area
    assert client.get(url).status_code == 404
    assert client.get(f"/kasus/{case_id}").status_code == 404
    auth.logout()
    auth.login("agent1")  # the same RW, but not the reporting account
    assert client.get(f"/kasus/{case_id}").status_code == 200
    assert client.get(url).status_code == 404
    assert _upload(client, case_id, ktp, PNG_BYTES, "ktp.png").status_code == 404
    auth.logout()
    auth.login("staff1")
    download = client.get(url)
    assert download.status_code == 200
    download.close()
    with app.app_context():
        downloads = db.session.scalars(db.select(AuditEvent.actor_name).filter_by(action="case.document.download")).all()
        assert downloads == ["staff1"]
        refused = db.session.scalars(db.select(AuditEvent).filter_by(action="access.refused", actor_name="rtrw2")).all()
        assert refused


def test_admins_edit_the_checklist_and_reporters_cannot(app, client, auth):
    with app.app_context():
        make_user("admin", Role.ADMIN)
        make_user("staff1", Role.STAFF)
    auth.login("admin")
    token = csrf_token(client, "/kasus/syarat-dokumen")
    added = client.post("/kasus/syarat-dokumen", data={
        "csrf_token": token, "code": "surat_polisi", "name_id": "Surat keterangan polisi", "name_en": "Police report",
        "for_accident": "y", "sort_order": "15", "active": "y"}, follow_redirects=True)
    assert "Surat keterangan polisi" in added.get_data(as_text=True)
    twice = client.post("/kasus/syarat-dokumen", data={
        "csrf_token": token, "code": "surat_polisi", "name_id": "Lagi", "name_en": "Again", "for_accident": "y",
        "sort_order": "1", "active": "y"})
    assert twice.status_code == 422 and "Kode dokumen ini sudah dipakai." in twice.get_data(as_text=True)
    neither = client.post("/kasus/syarat-dokumen", data={
        "csrf_token": token, "code": "apa_saja", "name_id": "X", "name_en": "X", "sort_order": "1"})
    assert "Pilih paling sedikit satu jenis kasus." in neither.get_data(as_text=True)
    with app.app_context():
        item = db.session.scalar(db.select(CaseDocumentType).filter_by(code="buku_tabungan"))
        item_id = item.id
    client.post(f"/kasus/syarat-dokumen/{item_id}", data={
        "csrf_token": token, "name_id": "Buku tabungan ahli waris", "name_en": "Heir's bank book", "for_death": "y",
        "sort_order": "70"})
    with app.app_context():
        item = db.session.get(CaseDocumentType, item_id)
        assert (item.name_id, item.for_accident, item.for_death, item.active) == ("Buku tabungan ahli waris", False, True, False)
        assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).filter_by(action="case.checklist")) == 2
    auth.logout()
    auth.login("staff1")
    assert client.get("/kasus/syarat-dokumen").status_code == 404
