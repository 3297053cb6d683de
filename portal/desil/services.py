"""Importing DTSEN extracts (NIK, desil, source date) into the desil records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import insert

from portal import clock
from portal import audit
from portal.extensions import db
from portal.models import DesilHistory, DesilRecord
from portal.models.base import utcnow
from portal.nik import NikError, mask_nik, parse_nik
from portal.spreadsheets.exchange import cell_text, header_index, read_rows

COLUMNS = {
    "nik": ("nik",),
    "desil": ("desil", "decile"),
    "source_date": ("tanggal sumber", "source date", "source_date", "tanggal", "tanggal_sumber"),
}
CHUNK = 1000
EXCEL_EPOCH = date(1899, 12, 30)


@dataclass
class DesilImport:
    records: dict[str, tuple[int, date]] = field(default_factory=dict)  # nik -> (desil, source date)
    bad_rows: list[tuple[int, str]] = field(default_factory=list)  # (row number, why; NIK masked)
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    flagged: int = 0  # members newly "keluar dari sasaran" (portal.desil.review)
    cleared: int = 0  # open flags closed: the household is back under the cut-off
    # nik -> (desil, source date) held after saving: an older extract's row never counts.
    latest: dict[str, tuple[int, date]] = field(default_factory=dict)


def parse_source_date(value) -> date | None:
    """A date cell, an Excel serial, or text as 2026-01-31, 31/01/2026 or 31-01-2026."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value < 100_000:
        return EXCEL_EPOCH + timedelta(days=int(value))
    text, _numeric = cell_text(value)
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def read_extract(filename: str, data: bytes) -> DesilImport:
    """Check every row of an extract; good rows are kept, bad rows are listed with the reason."""
    rows = read_rows(filename, data)
    start, columns = header_index(rows, COLUMNS)
    result = DesilImport()
    for row_number, row in rows[start + 1 :]:
        cells = [row[i] if i < len(row) else None for i in columns.values()]
        if all(cell in (None, "") for cell in cells):
            continue
        raw_nik, raw_desil, raw_date = cells
        nik, numeric = cell_text(raw_nik)
        shown = mask_nik(nik) if nik.isdigit() else "-"
        if numeric:
            result.bad_rows.append((row_number, _("NIK %(nik)s tersimpan sebagai angka (digit terakhir bisa hilang); simpan kolom NIK sebagai teks.", nik=shown)))
            continue
        try:
            parse_nik(nik)
        except NikError:
            result.bad_rows.append((row_number, _("NIK %(nik)s tidak sah.", nik=shown)))
            continue
        desil_text, _numeric = cell_text(raw_desil)
        if not desil_text.isdigit() or not 1 <= int(desil_text) <= 10:
            result.bad_rows.append((row_number, _("Desil harus angka 1-10 (NIK %(nik)s).", nik=shown)))
            continue
        source_date = parse_source_date(raw_date)
        if source_date is None or source_date > clock.today():
            result.bad_rows.append((row_number, _("Tanggal sumber tidak sah (NIK %(nik)s).", nik=shown)))
            continue
        previous = result.records.get(nik)
        if previous and previous[0] != int(desil_text) and previous[1] == source_date:
            result.bad_rows.append((row_number, _("NIK %(nik)s muncul dua kali dengan desil berbeda.", nik=shown)))
            continue
        if previous is None or source_date >= previous[1]:
            result.records[nik] = (int(desil_text), source_date)
    return result


def save_extract(result: DesilImport, filename: str, *, full: bool = True) -> DesilImport:
    """Upsert the extract's records, keep each new desil in the history, and flag members
    the extract puts out of the target (the caller commits); an older source date never
    overwrites a newer one. `full=False` (a partial extract): absence flags nobody."""
    from portal.desil.review import review_members

    source = filename[-100:]
    niks = list(result.records)
    for start in range(0, len(niks), CHUNK):
        chunk = niks[start : start + CHUNK]
        history: list[dict] = []
        existing = {
            r.nik: r for r in db.session.scalars(db.select(DesilRecord).where(DesilRecord.nik.in_(chunk)))
        }
        for nik in chunk:
            desil, source_date = result.records[nik]
            record = existing.get(nik)
            if record is None:
                db.session.add(DesilRecord(nik=nik, desil=desil, source_date=source_date))
                result.inserted += 1
            elif source_date >= record.source_date and (record.desil, record.source_date) != (desil, source_date):
                record.desil, record.source_date, record.imported_at = desil, source_date, utcnow()
                result.updated += 1
            else:
                result.unchanged += 1
                result.latest[nik] = (record.desil, record.source_date)
                continue
            result.latest[nik] = (desil, source_date)
            history.append({"nik": nik, "desil": desil, "source_date": source_date, "source": source, "imported_at": utcnow()})
        if history:
            db.session.execute(insert(DesilHistory), history)
        db.session.flush()
    review_members(result, source, full=full)
    audit.record(
        "desil.import",
        "desil_extract",
        None,
        file=filename[-100:],
        inserted=result.inserted,
        updated=result.updated,
        unchanged=result.unchanged,
        bad_rows=len(result.bad_rows),
        flagged=result.flagged,
        cleared=result.cleared,
        full=full,
    )
    db.session.flush()
    return result
