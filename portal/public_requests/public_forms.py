"""The public request form (one class, shaped by the kind: it asks only what KINDS says the
kind needs) and the tracking form. The API validates its JSON body with the same forms."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from portal import uploads
from portal.citizen.forms import NIK_MESSAGES
from portal.forms import (
    PortalForm,
    PortalPlainForm,
    TypedTextDateField,
    kelurahan_choices,
    rt_number,
    rw_number,
    select_choices,
)
from portal.models import AREA_NUMBER_MAX, PersonalDataAction, RequestKind
from portal.names import canonical_name, name_key
from portal.nik import NikError, clean_nik, parse_nik
from portal.public_requests.kinds import DATA_ACTION_LABELS, KINDS
from portal.validation import mobile_number, phone_message

DESCRIPTION_MAX = 2000
# The fields a "my data is wrong" request may propose a new value for (keys of
# proposed_changes: names of the registry's correctable fields, portal.registry.services).
CORRECTIONS = {
    "full_name": "correct_full_name",
    "birth_date": "correct_birth_date",
    "street": "correct_street",
    "phone": "correct_phone",
    "occupation": "correct_occupation",
}
# Fewer different letters than this is not a description ("aaaaaaaaaaaaaaaaaaaaaa", "asdf asdf").
DESCRIPTION_MIN_LETTERS = 6
DESCRIPTION_MIN_WORDS = 3


def _requester_is_subject_labels(form: RequestForm) -> None:
    """The person fields speak of "you" when the request is about the requester."""
    if KINDS[form.kind].about_requester:
        form.subject_nik.label.text = _l("NIK Anda (16 angka)")
        form.subject_name.label.text = _l("Nama lengkap Anda sesuai KTP")


class RequestForm(PortalForm):
    """A request of one kind; fields the kind does not need are removed when it is built."""

    # Checked in validate_subject_nik: required only when the request is about the requester.
    subject_nik = StringField(
        _l("NIK orang yang dimaksud (16 angka, boleh kosong)"),
        filters=[lambda value: clean_nik(value)[0]],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 24},
    )
    subject_name = StringField(
        _l("Nama lengkap orang yang dimaksud sesuai KTP"),
        validators=[Length(max=120, message=_l("Nama paling banyak 120 huruf."))],
        render_kw={"autocomplete": "off", "maxlength": 120},
    )
    requester_name = StringField(
        _l("Nama Anda"),
        validators=[Length(max=120, message=_l("Nama paling banyak 120 huruf."))],
        render_kw={"autocomplete": "name", "maxlength": 120},
    )
    requester_phone = StringField(
        _l("Nomor HP Anda"),
        render_kw={"autocomplete": "tel", "inputmode": "tel", "maxlength": 20},
    )
    kelurahan = SelectField(_l("Kelurahan"), validators=[InputRequired(_l("Pilih kelurahan."))])
    rw = IntegerField(
        _l("Nomor RW"),
        validators=[InputRequired(_l("Isi nomor RW.")), rw_number()],
        render_kw={"inputmode": "numeric", "min": 1, "max": AREA_NUMBER_MAX},
    )
    rt = IntegerField(
        _l("Nomor RT (boleh kosong)"),
        validators=[Optional(), rt_number()],
        render_kw={"inputmode": "numeric", "min": 1, "max": AREA_NUMBER_MAX},
    )
    data_action = RadioField(
        _l("Apa yang Anda minta?"),
        choices=select_choices((action.value, label) for action, label in DATA_ACTION_LABELS.items()),
        validators=[InputRequired(_l("Pilih apa yang Anda minta."))],
    )
    correct_full_name = StringField(_l("Nama yang benar"), validators=[Length(max=120, message=_l("Nama paling banyak 120 huruf."))],
                                    render_kw={"maxlength": 120, "autocomplete": "off"})
    correct_birth_date = TypedTextDateField(_l("Tanggal lahir yang benar"), validators=[Optional()],
                                            render_kw={"placeholder": _l("hh/bb/tttt"), "maxlength": 10, "autocomplete": "off"})
    correct_street = StringField(_l("Alamat yang benar"), validators=[Length(max=200, message=_l("Alamat paling banyak 200 huruf."))],
                                 render_kw={"maxlength": 200, "autocomplete": "off"})
    correct_phone = StringField(_l("Nomor HP yang benar"), render_kw={"inputmode": "tel", "maxlength": 20, "autocomplete": "off"})
    correct_occupation = StringField(_l("Pekerjaan yang benar"), validators=[Length(max=120, message=_l("Pekerjaan paling banyak 120 huruf."))],
                                     render_kw={"maxlength": 120, "autocomplete": "off"})
    description = TextAreaField(
        _l("Ceritakan masalahnya"),
        validators=[Length(max=DESCRIPTION_MAX, message=_l("Keterangan paling banyak %(max)d huruf.", max=DESCRIPTION_MAX))],
        render_kw={"rows": 5, "maxlength": DESCRIPTION_MAX},
    )
    photo = FileField(_l("Foto atau pindaian pendukung (boleh kosong)"), render_kw={"accept": "image/jpeg,image/png,application/pdf"})
    # The honeypot: hidden from people (and from screen readers), filled by form-filling bots.
    website = StringField(_l("Jangan diisi"), render_kw={"autocomplete": "off", "tabindex": "-1"})
    submit = SubmitField(_l("Kirim permintaan"))

    def __init__(self, kind: RequestKind, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        rule = KINDS[kind]
        self.photo_content: tuple[bytes, str] | None = None
        if not rule.asks_subject:
            del self.subject_nik, self.subject_name
        else:
            _requester_is_subject_labels(self)
        if rule.about_requester:
            del self.requester_name  # the requester is the person named above
        if kind != RequestKind.PERSONAL_DATA:
            del self.data_action
        if kind != RequestKind.DATA_WRONG:
            for name in CORRECTIONS.values():
                delattr(self, name)
        if rule.may_be_anonymous:
            self.requester_name.label.text = _l("Nama Anda (boleh kosong)")
            self.requester_phone.label.text = _l("Nomor HP Anda (boleh kosong)")
        self.kelurahan.choices = kelurahan_choices(_l("Pilih kelurahan"))

    @property
    def honeypot_filled(self) -> bool:
        return bool((self.website.data or "").strip())

    def validate_subject_nik(self, field):
        if not field.data:
            if KINDS[self.kind].about_requester:
                raise ValidationError(_l("Isi NIK sesuai KTP."))
            return
        try:
            parse_nik(field.data)
        except NikError as error:
            raise ValidationError(NIK_MESSAGES[error.code]) from None

    def validate_subject_name(self, field):
        # Canonical: a title alone ("Hj.") names nobody to match.
        if not canonical_name(field.data or ""):
            raise ValidationError(_l("Isi nama lengkap sesuai KTP."))

    def validate_requester_name(self, field):
        if not KINDS[self.kind].may_be_anonymous and not name_key(field.data or ""):
            raise ValidationError(_l("Isi nama Anda."))

    def validate_requester_phone(self, field):
        if not field.data:
            if not KINDS[self.kind].may_be_anonymous:
                raise ValidationError(_l("Isi nomor HP agar petugas dapat menghubungi Anda."))
            return
        if mobile_number(field.data)[1] is None:
            raise ValidationError(phone_message())

    def validate_correct_phone(self, field):
        if field.data and mobile_number(field.data)[1] is None:
            raise ValidationError(phone_message())

    def validate_description(self, field):
        text = field.data or ""
        shortest = current_app.config["REQUEST_DESCRIPTION_MIN_CHARS"]
        if len(text) < shortest:
            raise ValidationError(_l("Ceritakan masalahnya paling sedikit %(min)d huruf.", min=shortest))
        letters = {ch for ch in text.lower() if ch.isalpha()}
        if len(letters) < DESCRIPTION_MIN_LETTERS or len(text.split()) < DESCRIPTION_MIN_WORDS:
            raise ValidationError(_l("Ceritakan masalahnya dengan beberapa kata yang jelas."))

    def validate_photo(self, field):
        upload = field.data
        if not upload or not getattr(upload, "filename", None):
            return
        try:
            self.photo_content = uploads.checked_content(upload.read(), current_app.config["REQUEST_PHOTO_MAX_BYTES"])
        except uploads.UploadRefused as refused:
            raise ValidationError(refused.message) from None

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.kind == RequestKind.DATA_WRONG and not self.proposed_changes():
            self.correct_full_name.errors.append(_l("Isi paling sedikit satu data yang benar."))
            return False
        return valid

    def proposed_changes(self) -> dict[str, str]:
        """The corrections asked for, field -> new value (text; a date as YYYY-MM-DD)."""
        if self.kind != RequestKind.DATA_WRONG:
            return {}
        changes = {}
        for key, name in CORRECTIONS.items():
            value = getattr(self, name).data
            if key == "birth_date":
                value = value.isoformat() if value else None
            elif key == "phone" and value:
                value = mobile_number(value)[1] or value
            if value:
                changes[key] = value
        return changes

    @property
    def data_action_value(self) -> PersonalDataAction | None:
        return PersonalDataAction(self.data_action.data) if self.kind == RequestKind.PERSONAL_DATA else None


class TrackingForm(PortalPlainForm):
    """The tracking code, and the NIK for a request about the requester.

    A plain WTForms form, without Flask-WTF's CSRF token, as Cek Status: tracking changes
    nothing, and a token in the page would make two answers differ byte for byte. The rate
    limits guard it instead.
    """

    code = StringField(
        _l("Kode pelacakan"),
        validators=[InputRequired(_l("Isi kode pelacakan Anda.")), Length(max=30, message=_l("Kode pelacakan terdiri dari 12 huruf dan angka."))],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "maxlength": 30,
                   "placeholder": "XXXX-XXXX-XXXX"},
    )
    nik = StringField(
        _l("NIK Anda (jika permintaan tentang diri Anda)"),
        filters=[lambda value: clean_nik(value)[0]],
        validators=[Length(max=16, message=NIK_MESSAGES["nik_length"])],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 24},
    )
    submit = SubmitField(_l("Lacak"))
