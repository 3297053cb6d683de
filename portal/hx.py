"""The one place that knows about htmx: full page or fragment from the same template."""

from __future__ import annotations

from urllib.parse import urlsplit

import flask
from flask import Response, make_response, render_template, request
from jinja2_fragments.flask import render_block

# Every page's message area (base.html): where answers that must not take the place of the
# element that asked (an error, in a table row) are shown instead.
MESSAGE_AREA = "#flashes"


def wants_fragment() -> bool:
    """True for an htmx request that swaps part of a page (not a boosted navigation)."""
    return bool(request.htmx) and not request.htmx.boosted and not request.htmx.history_restore_request


def render(template: str, block: str | None = None, status: int = 200, **context) -> Response:
    """Render the whole page, or only `block` of it when htmx asks for a fragment."""
    if block and wants_fragment():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def trigger(response: Response, event: str) -> Response:
    """Tell the page an event happened (HX-Trigger); parts listening for it refresh themselves."""
    response.headers["HX-Trigger"] = event
    return response


def into_message_area(response: Response) -> Response:
    """Swap an htmx answer into the page's message area, scrolled into view, instead of
    into the element that asked (HX-Retarget, HX-Reswap)."""
    response.headers["HX-Retarget"] = MESSAGE_AREA
    response.headers["HX-Reswap"] = "innerHTML show:top"
    return response


def redirect(location: str) -> Response:
    """Send the browser to `location` as a whole page, also from an htmx request.

    The request behind an htmx swap would follow a 302 itself and swap the page it finds
    (the sign-in page) into the element; HX-Redirect makes htmx load it as the page
    instead. It comes with a 200: an error status would only add a console error to it.
    """
    if not request.htmx:
        return flask.redirect(location)
    response = make_response("", 200)
    response.headers["HX-Redirect"] = location
    return response


def current_page() -> str | None:
    """The local address (path and query) of the page to come back to.

    An htmx request that swaps part of a page or submits from it comes from the page in
    HX-Current-URL (its own URL is a row action); a boosted link, and a browser's GET, ask
    for the page itself; a browser's POST has no page to come back to.
    """
    if request.htmx and not (request.htmx.boosted and request.method == "GET"):
        parts = urlsplit(request.htmx.current_url or "")
        if not parts.path.startswith("/") or parts.path.startswith("//"):
            return None
        return parts.path + (f"?{parts.query}" if parts.query else "")
    if request.method != "GET":
        return None
    return request.full_path.rstrip("?")
