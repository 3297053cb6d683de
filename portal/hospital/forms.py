"""The look-up forms of partner facilities' staff: NIK and name, or KPJ number."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

from portal.citizen.forms import NIK_MESSAGES
from portal.forms import PortalForm
from portal.names import name_key
from portal.nik import NikError, clean_nik, parse_nik


class NikLookupForm(PortalForm):
    """The patient's NIK and KTP name: the name is the second factor, as in Cek Status."""

    nik = StringField(
        _l("NIK pasien (16 angka)"),
        filters=[lambda value: clean_nik(value)[0]],
        validators=[DataRequired(_l("Isi NIK pasien sesuai KTP."))],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 24},
    )
    name = StringField(
        _l("Nama lengkap pasien sesuai KTP"),
        filters=[lambda value: (value or "").strip()],
        validators=[DataRequired(_l("Isi nama lengkap pasien sesuai KTP.")), Length(max=120, message=_l("Nama paling banyak 120 huruf."))],
        render_kw={"autocomplete": "off", "maxlength": 120},
    )
    submit = SubmitField(_l("Cek kepesertaan"))

    def validate_nik(self, field):
        try:
            parse_nik(field.data)
        except NikError as error:
            raise ValidationError(NIK_MESSAGES[error.code]) from None

    def validate_name(self, field):
        if not name_key(field.data):
            raise ValidationError(_l("Isi nama lengkap pasien sesuai KTP."))


class KpjLookupForm(PortalForm):
    """The patient's BPJS Ketenagakerjaan participant number (KPJ), as printed on the card."""

    kpj = StringField(
        _l("Nomor KPJ (11 angka)"),
        filters=[lambda value: "".join((value or "").split()).replace("-", "").replace(".", "")],
        validators=[
            DataRequired(_l("Isi nomor KPJ pasien.")),
            Regexp(r"^\d{11}$", message=_l("Nomor KPJ terdiri dari 11 angka.")),
        ],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 20},
    )
    submit = SubmitField(_l("Cek kepesertaan"))
