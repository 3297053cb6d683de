"""Reading rendered PDFs back: page sizes, text, fonts and the QR code on a page."""

from __future__ import annotations

import io

import pypdfium2
import zxingcpp
from pypdf import PdfReader

from tests.conftest import csrf_token

MM = 72 / 25.4  # PDF points per millimetre


def read_pdf(data: bytes) -> PdfReader:
    assert data.startswith(b"%PDF-"), data[:40]
    return PdfReader(io.BytesIO(data))


def page_size_mm(page) -> tuple[float, float]:
    return round(float(page.mediabox.width) / MM, 1), round(float(page.mediabox.height) / MM, 1)


def all_text(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def fonts(page) -> list[tuple[str, bool]]:
    """Each font of a page: its name and whether its file is embedded."""
    found = []
    for font in page["/Resources"]["/Font"].values():
        font = font.get_object()
        descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        descriptor = descendant["/FontDescriptor"].get_object()
        embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
        found.append((str(font["/BaseFont"]), embedded))
    return found


def decode_qr_codes(data: bytes, page_index: int = 0, dpi: int = 300) -> list[str]:
    """The QR codes a real decoder (zxing-cpp) reads on a page rendered by pdfium."""
    document = pypdfium2.PdfDocument(data)
    try:
        image = document[page_index].render(scale=dpi / 72).to_pil()
    finally:
        document.close()
    return [result.text for result in zxingcpp.read_barcodes(image) if result.format == zxingcpp.BarcodeFormat.QRCode]


def post(client, url: str, data: dict | None = None, **kwargs):
    """POST a form the way a browser does, with the session's CSRF token."""
    token = csrf_token(client, "/beranda")
    return client.post(url, data={"csrf_token": token, **(data or {})}, **kwargs)
