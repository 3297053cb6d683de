"""Rendering PDFs with WeasyPrint from templates, using only the fonts shipped in static/fonts."""

from __future__ import annotations

import atexit
from functools import lru_cache
from pathlib import Path

from flask import current_app, render_template

FONT_FACES = (
    ("Portal Sans", "normal", "DejaVuSans.ttf"),
    ("Portal Sans", "bold", "DejaVuSans-Bold.ttf"),
)


def fonts_dir() -> Path:
    return Path(current_app.static_folder) / "fonts"


@lru_cache(maxsize=4)
def _shared_styles(fonts_path: str):
    """One FontConfiguration and @font-face stylesheet per process (reusing them is faster)."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    faces = "\n".join(
        f"@font-face {{ font-family: '{family}'; font-weight: {weight}; "
        f"src: url('{(Path(fonts_path) / filename).as_uri()}'); }}"
        for family, weight, filename in FONT_FACES
    )
    return font_config, CSS(string=faces, font_config=font_config)


# Drop the cached FontConfiguration before interpreter shutdown tears its modules down.
atexit.register(_shared_styles.cache_clear)


def html_to_pdf(html: str) -> bytes:
    """PDF bytes of an HTML document whose styles use font-family 'Portal Sans'."""
    from weasyprint import HTML

    font_config, font_css = _shared_styles(str(fonts_dir()))
    document = HTML(string=html, base_url=current_app.static_folder)
    return document.write_pdf(stylesheets=[font_css], font_config=font_config)


def render_pdf(template: str, **context) -> bytes:
    """Render a template to PDF bytes."""
    return html_to_pdf(render_template(template, **context))
