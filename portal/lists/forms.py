"""Forms of the member lists: a new list, an upload, one typed row, column mapping, submit."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.forms import PortalForm, category_choices, check_phone_consent, consent_phone_field, phone_consent_field, rt_number, show_consent_for
from portal.models import ListEntry

# The fields of a row as the mapping form offers them, in the order of the template.
MAPPABLE_COLUMNS = (
    ("nik", _l("NIK")),
    ("full_name", _l("Nama lengkap")),
    ("birth_date", _l("Tanggal lahir")),
    ("sex", _l("Jenis kelamin (L/P)")),
    ("rt", _l("RT")),
    ("rw", _l("RW")),
    ("street", _l("Alamat")),
    ("phone", _l("Nomor HP")),
    ("phone_consent", _l("Setuju dihubungi (Ya/Tidak)")),
    ("kk_number", _l("No. KK")),
    ("category", _l("Kategori")),
    ("occupation", _l("Pekerjaan")),
    ("monthly_income", _l("Penghasilan per bulan")),
)


class NewListForm(PortalForm):
    title = StringField(
        _l("Judul daftar"),
        validators=[DataRequired(_l("Isi judul daftar.")), Length(max=200)],
        render_kw={"placeholder": _l("mis. Usulan RW 002 tahap 1")},
    )
    rt = IntegerField(
        _l("RT (boleh dikosongkan untuk seluruh RW)"),
        validators=[Optional(), rt_number()],
    )


class UploadForm(PortalForm):
    spreadsheet = FileField(
        _l("Berkas daftar (XLSX, ODS atau CSV)"),
        validators=[FileRequired(_l("Pilih berkas yang akan diunggah."))],
        render_kw={"accept": ".xlsx,.ods,.csv,.xls"},
    )


class EntryForm(PortalForm):
    """One person typed into the inline table; the row validator judges the values."""

    FIELDS = ("nik", "full_name", "birth_date", "sex", "rt", "street", "phone", "phone_consent", "kk_number", "category", "occupation", "monthly_income")
    # Fields whose stored text from a file can be put back into the field (a check box cannot hold "Mungkin").
    TEXT_FIELDS = frozenset(FIELDS) - {"phone_consent"}

    nik = StringField(_l("NIK"), validators=[Length(max=40)], render_kw={"inputmode": "numeric", "autocomplete": "off"})
    full_name = StringField(_l("Nama lengkap sesuai KTP"), validators=[Length(max=120)], render_kw={"autocomplete": "off"})
    birth_date = StringField(_l("Tanggal lahir"), validators=[Length(max=20)], render_kw={"placeholder": "13/02/1985"})
    sex = SelectField(_l("Jenis kelamin"), choices=[SelectChoice("", "—"), SelectChoice("L", _l("Laki-laki")), SelectChoice("P", _l("Perempuan"))])
    rt = StringField(_l("RT"), validators=[Length(max=5)], render_kw={"inputmode": "numeric"})
    street = StringField(_l("Alamat (jalan, nomor rumah)"), validators=[Length(max=200)])
    phone = StringField(_l("Nomor HP"), validators=[Length(max=20)], render_kw={"inputmode": "tel"})
    phone_consent = phone_consent_field()
    consent_phone = consent_phone_field()
    kk_number = StringField(
        _l("No. KK (boleh dikosongkan)"), validators=[Length(max=40)], render_kw={"inputmode": "numeric", "autocomplete": "off"}
    )
    category = SelectField(_l("Kategori"))
    occupation = StringField(_l("Pekerjaan"), validators=[Length(max=120)])
    monthly_income = StringField(_l("Penghasilan per bulan (Rp)"), validators=[Length(max=20)], render_kw={"inputmode": "numeric"})

    def __init__(self, *args, saved: ListEntry | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.saved = saved
        self.category.choices = category_choices(_l("— pilih kategori —"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        saved = self.saved
        return check_phone_consent(self, saved.phone if saved else None, bool(saved and saved.phone_consent)) and valid

    def raw_values(self) -> dict:
        """The row as the validator reads it; the RW is the list's own."""
        return {name: getattr(self, name).data for name in self.FIELDS}

    @classmethod
    def for_entry(cls, entry: ListEntry, **kwargs) -> EntryForm:
        """The row's saved values; a field the file held in a form that did not parse shows the file's own text."""
        form = cls(
            data={
                "nik": entry.nik,
                "full_name": entry.full_name,
                "birth_date": entry.birth_date.strftime("%d/%m/%Y") if entry.birth_date else "",
                "sex": entry.sex.value if entry.sex else "",
                "rt": str(entry.rt) if entry.rt else "",
                "street": entry.street,
                "phone": entry.phone or "",
                "kk_number": entry.kk_number or "",
                "category": entry.category_code or "",
                "occupation": entry.occupation,
                "monthly_income": str(entry.monthly_income) if entry.monthly_income is not None else "",
                **{name: text for name, text in (entry.raw_values or {}).items() if name in cls.TEXT_FIELDS},
            },
            saved=entry,
            **kwargs,
        )
        show_consent_for(form, entry.phone, entry.phone_consent)
        return form

    def mark_findings(self, findings: list[tuple[str | None, str]]) -> None:
        """Show the row's stored errors (column, text) on their fields, as if just submitted."""
        for column, text in findings:
            if column in self.FIELDS:
                self[column].errors = [*self[column].errors, text]


