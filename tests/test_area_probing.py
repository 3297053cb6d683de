"""An RT/RW head probing the IDs of other areas on every URL that takes an ID: always 404.

The URLs are not listed by hand: every rule of the app's URL map with an integer part is
probed, so a new route is covered the day it is added (or this test asks for an ID for it).
"""

from __future__ import annotations


from flask import url_for
from werkzeug.routing import IntegerConverter

from portal import clock
from portal.extensions import db
from portal.memberships.services import issue_certificate
from portal.models import AuditEvent, Channel, MessageState, NotificationMessage, Bill, BillStatus, BpjsBatch, CaseDocument, BpjsBatchItem, BpjsDeregBatch, DtsenFlag, DtsenFlagReason, InstitutionalImport, PartnerFacility, Payment, PrintDocument, PrintJob, PrintRecord, RenewalRun, Role, UnplacedEntry
from portal.cases.services import checklist
from tests.cases.helpers import report_case_of
from tests.conftest import csrf_token
from tests.factories import LETTE, PABAENG, make_entry, make_list, make_member, make_user

# Values for the URL parts that are not IDs.
OTHER_PARTS = {"document": "card", "file_format": "csv", "fmt": "csv"}


def _records_of_another_area(app) -> dict[str, int]:
    """One record of every kind a URL names by ID, all outside Lette RW 002."""
    with app.app_context():
        make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
        other_head = make_user("rtrw2", Role.RT_RW, kelurahan_code=PABAENG, rw=5)
        member_list = make_list(other_head)
        entry = make_entry(member_list)
        person, membership = make_member("Orang Tamalate", kelurahan_code=PABAENG, rw=5)
        certificate = issue_certificate(membership, issued_by=None)
        job = PrintJob(document=PrintDocument.CARD, kelurahan_code=PABAENG, rw=5, total=1)
        batch = BpjsBatch(number=1, member_count=1, file_format="csv")
        renewal_run = RenewalRun(from_year=clock.today().year, to_year=clock.today().year + 1)
        facility = PartnerFacility(name="RS Probe", address="", phone="")
        # A de-registration batch numbered like the registration one (its own series).
        dereg_batch = BpjsDeregBatch(number=1, member_count=0)
        # A payment to BPJS and a reconciled BPJS bill (portal.contributions: staff and admins only).
        payment = Payment(paid_on=clock.today(), amount=1, order_number="SP2D-PROBE")
        bill = Bill(year=clock.today().year, month=5, version=1, status=BillStatus.DONE)
        db.session.add_all([job, batch, renewal_run, facility, dereg_batch, payment, bill])
        db.session.flush()
        # A printed card, ready for the other RW's head to hand out (portal.handout).
        db.session.add(PrintRecord(certificate_id=certificate.id, document=PrintDocument.CARD))
        db.session.add(BpjsBatchItem(batch_id=batch.id, membership_id=membership.id))
        # A member a DTSEN refresh put out of the target (portal.desil.review: staff only).
        flag = DtsenFlag(membership_id=membership.id, person_id=person.id, reason=DtsenFlagReason.ABOVE_CUTOFF, desil=6)
        db.session.add(flag)
        db.session.commit()
        # A case of the other area, reported by its head, with a document (portal.cases).
        case = report_case_of(other_head, person)
        # The row alone: every probe is refused before any file would be read.
        document = CaseDocument(case_id=case.id, type_id=checklist(case.kind)[0].id, storage_key="cases/probe.png",
                                content_type="image/png", size=1, uploaded_by_id=other_head.id)
        db.session.add(document)
        db.session.commit()
        # A staff import of an institutional list and a row of it waiting for an area (staff only).
        institutional = InstitutionalImport(filename="kpu.xlsx", source="KPU", category_code="penyelenggara_pemilu",
                                            created_by_id=other_head.id)
        db.session.add(institutional)
        db.session.flush()
        waiting = UnplacedEntry(import_id=institutional.id, nik=person.nik, full_name="Orang Tanpa Alamat")
        db.session.add(waiting)
        # A message of the outbox about the other area's person (portal.notifications: staff only).
        message = NotificationMessage(channel=Channel.DEV, recipient="6281234567890", recipient_digest="probe",
                                      template="member_approved", body="Halo", person_id=person.id, state=MessageState.DEAD)
        db.session.add(message)
        db.session.commit()
        # A request about the other area that staff asked its head about (portal.public_requests).
        public_request = _waiting_request(PABAENG, 5)
        return {
            "request_id": public_request.id,
            "message_id": message.id,
            "import_id": institutional.id,
            "row_id": waiting.id,
            "case_id": case.id,
            "document_id": document.id,
            "type_id": document.type_id,
            "user_id": other_head.id,
            "list_id": member_list.id,
            "entry_id": entry.id,
            "person_id": person.id,
            "membership_id": membership.id,
            "certificate_id": certificate.id,
            "job_id": job.id,
            "run_id": renewal_run.id,
            "flag_id": flag.id,
            "number": batch.number,
            "year": clock.today().year,
            "facility_id": facility.id,
            "batch_id": dereg_batch.id,
            "payment_id": payment.id,
            "bill_id": bill.id,
            "month": bill.month,
        }


