"""Producing data-subject reports: gathered, audited, and written as JSON or PDF."""

from __future__ import annotations

import json

from portal import audit
from portal.models import User
from portal.models.base import utcnow
from portal.nik import mask_nik
from portal.pdf import render_pdf
from portal.privacy.report import SubjectReport, build_report

FORMATS = ("html", "json", "pdf")


def produce_report(nik: str, fmt: str, *, actor: User | None = None, channel: str = "web") -> SubjectReport:
    """Build the report for `nik` and record in the audit trail that it was produced (the
    caller commits).

    The event names the person (so it joins their own access history) and the format;
    its details hold the NIK masked, never in clear.
    """
    report = build_report(nik, utcnow())
    person_id = report.person["id"] if report.person else None
    audit.record(
        "privacy.report",
        "person" if person_id else "nik",
        person_id,
        person_id=person_id,
        actor=actor,
        actor_name=channel if actor is None and channel != "web" else None,
        nik=mask_nik(nik),
        format=fmt,
        channel=channel,
        found=report.found,
    )
    return report


def report_json(report: SubjectReport) -> bytes:
    """The report as indented UTF-8 JSON."""
    return json.dumps(report.as_json(), ensure_ascii=False, indent=2, default=str).encode()


def report_pdf(report: SubjectReport) -> bytes:
    """The report as a PDF (bundled fonts only), for handing to the person."""
    return render_pdf("privacy/report_pdf.html", report=report)