class ColumnMappingForm(PortalForm):
    """Which column of the uploaded file holds which field, when the headers did not say.

    Build it with `column_mapping_form(choices)`: the choices are the file's own columns.
    """

    def columns(self) -> list:
        return [self[name] for name, _label in MAPPABLE_COLUMNS]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        chosen = [f.data for f in self.columns() if f.data != -1]
        if self.nik.data == -1 or self.full_name.data == -1:
            self.nik.errors = [*self.nik.errors, _l("Pilih kolom NIK dan kolom nama.")]
            valid = False
        elif len(chosen) != len(set(chosen)):
            self.nik.errors = [*self.nik.errors, _l("Satu kolom hanya boleh dipilih untuk satu isian.")]
            valid = False
        return valid

    def mapping(self) -> dict[str, int]:
        return {f.name: f.data for f in self.columns() if f.data != -1}


def column_mapping_form(choices: list[tuple[int, str]], guessed: dict[str, int], **kwargs) -> ColumnMappingForm:
    """A mapping form offering the file's columns, preset with what the reader guessed."""

    class FileColumnMappingForm(ColumnMappingForm):
        pass

    options = [SelectChoice(-1, _l("(tidak ada)")), *(SelectChoice(index, label) for index, label in choices)]
    for name, label in MAPPABLE_COLUMNS:
        setattr(FileColumnMappingForm, name, SelectField(label, choices=options, coerce=int, default=guessed.get(name, -1)))
    return FileColumnMappingForm(**kwargs)


class SubmitListForm(PortalForm):
    acknowledge_warnings = BooleanField(_l("Saya sudah memeriksa peringatan pada baris-baris ini dan data sesuai KTP."))

    def __init__(self, *args, warnings: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.warnings = warnings

    def validate_acknowledge_warnings(self, field):
        if self.warnings and not field.data:
            raise ValidationError(_l("Centang pernyataan ini setelah memeriksa baris yang berperingatan."))


class UploadChoiceForm(PortalForm):
    """What an upload into a list that already has rows does with them (values: portal.lists.services.UploadMode)."""

    mode = RadioField(
        _l("Ganti baris yang ada atau tambahkan?"),
        choices=[
            SelectChoice("ganti", _l("Ganti: hapus baris draf yang ada, lalu isi dari berkas ini")),
            SelectChoice("tambah", _l("Tambahkan: baris berkas ini ditambahkan ke baris yang ada")),
        ],
        validators=[DataRequired(_l("Pilih ganti atau tambahkan."))],
    )


class ResendEntryForm(SubmitListForm):
    """'Kirim ulang' of one returned row: its warnings acknowledged, and the page to go back to."""

    next = HiddenField()


class RestoreForm(PortalForm):
    """'Urungkan' of a deletion: one row (its id) or, without one, every deleted row of the list."""

    entry_id = IntegerField(validators=[Optional()])
