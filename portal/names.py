"""Names: folding ('SITI  aminah' = 'Siti Aminah.'), and the canonical form of a person's name.

`name_key` only folds case, accents, punctuation and spacing; lists use it for headers and
categories. A person's name is matched by `canonical_name` and `same_person_name`, which also
know how Makassar names are written: titles and degrees come and go ("Hj.", "dr.", "S.Pd."),
common names are abbreviated ("Muh.", "Abd.", "St.", "Dg.", a leading "A." for Andi), spaces
inside a name vary ("Nur Alam" / "Nuralam"), doubled letters vary ("Syamsuddin" /
"Syamsudin") and longer words carry small slips. A different given or family name never
matches: see docs/names.md.
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz.distance import Levenshtein
from sqlalchemy import func, or_

_NOT_LETTERS = re.compile(r"[^0-9a-z]+")
_DOUBLED = re.compile(r"(.)\1+")

# Honorific and religious titles, as folded words: dropped wherever they stand.
TITLES = frozenset({
    "h", "hj", "hjh", "haji", "hajah", "hajjah", "kh", "ust", "ustadz", "ustad", "ustazah",
    "dr", "drs", "dra", "ir", "prof", "ns", "drg", "dt",
})
# Academic degrees with their dots taken out ("S.Pd.I" -> "spdi"). Written with dots
# ("S.E.", "S. Pd.", "M.Si") they are dropped wherever they stand; written without them
# they are dropped after a comma, or at the end of the name when unambiguous ("SE", "SPd";
# never "ST", "Si" or "Ma", which may be names).
DEGREES = frozenset({
    "se", "sh", "st", "ss", "sp", "si", "ssi", "spd", "spdi", "skom", "ssos", "sag", "skep",
    "sked", "skm", "sfarm", "sgz", "sip", "sikom", "shi", "sthi", "sst", "stp", "spt", "sak",
    "spsi", "sei", "sth", "ssn", "sds", "stat", "amd", "amdkep", "amdkeb", "amdkes", "amdak",
    "amdtk", "ma", "ba", "msi", "mpd", "mpdi", "mm", "mkes", "mh", "mhum", "mt", "mag", "mak",
    "mkom", "msc", "mba", "mkn", "map", "me", "mars", "ak", "apt", "phd", "spog", "spa",
    "sppd", "spb", "sps", "spm", "spkj",
})
_BARE_DEGREES = frozenset(d for d in DEGREES if len(d) >= 3 and d not in {"sst", "mak", "map", "mars", "spa"}) | {"se", "sh", "mm", "mh", "mt"}
# The first letter of a degree written in two parts ("S. Pd.", "A. Md.", "M. Si.").
_DEGREE_PARTS = re.compile(r"^(s|a|m)\.?$")

# Local abbreviations and spellings, each to one canonical word.
_SAME_WORD = {
    **dict.fromkeys(
        ("m", "mu", "muh", "moh", "muhd", "mhd", "mohd", "md", "muhamad", "muhammad", "mohammad",
         "mohamad", "muhamat", "muhammat", "mochammad", "mochamad", "muchammad", "muchamad"),
        "muhammad",
    ),
    "abd": "abdul",
    "abdl": "abdul",
    **dict.fromkeys(("st", "sti", "siti", "sitti", "sity"), "siti"),
    **dict.fromkeys(("dg", "dng", "daeng"), "daeng"),
}
# Slips are tolerated only in words this long, one per word, never in the first or last letter.
SLIP_MIN_LETTERS = 6


def _ascii_lower(text: str) -> str:
    if text.isascii():
        return text.lower()  # what decomposing would give, at a fraction of the cost
    decomposed = unicodedata.normalize("NFKD", text or "")
    return decomposed.encode("ascii", "ignore").decode("ascii").lower()


def name_key(name: str) -> str:
    """Fold a name for comparison: lower case, no accents, punctuation and runs of spaces as one space."""
    return _NOT_LETTERS.sub(" ", _ascii_lower(name)).strip()


def _letters(word: str) -> str:
    # Folded words are ASCII lower case: one of only letters and digits is its own letters.
    return word if word.isalnum() else _NOT_LETTERS.sub("", word)


def _without_degrees(words: list[str], after_comma: bool) -> list[str]:
    """The words of one comma-separated part with its degrees taken out (dots still in)."""
    kept: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        plain = _letters(word)
        dotted = "." in word.rstrip(".") or (after_comma and plain in DEGREES)
        if plain in DEGREES and (dotted or (after_comma and word.endswith("."))):
            i += 1
            continue
        # "S. Pd." / "A. Md." / "M. Si": a degree split in two words; only when the second
        # word with the first makes a degree and the second is not a name word.
        if i + 1 < len(words) and _DEGREE_PARTS.match(word):
            joined = plain + _letters(words[i + 1])
            if joined in DEGREES and len(_letters(words[i + 1])) <= 4 and (after_comma or words[i + 1].endswith(".") or i + 2 == len(words)):
                i += 2
                # "A. Md. Kep.", "S. Pd. I": the rest of the same degree.
                if i < len(words) and joined + _letters(words[i]) in DEGREES:
                    i += 1
                continue
        kept.append(word)
        i += 1
    if after_comma:
        return kept
    # Bare degrees written at the end without a comma: "Irwan Saputra SPd".
    while len(kept) > 1 and _letters(kept[-1]) in _BARE_DEGREES:
        kept.pop()
    return kept


def canonical_name(text: str) -> str:
    """A person's name in one canonical form: folded, titles and degrees dropped, local
    abbreviations expanded ('Hj. ST. Rahmawati, S.Pd.' -> 'siti rahmawati')."""
    folded = _ascii_lower(text)
    parts = folded.split(",")
    words: list[str] = []
    for index, part in enumerate(parts):
        words.extend(_without_degrees(part.split(), after_comma=index > 0))
    tokens = [t for w in words for t in ((w,) if w.isalnum() else _NOT_LETTERS.sub(" ", w).split())]
    tokens = [t for t in tokens if t not in TITLES]
    canonical = [_SAME_WORD.get(t, t) for t in tokens]
    if canonical and canonical[0] == "a":
        canonical[0] = "andi"
    return " ".join(canonical)[:160]


def _undoubled(word: str) -> str:
    return _DOUBLED.sub(r"\1", word)


def _same_word(typed: str, stored: str) -> bool:
    typed, stored = _undoubled(typed), _undoubled(stored)
    if typed == stored:
        return True
    if min(len(typed), len(stored)) < SLIP_MIN_LETTERS:
        return False
    if typed[0] != stored[0] or typed[-1] != stored[-1]:
        return False
    return Levenshtein.distance(typed, stored, score_cutoff=1) <= 1


def squashed_name(canonical: str) -> str:
    """A canonical name with its spaces taken out and doubled letters single: two names with
    the same squashed form match ("nur alam" / "nuralam", "syamsuddin" / "syamsudin")."""
    return _undoubled(canonical.replace(" ", ""))


def canonical_names_match(typed_canonical: str, stored_canonical: str) -> bool:
    """Whether two canonical names are one person's (see same_person_name)."""
    if not typed_canonical or not stored_canonical:
        return False
    if typed_canonical == stored_canonical:
        return True
    if squashed_name(typed_canonical) == squashed_name(stored_canonical):
        return True
    typed_words, stored_words = typed_canonical.split(), stored_canonical.split()
    if len(typed_words) != len(stored_words):
        return False
    return all(_same_word(t, s) for t, s in zip(typed_words, stored_words))


