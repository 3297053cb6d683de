"""Jinja filters shared by every template."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from babel.dates import format_date as babel_format_date
from flask import Flask
from flask_babel import format_date, format_datetime, format_decimal, get_locale

from portal.names import mask_name
from portal.nik import mask_nik


@lru_cache(maxsize=4096)
def _day_text(value: date, fmt: str, locale: str) -> str:
    return babel_format_date(value, fmt, locale=locale)


def format_day(value: date | datetime | None, fmt: str = "medium") -> str:
    """A date in the visitor's language. Pages show the same few dates (a coverage period
    runs from 1 January to 31 December) over and over, so their text is kept."""
    if not value:
        return ""
    if isinstance(value, datetime):  # Flask-Babel moves it to the portal's time zone first
        return format_date(value, fmt)
    return _day_text(value, fmt, str(get_locale()))


def init_app(app: Flask) -> None:
    app.jinja_env.filters["mask_nik"] = mask_nik
    app.jinja_env.filters["mask_name"] = mask_name
    app.jinja_env.filters["format_date"] = format_day
    app.jinja_env.filters["format_datetime"] = lambda value, fmt="short": format_datetime(value, fmt) if value else ""
    app.jinja_env.filters["number"] = lambda value: format_decimal(value or 0)
    # One decimal in the locale's own way: "2,5" in Indonesian, "2.5" in English.
    app.jinja_env.filters["decimal1"] = lambda value: format_decimal(value, "#,##0.0")
