"""One member's card and certificate: real PDFs read back, the QR code followed, the print log."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from portal import clock
from portal.extensions import db
from portal.models import Certificate, MembershipStatus, PrintDocument, PrintRecord
from tests.certificates.pdfs import all_text, decode_qr_codes, fonts, page_size_mm, post, read_pdf
from tests.factories import make_member


def _print(client, membership_id: int, document: str):
    response = post(client, f"/cetak/anggota/{membership_id}/{document}")
    assert response.status_code == 303, response.status_code
    return client.get(response.headers["Location"])


def test_card_pdf_is_id1_size_with_name_number_and_only_embedded_bundled_fonts(app, staff):
    with app.app_context():
        _, membership = make_member("Budi Santoso")
        membership.kpj_number = "12345678901"
        db.session.commit()
        membership_id, number = membership.id, membership.number

    response = _print(staff, membership_id, "card")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    reader = read_pdf(response.data)
    assert len(reader.pages) == 2  # front and back
    assert all(page_size_mm(page) == (85.6, 54.0) for page in reader.pages)
    text = all_text(reader)
    assert "Budi Santoso" in text
    assert number in text
    assert "12345678901" in text
    for page in reader.pages:
        page_fonts = fonts(page)
        assert page_fonts and all(embedded for _, embedded in page_fonts), page_fonts
        assert all(name.split("+")[-1].startswith("Portal-Sans") for name, _ in page_fonts)


def test_certificate_pdf_is_one_a4_page_with_name_number_and_accident_advice(app, staff):
    with app.app_context():
        _, membership = make_member("Siti Aminah")
        membership_id, number = membership.id, membership.number

    response = _print(staff, membership_id, "certificate")

    reader = read_pdf(response.data)
    assert [page_size_mm(page) for page in reader.pages] == [(210.0, 297.0)]
    text = all_text(reader)
    assert "Sertifikat Kepesertaan" in text
    assert "Siti Aminah" in text
    assert number in text
    assert "kecelakaan kerja" in text
    assert all(embedded for _, embedded in fonts(reader.pages[0]))


def test_card_qr_code_decodes_to_the_verify_page_which_says_valid(app, staff):
    with app.app_context():
        person, membership = make_member("Budi Santoso")
        membership_id, nik = membership.id, person.nik

    card = _print(staff, membership_id, "card").data
    codes = decode_qr_codes(card, page_index=0)

    assert len(codes) == 1
    url = urlsplit(codes[0])
    assert f"{url.scheme}://{url.netloc}" == "http://portal.test"  # BASE_URL
    assert url.path.startswith("/v/")
    assert nik not in codes[0] and "Budi" not in codes[0]
    with app.app_context():
        certificate = db.session.scalar(db.select(Certificate))
        assert url.path == f"/v/{certificate.code}"
    phone = app.test_client()  # anyone, not signed in
    page = phone.get(url.path).get_data(as_text=True)
    assert "Sah dan berlaku" in page
    assert "Bu** Sa*****" in page
    assert nik not in page and nik[:6] + "******" not in page


def test_certificate_qr_code_decodes_to_the_same_verify_address_as_the_card(app, staff):
    with app.app_context():
        _, membership = make_member()
        membership_id = membership.id

    card_codes = decode_qr_codes(_print(staff, membership_id, "card").data)
    certificate_codes = decode_qr_codes(_print(staff, membership_id, "certificate").data, dpi=200)

    assert certificate_codes == card_codes


def test_printing_logs_every_print_and_the_log_counts_reprints(app, staff):
    with app.app_context():
        _, membership = make_member("Budi Santoso")
        membership_id = membership.id

    _print(staff, membership_id, "card")
    _print(staff, membership_id, "card")

    with app.app_context():
        records = db.session.scalars(db.select(PrintRecord)).all()
        assert len(records) == 2
        assert {r.document for r in records} == {PrintDocument.CARD}
        assert len({r.certificate_id for r in records}) == 1  # a reprint keeps the code
        assert all(r.printed_by.username == "petugas" for r in records)
    log = staff.get("/cetak/log").get_data(as_text=True)
    assert "petugas" in log
    assert "Bu** Sa*****" in log and "Budi Santoso" not in log
    assert log.count('<span class="state state-returned">cetak ulang') == 1


def test_a_membership_whose_cover_ended_cannot_be_printed(app, staff):
    with app.app_context():
        _, membership = make_member()
        membership.status = MembershipStatus.ENDED
        db.session.commit()
        membership_id = membership.id

    response = post(staff, f"/cetak/anggota/{membership_id}/card", follow_redirects=True)

    assert "tidak dapat dicetak" in response.get_data(as_text=True)
    assert staff.get(f"/cetak/anggota/{membership_id}/card.pdf").status_code == 404
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(PrintRecord)) == 0


def test_downloading_before_any_print_answers_404(app, staff):
    with app.app_context():
        _, membership = make_member()
        membership_id = membership.id

    assert staff.get(f"/cetak/anggota/{membership_id}/certificate.pdf").status_code == 404


def test_member_documents_page_lists_certificates_and_their_prints(app, staff):
    with app.app_context():
        _, membership = make_member("Budi Santoso")
        membership.ends_on = clock.today() + timedelta(days=30)
        db.session.commit()
        membership_id, number = membership.id, membership.number
    _print(staff, membership_id, "certificate")

    page = staff.get(f"/cetak/anggota/{membership_id}").get_data(as_text=True)

    assert f"{number}-01" in page
    assert "Cetak kartu" in page and "Cabut" in page
