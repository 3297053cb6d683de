"""The RT/RW heads' daily digest: one message per head and day saying in counts what waits,
only when something is new, never twice a day, only with consent, never to a number that said
STOP, held in quiet hours, and queued once a day by the sender's loop from NOTIFY_DIGEST_HOUR."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta, timezone

import pytest

from portal import clock
from portal.certificates.services import print_document
from portal.extensions import db
from portal.models import DigestRun, ListEntry, PrintDocument, RequestKind, Role, User
from portal.notifications import digest, recipients
from tests.conftest import AuthActions, csrf_token
from tests.factories import LETTE, make_entry, make_list, make_member, make_user
from tests.notifications.helpers import messages
from tests.public_requests.staff_helpers import post as desk_post
from tests.public_requests.staff_helpers import receive
from tests.review.helpers import post as review_post

MAKASSAR = clock.CITY_TIMEZONE
HEAD_PHONE = "081355500011"


def _head(username="rtrw1", role=Role.RT_RW, consent=True, phone=HEAD_PHONE, **area) -> User:
    head = make_user(username, role, **area)
    head.phone, head.phone_consent, head.full_name = phone, consent, "Daeng Baso Karaeng"
    db.session.commit()
    return head


def _pending(head: User, count: int, **fields) -> list[int]:
    member_list = make_list(head)
    ids = [make_entry(member_list, full_name=f"Muh. Ridwan {n}", **fields).id for n in range(count)]
    db.session.commit()
    return ids


def _return_over_http(app, entry_ids: list[int]) -> None:
    """Staff send the rows back to the head from the review page, as they do."""
    client = app.test_client()
    AuthActions(client).login("staff1")
    for entry_id in entry_ids:
        response = review_post(client, f"/verifikasi/{entry_id}/kembalikan", {"reason_text": "Tanggal lahir tidak sesuai KTP."})
        assert response.status_code in (200, 302), response.get_data(as_text=True)


def _digest(app) -> str:
    result = app.test_cli_runner().invoke(args=["notifications", "digest"])
    assert result.exit_code == 0, result.output
    return result.output


def _at(monkeypatch, local: datetime) -> None:
    monkeypatch.setattr(clock, "now", lambda: local)
    monkeypatch.setattr(clock, "today", lambda: local.date())


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def test_a_head_with_three_rows_returned_gets_one_digest_not_three_and_not_twice_that_day(notify_app):
    app = notify_app()
    with app.app_context():
        make_user("staff1", Role.STAFF)
        head = _head()
        ids = _pending(head, 3)
        niks = [db.session.get(ListEntry, i).nik for i in ids]
        head_id = head.id
    _return_over_http(app, ids)
    assert "1 heads with something new, 1 queued" in _digest(app)
    with app.app_context():
        [message] = messages(template="head_digest")
        assert (message.recipient, message.user_id, message.person_id) == ("6281355500011", head_id, None)
        assert message.body.startswith("Halo Daeng, yang menunggu Anda di portal Makassar Berjasa: 3 usulan dikembalikan untuk diperbaiki, "
                                       "0 anggota menunggu konfirmasi masih layak, 0 kartu siap dibagikan, 0 permintaan")
        assert "http://portal.test/beranda " in message.body
        assert "Baso" not in message.body and "Ridwan" not in message.body
        assert not any(nik in message.body + str(message.parameters) for nik in niks)
        assert not re.search(r"\d{16}", message.body)
    assert "already ran today, nothing queued" in _digest(app)
    with app.app_context():
        assert len(messages(template="head_digest")) == 1


def test_nothing_new_since_yesterdays_digest_sends_nothing_and_new_rows_the_next_day_do(notify_app, monkeypatch):
    app = notify_app()
    today = clock.now()
    with app.app_context():
        make_user("staff1", Role.STAFF)
        head = _head()
        ids = _pending(head, 2)
    _at(monkeypatch, today - timedelta(days=1))
    assert "0 heads with something new, 0 queued" in _digest(app)  # nothing waits yet
    monkeypatch.undo()
    _return_over_http(app, ids[:1])
    assert "1 heads with something new, 1 queued" in _digest(app)
    _at(monkeypatch, today + timedelta(days=1))
    assert "0 heads with something new, 0 queued" in _digest(app)  # the row still waits, but it is not news
    with app.app_context():
        [message] = messages(template="head_digest")
        assert message.parameters["returned"] == "1"
        runs = db.session.scalars(db.select(DigestRun).order_by(DigestRun.day)).all()
        assert [(run.heads, run.queued) for run in runs] == [(0, 0), (1, 1), (0, 0)]


def test_a_head_without_consent_or_whose_number_said_stop_gets_no_digest(notify_app):
    app = notify_app()
    with app.app_context():
        make_user("staff1", Role.STAFF)
        silent = _head("rtrw1", consent=False)
        stopped = _head("rtrw2", rw=3, phone="081355500022")
        ids = _pending(silent, 1) + _pending(stopped, 1)
        recipients.stop("081355500022", "reply")
        db.session.commit()
    _return_over_http(app, ids)
    assert "1 heads with something new, 0 queued" in _digest(app)  # the consenting head said STOP
    with app.app_context():
        assert messages() == []


def test_a_digest_run_at_night_waits_for_the_end_of_quiet_hours(notify_app, monkeypatch):
    app = notify_app(NOTIFY_QUIET_START="21:00", NOTIFY_QUIET_END="07:00")
    night = datetime.combine(clock.today(), time(22, 30), tzinfo=MAKASSAR)
    with app.app_context():
        make_user("staff1", Role.STAFF)
        ids = _pending(_head(), 1)
    _return_over_http(app, ids)
    _at(monkeypatch, night)
    assert "1 queued" in _digest(app)
    with app.app_context():
        [message] = messages(template="head_digest")
        morning = datetime.combine(night.date() + timedelta(days=1), time(7), tzinfo=MAKASSAR)
        assert _aware(message.next_attempt_at) == morning
        from portal.notifications import sender

        assert sender.send_pass(now=night + timedelta(minutes=5)).total == 0
        assert sender.send_pass(now=morning).counts == {"sent": 1}


def test_each_head_counts_their_own_area_cards_reverification_and_the_desks_questions(notify_app):
    app = notify_app()
    with app.app_context():
        staff = make_user("staff1", Role.STAFF)
        rw_head = _head("rtrw1", rw=2)  # the whole RW 002
        rt_head = _head("rtrw2", rw=2, rt=2, phone="081355500022")  # RT 002 of it only
        agent = _head("agent1", Role.AGENT, rw=2, phone="081355500033")
        _head("rtrw3", rw=5, phone="081355500044")  # another RW: nothing of this
        for rt in (1, 2):
            _person, membership = make_member(f"Sitti Hasnah {rt}", kelurahan_code=LETTE, rw=2, rt=rt)
            print_document(membership, PrintDocument.CARD, staff)
        db.session.commit()
        request_id = receive(RequestKind.DIED_OR_MOVED, rw=2, rt=1).id
        ids = _pending(rw_head, 2)
        rw_head_id, rt_head_id, agent_id = rw_head.id, rt_head.id, agent.id
    _return_over_http(app, ids)
    client = app.test_client()
    AuthActions(client).login("staff1")
    url = f"/meja-permintaan/{request_id}"
    assert desk_post(client, f"{url}/tanya-rt-rw", {"question": "Benarkah sudah pindah?"}, page=url).status_code == 302
    assert "3 heads with something new, 3 queued" in _digest(app)
    with app.app_context():
        by_head = {m.user_id: m.parameters for m in messages(template="head_digest")}
        counts = {user_id: tuple(int(p[k]) for k in digest.KINDS) for user_id, p in by_head.items()}
        year_open = digest.waiting_by_area(None) != []  # the re-verification window of this year
        members = 1 if year_open else 0
        assert counts[rw_head_id] == (2, 2 * members, 2, 1)
        assert counts[rt_head_id] == (0, members, 1, 0)  # the list is the RW's; the request is RT 001's
        assert counts[agent_id] == (2, 2 * members, 2, 0)  # agents do not answer the desk


@pytest.mark.parametrize("hour, queued", [(7, False), (8, True)])
def test_the_sender_loop_queues_the_digest_once_a_day_from_the_digest_hour(notify_app, monkeypatch, hour, queued):
    from portal.notifications import cli

    app = notify_app(NOTIFY_DIGEST_HOUR=8)
    with app.app_context():
        make_user("staff1", Role.STAFF)
        ids = _pending(_head(), 1)
    _return_over_http(app, ids)
    _at(monkeypatch, datetime.combine(clock.today(), time(hour, 59), tzinfo=MAKASSAR))
    passes = []

    def stop_after_two(seconds):
        passes.append(seconds)
        if len(passes) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(cli.time, "sleep", stop_after_two)
    result = app.test_cli_runner().invoke(args=["notifications", "send", "--loop", "--interval", "0"])
    assert len(passes) == 2
    assert result.output.count("digest ") == (1 if queued else 0), result.output
    with app.app_context():
        sent = messages(template="head_digest")
        assert len(sent) == (1 if queued else 0)
        assert not queued or sent[0].state.value == "sent"  # queued, then sent by the same loop
        assert digest.due() is False  # before the hour, or already run today
        assert digest.due(datetime.combine(clock.today(), time(8), tzinfo=MAKASSAR)) is (not queued)


def test_a_head_who_chose_english_on_the_security_page_gets_the_digest_in_english(notify_app):
    app = notify_app()
    with app.app_context():
        make_user("staff1", Role.STAFF)
        ids = _pending(_head(consent=False), 1)
    client = app.test_client()
    AuthActions(client).login("rtrw1")
    page = client.get("/akun/keamanan").get_data(as_text=True)
    assert "Bahasa pesan" in page and 'value="en"' in page
    token = csrf_token(client, "/akun/keamanan")
    refused = client.post("/akun/kabar", data={"csrf_token": token, "phone_consent": "y", "message_locale": "fr"})
    assert refused.status_code == 400 and "Pilih bahasa pesan." in refused.get_data(as_text=True)
    with app.app_context():
        head = db.session.scalar(db.select(User).filter_by(username="rtrw1"))
        assert (head.phone_consent, head.message_locale) == (False, "id")  # the refusal changed nothing
    chosen = client.post("/akun/kabar", data={"csrf_token": token, "phone_consent": "y", "message_locale": "en"}, follow_redirects=True)
    assert "Persetujuan menerima kabar disimpan." in chosen.get_data(as_text=True)
    # A form sent without the language (a page from before it had the field) keeps the choice.
    assert client.post("/akun/kabar", data={"csrf_token": token, "phone_consent": "y"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(User.message_locale).filter_by(username="rtrw1")) == "en"
    _return_over_http(app, ids)
    _digest(app)
    with app.app_context():
        [message] = messages(template="head_digest")
        assert (message.locale, message.body.startswith("Hello Daeng, waiting for you")) == ("en", True), message.body
