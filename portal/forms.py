"""Forms shared by several features, and the base every form of the portal is built on.

`PortalForm` (and `PortalPlainForm`, without Flask-WTF's CSRF token) give every form the
same two things: WTForms' own messages in the active language (WTForms ships no Indonesian
catalogue, so the portal's catalogue holds them), and the text rule of portal.text on every
text field: control characters removed, NUL and bidirectional controls refused.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import _FlaskFormCSRF
from wtforms import DateField, Form
from wtforms.fields import PasswordField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange
from wtforms.widgets import TextInput

from portal.models.regions import AREA_NUMBER_MAX
from wtforms.validators import ValidationError

from portal.text import BIDI_MESSAGE, NUL_MESSAGE, clean_text, has_bidi_controls, has_nul, has_surrogates

CSRF_MESSAGE = _l("Formulir sudah kedaluwarsa atau tidak sah. Muat ulang halaman lalu kirim lagi.")
CHOICE_MESSAGE = _l("Pilihan ini tidak tersedia. Pilih salah satu dari daftar.")
INVALID_MESSAGE = _l("Isian ini tidak sah.")
DATE_MESSAGE = _l("Tanggal tidak terbaca. Tulis tanggal/bulan/tahun, mis. 13/02/1985.")

# WTForms' and Flask-WTF's English messages (their msgids) -> the portal's own message.
# Messages that quote the submitted value ('%(value)s' is not a valid choice) are replaced by
# ones that do not: what a person typed is never repeated back.
WTFORMS_MESSAGES = {
    "Invalid field name '%s'.": _l("Nama isian '%s' tidak dikenal."),
    "Field must be equal to %(other_name)s.": _l("Isian ini harus sama dengan %(other_name)s."),
    "Field must be at least %(min)d character long.": _l("Isian ini paling sedikit %(min)d karakter."),
    "Field cannot be longer than %(max)d character.": _l("Isian ini paling banyak %(max)d karakter."),
    "Field must be exactly %(max)d character long.": _l("Isian ini harus tepat %(max)d karakter."),
    "Field must be between %(min)d and %(max)d characters long.": _l("Isian ini harus %(min)d sampai %(max)d karakter."),
    "Number must be at least %(min)s.": _l("Angka ini paling kecil %(min)s."),
    "Number must be at most %(max)s.": _l("Angka ini paling besar %(max)s."),
    "Number must be between %(min)s and %(max)s.": _l("Angka ini harus antara %(min)s dan %(max)s."),
    "Date must be at least %(min)s.": _l("Tanggal ini paling awal %(min)s."),
    "Date must be at most %(max)s.": _l("Tanggal ini paling akhir %(max)s."),
    "Date must be between %(min)s and %(max)s.": _l("Tanggal ini harus antara %(min)s dan %(max)s."),
    "This field is required.": _l("Isian ini wajib diisi."),
    "Invalid input.": INVALID_MESSAGE,
    "Invalid email address.": INVALID_MESSAGE,
    "Invalid IP address.": INVALID_MESSAGE,
    "Invalid Mac address.": INVALID_MESSAGE,
    "Invalid URL.": INVALID_MESSAGE,
    "Invalid UUID.": INVALID_MESSAGE,
    "Invalid value, must be one of: %(values)s.": INVALID_MESSAGE,
    "Invalid value, can't be any of: %(values)s.": INVALID_MESSAGE,
    "This field cannot be edited.": _l("Isian ini tidak dapat diubah."),
    "This field is disabled and cannot have a value.": _l("Isian ini tidak dapat diubah."),
    "Invalid CSRF Token.": CSRF_MESSAGE,
    "CSRF token missing.": CSRF_MESSAGE,
    "CSRF failed.": CSRF_MESSAGE,
    "CSRF token expired.": CSRF_MESSAGE,
    "Invalid Choice: could not coerce.": CHOICE_MESSAGE,
    "Choices cannot be None.": CHOICE_MESSAGE,
    "Not a valid choice.": CHOICE_MESSAGE,
    "Invalid choice(s): one or more data inputs could not be coerced.": CHOICE_MESSAGE,
    "'%(value)s' is not a valid choice for this field.": CHOICE_MESSAGE,
    "Not a valid datetime value.": _l("Tanggal dan jam tidak terbaca."),
    "Not a valid date value.": DATE_MESSAGE,
    "Not a valid time value.": _l("Jam tidak terbaca. Tulis seperti 13:45."),
    "Not a valid week value.": INVALID_MESSAGE,
    "Not a valid integer value.": _l("Isi dengan angka bulat, mis. 12."),
    "Not a valid decimal value.": _l("Isi dengan angka, mis. 0.01."),
    "Not a valid float value.": _l("Isi dengan angka, mis. 0.01."),
    "File does not have an approved extension: {extensions}": _l("Jenis berkas ini tidak diterima."),
    "File does not have an approved extension.": _l("Jenis berkas ini tidak diterima."),
}


class PortalTranslations:
    """WTForms' translations object: its messages in the language of the request."""

    def gettext(self, string: str) -> str:
        message = WTFORMS_MESSAGES.get(string)
        return string if message is None else str(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular)


