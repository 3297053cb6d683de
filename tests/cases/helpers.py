"""Helpers of the case desk tests: reporting a case through the form, as its users do."""

from __future__ import annotations

from datetime import date

from portal.extensions import db
from portal.models import Case
from tests.conftest import csrf_token


def report_form(**fields) -> dict:
    values = {
        "kind": "jkk",
        "occurred_on": date.today().strftime("%d/%m/%Y"),
        "place": "Pasar Terong, Makassar",
        "chronology": "Tertimpa peti buah saat membongkar muatan.",
        "contact_phone": "081234567890",
        "treating_facility": "",
    }
    values.update(fields)
    return {key: value for key, value in values.items() if value is not None}


def post_report(client, **fields):
    token = csrf_token(client, "/kasus/baru")
    return client.post("/kasus/baru", data={"csrf_token": token, **report_form(**fields)})


def latest_case(app) -> Case:
    with app.app_context():
        case = db.session.scalar(db.select(Case).order_by(Case.id.desc()).limit(1))
        db.session.expunge_all()
        return case


def report_case_of(reporter, person, *, kind: str = "jkk", **facts) -> Case:
    """A case reported through the service (inside an app context), committed."""
    from portal.cases import services

    values = {"place": "Pasar Terong", "chronology": "Tertimpa peti buah.", "contact_phone": "081234567890",
              "occurred_on": date.today(), **facts}
    case = services.report_case(reporter, services.CaseReport(kind=services.CaseKind(kind), **values), person)
    db.session.commit()
    return case


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


PNG_BYTES = _png()
