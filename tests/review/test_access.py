"""Every staff URL answers 404 to RT/RW heads and agents, for GET and POST alike."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.models import BpjsBatch, BpjsDeregBatch, CaseDocumentType, PartnerFacility, Role
from tests.cases.helpers import report_case_of
from tests.conftest import csrf_token
from tests.factories import make_member, make_user
from tests.review.helpers import pending_entries

STAFF_BLUEPRINTS = ("review", "registry", "bpjs", "admin")
# The case desk's office-only pages (its list, report form and case page serve reporters too:
# tests/cases and tests/test_area_probing.py cover those).
STAFF_ENDPOINTS = frozenset({
    "cases.change_state", "cases.assign", "cases.add_note", "cases.outcome", "cases.confirm_death",
    "cases.case_pdf", "cases.checklist", "cases.edit_checklist_item", "cases.figures",
})


def _staff_urls(app, ids: dict) -> list[tuple[str, str]]:
    """Every URL rule of the staff blueprints, with real ids filled in."""
    values = {
        "entry_id": ids["entry"],
        "person_id": ids["person"],
        "membership_id": ids["membership"],
        "user_id": ids["user"],
        "year": ids["year"],
        "number": 1,
        "file_format": "xlsx",
        "facility_id": ids["facility"],
        "batch_id": ids["dereg_batch"],
        "case_id": ids["case"],
        "type_id": ids["document_type"],
    }
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in STAFF_BLUEPRINTS and rule.endpoint not in STAFF_ENDPOINTS:
            continue
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<int:{name}>", str(values[name])).replace(f"<{name}>", str(values[name]))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            urls.append((method, path))
    return urls


@pytest.mark.parametrize("role", [Role.RT_RW, Role.AGENT])
def test_area_users_get_404_on_every_staff_url(app, client, auth, role):
    with app.app_context():
        user = make_user("outsider", role)
        (entry_id,) = pending_entries(1)
        person, membership = make_member()
        db.session.add(BpjsBatch(number=1, member_count=0))
        dereg_batch = BpjsDeregBatch(number=1, member_count=0)
        facility = PartnerFacility(name="RS Uji", address="", phone="")
        db.session.add_all([dereg_batch, facility])
        db.session.commit()
        case = report_case_of(user, person)
        ids = {
            "entry": entry_id, "person": person.id, "membership": membership.id, "user": user.id,
            "year": membership.year, "facility": facility.id, "dereg_batch": dereg_batch.id, "case": case.id,
            "document_type": db.session.scalar(db.select(CaseDocumentType.id).limit(1)),
        }
        urls = _staff_urls(app, ids)
    assert len(urls) >= 15
    auth.login("outsider")
    token = csrf_token(client, "/beranda")
    for method, path in urls:
        response = client.open(path, method=method, data={"csrf_token": token})
        assert response.status_code == 404, (method, path, response.status_code)


def test_staff_reach_review_registry_and_bpjs_but_not_administration(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    auth.login("staff1")
    for path in ("/verifikasi/", "/anggota/", "/bpjs/"):
        assert client.get(path).status_code == 200
    for path in ("/admin/pengguna", "/admin/tahun"):
        assert client.get(path).status_code == 404
