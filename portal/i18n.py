"""Language choice: Indonesian by default, English when the visitor picks it."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, session
from flask_babel import get_locale

from portal.extensions import babel

ROOT_TRANSLATIONS = "translations"


def select_locale() -> str:
    """The language stored in the session, else the portal's default (Indonesian)."""
    chosen = session.get("lang") if has_request_context() else None
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=ROOT_TRANSLATIONS)
    app.jinja_env.globals["current_language"] = current_language
