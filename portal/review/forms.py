"""Forms of the review queue: the filter, decisions and bulk approval."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from portal.edge import MAX_ID
from portal.forms import PortalForm, rw_number, select_choices
from portal.names import canonical_name
from portal.nik import NIK_LENGTH, clean_nik
from portal.review.services import REJECT_REASONS

FLAG_CHOICES = [
    ("", _l("Semua")),
    ("warnings", _l("Ada peringatan")),
    ("no_warnings", _l("Tanpa peringatan")),
    ("duplicate", _l("Kemungkinan ganda")),
    ("unknown_desil", _l("Desil belum diketahui")),
    ("mine", _l("Sedang saya tinjau")),
]


class QueueFilterForm(PortalForm):
    """The queue's filters, read from the query string (nothing personal in them)."""

    class Meta:
        csrf = False

    kecamatan = SelectField(_l("Kecamatan"), validators=[Optional()], validate_choice=False)
    kelurahan = SelectField(_l("Kelurahan"), validators=[Optional()], validate_choice=False)
    rw = IntegerField(_l("RW"), validators=[Optional(), rw_number()])
    kategori = SelectField(_l("Kategori"), validators=[Optional()], validate_choice=False)
    daftar = IntegerField(_l("Nomor daftar"), validators=[Optional(), NumberRange(1, MAX_ID)])
    tanda = SelectField(_l("Tanda"), choices=select_choices(FLAG_CHOICES), validators=[Optional()])
    setelah = IntegerField(validators=[Optional(), NumberRange(1, MAX_ID)])


class QueueSearchForm(PortalForm):
    """Find pending entries by exact NIK or by name; sent by POST, so neither lands in a URL."""

    cari = StringField(
        _l("Cari NIK atau nama"),
        validators=[DataRequired(_l("Tulis NIK (16 angka) atau nama.")), Length(max=120)],
        render_kw={"autocomplete": "off"},
    )

    @property
    def nik(self) -> str | None:
        text = clean_nik(self.cari.data or "")[0]
        return text if text.isdigit() else None

    def validate_cari(self, field):
        if self.nik is not None:
            if len(self.nik) != NIK_LENGTH:
                raise ValidationError(_l("NIK harus 16 angka."))
        elif len(canonical_name(field.data or "").replace(" ", "")) < 2:
            raise ValidationError(_l("Tulis sedikitnya dua huruf nama (bukan hanya gelar)."))


class RejectForm(PortalForm):
    reason_code = SelectField(
        _l("Alasan penolakan"),
        choices=select_choices([("", _l("Pilih alasan"))] + list(REJECT_REASONS.items())),
        validators=[DataRequired(_l("Pilih alasan penolakan."))],
    )
    reason_text = TextAreaField(_l("Keterangan"), validators=[Length(max=500)])
    next = HiddenField()

    def validate_reason_text(self, field):
        if self.reason_code.data == "other" and not (field.data or "").strip():
            raise ValidationError(_l("Tuliskan alasan penolakan."))


class ReturnForm(PortalForm):
    reason_text = TextAreaField(
        _l("Yang harus diperbaiki"),
        validators=[DataRequired(_l("Tuliskan apa yang harus diperbaiki.")), Length(max=500)],
    )
    next = HiddenField()


class ApproveForm(PortalForm):
    next = HiddenField()


class BatchForm(PortalForm):
    """Take a batch of the current filter, or release mine (the filter rides in hidden fields)."""


BULK_MODES = ("selected", "warning_free", "reject_selected", "return_selected")


class BulkApproveForm(PortalForm):
    """A bulk decision: approve the ticked entries or every warning-free entry of the current
    filter, or reject or return the ticked entries with one reason."""

    entry_ids = SelectMultipleField(coerce=int, validate_choice=False)
    mode = StringField(validators=[DataRequired()])
    reason_code = SelectField(
        _l("Alasan penolakan"),
        choices=select_choices([("", _l("Pilih alasan"))] + list(REJECT_REASONS.items())),
        validate_choice=False,
    )
    reason_text = TextAreaField(_l("Keterangan"), validators=[Length(max=500)])
    return_text = TextAreaField(_l("Yang harus diperbaiki"), validators=[Length(max=500)])
    kecamatan = HiddenField()
    kelurahan = HiddenField()
    rw = HiddenField()
    kategori = HiddenField()
    daftar = HiddenField()
    tanda = HiddenField()

    @property
    def decision(self) -> str:
        """approve, reject or return."""
        return {"reject_selected": "reject", "return_selected": "return"}.get(self.mode.data, "approve")

    def validate_entry_ids(self, field):
        # Ticked ids are whole numbers; one no Integer column holds was typed, not ticked.
        if any(not 1 <= entry_id <= MAX_ID for entry_id in field.data or ()):
            raise ValidationError(_l("Pilihan ini tidak tersedia. Pilih salah satu dari daftar."))

    def validate_mode(self, field):
        if field.data not in BULK_MODES:
            raise ValidationError(_l("Pilihan tidak dikenal."))
        if field.data == "selected" and not self.entry_ids.data:
            raise ValidationError(_l("Centang dulu usulan yang akan disetujui."))
        if field.data in ("reject_selected", "return_selected") and not self.entry_ids.data:
            raise ValidationError(_l("Centang dulu usulan yang akan ditolak atau dikembalikan."))

    def validate_reason_code(self, field):
        if self.decision != "reject":
            return
        if field.data not in REJECT_REASONS:
            raise ValidationError(_l("Pilih alasan penolakan."))
        if field.data == "other" and not (self.reason_text.data or "").strip():
            raise ValidationError(_l("Tuliskan alasan penolakan."))

    def validate_return_text(self, field):
        if self.decision == "return" and not (field.data or "").strip():
            raise ValidationError(_l("Tuliskan apa yang harus diperbaiki."))


DUPLICATE_VERDICTS = [
    ("same", _l("Orang yang sama")),
    ("different", _l("Orang yang berbeda")),
]
KEEP_CHOICES = [
    ("this", _l("Pertahankan usulan ini")),
    ("other", _l("Pertahankan usulan yang lain")),
]


class DuplicateVerdictForm(PortalForm):
    """A reviewer's verdict on one possible duplicate across NIKs, with the reason."""

    kind = HiddenField(validators=[DataRequired()])
    other_id = IntegerField(validators=[DataRequired(), NumberRange(1, MAX_ID)])
    verdict = SelectField(
        _l("Keputusan"),
        choices=select_choices([("", _l("Pilih keputusan"))] + DUPLICATE_VERDICTS),
        validators=[DataRequired(_l("Pilih keputusan: orang yang sama atau berbeda."))],
    )
    keep = SelectField(_l("Yang dipertahankan"), choices=select_choices(KEEP_CHOICES), validators=[Optional()])
    reason_text = TextAreaField(
        _l("Alasan"), validators=[DataRequired(_l("Tuliskan alasan keputusan ini.")), Length(max=500)]
    )

    def validate_kind(self, field):
        if field.data not in ("person", "entry"):
            raise ValidationError(_l("Pasangan tidak dikenal."))
