"""Forms for recording a card's hand-over and choosing the receipt list's dates."""

from __future__ import annotations


from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from portal import clock
from portal.forms import PortalForm, PortalPlainForm, TypedDateField
from portal.handout.services import Handover
from portal.models import Receiver


class HandoverForm(PortalForm):
    """When the card was handed over and who received it; a correction also says why."""

    handed_over_on = TypedDateField(
        _l("Tanggal penyerahan"), validators=[InputRequired(_l("Tulis tanggal penyerahan, mis. 13/02/2026."))],
        default=clock.today,
    )
    receiver = RadioField(
        _l("Diterima oleh"),
        choices=[SelectChoice(r.value, r.label) for r in Receiver],
        default=Receiver.MEMBER.value,
        validators=[InputRequired(_l("Pilih siapa yang menerima kartu."))],
    )
    receiver_name = StringField(
        _l("Nama anggota keluarga yang menerima"), validators=[Length(max=120)],
        description=_l("Hanya jika kartu diterima anggota keluarga."),
    )
    reason = StringField(_l("Alasan perbaikan"), validators=[Length(max=200)])

    def __init__(self, *args, correcting: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.receiver.choices = [SelectChoice(r.value, r.label) for r in Receiver]
        self.correcting = correcting
        if not correcting:
            del self.reason

    def validate_receiver_name(self, field) -> None:
        if self.receiver.data == Receiver.FAMILY.value and not (field.data or "").strip():
            raise ValidationError(_l("Tulis nama anggota keluarga yang menerima kartu."))

    def validate_reason(self, field) -> None:
        if self.correcting and not (field.data or "").strip():
            raise ValidationError(_l("Tulis alasan perbaikan, mis. tanggal salah ketik."))

    @property
    def handover(self) -> Handover:
        return Handover(self.handed_over_on.data, Receiver(self.receiver.data), self.receiver_name.data)


class ReceiptForm(PortalPlainForm):
    """The dates of the hand-overs a receipt list covers (a GET form)."""

    dari = TypedDateField(_l("Dari tanggal"), validators=[DataRequired(_l("Tulis tanggal awal."))])
    sampai = TypedDateField(_l("Sampai tanggal"), validators=[DataRequired(_l("Tulis tanggal akhir."))])

    def validate_sampai(self, field) -> None:
        if self.dari.data and field.data and field.data < self.dari.data:
            raise ValidationError(_l("Tanggal akhir tidak boleh sebelum tanggal awal."))