TRANSLATIONS = PortalTranslations()


def text_rule(form, field) -> None:
    """Refuse NUL (PostgreSQL cannot store it), lone surrogates (a JSON escape, no UTF-8 text)
    and bidirectional controls in any text field."""
    raw = field.raw_data[0] if field.raw_data and isinstance(field.raw_data[0], str) else ""
    if has_nul(raw) or has_surrogates(raw):
        raise ValidationError(NUL_MESSAGE)
    if isinstance(field.data, str) and has_bidi_controls(field.data):
        raise ValidationError(BIDI_MESSAGE)


def _clean_single_line(value):
    return clean_text(value)


def _clean_multiline(value):
    return clean_text(value, multiline=True)


class _PortalMeta:
    """Meta of every portal form: translated messages and the text rule on text fields."""

    def get_translations(self, form):
        return TRANSLATIONS

    def bind_field(self, form, unbound_field, options):
        field_class = unbound_field.field_class
        # Passwords are hashed, never stored or exported: they are taken exactly as typed.
        if issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):
            cleaner = _clean_multiline if issubclass(field_class, TextAreaField) else _clean_single_line
            options = {
                **options,
                "filters": [cleaner, *unbound_field.kwargs.get("filters", ())],
                "validators": [*unbound_field.kwargs.get("validators", ()), text_rule],
            }
        return super().bind_field(form, unbound_field, options)


class _TranslatedCsrf(_FlaskFormCSRF):
    """Flask-WTF's form-level CSRF check, with the portal's message instead of its English one."""

    def validate_csrf_token(self, form, field):
        try:
            super().validate_csrf_token(form, field)
        except ValidationError:
            raise ValidationError(CSRF_MESSAGE) from None


class PortalForm(FlaskForm):
    """The base of every form with a CSRF token."""

    class Meta(_PortalMeta):
        csrf_class = _TranslatedCsrf


class PortalPlainForm(Form):
    """The base of a form without Flask-WTF (no CSRF token, no session)."""

    class Meta(_PortalMeta):
        pass


class TypedDateField(DateField):
    """A date as people type it (13/02/1985, 13-02-1985, 13.02.1985) or a date picker sends it (1985-02-13)."""

    FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")

    def __init__(self, label=None, validators=None, format=FORMATS, **kwargs):
        super().__init__(label, validators, format=list(format), **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = " ".join(valuelist).strip()
        if not text:
            self.data = None
            return
        for pattern in self.strptime_format:
            try:
                self.data = datetime.strptime(text, pattern).date()
                return
            except ValueError:
                continue
        self.data = None
        raise ValueError(str(DATE_MESSAGE))

    def _value(self):
        # A date read from 13/02/1985 goes back into the date input as the ISO date it needs.
        return self.data.strftime(self.format[0]) if self.data else super()._value()


class TypedTextDateField(TypedDateField):
    """A TypedDateField in a plain text box: on a phone the date is typed (13/02/1985, or
    13021985 on a number pad), not picked from a calendar that starts at today's year."""

    widget = TextInput()
    FORMATS = (*TypedDateField.FORMATS, "%d%m%Y")

    def __init__(self, label=None, validators=None, format=FORMATS, **kwargs):
        super().__init__(label, validators, format=format, **kwargs)

    def _value(self):
        if self.data:
            return self.data.strftime("%d/%m/%Y")
        return " ".join(self.raw_data) if self.raw_data else ""


class CsrfOnlyForm(PortalForm):
    """An empty form for bare POST buttons (logout, language switch, confirmations)."""


def rw_number() -> NumberRange:
    """The one rule for an RW number in a form."""
    return NumberRange(1, AREA_NUMBER_MAX, _l("Nomor RW antara 1 dan %(max)d.", max=AREA_NUMBER_MAX))


def rt_number() -> NumberRange:
    """The one rule for an RT number in a form."""
    return NumberRange(1, AREA_NUMBER_MAX, _l("Nomor RT antara 1 dan %(max)d.", max=AREA_NUMBER_MAX))


def select_choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]


