"""Reference data: the city's regions, occupation categories and this year's settings."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

from portal import clock
from portal.extensions import db
from portal.models import Category, CategorySetting, Kecamatan, Kelurahan, ProgrammeYear

WILAYAH_CSV = Path(__file__).resolve().parent.parent / "reference" / "makassar_wilayah.csv"
WILAYAH_SHA256 = "3e0cd2f1bcaceb1bcc2f0072f2c364a67ac00363ef8aa8c491bc9a655580cf3c"


@dataclass(frozen=True)
class CategoryDefault:
    code: str
    name_id: str
    name_en: str
    target_2024: int  # people enrolled through the 2024 budget (press statement, Sep 2025)
    requires_desil: bool


# The segments of the programme as the city reports them (DOMAIN.md).
CATEGORIES = (
    CategoryDefault("non_asn", "Tenaga non-ASN", "Non-civil-servant staff", 11_815, False),
    CategoryDefault("kader", "Kader Posyandu dan KB", "Posyandu and family-planning cadres", 6_107, False),
    CategoryDefault("penyelenggara_pemilu", "Penyelenggara pemilu", "Election organisers", 36_000, False),
    CategoryDefault("ketua_rt_rw", "Ketua RT/RW", "RT/RW heads", 6_004, False),
    CategoryDefault("pekerja_keagamaan", "Pekerja keagamaan (imam, marbot, guru mengaji)", "Religious workers", 5_750, False),
    CategoryDefault("pekerja_rentan", "Pekerja rentan lainnya (pedagang, pengemudi, pekerja sampah, petani kota)", "Other vulnerable workers (traders, drivers, waste and urban-farming workers)", 35_782, True),
)


class ReferenceDataError(RuntimeError):
    pass


def read_wilayah(path: Path = WILAYAH_CSV) -> list[dict[str, str]]:
    """Rows of the region file, after checking it is the file its provenance names."""
    raw = path.read_bytes()
    if hashlib.sha256(raw).hexdigest() != WILAYAH_SHA256:
        raise ReferenceDataError(f"{path} does not match its recorded sha256; see its README.")
    return list(csv.DictReader(raw.decode("utf-8").splitlines()))


def load_regions() -> tuple[int, int]:
    """Insert or update the 15 kecamatan and 153 kelurahan; returns their counts."""
    kecamatan = {k.code: k for k in db.session.scalars(db.select(Kecamatan))}
    kelurahan = {k.code: k for k in db.session.scalars(db.select(Kelurahan))}
    for row in read_wilayah():
        kec = kecamatan.get(row["kecamatan_code"])
        if kec is None:
            kec = kecamatan[row["kecamatan_code"]] = Kecamatan(code=row["kecamatan_code"])
            db.session.add(kec)
        kec.name = row["kecamatan_name"]
        kel = kelurahan.get(row["kelurahan_code"])
        if kel is None:
            kel = kelurahan[row["kelurahan_code"]] = Kelurahan(code=row["kelurahan_code"])
            db.session.add(kel)
        kel.name = row["kelurahan_name"]
        kel.kecamatan_code = row["kecamatan_code"]
    db.session.flush()
    return len(kecamatan), len(kelurahan)


def load_categories() -> None:
    existing = {c.code: c for c in db.session.scalars(db.select(Category))}
    for order, default in enumerate(CATEGORIES):
        category = existing.get(default.code) or Category(code=default.code)
        category.name_id, category.name_en, category.sort_order = default.name_id, default.name_en, order
        db.session.add(category)
    db.session.flush()


def ensure_programme_year(year: int) -> ProgrammeYear:
    """The settings of `year`, created with DOMAIN.md's defaults if missing (never overwritten)."""
    programme_year = db.session.get(ProgrammeYear, year)
    if programme_year is None:
        programme_year = ProgrammeYear(year=year)
        db.session.add(programme_year)
    present = {s.category_code for s in programme_year.categories}
    for default in CATEGORIES:
        if default.code not in present:
            programme_year.categories.append(
                CategorySetting(
                    category_code=default.code,
                    eligible=True,
                    jkk=True,
                    jkm=True,
                    jht=False,
                    requires_desil=default.requires_desil,
                    target_population=default.target_2024,
                )
            )
    db.session.flush()
    return programme_year


def seed_reference(year: int | None = None) -> dict[str, int]:
    """Load everything the portal needs to run; safe to run again."""
    kecamatan, kelurahan = load_regions()
    load_categories()
    ensure_programme_year(year or clock.today().year)
    from portal.help.services import seed_settings

    settings = seed_settings()
    facilities = seed_facilities()
    from portal.cases.services import seed_checklist

    case_documents = seed_checklist()
    return {
        "kecamatan": kecamatan, "kelurahan": kelurahan, "categories": len(CATEGORIES),
        "settings": settings, "facilities": facilities, "case_documents": case_documents,
    }


# Partner facilities known from public sources (DOMAIN.md: the agreement of 13 Feb 2026).
# No address or phone is seeded: none was confirmed, and a wrong number sends an injured
# worker astray; an admin fills them on /admin/fasilitas.
PARTNER_FACILITIES = ("Primaya Hospital Makassar",)


def seed_facilities() -> int:
    """Add the known partner facilities that are missing; returns how many were added."""
    from portal.facilities.services import ensure_facility

    return sum(ensure_facility(name)[1] for name in PARTNER_FACILITIES)
