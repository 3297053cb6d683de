"""Forms of the bill reconciliation: a month's bill upload and resolving differences."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField, IntegerField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from portal.contributions.reconciliation import RESOLUTION_LABELS
from portal.forms import PortalForm, select_choices
from portal.models import Resolution

MONTH_NAMES = (
    _l("Januari"), _l("Februari"), _l("Maret"), _l("April"), _l("Mei"), _l("Juni"),
    _l("Juli"), _l("Agustus"), _l("September"), _l("Oktober"), _l("November"), _l("Desember"),
)


class BillUploadForm(PortalForm):
    """BPJS's bill for a month: the month it bills and the file."""

    month = SelectField(_l("Bulan iuran"), choices=select_choices([(str(n), MONTH_NAMES[n - 1]) for n in range(1, 13)]))
    year = IntegerField(
        _l("Tahun"),
        validators=[InputRequired(_l("Isi tahun tagihan.")), NumberRange(2000, 2100, _l("Tahun antara 2000 dan 2100."))],
    )
    bill = FileField(
        _l("Berkas tagihan BPJS (.xlsx, .csv atau .ods)"),
        validators=[
            FileRequired(_l("Pilih berkas tagihan BPJS.")),
            FileAllowed(["xlsx", "csv", "ods"], _l("Berkas harus berformat .csv, .xlsx atau .ods.")),
        ],
    )


RESOLUTION_CHOICES = [(r.value, RESOLUTION_LABELS[r]) for r in (Resolution.ACCEPTED, Resolution.DISPUTED, Resolution.CORRECTED)]


class ResolveForm(PortalForm):
    """A decision on one or more differences of the month's current bill."""

    ids = SelectMultipleField(_l("Perbedaan"), coerce=int, validate_choice=False)
    resolution = SelectField(_l("Keputusan"), choices=select_choices(RESOLUTION_CHOICES))
    note = TextAreaField(
        _l("Catatan"),
        validators=[Optional(), Length(max=1000, message=_l("Catatan paling panjang 1.000 karakter."))],
        description=_l("Wajib untuk sanggahan ke BPJS: apa yang salah dan apa yang diminta."),
    )
    confirmed = HiddenField()

    def validate_ids(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Pilih paling sedikit satu perbedaan."))

    def validate_note(self, field) -> None:
        if self.resolution.data == Resolution.DISPUTED.value and not (field.data or "").strip():
            raise ValidationError(_l("Tulis catatan sanggahan untuk BPJS."))

    @property
    def needs_confirmation(self) -> bool:
        """Several differences at once are resolved only once staff confirmed their count."""
        return len(self.ids.data or []) > 1 and self.confirmed.data != str(len(self.ids.data))
