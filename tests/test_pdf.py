"""PDFs are rendered with the bundled fonts only."""

import io

from pypdf import PdfReader

from portal.pdf import html_to_pdf


def test_pdfs_embed_only_the_bundled_fonts(app):
    with app.app_context():
        pdf = html_to_pdf("<p style=\"font-family: 'Portal Sans'\">Pa'baeng-Baeng <b>tebal</b></p>")
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert "Pa'baeng-Baeng" in page.extract_text()
    fonts = {str(f.get_object()["/BaseFont"]) for f in page["/Resources"]["/Font"].values()}
    # Named after the @font-face family that points at static/fonts, nothing else.
    assert fonts and all(name.split("+")[-1].startswith("Portal-Sans") for name in fonts), fonts
