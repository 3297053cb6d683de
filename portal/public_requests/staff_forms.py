"""The request desk's staff forms: the queue's filters and one form per action."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from portal import clock
from portal.admin.forms import PHONE_RULE
from portal.forms import PortalForm, PortalPlainForm, TypedTextDateField, select_choices
from portal.models import RequestKind, RequestOutcome, RequestState
from portal.public_requests.handling import RequestFilters, parse_reference
from portal.public_requests.kinds import KINDS, OUTCOME_LABELS, STATE_LABELS


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


def _note(label, required: str, maximum: int = 2000) -> TextAreaField:
    return TextAreaField(label, filters=[_stripped], validators=[
        DataRequired(required), Length(max=maximum, message=_l("Paling banyak %(max)d huruf.", max=maximum))])


class RequestFilterForm(PortalPlainForm):
    """The queue's filters, in the query string (none of them personal)."""

    nomor = StringField(_l("Nomor permintaan"), filters=[_stripped], validators=[Optional(), Length(max=20)],
                        render_kw={"placeholder": "PM-2026-00012", "autocomplete": "off"})
    jenis = SelectField(_l("Jenis"), default="")
    status = SelectField(_l("Status"), default="")
    kecamatan = SelectField(_l("Kecamatan"), default="")
    kelurahan = SelectField(_l("Kelurahan"), default="")
    terlambat = BooleanField(_l("Hanya yang terlambat"))
    halaman = IntegerField(validators=[Optional(), NumberRange(1, 100000)])

    def __init__(self, *args, kecamatan_choices=(), kelurahan_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.jenis.choices = select_choices([("", _l("Semua")), *((k.value, rule.label) for k, rule in KINDS.items())])
        self.status.choices = select_choices([("", _l("Semua")), *((s.value, label) for s, label in STATE_LABELS.items())])
        self.kecamatan.choices = list(kecamatan_choices)
        self.kelurahan.choices = list(kelurahan_choices)

    def validate_nomor(self, field):
        if field.data and parse_reference(field.data) is None:
            raise ValidationError(_l("Nomor permintaan ditulis seperti PM-2026-00012."))

    def filters(self) -> RequestFilters:
        return RequestFilters(
            kind=RequestKind(self.jenis.data) if self.jenis.data else None,
            state=RequestState(self.status.data) if self.status.data else None,
            kecamatan=self.kecamatan.data or None,
            kelurahan=self.kelurahan.data or None,
            overdue=bool(self.terlambat.data),
            reference=self.nomor.data or None,
            page=self.halaman.data or 1,
        )

    def query_args(self) -> dict:
        """The filters as the paging links repeat them."""
        return {"nomor": self.nomor.data or None, "jenis": self.jenis.data or None, "status": self.status.data or None,
                "kecamatan": self.kecamatan.data or None, "kelurahan": self.kelurahan.data or None,
                "terlambat": "y" if self.terlambat.data else None}


class AssignForm(PortalForm):
    assignee = SelectField(_l("Petugas penanggung jawab"), choices=[], validate_choice=True)


class AskAreaForm(PortalForm):
    question = _note(_l("Pertanyaan untuk ketua RT/RW"), _l("Tuliskan apa yang ditanyakan ke ketua RT/RW."))


class AreaAnswerForm(PortalForm):
    note = _note(_l("Keterangan Anda"), _l("Tuliskan keterangan Anda."))


class EscalateForm(PortalForm):
    reason = _note(_l("Alasan meneruskan ke pimpinan"), _l("Tuliskan alasan meneruskan ke pimpinan."))


class AnswerForm(PortalForm):
    answer = _note(_l("Jawaban untuk pemohon (dibaca pemohon di halaman lacak)"), _l("Tuliskan jawaban untuk pemohon."), 4000)


class CloseForm(PortalForm):
    outcome = RadioField(_l("Hasil"), choices=select_choices((o.value, label) for o, label in OUTCOME_LABELS.items()),
                         validators=[InputRequired(_l("Pilih hasilnya."))])
    note = TextAreaField(_l("Catatan (untuk petugas)"), filters=[_stripped],
                         validators=[Optional(), Length(max=2000, message=_l("Paling banyak %(max)d huruf.", max=2000))])

    def outcome_value(self) -> RequestOutcome:
        return RequestOutcome(self.outcome.data)


class DeathCaseForm(PortalForm):
    """What a death case needs beyond the request: the day, the place and a contact."""

    died_on = TypedTextDateField(_l("Tanggal meninggal dunia"), validators=[InputRequired(_l("Isi tanggal meninggal dunia."))])
    place = StringField(_l("Tempat"), filters=[_stripped],
                        validators=[DataRequired(_l("Isi tempat meninggal dunia.")), Length(max=200)])
    contact_phone = StringField(_l("Nomor kontak keluarga"), filters=[_stripped],
                                validators=[DataRequired(_l("Isi nomor kontak keluarga.")), PHONE_RULE],
                                render_kw={"inputmode": "tel", "autocomplete": "off"})

    def validate_died_on(self, field):
        if field.data and field.data > clock.today():
            raise ValidationError(_l("Tanggal meninggal dunia tidak boleh setelah hari ini."))
