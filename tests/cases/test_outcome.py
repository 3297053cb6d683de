"""The outcome of a case: the benefit paid or the refusal; a confirmed death ends the membership."""

from __future__ import annotations

from datetime import date, timedelta

from portal.bpjs import deregistration
from portal.extensions import db
from portal.models import AuditEvent, Case, CaseState, EndReason, Membership, MembershipStatus, Role
from tests.cases.helpers import report_case_of
from tests.certificates.pdfs import all_text, read_pdf
from tests.conftest import csrf_token
from tests.factories import make_member, make_user


def _case(app, kind="jkk", **facts):
    with app.app_context():
        staff = make_user("staff1", Role.STAFF)
        person, membership = make_member("Sitti Aminah", street="Jl. Sungai Saddang 12")
        membership.kpj_number = "26000000777"
        db.session.commit()
        case = report_case_of(staff, person, kind=kind, **facts)
        return case.id, membership.id


def test_staff_record_the_benefit_paid_and_the_case_closes(app, client, auth):
    case_id, _ = _case(app)
    auth.login("staff1")
    token = csrf_token(client, f"/kasus/{case_id}")
    missing = client.post(f"/kasus/{case_id}/hasil", data={"csrf_token": token, "outcome": "paid"}, follow_redirects=True)
    text = missing.get_data(as_text=True)
    assert "Isi tanggal pembayaran." in text and "Isi jumlah yang dibayar." in text
    paid = client.post(f"/kasus/{case_id}/hasil", data={
        "csrf_token": token, "outcome": "paid", "paid_on": date.today().strftime("%d/%m/%Y"), "amount": "2500000",
        "benefit_kind": "jkk_care"}, follow_redirects=True)
    page = paid.get_data(as_text=True)
    assert "Hasil kasus dicatat." in page and "Rp 2.500.000" in page
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert (case.state, case.paid_amount, case.benefit_kind, case.paid_on) == (CaseState.PAID, 2_500_000, "jkk_care", date.today())
        assert case.closed_at is not None
        assert db.session.scalar(db.select(AuditEvent.details).filter_by(action="case.paid"))["amount"] == 2_500_000
    again = client.post(f"/kasus/{case_id}/status", data={"csrf_token": token, "state": "stage_two"}, follow_redirects=True)
    assert "Kasus ini sudah ditutup" in again.get_data(as_text=True)


def test_a_refusal_needs_its_reason(app, client, auth):
    case_id, _ = _case(app)
    auth.login("staff1")
    token = csrf_token(client, f"/kasus/{case_id}")
    empty = client.post(f"/kasus/{case_id}/hasil", data={"csrf_token": token, "outcome": "refused"}, follow_redirects=True)
    assert "Tuliskan alasan penolakan dari BPJS." in empty.get_data(as_text=True)
    client.post(f"/kasus/{case_id}/hasil", data={"csrf_token": token, "outcome": "refused",
                                                 "refusal_reason": "Kecelakaan di luar hubungan kerja."})
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.state == CaseState.REFUSED and case.refusal_reason == "Kecelakaan di luar hubungan kerja."


def test_a_confirmed_death_ends_the_membership_for_the_deregistration_file(app, client, auth):
    died = date.today() - timedelta(days=2)
    case_id, membership_id = _case(app, kind="jkm", heir_name="Andi Baso", occurred_on=died)
    auth.login("staff1")
    token = csrf_token(client, f"/kasus/{case_id}")
    page = client.post(f"/kasus/{case_id}/konfirmasi-kematian", data={"csrf_token": token}, follow_redirects=True)
    assert "Kematian dikonfirmasi" in page.get_data(as_text=True)
    with app.app_context():
        membership = db.session.get(Membership, membership_id)
        assert membership.status == MembershipStatus.ENDED and membership.end_reason == EndReason.DECEASED
        assert membership.ends_on == died
        due = [m for m in deregistration.due_members() if m.membership_id == membership_id]
        assert [(m.ended_on, m.reason_code) for m in due] == [(died, "deceased")]
        ended = db.session.scalar(db.select(AuditEvent).filter_by(action="membership.end"))
        assert ended.details["via"] == "case" and ended.person_id == membership.person_id
    twice = client.post(f"/kasus/{case_id}/konfirmasi-kematian", data={"csrf_token": token}, follow_redirects=True)
    assert "Kematian ini sudah dikonfirmasi." in twice.get_data(as_text=True)