def _waiting_request(kelurahan_code: str, rw: int):
    from portal.models import RequestKind, RequestState
    from portal.public_requests.services import Submission, receive_request

    submission = Submission(kind=RequestKind.OBJECTION, description="Sanggahan uji.", kelurahan_code=kelurahan_code, rw=rw)
    public_request, _code = receive_request(submission)
    public_request.state = RequestState.WAITING_AREA
    db.session.commit()
    return public_request


def _urls_taking_an_id(app, ids: dict[str, int]) -> list[tuple[str, str, set[str]]]:
    """(endpoint, URL, allowed methods) for every rule with an integer part."""
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            integer_parts = [name for name, converter in rule._converters.items() if isinstance(converter, IntegerConverter)]
            if not integer_parts:
                continue
            values = {}
            for name in rule.arguments:
                assert name in ids or name in OTHER_PARTS, f"{rule.rule}: give this test a record for <{name}>"
                values[name] = ids.get(name, OTHER_PARTS.get(name))
            found.append((rule.endpoint, url_for(rule.endpoint, **values), set(rule.methods) - {"HEAD", "OPTIONS"}))
    return found


def test_rt_head_probing_other_areas_ids_gets_404_on_every_url_that_takes_an_id(app, client, auth):
    ids = _records_of_another_area(app)
    urls = _urls_taking_an_id(app, ids)
    assert len(urls) >= 25
    auth.login("rtrw1")
    token = csrf_token(client, "/")
    answers = {}
    for endpoint, url, methods in urls:
        for method in ("GET", "POST"):
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": token})
            expected = 404 if method in methods else 405
            answers[(endpoint, method)] = response.status_code
            assert response.status_code == expected, f"{method} {url} ({endpoint}) answered {response.status_code}"
    assert set(answers.values()) <= {404, 405}
    with app.app_context():
        refused = db.session.scalars(db.select(AuditEvent).filter_by(action="access.refused", actor_name="rtrw1")).all()
        assert {e.details["reason"] for e in refused} == {"role", "area"}


def test_the_probed_ids_exist_the_other_areas_head_opens_their_own_list(app, client, auth):
    ids = _records_of_another_area(app)
    auth.login("rtrw2")
    assert client.get(f"/daftar/{ids['list_id']}").status_code == 200
    assert client.get(f"/daftar/{ids['list_id']}/baris/{ids['entry_id']}").status_code == 200
    assert client.get(f"/kartu/{ids['certificate_id']}/serahkan").status_code == 200
    assert client.get(f"/meja-permintaan/{ids['request_id']}").status_code == 200


def test_hospital_account_gets_404_on_every_url_that_takes_an_id(app, client, auth):
    """The new role against the same URL map: a facility's account opens none of these pages."""
    ids = _records_of_another_area(app)
    urls = _urls_taking_an_id(app, ids)
    with app.app_context():
        make_user("rs1", Role.HOSPITAL, facility_id=ids["facility_id"])
    auth.login("rs1")
    token = csrf_token(client, "/rs/cek-pasien")
    for endpoint, url, methods in urls:
        for method in ("GET", "POST"):
            response = client.get(url) if method == "GET" else client.post(url, data={"csrf_token": token})
            assert response.status_code == 404, f"{method} {url} ({endpoint}) answered {response.status_code}"
