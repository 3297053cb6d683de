"""The public settings an admin edits: what each one is, its rule and its starting value.

Starting values are the public figures in DOMAIN.md with their source; contacts that are not
published (the office's phone and WhatsApp) start empty and are not shown until an admin
fills them in.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class SettingSpec:
    key: str
    label: object
    default: str
    kind: str = "text"  # text | phone | amount
    required: bool = True
    max_length: int = 200
    hint: object = None


OFFICE = (
    SettingSpec("office_name", _l("Nama kantor layanan"), "Dinas Ketenagakerjaan Kota Makassar", max_length=120),
    SettingSpec(
        "office_address",
        _l("Alamat kantor"),
        "Balai Kota Makassar, Jl. Jend. Ahmad Yani No. 2, Makassar",
        max_length=300,
    ),
    SettingSpec("office_hours", _l("Jam layanan"), "Senin–Jumat, 08.00–16.00 WITA", max_length=120),
    SettingSpec("office_phone", _l("Telepon kantor"), "", kind="phone", required=False,
                hint=_l("Kosongkan jika belum ada; tidak ditampilkan.")),
    SettingSpec("office_whatsapp", _l("WhatsApp kantor"), "", kind="phone", required=False,
                hint=_l("Nomor HP yang memakai WhatsApp, mis. 0811 4xxx xxxx. Kosongkan jika belum ada.")),
    SettingSpec("bpjs_phone", _l("Layanan telepon BPJS Ketenagakerjaan"), "175", kind="phone"),
)
BENEFITS = (
    SettingSpec("jkm_total", _l("Santunan kematian JKM seluruhnya (Rp)"), "42000000", kind="amount"),
    SettingSpec("jkm_lump_sum", _l("Santunan sekaligus JKM (Rp)"), "20000000", kind="amount"),
    SettingSpec("jkm_funeral", _l("Biaya pemakaman JKM (Rp)"), "10000000", kind="amount"),
    SettingSpec("jkm_periodic", _l("Santunan berkala JKM, dibayar sekaligus (Rp)"), "12000000", kind="amount"),
    SettingSpec("jkk_home_care", _l("Batas perawatan di rumah JKK (Rp)"), "20000000", kind="amount"),
    SettingSpec(
        "benefits_source",
        _l("Sumber besaran manfaat"),
        "PP No. 82 Tahun 2019 (perubahan PP No. 44 Tahun 2015); Permenaker No. 5 Tahun 2021",
        max_length=300,
    ),
)
# Who signs the berita acara of a month's bill reconciliation (portal.contributions): a name
# left empty prints an empty line to sign on.
MINUTES = (
    SettingSpec("minutes_office_position", _l("Berita acara iuran: jabatan penandatangan Dinas"),
                "Kepala Dinas Ketenagakerjaan Kota Makassar", max_length=120),
    SettingSpec("minutes_office_name", _l("Berita acara iuran: nama penandatangan Dinas"), "", required=False, max_length=120),
    SettingSpec("minutes_office_nip", _l("Berita acara iuran: NIP penandatangan Dinas"), "", required=False, max_length=30),
    SettingSpec("minutes_bpjs_position", _l("Berita acara iuran: jabatan penandatangan BPJS"),
                "Kepala Kantor Cabang BPJS Ketenagakerjaan Makassar", max_length=120),
    SettingSpec("minutes_bpjs_name", _l("Berita acara iuran: nama penandatangan BPJS"), "", required=False, max_length=120),
)
SETTINGS = OFFICE + BENEFITS + MINUTES
SPECS = {spec.key: spec for spec in SETTINGS}
DEFAULTS = {spec.key: spec.default for spec in SETTINGS}
