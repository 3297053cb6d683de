"""Jinja filters shared by every template."""

from __future__ import annotations

from flask import Flask
from flask_babel import format_date, format_datetime, format_decimal

from portal.names import mask_name
from portal.nik import mask_nik


def init_app(app: Flask) -> None:
    app.jinja_env.filters["mask_nik"] = mask_nik
    app.jinja_env.filters["mask_name"] = mask_name
    app.jinja_env.filters["format_date"] = lambda value, fmt="medium": format_date(value, fmt) if value else ""
    app.jinja_env.filters["format_datetime"] = lambda value, fmt="short": format_datetime(value, fmt) if value else ""
    app.jinja_env.filters["number"] = lambda value: format_decimal(value or 0)
