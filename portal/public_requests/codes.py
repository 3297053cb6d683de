"""Tracking codes: random, unguessable, printable, and read back forgivingly.

Twelve characters of Crockford's base32 (no I, L, O, U: nothing to confuse on a phone or on
paper) carry 60 random bits, shown in groups of four ("7KQ2-M9XD-4RTA"). The table keeps only
the SHA-256 of the normalised code, so the code works like a password nobody else holds."""

from __future__ import annotations

import hashlib
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 12
GROUP = 4
# What people type for the letters the alphabet leaves out (Crockford's decoding rules).
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    """A fresh code, grouped for printing."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i:i + GROUP] for i in range(0, LENGTH, GROUP))


def normalise(typed: str) -> str | None:
    """The code as stored from what someone typed (spaces, dashes, case and O/I/L forgiven);
    None when it cannot be a code."""
    code = "".join(ch for ch in (typed or "").upper() if ch.isalnum()).translate(_READ_AS)
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def digest(code: str) -> str:
    """The SHA-256 (hex) the table keeps for a normalised code."""
    return hashlib.sha256(code.encode("ascii")).hexdigest()
