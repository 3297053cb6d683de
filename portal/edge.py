"""The portal's edge: input no view should ever see is refused before any view runs.

- A NUL character anywhere a request carries text (path, query string, form fields and
  file names, headers and cookies) answers 400: PostgreSQL cannot store NUL and answered
  500, even to POST /masuk before sign-in, where 500s are not throttled.
- A JSON body nested deeper than any request of the portal needs answers 400 (the parser's
  RecursionError was a 500). The strings of a JSON body are judged where they are read:
  the API's form refuses NUL and lone surrogates ("\\ud800" is valid JSON but no UTF-8
  text) in the fields it uses, and ignores the members its document lets a client add.
- `<int:...>` in a URL only matches numbers an Integer column holds (a larger id is 404,
  never an overflow), and `query_int` reads a number from the query string the same way.
"""

from __future__ import annotations

import json

from flask import Flask, current_app, g, request
from flask_babel import gettext as _
from werkzeug.datastructures import Headers
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter, ValidationError

from portal.text import has_nul

# The largest value of an Integer column on PostgreSQL (SQLite's limit, 2**63 - 1, is higher).
MAX_ID = 2**31 - 1
# The API's body is one flat object; a form never sends JSON. Deeper is never a real request.
MAX_JSON_DEPTH = 32


class HostileInput(BadRequest):
    """A request refused at the edge; `description` says why without repeating the input."""


class BoundedIntConverter(IntegerConverter):
    """The `int` converter, up to MAX_ID: a larger number in a URL matches no route (404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValueError:  # more digits than int() reads (4,300)
            raise ValidationError() from None


def query_int(name: str, default: int, *, minimum: int = 1, maximum: int = MAX_ID) -> int:
    """A whole number from the query string, held between minimum and maximum; `default` when it is not one."""
    text = (request.args.get(name) or "").strip()
    if not (text.isascii() and text.isdigit()):
        return default
    if len(text) > len(str(maximum)):
        return maximum
    return min(max(int(text), minimum), maximum)


def parse_id(text: str | None) -> int | None:
    """A whole number an Integer column holds (1 to MAX_ID) from text, else None."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def json_body():
    """The request's JSON body parsed once (None when there is none or it does not parse).

    Raises HostileInput for a body nested deeper than MAX_JSON_DEPTH.
    """
    if "json_body" not in g:
        g.json_body = _parse_json()
    return g.json_body


def _parse_json():
    if not request.is_json:
        return None
    data = request.get_data(cache=True)
    if not data:
        return None
    try:
        value = json.loads(data)
    except RecursionError:
        raise HostileInput(_("Isi permintaan bersarang terlalu dalam.")) from None
    except ValueError:  # not JSON at all (or not UTF-8): the view says what it expected
        return None
    _check_json(value)
    return value


def _check_json(value) -> None:
    """Walk a parsed body without recursion, refusing one nested deeper than MAX_JSON_DEPTH."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise HostileInput(_("Isi permintaan bersarang terlalu dalam."))
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)


def refuse_hostile_input() -> None:
    """Answer 400 to a NUL anywhere in the request, or a hostile JSON body."""
    texts = [request.path, *_pairs(request.args), *_pairs(request.headers), *_pairs(request.cookies)]
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        texts += [*_pairs(request.form), *(file.filename or "" for _name, file in request.files.items(multi=True))]
    if any(has_nul(text) for text in texts):
        raise HostileInput(_("Isian memuat karakter yang tidak diizinkan."))
    json_body()


def _pairs(values) -> list[str]:
    """Every name and value of a multi-dict (or headers), repeated names included."""
    items = values.items() if isinstance(values, Headers) else values.items(multi=True)
    return [text for pair in items for text in pair]


def larger_uploads(setting: str):
    """Let a view's request body be as large as `app.config[setting]` instead of
    MAX_CONTENT_LENGTH (BPJS's monthly bill). Put it above the access decorators."""

    def decorator(view):
        view.upload_limit_setting = setting
        return view

    return decorator


def _upload_limit() -> None:
    """Set the request's body limit before anything reads the form (the guard below, CSRF)."""
    setting = getattr(current_app.view_functions.get(request.endpoint), "upload_limit_setting", None)
    if setting:
        request.max_content_length = current_app.config[setting]


def init_app(app: Flask) -> None:
    """Bound integers in every URL and refuse hostile input first, before the rate limits and views."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(_upload_limit)
    app.before_request(refuse_hostile_input)
