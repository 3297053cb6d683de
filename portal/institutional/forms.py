"""Forms of institutional imports: the upload, the confirmation, and an area for a waiting row."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.forms import PortalForm, category_choices, kelurahan_choices, rt_number, rw_number


class InstitutionalUploadForm(PortalForm):
    """A city-wide list from an institution, with the category every row gets and its source."""

    spreadsheet = FileField(
        _l("Berkas daftar (XLSX, ODS atau CSV, sampai 60.000 baris)"),
        validators=[
            FileRequired(_l("Pilih berkas yang akan diunggah.")),
            FileAllowed(["xlsx", "ods", "csv"], _l("Berkas harus berformat .xlsx, .ods atau .csv.")),
        ],
        render_kw={"accept": ".xlsx,.ods,.csv"},
    )
    category = SelectField(_l("Kategori semua baris"), validators=[DataRequired(_l("Pilih kategori."))])
    source = StringField(
        _l("Sumber daftar"),
        validators=[DataRequired(_l("Isi sumber daftar.")), Length(max=120)],
        render_kw={"placeholder": _l("mis. KPU Kota Makassar")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = category_choices(blank="—")


class ConfirmImportForm(PortalForm):
    """The confirmation of a previewed import: the count it showed, nothing more."""

    expected = HiddenField(validators=[DataRequired()])

    @property
    def expected_count(self) -> int:
        try:
            return int(self.expected.data)
        except (TypeError, ValueError):
            return -1


class PlaceEntryForm(PortalForm):
    """The area staff give to a row of an institutional list that had no address."""

    kelurahan = SelectField(_l("Kelurahan"), validators=[DataRequired(_l("Pilih kelurahan."))])
    rw = IntegerField(_l("RW"), validators=[InputRequired(_l("Isi nomor RW.")), rw_number()])
    rt = IntegerField(_l("RT (boleh kosong)"), validators=[Optional(), rt_number()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kelurahan.choices = kelurahan_choices(blank="—")
