"""Name folding, so 'SITI  aminah' and 'Siti Aminah.' match as on the KTP."""

from __future__ import annotations

import re
import unicodedata

_NOT_LETTERS = re.compile(r"[^0-9a-z]+")


def name_key(name: str) -> str:
    """Fold a name for comparison: lower case, no accents, punctuation and runs of spaces as one space."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    ascii_only = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    return _NOT_LETTERS.sub(" ", ascii_only).strip()


def mask_name(name: str) -> str:
    """Keep the first two letters of each word: 'Budi Santoso' -> 'Bu** Sa*****'."""
    return " ".join(w[:2] + "*" * (len(w) - 2) for w in name.split())
