"""Forms for batch printing and for revoking a certificate."""

from __future__ import annotations

import re

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal.certificates.jobs import count_batch
from portal.forms import PortalForm, category_choices, kelurahan_choices, rw_number
from portal.models import PrintDocument


def document_choices():
    return [
        SelectChoice(PrintDocument.CARD.value, _l("Kartu peserta (10 kartu per lembar A4, depan dan belakang)")),
        SelectChoice(PrintDocument.CERTIFICATE.value, _l("Sertifikat Kepesertaan (A4)")),
    ]


class BatchPrintForm(PortalForm):
    """Which memberships to print in one background job."""

    document = RadioField(_l("Dokumen"), choices=document_choices(), default=PrintDocument.CARD.value,
                          validators=[InputRequired(_l("Pilih dokumen yang dicetak."))])
    kelurahan_code = SelectField(_l("Kelurahan"), validators=[DataRequired(_l("Pilih kelurahan."))])
    rw = IntegerField(
        _l("RW (kosongkan untuk semua RW)"),
        validators=[Optional(), rw_number()],
    )
    category_code = SelectField(_l("Kategori"), validators=[Optional()])
    never_printed = BooleanField(_l("Hanya yang belum pernah dicetak"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kelurahan_code.choices = kelurahan_choices(_l("— pilih kelurahan —"))
        self.category_code.choices = category_choices(_l("Semua kategori"))
        self.matching = 0

    @property
    def filters(self) -> dict:
        return {
            "kelurahan_code": self.kelurahan_code.data,
            "rw": self.rw.data,
            "category_code": self.category_code.data or None,
            "never_printed": self.never_printed.data,
            "document": PrintDocument(self.document.data),
        }

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        self.matching = count_batch(**self.filters)
        if self.matching == 0:
            self.kelurahan_code.errors.append(
                _l("Tidak ada kepesertaan aktif yang cocok dengan pilihan ini.")
            )
            return False
        limit = current_app.config["PRINT_BATCH_MAX"]
        if self.matching > limit:
            self.rw.errors.append(
                _l("%(count)s peserta cocok; satu cetakan paling banyak %(limit)s. Pilih RW atau kategori.",
                   count=self.matching, limit=limit)
            )
            return False
        return True


class RevokeForm(PortalForm):
    """Revoke a card (lost, damaged, wrong data): its QR code then shows "dicabut"."""

    reason = SelectField(
        _l("Alasan"),
        choices=[
            SelectChoice("lost", _l("Kartu hilang")),
            SelectChoice("damaged", _l("Kartu rusak")),
            SelectChoice("data_corrected", _l("Data diperbaiki")),
            SelectChoice("other", _l("Lainnya")),
        ],
        validators=[DataRequired(_l("Pilih alasan pencabutan."))],
    )
    note = StringField(_l("Keterangan (tanpa NIK)"), validators=[Optional(), Length(max=150)])

    def validate_note(self, field) -> None:
        # Sixteen digits, however spaced, may be a NIK: the note goes into the audit trail.
        if len(re.sub(r"\D", "", field.data or "")) >= 16:
            raise ValidationError(_l("Jangan menulis NIK di keterangan."))

    @property
    def reason_text(self) -> str:
        return f"{self.reason.data}: {self.note.data}" if self.note.data else self.reason.data
