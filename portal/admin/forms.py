"""Forms of the administration pages: accounts and a year's programme settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DecimalField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional, Regexp

from portal.forms import check_phone_consent, consent_phone_field, phone_consent_field, rt_number, rw_number, select_choices
from portal.forms import PortalForm
from portal.admin.services import YEAR_FIELDS
from portal.memberships.services import COVERAGE_MODE_LABELS, COVERAGE_START_LABELS
from portal.models import CoverageMode, CoverageStart, FacilityKind, Role

ROLE_CHOICES = [
    (Role.RT_RW.value, _l("Ketua RT/RW")),
    (Role.AGENT.value, _l("Agen Perisai")),
    (Role.STAFF.value, _l("Petugas Dinas Ketenagakerjaan")),
    (Role.ADMIN.value, _l("Administrator")),
    (Role.HOSPITAL.value, _l("Petugas fasilitas kesehatan mitra")),
]
FACILITY_KIND_CHOICES = [
    (FacilityKind.HOSPITAL.value, _l("Rumah sakit")),
    (FacilityKind.PUSKESMAS.value, _l("Puskesmas")),
    (FacilityKind.CLINIC.value, _l("Klinik")),
]


class UserDetailsForm(PortalForm):
    full_name = StringField(_l("Nama lengkap"), validators=[DataRequired(), Length(max=120)])
    kelurahan_code = SelectField(_l("Kelurahan (untuk RT/RW dan agen)"), validators=[Optional()], validate_choice=False)
    rw = IntegerField(_l("RW"), validators=[Optional(), rw_number()])
    rt = IntegerField(_l("RT (opsional, hanya ketua RT)"), validators=[Optional(), rt_number()])
    phone = StringField(_l("Nomor HP"), validators=[Optional(), Regexp(r"^\+?\d{8,15}$", message=_l("Nomor HP 8-15 digit."))])
    phone_consent = phone_consent_field()
    consent_phone = consent_phone_field()
    phone_public = BooleanField(_l("Nomor HP boleh ditampilkan kepada warga"))
    facility_id = SelectField(_l("Fasilitas kesehatan (untuk petugas fasilitas)"), validators=[Optional()], validate_choice=False)

    def __init__(self, *args, saved=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.saved = saved

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        saved = self.saved
        return check_phone_consent(self, saved.phone if saved else None, bool(saved and saved.phone_consent)) and valid


class UserCreateForm(UserDetailsForm):
    username = StringField(_l("Nama pengguna"), validators=[DataRequired(), Length(min=3, max=64)])
    role = SelectField(_l("Peran"), choices=select_choices(ROLE_CHOICES))
    password = PasswordField(_l("Kata sandi awal"), validators=[DataRequired(), Length(min=12, max=256)], render_kw={"autocomplete": "new-password"})


# The accounts page's status filter: enabled, disabled, made from a sheet and not yet activated.
STATUS_CHOICES = [
    ("aktif", _l("Aktif")),
    ("nonaktif", _l("Nonaktif")),
    ("menunggu", _l("Menunggu aktivasi")),
]


class UserFilterForm(PortalForm):
    """The accounts page's filters, read from the query string (nothing personal in it)."""

    class Meta:
        csrf = False

    peran = SelectField(_l("Peran"), choices=select_choices([("", _l("Semua peran")), *ROLE_CHOICES]), validators=[Optional()])
    kecamatan = SelectField(_l("Kecamatan"), validators=[Optional()], validate_choice=False)
    kelurahan = SelectField(_l("Kelurahan"), validators=[Optional()], validate_choice=False)
    status = SelectField(_l("Status"), choices=select_choices([("", _l("Semua status")), *STATUS_CHOICES]), validators=[Optional()])
    halaman = IntegerField(validators=[Optional(), NumberRange(1, 100_000)])


class UserSearchForm(PortalForm):
    """Find accounts by username or name; sent by POST, so a name never lands in a URL."""

    cari = StringField(
        _l("Cari nama pengguna atau nama"),
        validators=[DataRequired(_l("Tulis sebagian nama pengguna atau nama.")), Length(min=2, max=64, message=_l("Tulis 2 sampai 64 karakter."))],
        render_kw={"autocomplete": "off"},
    )