def same_person_name(typed: str, stored_canonical: str) -> bool:
    """Whether the name a person typed is the stored one (its canonical form), allowing for
    titles, abbreviations, spaces inside the name, doubled letters and one slip in a long word."""
    return canonical_names_match(canonical_name(typed), stored_canonical)


def mask_name(name: str) -> str:
    """Keep the first two letters of each word: 'Budi Santoso' -> 'Bu** Sa*****'."""
    return " ".join(w[:2] + "*" * (len(w) - 2) for w in name.split())


def name_search(name: str, canonical_column, key_column=None):
    """A WHERE clause for the rows whose name holds the typed words in order: in canonical form
    with its spaces taken out ("Muh. Ilham" finds "Muhammad Ilham", "St Nuralam" finds "Hj. Siti
    Nur Alam"), or as typed in `key_column` (a name_key column: "Rahm" finds "Rahmawati"). Both
    forms are only letters, digits and spaces, so nothing typed reaches LIKE as a wildcard.
    None when the name is only a title ("Hj."), which would match every name."""
    canonical = canonical_name(name)
    by_canonical = func.replace(canonical_column, " ", "").like(f"%{'%'.join(canonical.split())}%") if canonical else None
    if key_column is None:
        return by_canonical
    by_typed = key_column.like(f"%{name_key(name).replace(' ', '%')}%")
    return by_typed if by_canonical is None else or_(by_typed, by_canonical)
