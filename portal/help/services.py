"""Reading and changing the public settings, and the phone links every answer offers."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from types import SimpleNamespace

from flask import current_app, get_template_attribute
from markupsafe import Markup

from portal import audit
from portal.extensions import db
from portal.help.settings import DEFAULTS, SETTINGS
from portal.i18n import current_language
from portal.models import Kelurahan, SiteSetting, User

_CACHE = "site_settings"


def seed_settings() -> int:
    """Add every setting that is missing with its starting value; returns how many were added."""
    present = set(db.session.scalars(db.select(SiteSetting.key)))
    missing = [SiteSetting(key=spec.key, value=spec.default) for spec in SETTINGS if spec.key not in present]
    db.session.add_all(missing)
    db.session.flush()
    return len(missing)


def setting_values() -> dict[str, str]:
    """Every public setting's value: the stored one, else its starting value."""
    stored = {key: value for key, value in db.session.execute(db.select(SiteSetting.key, SiteSetting.value))}
    return {key: stored.get(key, default) for key, default in DEFAULTS.items()}


def help_settings() -> SimpleNamespace:
    """The public settings for a page, read at most once every SITE_SETTINGS_CACHE_SECONDS per process.

    Every status answer shows them, and the status check is the portal's hottest path, so
    they are not read from the database for each answer. A change made here is seen at once
    by this process and within that many seconds by the others.
    """
    return _cached_settings().settings


@dataclass(frozen=True)
class _Cached:
    """The settings as read, until when they are kept, and the help block rendered from them."""

    expires: float
    settings: SimpleNamespace
    help_blocks: dict[str, Markup] = field(default_factory=dict)  # by language


def _cached_settings() -> _Cached:
    cached = current_app.extensions.get(_CACHE)
    if cached is None or cached.expires < time.monotonic():
        values = setting_values()
        cached = _Cached(time.monotonic() + current_app.config["SITE_SETTINGS_CACHE_SECONDS"], SimpleNamespace(**values))
        current_app.extensions[_CACHE] = cached
    return cached


def help_block() -> Markup:
    """The "Butuh bantuan?" block that ends every answer, rendered once per language for each
    reading of the settings: it depends on nothing else, and the status answer is the
    portal's hottest path."""
    cached = _cached_settings()
    language = current_language()
    block = cached.help_blocks.get(language)
    if block is None:
        block = get_template_attribute("help/_contacts.html", "help_block")(cached.settings)
        cached.help_blocks[language] = block
    return block


def save_settings(values: dict[str, str], actor: User) -> list[str]:
    """Store the settings that changed, with one audit event naming them; returns their keys."""
    stored = {row.key: row for row in db.session.scalars(db.select(SiteSetting))}
    changed = []
    for spec in SETTINGS:
        value = values.get(spec.key, "")
        row = stored.get(spec.key)
        if row is None:
            row = SiteSetting(key=spec.key, value=spec.default)
            db.session.add(row)
        if row.value != value:
            row.value = value
            row.updated_by_id = actor.id
            changed.append(spec.key)
    if changed:
        audit.record("site_settings.update", "site_setting", None, actor=actor, fields=changed)
    db.session.flush()
    current_app.extensions.pop(_CACHE, None)
    return changed


def area_name(kelurahan_code: str, rw: int) -> str:
    """"Lette RW 002": how an area is named to citizens."""
    kelurahan = db.session.get(Kelurahan, kelurahan_code)
    return f"{kelurahan.name} RW {rw:03d}" if kelurahan else ""


def phone_digits(phone: str | None) -> str:
    return re.sub(r"\D", "", phone or "")


def tel_url(phone: str | None) -> str:
    """A tel: link for a phone number as written (spaces and dashes dropped)."""
    digits = phone_digits(phone)
    return f"tel:{'+' if (phone or '').strip().startswith('+') else ''}{digits}"


def whatsapp_number(phone: str | None) -> str | None:
    """An Indonesian mobile number in the international form wa.me needs (62...), else None."""
    digits = phone_digits(phone)
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    elif digits.startswith("8"):
        digits = "62" + digits
    # Mobile numbers are 08xx with 9-13 digits; landlines (0411...) and short lines (175)
    # have no WhatsApp.
    if not digits.startswith("628") or not 10 <= len(digits) <= 15:
        return None
    return digits


def whatsapp_url(phone: str | None) -> str | None:
    number = whatsapp_number(phone)
    return f"https://wa.me/{number}" if number else None
