"""Rendering PDFs with WeasyPrint from templates, using only the fonts shipped in static/fonts.

Speed comes from reuse: one FontConfiguration, one @font-face stylesheet, each document
stylesheet parsed once and one image cache per process (see PERFORMANCE.md). The functions
taking `static_folder` work without a Flask app, so render processes stay light.
"""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import gc
import logging
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


@lru_cache(maxsize=16)
def _document_stylesheet(static_folder: str, stylesheet: str):
    """A stylesheet under static/ parsed once per process."""
    from weasyprint import CSS

    font_config, _ = _shared_styles(str(Path(static_folder) / "fonts"))
    path = Path(static_folder) / stylesheet
    return CSS(filename=str(path), base_url=str(path), font_config=font_config)


# Images from files (the emblem, crop marks) decoded once per process and shared by every
# document; images in data: URIs (QR codes, one per card) are cached only for their own
# document, so a long-lived renderer does not grow with every card it has drawn. (A raster
# file image keeps the dict of the document that first loaded it: bounded, not growing.)
_image_cache: dict = {}


def _clear_caches() -> None:
    _document_stylesheet.cache_clear()
    _shared_styles.cache_clear()
    _image_cache.clear()


# Drop the cached FontConfiguration before interpreter shutdown tears its modules down.
atexit.register(_clear_caches)


def warm_up(app) -> None:
    """Preload for the processes that print (gunicorn's master before it forks its workers,
    `flask worker`), unless PDF_PRELOAD is off or the app is under test. Other commands (an
    import, a migration) never render a PDF and skip the second it costs."""
    if app.config["PDF_PRELOAD"] and not app.testing:
        from portal.certificates.services import PRINT_STYLESHEET

        preload(app.static_folder, (PRINT_STYLESHEET,))


def preload(static_folder: str, stylesheets: tuple[str, ...] = ()) -> None:
    """Import WeasyPrint and parse fonts and stylesheets now, so the first PDF is fast."""
    if ctypes.util.find_library("harfbuzz-subset") is None:
        logging.getLogger(__name__).warning(
            "libharfbuzz-subset0 is missing: PDFs render about 4x slower "
            "(apt-get install libharfbuzz-subset0)"
        )
    _shared_styles(str(Path(static_folder) / "fonts"))
    for stylesheet in stylesheets:
        _document_stylesheet(static_folder, stylesheet)


def html_to_pdf(
    html: str, *, stylesheet: str | None = None, static_folder: str | None = None
) -> bytes:
    """PDF bytes of an HTML document whose styles use font-family 'Portal Sans'.

    `stylesheet` names a CSS file under static/ that is parsed once and reused.
    """
    from weasyprint import HTML

    static_folder = static_folder or current_app.static_folder
    font_config, font_css = _shared_styles(str(Path(static_folder) / "fonts"))
    stylesheets = [font_css]
    if stylesheet:
        stylesheets.append(_document_stylesheet(static_folder, stylesheet))
    document = HTML(string=html, base_url=static_folder)
    cache = dict(_image_cache)
    data = document.write_pdf(stylesheets=stylesheets, font_config=font_config, cache=cache)
    _image_cache.update((key, image) for key, image in cache.items() if key.startswith("file:"))
    return data


def write_pdf_file(html: str, path: str, *, stylesheet: str | None, static_folder: str) -> str:
    """Render `html` into the PDF file `path` (for render processes); return the path."""
    Path(path).write_bytes(
        html_to_pdf(html, stylesheet=stylesheet, static_folder=static_folder)
    )
    _release_memory()
    return path


def _release_memory() -> None:
    """Hand a finished document's memory back to the OS, so long-lived renderers do not creep."""
    gc.collect()
    if _libc is not None:
        _libc.malloc_trim(0)


def _load_libc():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None  # glibc only
    except OSError:
        return None


_libc = _load_libc()


def render_pdf(template: str, *, stylesheet: str | None = None, **context) -> bytes:
    """Render a template to PDF bytes."""
    return html_to_pdf(render_template(template, **context), stylesheet=stylesheet)
