"""Forms for signing in, the second factor and account security."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, RadioField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from portal.forms import PortalForm, phone_consent_field, select_choices


class LoginForm(PortalForm):
    username = StringField(
        _l("Nama pengguna"),
        validators=[DataRequired(_l("Isi nama pengguna.")), Length(max=64)],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Kata sandi"),
        validators=[DataRequired(_l("Isi kata sandi.")), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )
    # Keep the cookie when the browser closes (31 days); the idle timeout still applies.
    remember = BooleanField(_l("Ingat saya di perangkat ini"))
    submit = SubmitField(_l("Masuk"))


class SecondFactorForm(PortalForm):
    code = StringField(
        _l("Kode verifikasi"),
        validators=[DataRequired(_l("Isi kode dari aplikasi autentikator.")), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "autocapitalize": "none"},
    )


class EnrolForm(PortalForm):
    code = StringField(
        _l("Kode 6 angka dari aplikasi"),
        validators=[DataRequired(_l("Isi kode dari aplikasi autentikator.")), Length(min=6, max=7)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class ActivationForm(PortalForm):
    """First password of an account made from a sheet, opened with the code of its activation letter."""

    username = StringField(
        _l("Nama pengguna"),
        validators=[DataRequired(_l("Isi nama pengguna dari surat aktivasi.")), Length(max=64)],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    code = StringField(
        _l("Kode aktivasi"),
        validators=[DataRequired(_l("Isi kode aktivasi dari surat.")), Length(max=40)],
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "characters"},
    )
    password = PasswordField(
        _l("Kata sandi baru"),
        validators=[DataRequired(_l("Isi kata sandi baru.")), Length(max=256)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Ulangi kata sandi baru"),
        validators=[DataRequired(_l("Ulangi kata sandi baru.")), Length(max=256)],
        render_kw={"autocomplete": "new-password"},
    )


class OwnPhoneConsentForm(PortalForm):
    """The account owner's own consent to messages on the number the office recorded, and
    the language of those messages."""

    phone_consent = phone_consent_field()
    message_locale = RadioField(
        _l("Bahasa pesan"),
        choices=select_choices([("id", "Bahasa Indonesia"), ("en", "English")]),
        default=None,
        validate_choice=False,  # left out, the saved language stays; another value is refused by the service
    )
