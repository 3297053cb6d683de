"""The one rule for free text that people type, paste or upload, and that exports write out.

C0 control characters (U+0000-U+001F and U+007F) never reach the database: a spreadsheet
program cannot store them (an XLSX export with one answers 500) and PostgreSQL refuses NUL.
Tabs and line breaks are kept only where a field has several lines; elsewhere they are the
spaces they looked like. Bidirectional controls (a right-to-left override turns "Ani" into
what reads like another name) are refused in names and addresses, never silently removed,
so the person who typed them learns why.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

# Every C0 control and DEL; tab, line feed and carriage return are decided by the field.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAKS = re.compile(r"\r\n?")
# Characters XML 1.0 cannot hold (so neither can XLSX or ODS): C0 controls other than tab,
# line feed and carriage return, lone surrogates and the two non-characters U+FFFE/U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Embeddings, overrides, isolates, the directional marks and the Arabic letter mark.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_BIDI = re.compile("[" + "".join(sorted(BIDI_CONTROLS)) + "]")
_SURROGATES = re.compile("[\ud800-\udfff]")

BIDI_MESSAGE = _l(
    "Isian ini memuat karakter pengatur arah tulisan yang tidak terlihat (mis. dari salinan pesan). "
    "Ketik ulang isian ini tanpa menyalin."
)
NUL_MESSAGE = _l("Isian ini memuat karakter yang tidak diizinkan. Ketik ulang isian ini tanpa menyalin.")


def clean_text(value: str | None, *, multiline: bool = False) -> str | None:
    """Text without control characters; tabs and line breaks become spaces unless `multiline`.

    Multi-line text keeps its line feeds and tabs (CR LF and lone CR become LF).
    """
    if value is None or not isinstance(value, str):
        return value
    if value.isprintable():
        return value  # no control, tab or line break in it: most cells, found at C speed
    if multiline:
        value = _LINE_BREAKS.sub("\n", value)
    else:
        value = value.replace("\t", " ").replace("\r", " ").replace("\n", " ")
    return _CONTROLS.sub("", value)


def has_controls(value: str) -> bool:
    """Whether a text holds a C0 control character other than tab and line breaks, or DEL."""
    return bool(_CONTROLS.search(value))


def has_bidi_controls(value: str | None) -> bool:
    """Whether a text holds a bidirectional control character."""
    return bool(value) and bool(_BIDI.search(value))


def has_nul(value: str | None) -> bool:
    return bool(value) and "\x00" in value


def has_surrogates(value: str | None) -> bool:
    """Whether a text holds a lone surrogate (valid in a JSON escape, never in UTF-8)."""
    return bool(value) and bool(_SURROGATES.search(value))


def xml_safe(value: str) -> str:
    """Text an XLSX/ODS cell can hold: characters XML forbids removed (stored data may have them)."""
    return _NOT_XML.sub("", value)
