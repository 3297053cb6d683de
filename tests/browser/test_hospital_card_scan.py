"""Journey: a nurse checks a patient's cover from a photo of the card's QR code, on a phone.

The photo goes through the page's own decoder (card-scan.js: the browser's BarcodeDetector,
or the vendored jsQR where there is none, as in Chromium on Linux); only the code it reads
is posted to the look-up.
"""

from io import BytesIO

import segno
from PIL import Image
from playwright.sync_api import expect

from portal.certificates.services import verify_url
from portal.extensions import db
from portal.memberships.services import issue_certificate
from portal.models import PartnerFacility, Role
from tests.browser.conftest import key_screen, login
from tests.conftest import PASSWORD
from tests.factories import make_member, make_user


def card_photo(text: str) -> bytes:
    """A JPEG like a phone's photo of a card: the QR code small on a grey card, off centre."""
    qr = BytesIO()
    segno.make(text, error="m").save(qr, kind="png", scale=6, border=4)
    photo = Image.new("RGB", (1600, 1200), (196, 196, 190))
    photo.paste(Image.open(qr).convert("RGB"), (900, 520))
    out = BytesIO()
    photo.save(out, format="JPEG", quality=85)
    return out.getvalue()


def _photo(name: str, data: bytes) -> dict:
    return {"name": name, "mimeType": "image/jpeg", "buffer": data}


def test_a_nurse_reads_the_cards_qr_code_from_a_photo_and_sees_the_cover(live_server, live_app, phone):
    with live_app.app_context():
        person, membership = make_member("Muh. Ilham Dg. Naba")
        certificate = issue_certificate(membership)
        facility = db.session.scalar(db.select(PartnerFacility).filter_by(name="Primaya Hospital Makassar"))
        db.session.commit()
        make_user("rs1", Role.HOSPITAL, facility_id=facility.id)
        scanned, code, nik = verify_url(certificate.code), certificate.code, person.nik

    login(phone, live_server, "rs1", PASSWORD, lands_on="/rs/cek-pasien")
    # The tools appear with JavaScript, also after the boosted sign-in.
    expect(phone.get_by_text("Unggah foto kartu")).to_be_visible()
    requests = []
    phone.on("request", lambda request: requests.append(request))
    phone.evaluate("window.samePage = true")

    phone.locator("[data-scan-photo]").set_input_files(_photo("kartu.jpg", card_photo(scanned)))
    answer = phone.locator("#lookup-answer")
    expect(answer.get_by_role("heading", name="Terlindungi hari ini")).to_be_visible()
    expect(answer).to_contain_text("JKK, JKM")
    expect(answer).not_to_contain_text("Ilham")
    key_screen(phone, "hospital-card-scan-covered")
    # The code went in the POST body; no URL of the portal carried it or the NIK.
    posts = [r for r in requests if r.method == "POST"]
    assert [r.url for r in posts] == [live_server.url + "/rs/cek-pasien/kartu"]
    assert code in posts[0].post_data
    assert not any(code in r.url or nik in r.url for r in requests)
    assert phone.evaluate("window.samePage") is True

    # Another site's QR code: the look-up's "not found".
    phone.locator("[data-scan-photo]").set_input_files(_photo("lain.jpg", card_photo("https://example.org/promo")))
    expect(answer.get_by_role("heading", name="Tidak ditemukan sebagai peserta")).to_be_visible()

    # A photo without a QR code: said under the buttons, nothing posted.
    before = len([r for r in requests if r.method == "POST"])
    blank = BytesIO()
    Image.new("RGB", (800, 600), (200, 200, 200)).save(blank, format="JPEG")
    phone.locator("[data-scan-photo]").set_input_files(_photo("buram.jpg", blank.getvalue()))
    expect(phone.locator("[data-scan-status]")).to_contain_text("Kode QR tidak terbaca pada foto")
    assert len([r for r in requests if r.method == "POST"]) == before

    # Typed, as without a camera: the same answer.
    phone.get_by_label("Isi kode QR kartu atau alamat pemeriksaan").fill(scanned)
    phone.locator("#card-submit").click()
    expect(answer.get_by_role("heading", name="Terlindungi hari ini")).to_be_visible()
    assert phone.console_errors == []


def test_without_javascript_the_nurse_types_the_cards_address(live_server, live_app, phone_without_js):
    page = phone_without_js
    with live_app.app_context():
        _, membership = make_member("Sitti Aminah")
        certificate = issue_certificate(membership)
        facility = db.session.scalar(db.select(PartnerFacility).filter_by(name="Primaya Hospital Makassar"))
        db.session.commit()
        make_user("rs1", Role.HOSPITAL, facility_id=facility.id)
        scanned = verify_url(certificate.code)

    login(page, live_server, "rs1", PASSWORD, lands_on="/rs/cek-pasien")
    expect(page.get_by_text("Unggah foto kartu")).to_be_hidden()
    page.get_by_label("Isi kode QR kartu atau alamat pemeriksaan").fill(scanned)
    page.locator("#card-submit").click()
    expect(page.locator("#lookup-answer").get_by_role("heading", name="Terlindungi hari ini")).to_be_visible()


def fake_camera_video(path, text: str) -> None:
    """A Y4M clip Chromium plays as the camera: a card's QR code held in front of it."""
    frame = Image.new("RGB", (640, 480), (120, 110, 100))
    qr = BytesIO()
    segno.make(text, error="m").save(qr, kind="png", scale=5, border=4)
    frame.paste(Image.open(qr).convert("RGB"), (180, 100))
    y, cb, cr = frame.convert("YCbCr").split()
    planes = y.tobytes() + cb.resize((320, 240)).tobytes() + cr.resize((320, 240)).tobytes()
    with open(path, "wb") as clip:
        clip.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(10):
            clip.write(b"FRAME\n" + planes)


def test_a_nurse_scans_the_card_with_the_camera(live_server, live_app, browser, tmp_path):
    with live_app.app_context():
        _, membership = make_member("Andi Tenri Ajeng")
        certificate = issue_certificate(membership)
        facility = db.session.scalar(db.select(PartnerFacility).filter_by(name="Primaya Hospital Makassar"))
        db.session.commit()
        make_user("rs1", Role.HOSPITAL, facility_id=facility.id)
        scanned = verify_url(certificate.code)
    clip = tmp_path / "camera.y4m"
    fake_camera_video(clip, scanned)
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE

    camera_browser = browser.browser_type.launch(
        executable_path=CHROMIUM, headless=True,
        args=[*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
              f"--use-file-for-fake-video-capture={clip}"],
    )
    try:
        context = camera_browser.new_context(viewport=PHONE, locale="id-ID", permissions=["camera"])
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        login(page, live_server, "rs1", PASSWORD, lands_on="/rs/cek-pasien")
        page.get_by_role("button", name="Pindai kartu").click()
        answer = page.locator("#lookup-answer")
        expect(answer.get_by_role("heading", name="Terlindungi hari ini")).to_be_visible()
        # The camera is closed once the code is read.
        expect(page.locator("[data-scan-camera]")).to_be_hidden()
        assert page.evaluate("document.querySelector('[data-scan-video]').srcObject") is None
        assert errors == []
    finally:
        camera_browser.close()