class AccountSheetForm(PortalForm):
    spreadsheet = FileField(
        _l("Berkas akun (XLSX, ODS atau CSV)"),
        validators=[FileRequired(_l("Pilih berkas yang akan diunggah."))],
        render_kw={"accept": ".xlsx,.ods,.csv"},
    )


class LettersForm(PortalForm):
    """Print activation letters; printing again needs the admin to say the old codes may stop working."""

    bagian = IntegerField(validators=[Optional(), NumberRange(1, 10_000)])
    ulang = BooleanField(_l("Saya mengerti: kode pada surat yang dicetak sebelumnya tidak berlaku lagi."))


class PasswordResetForm(PortalForm):
    password = PasswordField(_l("Kata sandi baru"), validators=[DataRequired(), Length(min=12, max=256)], render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        _l("Ulangi kata sandi baru"),
        validators=[DataRequired(), EqualTo("password", message=_l("Kedua kata sandi tidak sama."))],
        render_kw={"autocomplete": "new-password"},
    )


class CategorySettingForm(PortalForm):
    class Meta:
        csrf = False

    category_code = HiddenField()
    eligible = BooleanField(_l("Termasuk program"))
    jkk = BooleanField("JKK")
    jkm = BooleanField("JKM")
    jht = BooleanField("JHT")
    requires_desil = BooleanField(_l("Perlu desil"))
    target_population = IntegerField(_l("Target orang"), validators=[Optional(), NumberRange(0, 10_000_000)], default=0)


class ProgrammeYearForm(PortalForm):
    min_age = IntegerField(_l("Usia minimum"), validators=[DataRequired(), NumberRange(0, 100)])
    max_age = IntegerField(_l("Usia maksimum"), validators=[DataRequired(), NumberRange(1, 120)])
    desil_max = IntegerField(_l("Desil tertinggi yang disasar"), validators=[DataRequired(), NumberRange(1, 10)])
    unknown_desil_blocks_approval = BooleanField(_l("Desil yang belum diketahui menghalangi persetujuan"))
    income_floor = IntegerField(_l("Batas bawah penghasilan (Rp/bulan)"), validators=[DataRequired(), NumberRange(0, 100_000_000)])
    jkk_rate = DecimalField(_l("Tarif JKK (pecahan, mis. 0.01)"), places=4, validators=[DataRequired(), NumberRange(0, 1)])
    jkm_monthly = IntegerField(_l("Iuran JKM (Rp/bulan)"), validators=[DataRequired(), NumberRange(0, 10_000_000)])
    jht_rate = DecimalField(_l("Tarif JHT (pecahan, mis. 0.02)"), places=4, validators=[DataRequired(), NumberRange(0, 1)])
    coverage_mode = SelectField(
        _l("Masa perlindungan"),
        choices=select_choices(COVERAGE_MODE_LABELS.items()),
        default=CoverageMode.TO_YEAR_END.value,
        description=_l(
            "Sampai akhir tahun anggaran: semua peserta berakhir 31 Desember dan diperpanjang bersama; "
            "yang bergabung di tengah tahun dibayar hanya untuk bulan tersisa. Sejumlah bulan tetap: "
            "perlindungan dapat melewati 31 Desember dan bulan berikutnya dibayar anggaran tahun depan."
        ),
    )
    coverage_months = IntegerField(
        _l("Jumlah bulan (untuk masa perlindungan sejumlah bulan tetap)"),
        validators=[InputRequired(_l("Isi jumlah bulan perlindungan, 1 sampai 12.")), NumberRange(1, 12, _l("Jumlah bulan perlindungan 1 sampai 12."))],
        default=12,
    )
    coverage_start = SelectField(
        _l("Perlindungan mulai berlaku"),
        choices=select_choices(COVERAGE_START_LABELS.items()),
        default=CoverageStart.APPROVAL_DATE.value,
        description=_l(
            "Tanggal 1 bulan berikutnya: yang disetujui pada bulan Desember mulai 1 Januari dan "
            "menjadi peserta (dan beban anggaran) tahun berikutnya."
        ),
    )
    budget_ceiling = DecimalField(_l("Pagu anggaran (Rp/tahun)"), places=0, validators=[Optional(), NumberRange(0, 10**15)])
    reverification_opens_days_before_end = IntegerField(
        _l("Pemeriksaan ulang \"Masih layak?\" dibuka (hari sebelum 31 Desember)"),
        validators=[Optional(), NumberRange(0, 365)], default=42,
    )
    incentive_per_approved = IntegerField(
        _l("Insentif indikatif per peserta disetujui (Rp)"),
        validators=[Optional(), NumberRange(0, 100_000_000)], default=0,
        description=_l("Hanya untuk ekspor Kinerja: angka perkiraan, portal tidak membayar apa pun."),
    )
    categories = FieldList(FormField(CategorySettingForm))

    def values(self) -> dict:
        values = {name: getattr(self, name).data for name in YEAR_FIELDS}
        values["coverage_mode"] = CoverageMode(values["coverage_mode"])
        values["coverage_start"] = CoverageStart(values["coverage_start"])
        if values["reverification_opens_days_before_end"] is None:
            values["reverification_opens_days_before_end"] = 42
        if values["incentive_per_approved"] is None:
            values["incentive_per_approved"] = 0
        return values

    def category_values(self) -> dict[str, dict]:
        return {
            entry.category_code.data: {
                "eligible": entry.eligible.data,
                "jkk": entry.jkk.data,
                "jkm": entry.jkm.data,
                "jht": entry.jht.data,
                "requires_desil": entry.requires_desil.data,
                "target_population": entry.target_population.data or 0,
            }
            for entry in self.categories
        }


