"""The messages' texts: short templates in Indonesian (msgids) with their English translation.

Each template names its parameters in the order WhatsApp's approved template of the same
name takes them ({{1}}, {{2}}, ...). Parameters carry a first name at most, never a NIK or a
full name, and the link points at a portal page that holds no data of the person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import LazyString, force_locale, format_date
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Template:
    key: str
    text: LazyString
    parameters: tuple[str, ...]


MEMBER_APPROVED = Template(
    "member_approved",
    _l("Halo %(first_name)s, Anda kini peserta BPJS Ketenagakerjaan dari Pemkot Makassar, "
       "terlindungi mulai %(starts_on)s. Kartu peserta diserahkan oleh ketua RT/RW Anda. "
       "Cek status: %(link)s (balas STOP untuk berhenti)"),
    ("first_name", "starts_on", "link"),
)
REQUEST_ANSWERED = Template(
    "request_answered",
    _l("Halo %(first_name)s, permintaan Anda di portal Makassar Berjasa sudah dijawab. Lihat dengan kode pelacakan Anda: %(link)s (balas STOP untuk berhenti)"),
    ("first_name", "link"),
)
CARD_READY = Template(
    "card_ready",
    _l("Halo %(first_name)s, kartu peserta BPJS Ketenagakerjaan Anda dari Pemkot Makassar sudah dicetak. "
       "Ambil di ketua RT/RW Anda. Cek status: %(link)s (balas STOP untuk berhenti)"),
    ("first_name", "link"),
)
CARD_HANDED_OVER = Template(
    "card_handed_over",
    _l("Halo %(first_name)s, kartu peserta BPJS Ketenagakerjaan Anda tercatat sudah diserahkan pada %(handed_over_on)s. "
       "Bila Anda belum menerimanya, sampaikan di %(link)s (balas STOP untuk berhenti)"),
    ("first_name", "handed_over_on", "link"),
)
COVER_ENDING = Template(
    "cover_ending",
    _l("Halo %(first_name)s, perlindungan BPJS Ketenagakerjaan Anda dari Pemkot Makassar berakhir pada %(ends_on)s. "
       "Ketua RT/RW Anda perlu mengonfirmasi bahwa Anda masih memenuhi syarat. Cek status: %(link)s (balas STOP untuk berhenti)"),
    ("first_name", "ends_on", "link"),
)
MEMBERSHIP_RENEWED = Template(
    "membership_renewed",
    _l("Halo %(first_name)s, perlindungan BPJS Ketenagakerjaan Anda dari Pemkot Makassar diperpanjang "
       "untuk %(starts_on)s sampai %(ends_on)s. Cek status: %(link)s (balas STOP untuk berhenti)"),
    ("first_name", "starts_on", "ends_on", "link"),
)
CASE_CHANGED = Template(
    "case_changed",
    _l("Laporan kasus %(reference)s di portal Makassar Berjasa kini berstatus: %(state)s. "
       "Pertanyaan: %(link)s (balas STOP untuk berhenti)"),
    ("reference", "state", "link"),
)
# The super-app's webhook carries JSON; its body is the event's data, never a text.
MEMBERSHIP_CHANGED = "membership_changed"

TEMPLATES = {t.key: t for t in (MEMBER_APPROVED, REQUEST_ANSWERED, CARD_READY, CARD_HANDED_OVER, COVER_ENDING,
                                 MEMBERSHIP_RENEWED, CASE_CHANGED)}


def first_name(full_name: str | None) -> str:
    """The first word of a name, titles dropped and local abbreviations written out ("Hj. St.
    Rahmatia" -> "Siti", "Muh. Arfah" -> "Muhammad", portal.names): all a message may say of
    who it is for."""
    from portal.names import canonical_name

    words = canonical_name(full_name or "").split() or (full_name or "").split()
    return words[0].title()[:30] if words else ""


def portal_link(endpoint: str) -> str:
    """The public address of a portal page without any data in it."""
    path = current_app.url_map.bind("portal").build(endpoint)
    return current_app.config["BASE_URL"] + path


class Renderer:
    """Renders many messages of one template cheaply: translations and dates are looked up
    once per locale (a bulk approval of 10,000 members shares a handful of start days)."""

    def __init__(self, template: Template):
        self.template = template
        self._texts: dict[str, str] = {}
        self._dates: dict[tuple[str, date], str] = {}

    def text(self, locale: str) -> str:
        if locale not in self._texts:
            with force_locale(locale):
                self._texts[locale] = str(self.template.text)
        return self._texts[locale]

    def day(self, value: date, locale: str) -> str:
        if (locale, value) not in self._dates:
            with force_locale(locale):
                self._dates[locale, value] = format_date(value, "d MMMM yyyy")
        return self._dates[locale, value]

    def render(self, parameters: dict, locale: str) -> tuple[dict, str]:
        """The parameters as shown (dates written out) and the body."""
        shown = {k: self.day(v, locale) if isinstance(v, date) else v for k, v in parameters.items()}
        return shown, self.text(locale) % shown


# -- The RT/RW heads' and agents' daily digest (portal.notifications.digest) ------------------
# Counts only, every count always present (a WhatsApp template has fixed parameters), and a
# link to the head's own task page ("Tugas saya"), which holds nothing until they sign in.
HEAD_DIGEST = Template(
    "head_digest",
    _l("Halo %(first_name)s, yang menunggu Anda di portal Makassar Berjasa: %(returned)s usulan dikembalikan untuk diperbaiki, "
       "%(reverification)s anggota menunggu konfirmasi masih layak, %(cards)s kartu siap dibagikan, "
       "%(requests)s permintaan menunggu keterangan Anda. Buka Tugas saya: %(link)s (balas STOP untuk berhenti)"),
    ("first_name", "returned", "reverification", "cards", "requests", "link"),
)
TEMPLATES[HEAD_DIGEST.key] = HEAD_DIGEST
