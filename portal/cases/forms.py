"""The case desk's forms: the report, the list's filters, staff actions, documents, the checklist."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from portal import clock
from portal.admin.forms import PHONE_RULE
from portal.cases.services import (
    BENEFIT_KINDS,
    KIND_LABELS,
    MANUAL_STATES,
    STATE_LABELS,
    CaseFilters,
    CaseReport,
)
from portal.citizen.forms import NIK_MESSAGES
from portal.forms import PortalForm, PortalPlainForm, TypedTextDateField, select_choices
from portal.models import CaseKind, CaseState
from portal.names import name_key
from portal.nik import NikError, clean_nik, parse_nik

KIND_CHOICES = [(kind.value, label) for kind, label in KIND_LABELS.items()]


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


def _kpj(value):
    return "".join((value or "").split()).replace("-", "").replace(".", "") or None


class CaseReportForm(PortalForm):
    """Who (NIK and KTP name, or KPJ), when, where, what happened, a contact; for deaths the heirs'."""

    kind = RadioField(_l("Jenis kasus"), choices=select_choices(KIND_CHOICES),
                      validators=[InputRequired(_l("Pilih jenis kasus."))])
    nik = StringField(_l("NIK peserta (16 angka)"), filters=[lambda value: clean_nik(value)[0] or None],
                      render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 24})
    name = StringField(_l("Nama lengkap peserta sesuai KTP"), filters=[_stripped],
                       validators=[Optional(), Length(max=120, message=_l("Nama paling banyak 120 huruf."))],
                       render_kw={"autocomplete": "off", "maxlength": 120})
    kpj = StringField(_l("atau nomor KPJ (11 angka)"), filters=[_kpj],
                      validators=[Optional(), Regexp(r"^\d{11}$", message=_l("Nomor KPJ terdiri dari 11 angka."))],
                      render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 20})
    occurred_on = TypedTextDateField(_l("Tanggal kejadian"), validators=[InputRequired(_l("Isi tanggal kejadian."))])
    place = StringField(_l("Tempat kejadian"), filters=[_stripped],
                        validators=[DataRequired(_l("Isi tempat kejadian.")), Length(max=200, message=_l("Tempat paling banyak 200 huruf."))])
    chronology = TextAreaField(_l("Apa yang terjadi (kronologi)"), filters=[_stripped],
                               validators=[DataRequired(_l("Ceritakan apa yang terjadi.")), Length(max=4000, message=_l("Kronologi paling banyak 4000 huruf."))])
    contact_phone = StringField(_l("Nomor kontak (pelapor atau keluarga)"), filters=[_stripped],
                                validators=[DataRequired(_l("Isi nomor telepon yang dapat dihubungi.")), PHONE_RULE],
                                render_kw={"inputmode": "tel", "autocomplete": "off"})
    heir_name = StringField(_l("Nama ahli waris (untuk kematian)"), filters=[_stripped],
                            validators=[Optional(), Length(max=120, message=_l("Nama paling banyak 120 huruf."))])
    heir_phone = StringField(_l("Nomor telepon ahli waris (untuk kematian)"), filters=[_stripped],
                             validators=[Optional(), PHONE_RULE], render_kw={"inputmode": "tel", "autocomplete": "off"})
    treating_facility = SelectField(_l("Fasilitas kesehatan yang merawat"), choices=[], validate_choice=False)
    phone_consent = BooleanField(
        _l("Kontak dan ahli waris setuju diberi kabar lewat WhatsApp/SMS bila status kasus berubah"),
        description=_l("Pesan hanya menyebut nomor kasus dan statusnya, tanpa nama atau NIK. Balas STOP untuk berhenti."),
    )

    def __init__(self, *args, name_required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.name_required = name_required

    def validate_nik(self, field):
        if not field.data:
            if not self.kpj.data:
                raise ValidationError(_l("Isi NIK peserta, atau nomor KPJ-nya."))
            return
        try:
            parse_nik(field.data)
        except NikError as error:
            raise ValidationError(NIK_MESSAGES[error.code]) from None

    def validate_name(self, field):
        if self.nik.data and self.name_required and not name_key(field.data or ""):
            raise ValidationError(_l("Isi nama lengkap peserta sesuai KTP bersama NIK-nya."))

    def validate_occurred_on(self, field):
        if field.data and field.data > clock.today():
            raise ValidationError(_l("Tanggal kejadian tidak boleh setelah hari ini."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Optional() ends the empty fields' own checks, so the death's heirs are checked here.
        if self.kind.data == CaseKind.DEATH.value and not (self.heir_phone.data or self.heir_name.data):
            self.heir_name.errors = [*self.heir_name.errors, _l("Untuk kematian, isi nama atau nomor telepon ahli waris.")]
            return False
        return valid

    def validate_treating_facility(self, field):
        if field.data and field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Pilihan ini tidak tersedia. Pilih salah satu dari daftar."))

    def report(self) -> CaseReport:
        return CaseReport(
            kind=CaseKind(self.kind.data), occurred_on=self.occurred_on.data, place=self.place.data,
            chronology=self.chronology.data, contact_phone=self.contact_phone.data,
            nik=None if self.kpj.data and not self.nik.data else self.nik.data, name=self.name.data,
            kpj=None if self.nik.data else self.kpj.data,
            heir_name=self.heir_name.data, heir_phone=self.heir_phone.data,
            treating_facility_id=int(self.treating_facility.data) if self.treating_facility.data else None,
            phone_consent=bool(self.phone_consent.data),
        )


class CaseFilterForm(PortalPlainForm):
    """The list's filters, in the query string (none of them personal)."""

    jenis = SelectField(_l("Jenis"), default="")
    status = SelectField(_l("Status"), default="")
    terlambat = BooleanField(_l("Hanya yang terlambat (tahap I)"))
    kecamatan = SelectField(_l("Kecamatan"), default="")
    halaman = IntegerField(validators=[Optional(), NumberRange(1, 100000)])

    def __init__(self, *args, kecamatan_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.jenis.choices = select_choices([("", _l("Semua")), *KIND_CHOICES])
        self.status.choices = select_choices([("", _l("Semua")), *((s.value, label) for s, label in STATE_LABELS.items())])
        self.kecamatan.choices = list(kecamatan_choices)

    def filters(self) -> CaseFilters:
        return CaseFilters(
            kind=CaseKind(self.jenis.data) if self.jenis.data else None,
            state=CaseState(self.status.data) if self.status.data else None,
            overdue=bool(self.terlambat.data),
            kecamatan=self.kecamatan.data or None,
            page=self.halaman.data or 1,
        )


class StateForm(PortalForm):
    state = SelectField(_l("Status baru"), choices=select_choices((s.value, STATE_LABELS[s]) for s in MANUAL_STATES))
    note = TextAreaField(_l("Catatan (wajib untuk pembatalan)"), filters=[_stripped],
                         validators=[Optional(), Length(max=2000, message=_l("Catatan paling banyak 2000 huruf."))])


class AssignForm(PortalForm):
    assignee = SelectField(_l("Petugas penanggung jawab"), choices=[], validate_choice=True)


class NoteForm(PortalForm):
    note = TextAreaField(_l("Catatan"), filters=[_stripped],
                         validators=[DataRequired(_l("Tuliskan catatannya.")), Length(max=2000, message=_l("Catatan paling banyak 2000 huruf."))])


class DocumentForm(PortalForm):
    document_type = SelectField(_l("Dokumen"), choices=[], validate_choice=True)
    upload = FileField(_l("Berkas (PDF, JPEG atau PNG)"), validators=[FileRequired(_l("Pilih berkas pindaian atau foto dokumen."))],
                       render_kw={"accept": "application/pdf,image/jpeg,image/png"})


class OutcomeForm(PortalForm):
    """What BPJS decided: paid (day, amount, benefit) or refused (reason)."""

    outcome = RadioField(_l("Hasil"), choices=select_choices([("paid", _l("Manfaat dibayar")), ("refused", _l("Ditolak BPJS"))]),
                         validators=[InputRequired(_l("Pilih hasilnya."))])
    paid_on = TypedTextDateField(_l("Tanggal dibayar"), validators=[Optional()])
    amount = IntegerField(_l("Jumlah dibayar (Rp)"), validators=[Optional(), NumberRange(1, 10**12, _l("Jumlah rupiah antara 1 dan 1.000.000.000.000."))])
    benefit_kind = SelectField(_l("Jenis manfaat"), default="", choices=select_choices([("", "-"), *BENEFIT_KINDS.items()]))
    refusal_reason = TextAreaField(_l("Alasan penolakan"), filters=[_stripped],
                                   validators=[Optional(), Length(max=2000, message=_l("Alasan paling banyak 2000 huruf."))])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Optional() ends an empty field's own checks: what each outcome needs is checked here.
        needed = {
            "paid": ((self.paid_on, _l("Isi tanggal pembayaran.")), (self.amount, _l("Isi jumlah yang dibayar.")),
                     (self.benefit_kind, _l("Pilih jenis manfaat yang dibayar."))),
            "refused": ((self.refusal_reason, _l("Tuliskan alasan penolakan dari BPJS.")),),
        }.get(self.outcome.data, ())
        for field, message in needed:
            if not field.data and not field.errors:
                field.errors = [*field.errors, message]
                valid = False
        return valid


class DocumentTypeForm(PortalForm):
    """One checklist item: its code (new items only), names, kinds, order and whether it is asked for."""

    code = StringField(_l("Kode"), filters=[_stripped],
                       validators=[Optional(), Regexp(r"^[a-z][a-z0-9_]{1,39}$", message=_l("Kode: huruf kecil, angka dan garis bawah, 2 sampai 40 karakter."))])
    name_id = StringField(_l("Nama (Indonesia)"), filters=[_stripped],
                          validators=[DataRequired(_l("Isi nama dokumen.")), Length(max=120)])
    name_en = StringField(_l("Nama (Inggris)"), filters=[_stripped],
                          validators=[DataRequired(_l("Isi nama dokumen dalam bahasa Inggris.")), Length(max=120)])
    for_accident = BooleanField(_l("Untuk kecelakaan kerja"))
    for_death = BooleanField(_l("Untuk kematian"))
    sort_order = IntegerField(_l("Urutan"), default=100, validators=[InputRequired(_l("Isi urutan.")), NumberRange(0, 10000)])
    active = BooleanField(_l("Diminta"), default=True)

    def validate_for_death(self, field):
        if not (field.data or self.for_accident.data):
            raise ValidationError(_l("Pilih paling sedikit satu jenis kasus."))

    def values(self) -> dict:
        return {name: self[name].data for name in ("name_id", "name_en", "for_accident", "for_death", "sort_order", "active")}
