"""The citizens' forms: status check (also validates the API's body) and eligibility self-check."""

from __future__ import annotations


from flask import url_for
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, RadioField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal import clock
from portal.forms import PortalForm, PortalPlainForm, TypedTextDateField, category_choices, kecamatan_choices, kelurahan_choices, rw_number, select_choices
from portal.models import AREA_NUMBER_MAX
from portal.names import name_key
from portal.nik import NikError, clean_nik, parse_nik

NIK_MESSAGES = {
    "nik_not_digits": _l("NIK hanya berisi angka."),
    "nik_length": _l("NIK terdiri dari 16 angka."),
    "nik_leading_zero": _l("NIK tidak diawali angka 0. Periksa kembali KTP Anda."),
    "nik_bad_date": _l("NIK ini tidak sah. Periksa kembali angka pada KTP Anda."),
    "nik_serial_zero": _l("NIK ini tidak sah. Periksa kembali angka pada KTP Anda."),
}
YES_NO = [SelectChoice("tidak", _l("Tidak")), SelectChoice("ya", _l("Ya"))]


def nik_field(label, required_message) -> StringField:
    """A 16-digit NIK typed as people type it (spaces, dots), cleaned before it is checked."""
    return StringField(
        label,
        filters=[lambda value: clean_nik(value)[0]],
        validators=[DataRequired(required_message)],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 24},
    )


def ktp_name_field(label, required_message, autocomplete: str = "name") -> StringField:
    """A full name as on the KTP (the second factor of a NIK look-up)."""
    return StringField(
        label,
        filters=[lambda value: (value or "").strip()],
        validators=[DataRequired(required_message), Length(max=120, message=_l("Nama paling banyak 120 huruf."))],
        render_kw={"autocomplete": autocomplete, "maxlength": 120},
    )


class NikAndNameChecks:
    """validate_nik and validate_name for a form with `nik` and `name` fields (see above)."""

    name_required_message = _l("Isi nama lengkap sesuai KTP.")

    def validate_nik(self, field):
        try:
            parse_nik(field.data)
        except NikError as error:
            raise ValidationError(NIK_MESSAGES[error.code]) from None

    def validate_name(self, field):
        if not name_key(field.data):
            raise ValidationError(self.name_required_message)


class StatusCheckForm(NikAndNameChecks, PortalPlainForm):
    """NIK and full name as on the KTP; the name is the second factor the NIK does not hold.

    A plain WTForms form, without Flask-WTF's CSRF token: the check changes nothing on the
    visitor's behalf and uses no session privilege, and another site that makes a browser
    post it cannot read the answer (the JSON API answers the same question without one).
    The rate limits guard it instead.
    """

    nik = nik_field(_l("NIK (16 angka)"), _l("Isi NIK sesuai KTP."))
    name = ktp_name_field(_l("Nama lengkap sesuai KTP"), _l("Isi nama lengkap sesuai KTP."))
    submit = SubmitField(_l("Cek status"))


class EligibilityForm(PortalForm):
    """A visitor's short answers; the kelurahan list depends on the kecamatan chosen."""

    kecamatan = SelectField(_l("Kecamatan domisili"), validators=[InputRequired(_l("Pilih kecamatan."))])
    kelurahan = SelectField(
        _l("Kelurahan domisili"), validators=[InputRequired(_l("Pilih kelurahan."))], validate_choice=False
    )
    # Without JavaScript this button reloads the form with the chosen kecamatan's kelurahan.
    choose_kecamatan = SubmitField(_l("Tampilkan kelurahan"))
    rw = IntegerField(
        _l("Nomor RW"),
        validators=[
            InputRequired(_l("Isi nomor RW tempat Anda tinggal.")),
            rw_number(),
        ],
        render_kw={"inputmode": "numeric", "min": 1, "max": AREA_NUMBER_MAX},
    )
    birth_date = TypedTextDateField(
        _l("Tanggal lahir"),
        validators=[InputRequired(_l("Isi tanggal lahir."))],
        render_kw={"autocomplete": "bday", "placeholder": _l("hh/bb/tttt"), "maxlength": 10},
    )
    category = SelectField(_l("Pekerjaan"), validators=[InputRequired(_l("Pilih pekerjaan."))])
    employer_covered = RadioField(
        _l("Sudah didaftarkan BPJS Ketenagakerjaan oleh pemberi kerja?"), choices=YES_NO, default="tidak"
    )
    civil_servant = RadioField(_l("Aparatur sipil negara (PNS/PPPK)?"), choices=YES_NO, default="tidak")
    desil = SelectField(
        _l("Desil DTSEN rumah tangga"),
        choices=[SelectChoice("", _l("Tidak tahu"))] + [SelectChoice(str(n)) for n in range(1, 11)],
        validators=[Optional()],
        default="",
    )
    submit = SubmitField(_l("Cek kelayakan"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kecamatan.choices = kecamatan_choices(_l("Pilih kecamatan"))
        chosen = self.kecamatan.data if self.kecamatan.data in {c.value for c in self.kecamatan.choices[1:]} else None
        # With htmx, choosing a kecamatan swaps in its kelurahan list (a GET of the same page).
        self.kecamatan.render_kw = {
            "hx-get": url_for("citizen.eligibility"),
            "hx-target": "#kelurahan-field",
            "hx-swap": "outerHTML",
        }
        # No kelurahan to pick before a kecamatan is chosen.
        self.kelurahan.choices = kelurahan_choices(_l("Pilih kelurahan"), chosen) if chosen else select_choices([("", _l("Pilih kelurahan"))])
        self.category.choices = category_choices(_l("Pilih pekerjaan"))

    @property
    def only_choosing_kecamatan(self) -> bool:
        return bool(self.choose_kecamatan.data)

    def validate_kelurahan(self, field):
        if field.data and field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Pilih kelurahan di kecamatan yang dipilih."))

    def validate_birth_date(self, field):
        if field.data and field.data > clock.today():
            raise ValidationError(_l("Tanggal lahir tidak boleh di masa depan."))

    @property
    def desil_value(self) -> int | None:
        return int(self.desil.data) if self.desil.data else None