def kecamatan_choices(blank: str | None = None) -> list[SelectChoice]:
    """The city's kecamatan for a select, optionally after a blank 'all' choice."""
    from portal.extensions import db
    from portal.models import Kecamatan

    rows = db.session.scalars(db.select(Kecamatan).order_by(Kecamatan.name))
    return select_choices(([("", blank)] if blank else []) + [(k.code, k.name) for k in rows])


def kelurahan_choices(blank: str | None = None, kecamatan_code: str | None = None) -> list[SelectChoice]:
    """The kelurahan of one kecamatan, or of the whole city labelled with their kecamatan, for a select."""
    from portal.extensions import db
    from portal.models import Kecamatan, Kelurahan

    # Plain columns, not 153 ORM objects: busy pages (the review queue) build this every time.
    query = (
        db.select(Kelurahan.code, Kelurahan.name, Kecamatan.name)
        .join(Kecamatan, Kelurahan.kecamatan_code == Kecamatan.code)
        .order_by(Kelurahan.name)
    )
    if kecamatan_code:
        query = query.where(Kelurahan.kecamatan_code == kecamatan_code)
    rows = db.session.execute(query)
    return select_choices(
        ([("", blank)] if blank else [])
        + [(code, name if kecamatan_code else f"{name}, {kecamatan}") for code, name, kecamatan in rows]
    )


def category_choices(blank: str | None = None) -> list[SelectChoice]:
    """The occupation categories for a select, in their reporting order and the page's language."""
    from flask_babel import get_locale

    from portal.extensions import db
    from portal.models import Category

    locale = str(get_locale())
    rows = db.session.scalars(db.select(Category).order_by(Category.sort_order))
    return select_choices(([("", blank)] if blank else []) + [(c.code, c.label(locale)) for c in rows])


def form_errors(form) -> str:
    """Every error of a form as one sentence, for a flash message."""
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


# -- consent to messages on a phone number (docs/notifications.md, "Consent") ---------------
CONSENT_LABEL = _l("Setuju menerima kabar lewat WhatsApp/SMS di nomor ini")
CONSENT_HINT = _l(
    "Kabar singkat tentang kepesertaan (mis. sudah terlindungi, kartu siap) tanpa NIK. "
    "Balas STOP kapan saja untuk berhenti."
)
CONSENT_PHONE_CHANGED = _l("Nomor HP diganti: centang lagi bila pemilik nomor baru setuju menerima kabar, lalu simpan.")


def phone_consent_field():
    """The consent check box placed under a phone field (same label and hint everywhere)."""
    from wtforms import BooleanField

    return BooleanField(CONSENT_LABEL, description=CONSENT_HINT)


def consent_phone_field():
    """Hidden: the number the form's consent box was last shown for (see check_phone_consent)."""
    from wtforms import HiddenField

    return HiddenField()


def show_consent_for(form, phone: str | None, consent: bool) -> None:
    """Fill a form's consent fields from the saved record (the edit form's GET)."""
    form.phone_consent.data = bool(consent and phone)
    form.consent_phone.data = (phone or "") if consent else ""


def check_phone_consent(form, saved_phone: str | None = None, saved_consent: bool = False) -> bool:
    """The one consent rule of every form with a phone: no consent without a number, and a
    consent given for the saved number does not pass to a new one unless ticked again.

    A box shown ticked for the old number and sent unchanged with a new number is refused
    (the box comes back unticked, now for the new number); ticking it then counts.
    Returns whether the form may be saved; the errors are on `form.phone_consent`.
    """
    from portal.validation import consent_without_phone_message, same_phone

    if not form.phone_consent.data:
        return True
    phone = (form.phone.data or "").strip()
    if not phone:
        form.phone_consent.errors = [*form.phone_consent.errors, consent_without_phone_message()]
        return False
    confirmed = form.consent_phone.data or ""
    if saved_consent and saved_phone and not same_phone(phone, saved_phone) and not (confirmed and same_phone(phone, confirmed)):
        form.phone_consent.errors = [*form.phone_consent.errors, CONSENT_PHONE_CHANGED]
        form.phone_consent.data = False
        form.consent_phone.data = phone
        return False
    return True
