"""Forms of the registry: search, correction and ending a membership."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from portal.forms import (
    PortalForm,
    TypedDateField,
    check_phone_consent,
    consent_phone_field,
    phone_consent_field,
    rt_number,
    rw_number,
    select_choices,
)
from portal.models import Sex
from portal.nik import NikError, clean_nik, parse_kk
from portal.registry.services import END_REASONS
from portal.validation import nik_message

STATUS_CHOICES = [
    ("", _l("Semua")),
    ("active", _l("Aktif")),
    ("ended", _l("Diakhiri")),
    ("expired", _l("Habis masa berlaku")),
    ("none", _l("Belum pernah menjadi peserta")),
]


class MemberSearchForm(PortalForm):
    """Search by exact NIK or by name; sent by POST so neither ever lands in a URL."""

    nik = StringField(
        _l("NIK (16 digit, tepat)"),
        validators=[Optional(), Regexp(r"^\d{16}$", message=_l("NIK harus 16 digit angka."))],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    name = StringField(_l("Nama"), validators=[Optional(), Length(min=2, max=120)], render_kw={"autocomplete": "off"})
    kelurahan = SelectField(_l("Kelurahan"), validators=[Optional()], validate_choice=False)
    kategori = SelectField(_l("Kategori"), validators=[Optional()], validate_choice=False)
    status = SelectField(_l("Status keanggotaan"), choices=select_choices(STATUS_CHOICES), validators=[Optional()])
    setelah = HiddenField()

    def filter_nik(self, value):
        return "".join((value or "").split()) or None


class CorrectionForm(PortalForm):
    full_name = StringField(_l("Nama lengkap"), validators=[DataRequired(), Length(max=120)])
    birth_date = TypedDateField(_l("Tanggal lahir"), validators=[DataRequired()])
    sex = SelectField(_l("Jenis kelamin"), choices=select_choices([(Sex.MALE.value, _l("Laki-laki")), (Sex.FEMALE.value, _l("Perempuan"))]))
    kelurahan_code = SelectField(_l("Kelurahan"), validators=[DataRequired()])
    rw = IntegerField(_l("RW"), validators=[DataRequired(), rw_number()])
    rt = IntegerField(_l("RT"), validators=[Optional(), rt_number()])
    street = StringField(_l("Alamat (jalan, nomor rumah)"), validators=[Length(max=200)])
    phone = StringField(_l("Nomor HP"), validators=[Optional(), Regexp(r"^\+?\d{8,15}$", message=_l("Nomor HP 8-15 digit."))])
    phone_consent = phone_consent_field()
    consent_phone = consent_phone_field()
    kk_number = StringField(
        _l("No. KK (boleh dikosongkan)"), filters=[lambda value: clean_nik(value)[0] or None], render_kw={"inputmode": "numeric"}
    )
    category_code = SelectField(_l("Kategori"), validators=[DataRequired()])
    occupation = StringField(_l("Pekerjaan"), validators=[Length(max=120)])
    monthly_income = IntegerField(_l("Penghasilan per bulan (Rp)"), validators=[Optional(), NumberRange(0, 1_000_000_000)])
    reason = TextAreaField(_l("Alasan koreksi"), validators=[DataRequired(_l("Tuliskan alasan koreksi.")), Length(max=300)])

    def __init__(self, *args, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        person = self.person
        return check_phone_consent(self, person.phone if person else None, bool(person and person.phone_consent)) and valid

    def changes(self) -> dict:
        return {
            "full_name": self.full_name.data.strip(),
            "birth_date": self.birth_date.data,
            "sex": Sex(self.sex.data),
            "kelurahan_code": self.kelurahan_code.data,
            "rw": self.rw.data,
            "rt": self.rt.data,
            "street": (self.street.data or "").strip(),
            "phone": self.phone.data or None,
            "phone_consent": bool(self.phone_consent.data and self.phone.data),
            "kk_number": self.kk_number.data or None,
            "category_code": self.category_code.data,
            "occupation": (self.occupation.data or "").strip(),
            "monthly_income": self.monthly_income.data,
        }


    def validate_kk_number(self, field):
        if field.data:
            try:
                parse_kk(field.data)
            except NikError as error:
                raise ValidationError(nik_message(error.code)) from None


class EndMembershipForm(PortalForm):
    reason = SelectField(
        _l("Alasan berakhir"),
        choices=select_choices([("", _l("Pilih alasan"))] + list(END_REASONS.items())),
        validators=[DataRequired(_l("Pilih alasan berakhirnya keanggotaan."))],
    )
    note = TextAreaField(_l("Keterangan"), validators=[Length(max=500)])

    def validate_note(self, field):
        if self.reason.data == "other" and not (field.data or "").strip():
            raise ValidationError(_l("Tuliskan alasan berakhirnya keanggotaan."))
