"""The dashboard's tables as rows for XLSX and CSV exports (through portal.exports)."""

from __future__ import annotations

from flask_babel import gettext as _

from portal.exports import csv_bytes, xlsx_bytes
from portal.reports.figures import CoverageRow, Report

TABLES = ("kategori", "kecamatan", "alur", "sertifikat", "antrean", "anggaran")


def _coverage(rows: list[CoverageRow], total: CoverageRow, language: str, heading: str):
    headers = [heading, _("Peserta"), _("Target"), _("Cakupan (%)")]
    body = [
        [r.label(language), r.members, r.target, round(r.percent, 2) if r.percent is not None else None]
        for r in [*rows, total]
    ]
    return headers, body


def rows_of(name: str, report: Report, language: str) -> tuple[list[str], list[list]]:
    """Headers and rows of one exportable table."""
    if name == "kategori":
        return _coverage(report.by_category, report.total, language, _("Kategori"))
    if name == "kecamatan":
        return _coverage(report.by_kecamatan, report.total, language, _("Kecamatan"))
    if name == "alur":
        headers = [_("Minggu mulai"), _("Dikirim"), _("Disetujui"), _("Ditolak"), _("Dikembalikan")]
        return headers, [
            [w.week_start.isoformat(), w.submitted, w.approved, w.rejected, w.returned]
            for w in report.pipeline
        ]
    if name == "sertifikat":
        headers = [_("Bulan"), _("Sertifikat diterbitkan")]
        return headers, [[m.month.strftime("%Y-%m"), m.count] for m in report.certificates_by_month]
    if name == "antrean":
        headers = [_("Daftar"), _("Kelurahan"), _("Kecamatan"), "RW", _("Menunggu"), _("Dikirim sejak")]
        return headers, [
            [w.title, w.kelurahan, w.kecamatan, w.rw, w.pending, w.oldest_submitted_at.date().isoformat()]
            for w in report.waiting_lists
        ]
    budget = report.budget
    headers = [
        _("Kategori"),
        _("Kepesertaan"),
        _("JKK + JKM sebulan (Rp)"),
        _("JHT sebulan (Rp)"),
        _("Jumlah sebulan (Rp)"),
        _("Jumlah setahun (Rp)"),
    ]
    if budget is None:
        return headers, []
    body = [
        [r.label(language), r.memberships, r.jkk_jkm_monthly, r.jht_monthly, r.monthly, r.monthly * budget.coverage_months]
        for r in budget.rows
    ]
    body.append(
        [_("Jumlah"), budget.memberships, budget.jkk_jkm_monthly, budget.jht_monthly, budget.monthly, budget.yearly]
    )
    body.append([_("Pagu anggaran setahun"), None, None, None, None, budget.ceiling])
    return headers, body


def encode(headers, rows, fmt: str, title: str) -> tuple[bytes, str]:
    """The file's bytes and its media type."""
    if fmt == "xlsx":
        return (
            xlsx_bytes(headers, rows, title=title),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    return csv_bytes(headers, rows), "text/csv; charset=utf-8"
