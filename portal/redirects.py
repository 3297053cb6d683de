"""The one check a `next` address passes before the portal redirects to it, and the redirect of a moved page."""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

from flask import Response, redirect, request

MAX_LENGTH = 2048


def _hidden_or_slash_like(char: str) -> bool:
    # Browsers drop tabs and line breaks from a URL and read a backslash as a slash.
    return char == "\\" or char.isspace() or not char.isprintable()


def _unsafe_path(path: str) -> bool:
    if not path.startswith("/") or path.startswith("//"):
        return True
    if any(_hidden_or_slash_like(char) for char in path):
        return True
    return any(segment in (".", "..") for segment in path.split("/"))


def safe_next(target: str | None) -> str | None:
    """`target` unchanged when it is a path on this site, otherwise None.

    Nothing is stripped or repaired (`/\\t/evil.example` would reach a browser as
    `//evil.example`): a target with any control character, whitespace, backslash or
    non-ASCII character is refused, as is one with a scheme, a host, a leading `//` or dot
    segments. The path is checked again percent-decoded and NFKC-normalised (`/%2F/evil`,
    a full-width solidus), for anything along the way that decodes it.
    """
    if not isinstance(target, str) or not target or len(target) > MAX_LENGTH or not target.isascii():
        return None
    if any(_hidden_or_slash_like(char) for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or _unsafe_path(parts.path):
        return None
    try:
        decoded = unquote(parts.path, errors="strict")
    except UnicodeDecodeError:
        return None
    if _unsafe_path(unicodedata.normalize("NFKC", decoded)):
        return None
    return target


def moved(location: str, keep_query: bool = True) -> Response:
    """A page's former address: 308 Permanent Redirect to `location`, which keeps the method and body.

    The query string goes along only where it holds nothing personal (`keep_query`).
    """
    query = request.query_string.decode("ascii", "replace") if keep_query else ""
    return redirect(location + (f"?{query}" if query else ""), 308)