def test_an_accident_cannot_end_a_membership(app, client, auth):
    case_id, membership_id = _case(app)
    auth.login("staff1")
    token = csrf_token(client, f"/kasus/{case_id}")
    page = client.post(f"/kasus/{case_id}/konfirmasi-kematian", data={"csrf_token": token}, follow_redirects=True)
    assert "Hanya kasus kematian yang mengakhiri kepesertaan." in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Membership, membership_id).status == MembershipStatus.ACTIVE


def test_the_case_pdf_for_bpjs_holds_the_facts_and_the_document_list(app, client, auth):
    case_id, _ = _case(app, place="Pelabuhan Paotere", chronology="Terjatuh dari perahu saat menurunkan ikan.")
    auth.login("staff1")
    response = client.get(f"/kasus/{case_id}/laporan.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(all_text(read_pdf(response.data)).split())
    for expected in ("Sitti Aminah", "26000000777", "Pelabuhan Paotere", "Terjatuh dari perahu", "Staff1",
                     "Kecelakaan kerja (JKK)", "KTP peserta", "Resume medis", "belum ada"):
        assert expected in text, expected
    with app.app_context():
        printed = db.session.scalar(db.select(AuditEvent).filter_by(action="case.print"))
        assert printed is not None and printed.person_id is not None


def test_closed_cases_past_retention_are_deleted_with_their_documents(app, runner):
    from datetime import datetime, timezone

    from portal import storage
    from portal.cases import documents, services
    from portal.models import CaseDocument, CaseDocumentType, CaseEvent
    from tests.cases.helpers import PNG_BYTES

    with app.app_context():
        staff = make_user("staff1", Role.STAFF)
        person, _ = make_member("Sitti Aminah")
        old = report_case_of(staff, person)
        recent = report_case_of(staff, person)
        open_case = report_case_of(staff, person)
        ktp = db.session.scalar(db.select(CaseDocumentType).filter_by(code="ktp"))
        kept_file = documents.add_document(old, ktp, PNG_BYTES, staff).storage_key
        services.record_refusal(old, "Di luar hubungan kerja.", staff)
        services.record_refusal(recent, "Di luar hubungan kerja.", staff)
        old.closed_at = datetime(2019, 1, 5, tzinfo=timezone.utc)
        db.session.commit()
        old_id, recent_id, open_id = old.id, recent.id, open_case.id
        assert storage.exists(kept_file)
    dry = runner.invoke(args=["privacy", "purge"])
    assert "1 to delete with their documents" in dry.output
    result = runner.invoke(args=["privacy", "purge", "--apply"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.get(Case, old_id) is None
        assert {recent_id, open_id} <= set(db.session.scalars(db.select(Case.id)))
        assert not db.session.scalars(db.select(CaseDocument).filter_by(case_id=old_id)).all()
        assert not db.session.scalars(db.select(CaseEvent).filter_by(case_id=old_id)).all()
        assert not storage.exists(kept_file)
        run = db.session.scalar(db.select(AuditEvent).filter_by(action="privacy.purge"))
        assert run.details["cases"] == 1


def test_the_figures_count_cases_by_kind_and_state_days_to_payment_and_benefits_per_month(app, client, auth):
    from portal.cases import services

    with app.app_context():
        staff = make_user("staff1", Role.STAFF)
        person, _ = make_member("Sitti Aminah")
        first = report_case_of(staff, person)
        report_case_of(staff, person, kind="jkm", heir_name="Andi")
        services.record_payment(first, date.today(), 1_500_000, "jkk_care", staff)
        db.session.commit()
        figures = services.case_figures(date.today().year)
        from portal.models import CaseKind

        assert figures.count(CaseKind.ACCIDENT, CaseState.PAID) == 1 and figures.total(CaseKind.DEATH) == 1
        assert figures.median_days_to_payment is not None and figures.median_days_to_payment <= 1
        assert [(p.kecamatan, p.count, p.amount) for p in figures.paid] == [("Mariso", 1, 1_500_000)]
    auth.login("staff1")
    page = client.get("/kasus/ringkasan").get_data(as_text=True)
    assert "Manfaat dibayar per bulan dan kecamatan" in page and "1.500.000" in page and "Mariso" in page
    assert client.get("/kasus/ringkasan?tahun=abc").status_code == 200
