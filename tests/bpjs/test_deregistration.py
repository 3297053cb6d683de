"""BPJS de-registration files: ended members in numbered batches, each reported once."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from portal import clock
from portal.admin.services import copy_year
from portal.bpjs import deregistration
from portal.extensions import db
from portal.models import (
    AuditEvent,
    BpjsDeregBatch,
    BpjsDeregItem,
    EndReason,
    Membership,
    ProgrammeYear,
    RenewalDecision,
    RenewalOutcome,
    RenewalRunStatus,
    Reverification,
    ReverificationAnswer,
    Role,
)
from portal.registry.services import end_membership
from portal.memberships.services import end_membership as end_cover
from portal.renewal import services as renewal
from tests.factories import make_member, make_user
from tests.review.helpers import post

YEAR = clock.today().year
NEXT = YEAR + 1
PAGE = "/bpjs/pemberhentian"


def _sent(name: str, kpj: str | None, **fields):
    """A member BPJS knows: with a KPJ, or (kpj None) sent in a registration batch."""
    person, membership = make_member(name, year=YEAR, **fields)
    if kpj:
        membership.kpj_number = kpj
    else:
        from portal.models import BpjsBatch, BpjsBatchItem

        number = (db.session.scalar(db.select(db.func.max(BpjsBatch.number))) or 0) + 1
        batch = BpjsBatch(number=number, member_count=1, file_format="csv")
        db.session.add(batch)
        db.session.flush()
        db.session.add(BpjsBatchItem(batch_id=batch.id, membership_id=membership.id))
    db.session.commit()
    return person, membership


def _staff(app):
    with app.app_context():
        return make_user("staff1", Role.STAFF).id


def _rows(download) -> list[tuple]:
    return list(load_workbook(io.BytesIO(download.data)).active.iter_rows(values_only=True))


def _batches() -> int:
    """Batches made (not those queued or failed)."""
    return db.session.scalar(
        db.select(db.func.count()).select_from(BpjsDeregBatch).filter_by(status=RenewalRunStatus.DONE)
    )


def _wait_for_worker(app) -> None:
    app.extensions["renewal_worker"].submit(lambda: None).result(timeout=60)


def _make(app, client, expected: str):
    """Confirm a batch of `expected` members: the request returns at once with the batch's
    progress page; once the background worker is done, that page as staff see it then."""
    response = post(client, PAGE, {"expected": expected}, page=PAGE)
    assert response.status_code == 302
    assert "/bpjs/pemberhentian/proses/" in response.location
    _wait_for_worker(app)
    page = client.get(response.location)
    assert page.status_code == 200
    assert 'hx-trigger="every 1s"' not in page.get_data(as_text=True)  # finished: no more polling
    return page


def _preview_count(client) -> int:
    page = client.get(PAGE)
    assert page.status_code == 200
    found = re.search(r'name="expected" type="hidden" value="(\d+)"', page.get_data(as_text=True))
    return int(found.group(1)) if found else 0


def test_ended_members_go_into_numbered_batches_once_each_with_reason_and_end_date(app, client, auth):
    _staff(app)
    with app.app_context():
        deceased, m_deceased = _sent("Siti Aminah", "26000000001")
        moved, m_moved = _sent("Budi Santoso", None)
        active, _m_active = _sent("Ani Wijaya", "26000000003")
        never_sent, m_never = make_member("Rudi Hartono", year=YEAR)
        from portal.models import User

        actor = db.session.scalar(db.select(User).filter_by(username="staff1"))
        end_membership(m_deceased, EndReason.DECEASED.value, "", actor)
        end_cover(m_moved, EndReason.MOVED_AWAY, date(YEAR, 3, 15), "")
        end_membership(m_never, EndReason.MOVED_AWAY.value, "", actor)
        db.session.commit()
        ended_on = deregistration.due_members()[0].ended_on
        niks = {"deceased": deceased.nik, "moved": moved.nik, "active": active.nik, "never": never_sent.nik}

    auth.login("staff1")
    assert _preview_count(client) == 2
    with app.app_context():
        assert _batches() == 0  # the preview creates nothing
    made = _make(app, client, "2").get_data(as_text=True)
    assert "Batch pemberhentian 1 dibuat dengan 2 peserta." in made
    assert "/bpjs/pemberhentian/1.xlsx" in made
    download = client.get("/bpjs/pemberhentian/1.xlsx")
    assert download.status_code == 200
    assert 'filename="pemberhentian-bpjs-batch-0001.xlsx"' in download.headers["Content-Disposition"]
    rows = _rows(download)
    assert rows[0] == deregistration.HEADERS
    by_nik = {r[0]: r for r in rows[1:]}
    assert set(by_nik) == {niks["deceased"], niks["moved"]}
    assert by_nik[niks["deceased"]][1:3] == ("26000000001", "Siti Aminah")
    assert by_nik[niks["deceased"]][4:] == (ended_on.isoformat(), "01", "Meninggal dunia")
    assert by_nik[niks["moved"]][1] in ("", None)  # sent, BPJS has not answered yet
    assert by_nik[niks["moved"]][4:] == (date(YEAR, 3, 15).isoformat(), "02", "Pindah domisili")
    assert all(isinstance(r[0], str) for r in rows[1:])

    # Again: nobody twice. The preview shows none and a stale confirmation creates nothing.
    assert _preview_count(client) == 0
    stale = _make(app, client, "2").get_data(as_text=True)
    assert "Tidak ada peserta berakhir yang belum dilaporkan ke BPJS." in stale
    with app.app_context():
        assert _batches() == 1
        assert db.session.scalar(db.select(db.func.count()).select_from(BpjsDeregItem)) == 2
        exports = db.session.scalars(db.select(AuditEvent).filter_by(action="bpjs.dereg_export")).all()
        assert len(exports) == 2
        assert db.session.scalars(db.select(AuditEvent).filter_by(action="bpjs.dereg_download")).all()

    # Someone else ends: the next batch is number 2 and carries only them.
    with app.app_context():
        m_active = db.session.scalar(db.select(Membership).filter_by(kpj_number="26000000003"))
        end_membership(m_active, EndReason.EMPLOYER_COVERED.value, "", actor_of(app))
        db.session.commit()
    assert _preview_count(client) == 1
    _make(app, client, "1")
    text = client.get("/bpjs/pemberhentian/2.csv").data.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == list(deregistration.HEADERS)
    assert [(r[0], r[1], r[5]) for r in lines[1:]] == [(niks["active"], "26000000003", "03")]
    assert niks["never"] not in text
    # The first file reads the same when downloaded again.
    assert _rows(client.get("/bpjs/pemberhentian/1.xlsx")) == rows


def actor_of(app):
    from portal.models import User

    return db.session.scalar(db.select(User).filter_by(username="staff1"))


def test_a_changed_count_or_cancel_creates_nothing(app, client, auth):
    _staff(app)
    with app.app_context():
        _p, membership = _sent("Siti Aminah", "26000000001")
        end_membership(membership, EndReason.OTHER.value, "salah data", actor_of(app))
        db.session.commit()
    auth.login("staff1")
    assert _preview_count(client) == 1
    refused = _make(app, client, "5").get_data(as_text=True)
    assert "Jumlah peserta berubah sejak pratinjau (5, sekarang 1)" in refused
    assert 'href="/bpjs/pemberhentian"' in refused  # back to the preview, with the count as it is now
    assert post(client, PAGE, {"expected": ""}, page=PAGE).status_code == 200  # form shown again
    assert client.get("/bpjs/").status_code == 200  # the cancel link's page
    with app.app_context():
        assert _batches() == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(BpjsDeregItem)) == 0
    assert client.get("/bpjs/pemberhentian/1.xlsx").status_code == 404
    assert client.get("/bpjs/pemberhentian/1.pdf").status_code == 404


@pytest.mark.parametrize("role", [Role.RT_RW, Role.AGENT])
def test_area_roles_cannot_see_preview_create_or_download(app, client, auth, role):
    with app.app_context():
        make_user("head", role)
        _p, membership = _sent("Siti Aminah", "26000000001")
        end_membership(membership, EndReason.DECEASED.value, "", make_user("staff1", Role.STAFF))
        db.session.add(BpjsDeregBatch(number=1, member_count=0))
        db.session.commit()
    auth.login("head")
    assert client.get(PAGE).status_code == 404
    assert post(client, PAGE, {"expected": "1"}, page="/").status_code in (403, 404)
    assert client.get("/bpjs/pemberhentian/1.xlsx").status_code == 404
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(BpjsDeregItem)) == 0


def test_anonymous_is_sent_to_sign_in(app, client):
    response = client.get(PAGE)
    assert response.status_code in (302, 401, 404)
    assert client.get("/bpjs/pemberhentian/1.csv").status_code in (302, 401, 404)


@pytest.fixture
def next_year(app):
    with app.app_context():
        copy_year(db.session.get(ProgrammeYear, YEAR), NEXT, None)
        db.session.commit()


def test_not_renewed_members_are_reported_ending_31_december_and_renewed_ones_are_not(app, next_year):
    with app.app_context():
        max_age = db.session.get(ProgrammeYear, NEXT).max_age
        _old, m_old = _sent("Daeng Tua", "26000000001", birth_date=date(YEAR - max_age, 1, 1))
        _young, m_young = _sent("Daeng Muda", "26000000002")
        for m in (m_old, m_young):
            db.session.add(Reverification(membership_id=m.id, answer=ReverificationAnswer.CONFIRMED))
        db.session.commit()
        renewal.apply_plan(renewal.plan_renewal(YEAR, NEXT), None)
        db.session.commit()
        decision = db.session.scalar(db.select(RenewalDecision).filter_by(membership_id=m_old.id))
        assert decision.outcome == RenewalOutcome.NOT_RENEWED
        due = deregistration.due_members(date(YEAR, 12, 1))
        assert [(d.membership_id, d.ended_on, d.reason_code) for d in due] == [
            (m_old.id, date(YEAR, 12, 31), "not_renewed:age_out_of_range")
        ]
        code, text = deregistration.reason_columns(due[0].reason_code)
        assert code == "05" and text.startswith("Tidak diperpanjang") and "Usia" in text
        # After the turn of the year the renewed member is still covered: not reported.
        assert [d.membership_id for d in deregistration.due_members(date(NEXT, 1, 2))] == [m_old.id]


def test_a_death_reported_after_renewal_is_reported_once_on_the_day_of_death(app, next_year):
    with app.app_context():
        _p, membership = _sent("Siti Aminah", "26000000001")
        db.session.add(Reverification(membership_id=membership.id, answer=ReverificationAnswer.CONFIRMED))
        db.session.commit()
        renewal.apply_plan(renewal.plan_renewal(YEAR, NEXT), None)
        db.session.commit()
        renewed = db.session.scalar(db.select(Membership).filter_by(year=NEXT))
        day = max(date(YEAR, 1, 1), date.fromordinal(clock.today().toordinal() - 1))
        end_cover(membership, EndReason.DECEASED, day, "")
        db.session.commit()
        due = deregistration.due_members()
        assert [(d.membership_id, d.ended_on, d.reason_code) for d in due] == [(renewed.id, day, "deceased")]


def test_a_member_ended_and_approved_again_is_not_reported_until_the_new_membership_ends(app):
    with app.app_context():
        person, membership = _sent("Siti Aminah", "26000000001")
        end_membership(membership, EndReason.OTHER.value, "keliru", make_user("staff1", Role.STAFF))
        db.session.commit()
        from portal.memberships.services import grant_membership
        from portal.models import CategorySetting

        again = grant_membership(person, db.session.get(CategorySetting, (YEAR, person.category_code)), clock.today())
        db.session.commit()
        assert deregistration.due_members() == []
        end_membership(again, EndReason.MOVED_AWAY.value, "", actor_of(app))
        db.session.commit()
        assert [(d.membership_id, d.reason_code) for d in deregistration.due_members()] == [(again.id, "moved_away")]


def test_an_expired_membership_without_renewal_is_reported_as_expired(app):
    with app.app_context():
        _p, membership = _sent("Siti Aminah", "26000000001")
        due = deregistration.due_members(membership.ends_on)
        assert due == []
        due = deregistration.due_members(date.fromordinal(membership.ends_on.toordinal() + 1))
        assert [(d.membership_id, d.ended_on, d.reason_code) for d in due] == [(membership.id, membership.ends_on, "expired")]


def test_an_expiry_waiting_for_a_renewal_decision_is_held_back_until_staff_decide(app, client, auth, next_year):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        _p, membership = _sent("Siti Aminah", "26000000001")  # re-verification never answered
        renewal.apply_plan(renewal.plan_renewal(YEAR, NEXT), None)
        db.session.commit()
        decision = db.session.scalar(db.select(RenewalDecision).filter_by(membership_id=membership.id))
        assert decision.outcome == RenewalOutcome.NEEDS_CONFIRMATION
        after = date.fromordinal(membership.ends_on.toordinal() + 1)
        assert deregistration.due_members(after) == []
        assert deregistration.held_back_count(after) == 1
        membership.ends_on = date.fromordinal(clock.today().toordinal() - 1)  # ran out already
        db.session.commit()
        membership_id = membership.id
    auth.login("staff1")
    page = client.get(PAGE).get_data(as_text=True)
    assert "menunggu keputusan petugas" in page
    assert _preview_count(client) == 0
    with app.app_context():
        # Staff decide "not renewed": now it is reported, with the decision's reason.
        decision = db.session.scalar(db.select(RenewalDecision).filter_by(membership_id=membership_id))
        decision.outcome, decision.reason_code = RenewalOutcome.NOT_RENEWED, "reverification_unanswered"
        db.session.commit()
    assert _preview_count(client) == 1
    _make(app, client, "1")
    index = client.get("/bpjs/").get_data(as_text=True)
    assert "/bpjs/pemberhentian/1.xlsx" in index and "/bpjs/pemberhentian/1.csv" in index
    rows = _rows(client.get("/bpjs/pemberhentian/1.xlsx"))
    assert rows[1][5] == "05"


def test_a_batch_is_made_in_the_background_while_its_page_polls_for_progress(app, client, auth):
    import threading

    _staff(app)
    with app.app_context():
        _p, membership = _sent("Siti Aminah", "26000000001")
        end_membership(membership, EndReason.DECEASED.value, "", actor_of(app))
        db.session.commit()
    auth.login("staff1")
    assert _preview_count(client) == 1
    release = threading.Event()
    from portal.renewal.jobs import local_worker

    with app.app_context():
        membership_nik = db.session.scalar(db.select(Membership).filter_by(kpj_number="26000000001")).person.nik
    local_worker(app).submit(release.wait, 30)  # the worker is busy: the batch waits its turn
    try:
        response = post(client, PAGE, {"expected": "1"}, page=PAGE)
        assert response.status_code == 302
        waiting = client.get(response.location).get_data(as_text=True)
        assert "Menunggu giliran" in waiting and 'hx-trigger="every 1s"' in waiting
        fragment = client.get(response.location, headers={"HX-Request": "true"})
        assert "<html" not in fragment.get_data(as_text=True) and "Menunggu giliran" in fragment.get_data(as_text=True)
        assert fragment.headers["Vary"] == "HX-Request" or "HX-Request" in fragment.headers["Vary"]
        # A second confirmation meanwhile makes nothing: one batch at a time.
        again = post(client, PAGE, {"expected": "1"}, page=PAGE)
        assert again.status_code == 200
        assert "Batch pemberhentian lain sedang dibuat" in again.get_data(as_text=True)
        with app.app_context():
            assert _batches() == 0
            assert db.session.scalar(db.select(db.func.count()).select_from(BpjsDeregBatch)) == 1
    finally:
        release.set()
    _wait_for_worker(app)
    done = client.get(response.location, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Batch pemberhentian 1 dibuat dengan 1 peserta." in done and "every 1s" not in done
    assert "Siti Aminah" not in done and "26000000001" not in done  # no personal data on the page
    with app.app_context():
        assert _batches() == 1
        # The job built the XLSX once and keeps it: the download sends that file.
        from portal import storage

        stored = storage.get(db.session.scalar(db.select(BpjsDeregBatch.file_key).filter_by(number=1)))
        assert stored
    download = client.get("/bpjs/pemberhentian/1.xlsx")
    assert download.data == stored
    assert [r[0] for r in _rows(download)][1:] == [membership_nik]


def test_a_batchs_progress_page_is_in_english_when_chosen(app, client, auth):
    _staff(app)
    with app.app_context():
        _p, membership = _sent("Siti Aminah", "26000000001")
        end_membership(membership, EndReason.DECEASED.value, "", actor_of(app))
        db.session.commit()
    auth.login("staff1")
    with client.session_transaction() as session:
        session["lang"] = "en"
    refused = _make(app, client, "3").get_data(as_text=True)
    assert "The number of members changed since the preview (3, now 1)" in refused
    assert "Jumlah peserta berubah" not in refused
