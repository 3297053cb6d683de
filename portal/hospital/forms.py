"""The look-up forms of partner facilities' staff: NIK and name, KPJ number, or the card's QR code."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length, Regexp

from portal.citizen.forms import NikAndNameChecks, ktp_name_field, nik_field
from portal.forms import PortalForm


class NikLookupForm(NikAndNameChecks, PortalForm):
    """The patient's NIK and KTP name: the name is the second factor, as in Cek Status."""

    name_required_message = _l("Isi nama lengkap pasien sesuai KTP.")
    nik = nik_field(_l("NIK pasien (16 angka)"), _l("Isi NIK pasien sesuai KTP."))
    name = ktp_name_field(_l("Nama lengkap pasien sesuai KTP"), name_required_message, autocomplete="off")
    submit = SubmitField(_l("Cek kepesertaan"))


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


class CardLookupForm(PortalForm):
    """What the patient's card QR code says: scanned or read from a photo in the browser, or typed."""

    code = StringField(
        _l("Isi kode QR kartu atau alamat pemeriksaan"),
        filters=[lambda value: (value or "").strip()],
        validators=[
            DataRequired(_l("Pindai kode QR kartu, unggah fotonya, atau ketik alamat pemeriksaan yang tertulis pada sertifikat.")),
            Length(max=300, message=_l("Kode kartu paling banyak 300 karakter.")),
        ],
        render_kw={"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false", "maxlength": 300},
    )
    submit = SubmitField(_l("Cek kepesertaan"))