PHONE_RULE = Regexp(r"^\+?[0-9][0-9 ()\-]{1,22}$", message=_l("Tulis nomor telepon dengan angka saja, mis. 0411 123456 atau 0811 4123 4567."))


def _setting_field(spec):
    if spec.kind == "amount":
        return IntegerField(
            spec.label,
            validators=[InputRequired(_l("Isi jumlah dalam rupiah.")), NumberRange(0, 10**12, _l("Jumlah rupiah antara 0 dan 1.000.000.000.000."))],
            description=spec.hint or "",
        )
    rules = [InputRequired(_l("Isian ini wajib diisi.")) if spec.required else Optional()]
    rules.append(Length(max=spec.max_length))
    if spec.kind == "phone":
        rules.append(PHONE_RULE)
    return StringField(spec.label, validators=rules, description=spec.hint or "")


def site_settings_form(values: dict[str, str]):
    """The form of the public settings, one field per SETTINGS entry; `values` fill a GET."""
    from portal.help.settings import SETTINGS

    class SiteSettingsForm(PortalForm):
        def setting_values(self) -> dict[str, str]:
            return {spec.key: "" if self[spec.key].data is None else str(self[spec.key].data).strip() for spec in SETTINGS}

    for spec in SETTINGS:
        setattr(SiteSettingsForm, spec.key, _setting_field(spec))
    data = {spec.key: int(values[spec.key]) if spec.kind == "amount" and values.get(spec.key, "").isdigit() else values.get(spec.key) for spec in SETTINGS}
    return SiteSettingsForm(data=data)


class FacilityForm(PortalForm):
    name = StringField(
        _l("Nama fasilitas"),
        filters=[lambda value: value.strip() if value else value],
        validators=[DataRequired(_l("Nama fasilitas wajib diisi.")), Length(max=120, message=_l("Nama fasilitas paling panjang 120 karakter."))],
    )
    kind = SelectField(_l("Jenis"), choices=select_choices(FACILITY_KIND_CHOICES))
    address = StringField(
        _l("Alamat"),
        filters=[lambda value: value.strip() if value else value],
        validators=[Optional(), Length(max=255, message=_l("Alamat paling panjang 255 karakter."))],
        description=_l("Kosongkan bila belum dipastikan dari sumber resmi."),
    )
    phone = StringField(
        _l("Telepon"),
        filters=[lambda value: value.strip() if value else value],
        validators=[Optional(), Length(max=30), PHONE_RULE],
        description=_l("Kosongkan bila belum dipastikan dari sumber resmi."),
    )

    def values(self) -> dict:
        return {
            "name": self.name.data,
            "kind": FacilityKind(self.kind.data),
            "address": self.address.data or "",
            "phone": self.phone.data or "",
        }
