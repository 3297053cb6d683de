"""The members' messages after approval: card printed and handed over, cover ending soon,
membership renewed, and the case desk's state changes to a case's contact and heir. Each is
driven through the page or command its user meets, queued only with consent, once per
one-time event, never for a change that rolled back, and without a NIK or full name."""

from __future__ import annotations

import threading
import time as clock_time
from datetime import date, datetime, time, timedelta

import pytest

from portal import clock
from portal.admin.services import copy_year
from portal.extensions import db
from portal.models import (
    Case,
    CaseState,
    Channel,
    Membership,
    Person,
    PrintDocument,
    ProgrammeYear,
    Reverification,
    ReverificationAnswer,
    Role,
)
from portal.notifications import recipients
from tests.cases.helpers import post_report, report_case_of
from tests.certificates.pdfs import post
from tests.certificates.test_batch import _start_batch, _watch_progress
from tests.conftest import AuthActions, csrf_token
from tests.factories import make_member, make_user
from tests.handout.test_handout import hand_over, printed_card
from tests.notifications.helpers import messages
from tests.ops.servers import needs_postgresql
from tests.ops.test_database_outage import migrated_postgresql  # noqa: F401 - a fixture

WHATSAPP = {"NOTIFY_WHATSAPP_TOKEN": "t", "NOTIFY_WHATSAPP_PHONE_NUMBER_ID": "1"}
PHONE, OTHER_PHONE = "081234567801", "081234567802"


@pytest.fixture
def app(notify_app, tmp_path):
    return notify_app(**WHATSAPP, STORAGE_DIR=str(tmp_path / "storage"), PRINT_RENDER_PROCESSES=0)


def _member(name="Siti Aminah Daeng", phone=PHONE, consent=True, **fields) -> tuple[Person, Membership]:
    return make_member(name, phone=phone, phone_consent=consent, **fields)


def _signed_in(app, username: str):
    client = app.test_client()
    AuthActions(client).login(username)
    return client


def _no_personal_data(message, person: Person) -> None:
    # A birth date is looked for as stored and by its year (messages write dates out: "17 Mei 1980").
    for value in (person.nik, person.full_name, person.street or "\0", person.birth_date.isoformat(), str(person.birth_date.year)):
        assert value not in message.body and value not in str(message.parameters), value


# -- card printed ------------------------------------------------------------------------------


def test_the_first_card_print_tells_the_member_once_and_a_reprint_or_a_certificate_tells_nothing(app):
    with app.app_context():
        make_user("petugas", Role.STAFF)
        person, membership = _member()
        silent, silent_membership = _member("Andi Baso", phone=OTHER_PHONE, consent=False)
        person_id, membership_id, silent_id = person.id, membership.id, silent_membership.id
    client = _signed_in(app, "petugas")
    for target, document in ((membership_id, "card"), (membership_id, "card"), (membership_id, "certificate"), (silent_id, "card")):
        assert post(client, f"/cetak/anggota/{target}/{document}").status_code == 303
    with app.app_context():
        [message] = messages()
        person = db.session.get(Person, person_id)
        assert (message.template, message.channel, message.recipient, message.person_id) == (
            "card_ready", Channel.WHATSAPP, "6281234567801", person.id)
        assert message.body.startswith("Halo Siti, kartu peserta BPJS Ketenagakerjaan Anda") and "ketua RT/RW" in message.body
        assert "http://portal.test/cek-status" in message.body
        _no_personal_data(message, person)


def test_a_card_print_rolled_back_leaves_no_message_and_the_next_print_tells(app):
    from portal.certificates.services import print_document

    with app.app_context():
        staff = make_user("petugas", Role.STAFF)
        _person, membership = _member()
        print_document(membership, PrintDocument.CARD, staff)
        assert len(messages(template="card_ready")) == 1  # in the transaction
        db.session.rollback()  # the print never happened
        assert messages() == []
        membership_id = membership.id
    client = _signed_in(app, "petugas")
    assert post(client, f"/cetak/anggota/{membership_id}/card").status_code == 303
    with app.app_context():
        assert len(messages(template="card_ready")) == 1


def test_a_batch_of_cards_tells_each_consenting_member_once_however_often_it_is_printed(app):
    with app.app_context():
        make_user("petugas", Role.STAFF)
        _member("Siti Aminah", phone=PHONE)
        _member("Rahma Daeng", phone=OTHER_PHONE)
        _member("Tanpa Izin", phone="081234567803", consent=False)
    client = _signed_in(app, "petugas")
    for _ in range(2):
        _watch_progress(client, _start_batch(client, document="card"))
    with app.app_context():
        assert sorted(m.recipient for m in messages(template="card_ready")) == ["6281234567801", "6281234567802"]


def test_a_replacement_card_after_a_revocation_is_news_again(app):
    from portal.certificates.services import current_certificate, print_document

    with app.app_context():
        staff = make_user("petugas", Role.STAFF)
        _person, membership = _member()
        print_document(membership, PrintDocument.CARD, staff)
        db.session.commit()
        certificate_id, membership_id = current_certificate(membership).id, membership.id
    client = _signed_in(app, "petugas")
    response = post(client, f"/cetak/sertifikat/{certificate_id}/cabut", {"reason": "lost"})
    assert response.status_code in (302, 303), response.status_code
    assert post(client, f"/cetak/anggota/{membership_id}/card").status_code == 303
    with app.app_context():
        assert len(messages(template="card_ready")) == 2


# -- card handed over ----------------------------------------------------------------------------


def test_recording_a_hand_over_tells_the_member_once_and_a_correction_tells_nothing(app):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW)
        card = printed_card("Siti Aminah")
        person = db.session.get(Person, card["person_id"])
        person.phone, person.phone_consent = PHONE, True
        db.session.commit()
    client = _signed_in(app, "rtrw1")
    day = clock.today()
    assert hand_over(client, card["certificate_id"], handed_over_on=day.strftime("%d/%m/%Y")).status_code == 303
    corrected = hand_over(client, card["certificate_id"], handed_over_on=day.strftime("%d/%m/%Y"), receiver="family",
                          receiver_name="Rahmat Suami", reason="Diterima suaminya.")
    assert corrected.status_code == 303, corrected.get_data(as_text=True)
    with app.app_context():
        [message] = messages(template="card_handed_over")
        assert message.recipient == "6281234567801" and message.person_id == card["person_id"]
        assert "sudah diserahkan pada" in message.body and "http://portal.test/bantuan" in message.body
        assert str(day.year) in message.body
        _no_personal_data(message, db.session.get(Person, card["person_id"]))


def test_a_refused_hand_over_tells_nobody(app):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW)
        card = printed_card("Siti Aminah")
        person = db.session.get(Person, card["person_id"])
        person.phone, person.phone_consent = PHONE, True
        db.session.commit()
    client = _signed_in(app, "rtrw1")
    tomorrow = (clock.today() + timedelta(days=1)).strftime("%d/%m/%Y")
    assert hand_over(client, card["certificate_id"], handed_over_on=tomorrow).status_code == 422
    with app.app_context():
        assert messages(template="card_handed_over") == []


# -- cover ending soon ---------------------------------------------------------------------------


def _remind(app) -> str:
    result = app.test_cli_runner().invoke(args=["notifications", "remind-expiring"])
    assert result.exit_code == 0, result.output
    return result.output


def test_members_whose_cover_ends_soon_are_reminded_once_and_only_those_still_to_answer(app):
    today = clock.today()
    with app.app_context():
        soon, soon_membership = _member("Siti Aminah", phone=PHONE)
        answered, answered_membership = _member("Sudah Dijawab", phone=OTHER_PHONE)
        _later, later_membership = _member("Masih Lama", phone="081234567803")
        _silent, silent_membership = _member("Tanpa Izin", phone="081234567804", consent=False)
        for membership in (soon_membership, answered_membership, silent_membership):
            membership.ends_on = today + timedelta(days=10)
        later_membership.ends_on = today + timedelta(days=45)
        db.session.add(Reverification(membership_id=answered_membership.id, answer=ReverificationAnswer.CONFIRMED))
        db.session.commit()
        soon_id, ends_on = soon.id, soon_membership.ends_on
    assert "reminders: 1 members told" in _remind(app)
    assert "reminders: 0 members told" in _remind(app)  # the next day's run, or a second cron
    with app.app_context():
        [message] = messages()
        assert (message.template, message.recipient, message.person_id) == ("cover_ending", "6281234567801", soon_id)
        assert f"berakhir pada {ends_on.day} " in message.body and "Ketua RT/RW Anda perlu mengonfirmasi" in message.body
        _no_personal_data(message, db.session.get(Person, soon_id))


def test_a_member_already_renewed_is_not_reminded_and_a_stopped_number_is_not_either(app):
    today = clock.today()
    with app.app_context():
        renewed, membership = _member("Siti Aminah", phone=PHONE)
        membership.ends_on = today + timedelta(days=5)
        # Already carried into next year (as the renewal run does): nothing to warn of.
        later = Membership(number="MKS-NEXT-000001", person_id=renewed.id, year=membership.year + 1,
                           starts_on=membership.ends_on + timedelta(days=1), ends_on=date(membership.year + 1, 12, 31))
        db.session.add(later)
        _stopped, stopped_membership = _member("Berhenti Saja", phone=OTHER_PHONE)
        stopped_membership.ends_on = today + timedelta(days=5)
        recipients.stop(OTHER_PHONE, "reply")
        db.session.commit()
    assert "reminders: 0 members told" in _remind(app)


def test_the_sender_loop_sends_the_reminders_with_the_morning_digest(notify_app, monkeypatch):
    from portal.notifications import cli, digest

    app = notify_app(NOTIFY_DIGEST_HOUR=8)  # the development channel: "sent" to the log
    morning = datetime.combine(clock.today(), time(9, 0), tzinfo=clock.CITY_TIMEZONE)
    monkeypatch.setattr(clock, "now", lambda: morning)
    with app.app_context():
        _person, membership = _member()
        membership.ends_on = clock.today() + timedelta(days=3)
        db.session.commit()
        assert digest.due()
    assert "digest " in app.test_cli_runner().invoke(args=["notifications", "digest"]).output
    with app.app_context():
        assert not digest.due()  # today's digest came from cron: the loop still reminds

    def stop_after_one_pass(seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli.time, "sleep", stop_after_one_pass)
    result = app.test_cli_runner().invoke(args=["notifications", "send", "--loop"])
    assert "reminders: 1 members told" in result.output, result.output
    with app.app_context():
        [message] = messages(template="cover_ending")
        assert message.state.value == "sent"  # queued, then sent by the same pass


# -- renewed ------------------------------------------------------------------------------------


def test_a_renewal_run_tells_each_renewed_member_and_the_super_app(notify_app, tmp_path):
    app = notify_app(NOTIFY_WEBHOOK_URL="http://x", NOTIFY_WEBHOOK_SECRET="s", **WHATSAPP)
    year = clock.today().year
    with app.app_context():
        copy_year(db.session.get(ProgrammeYear, year), year + 1, None)
        renewed, membership = _member(year=year)
        db.session.add(Reverification(membership_id=membership.id, answer=ReverificationAnswer.CONFIRMED))
        _unanswered, _m = _member("Belum Dijawab", phone=OTHER_PHONE, year=year)
        db.session.commit()
        renewed_id = renewed.id
    result = app.test_cli_runner().invoke(args=["programme", "renew", "--from", str(year), "--to", str(year + 1)])
    assert result.exit_code == 0, result.output
    again = app.test_cli_runner().invoke(args=["programme", "renew", "--from", str(year), "--to", str(year + 1)])
    assert again.exit_code == 0, again.output
    with app.app_context():
        [message] = messages(template="membership_renewed")
        assert message.recipient == "6281234567801" and message.person_id == renewed_id
        assert f"sampai 31 Desember {year + 1}" in message.body and f"1 Januari {year + 1}" in message.body
        _no_personal_data(message, db.session.get(Person, renewed_id))
        [hook] = messages(template="membership_changed")
        new = db.session.scalar(db.select(Membership).filter_by(person_id=renewed_id, year=year + 1))
        assert hook.channel == Channel.WEBHOOK and '"status": "renewed"' in hook.body and new.number in hook.body
        assert "Siti" not in hook.body and hook.person_id == renewed_id


# -- case state changed --------------------------------------------------------------------------


def _case(app, consent: bool, kind="jkm") -> int:
    with app.app_context():
        staff = make_user("staff1", Role.STAFF)
        person, _membership = make_member("Sitti Aminah")
        case = report_case_of(staff, person, kind=kind, contact_phone=PHONE, heir_name="Andi Baso", heir_phone=OTHER_PHONE,
                              phone_consent=consent)
        return case.id


def test_a_case_moving_tells_its_contact_and_heir_when_they_agreed(app):
    case_id = _case(app, consent=True)
    client = _signed_in(app, "staff1")
    token = csrf_token(client, f"/kasus/{case_id}")
    moved = client.post(f"/kasus/{case_id}/status", data={"csrf_token": token, "state": "stage_one"}, follow_redirects=True)
    assert moved.status_code == 200
    client.post(f"/kasus/{case_id}/hasil", data={
        "csrf_token": token, "outcome": "paid", "paid_on": date.today().strftime("%d/%m/%Y"), "amount": "42000000",
        "benefit_kind": "jkm_death"})
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.state == CaseState.PAID
        sent = messages(template="case_changed")
        assert [(m.recipient, "Dikirim ke BPJS: tahap I" in m.body, "Manfaat dibayar" in m.body) for m in sent] == [
            ("6281234567801", True, False), ("6281234567802", True, False),
            ("6281234567801", False, True), ("6281234567802", False, True)]
        for message in sent:
            assert case.reference in message.body and "42.000.000" not in message.body and "42000000" not in message.body
            _no_personal_data(message, case.person)
            assert "Andi" not in message.body


def test_a_case_without_consent_or_a_refused_change_tells_nobody(app):
    case_id = _case(app, consent=False)
    client = _signed_in(app, "staff1")
    token = csrf_token(client, f"/kasus/{case_id}")
    client.post(f"/kasus/{case_id}/status", data={"csrf_token": token, "state": "stage_one"})
    with app.app_context():
        assert messages() == []
        case = db.session.get(Case, case_id)
        case.phone_consent = True
        db.session.commit()
    refused = client.post(f"/kasus/{case_id}/status", data={"csrf_token": token, "state": "stage_one"}, follow_redirects=True)
    assert "sudah berstatus" in refused.get_data(as_text=True)
    with app.app_context():
        assert messages() == []


def test_the_report_form_records_the_consent_and_the_case_page_shows_it(app):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        person, _membership = make_member("Sitti Aminah")
        nik = person.nik
    client = _signed_in(app, "staff1")
    form = client.get("/kasus/baru").get_data(as_text=True)
    assert "setuju diberi kabar lewat WhatsApp/SMS" in form
    response = post_report(client, nik=nik, name="Sitti Aminah", phone_consent="y")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ya, kontak dan ahli waris setuju" in page
    with app.app_context():
        assert db.session.scalar(db.select(Case.phone_consent)) is True


# -- one-time events under concurrency ---------------------------------------------------------


def _waits_on_a_lock(url: str, timeout: float = 10) -> bool:
    """Whether, within `timeout`, a session of the database waits on a lock (the second INSERT
    on the first's uncommitted key): only then is ON CONFLICT what the test exercises."""
    import psycopg
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = target.set(drivername="postgresql").render_as_string(hide_password=False)
    deadline = clock_time.monotonic() + timeout
    with psycopg.connect(admin, autocommit=True) as connection:
        while clock_time.monotonic() < deadline:
            waiting = connection.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'", (target.database,)
            ).fetchone()[0]
            if waiting:
                return True
            clock_time.sleep(0.05)
    return False


@needs_postgresql
def test_two_transactions_queuing_the_same_card_at_once_queue_one_message_and_neither_fails(
    migrated_postgresql,  # noqa: F811 - the fixture imported above
):
    """The second waits on the first's unique key, then skips it (ON CONFLICT DO NOTHING)."""
    from portal import create_app
    from portal.memberships.services import issue_certificate
    from portal.notifications import events
    from portal.seed.reference import seed_reference
    from tests.conftest import make_config
    from tests.notifications.conftest import QUIET_OFF

    app = create_app(make_config(migrated_postgresql, **QUIET_OFF))
    with app.app_context():
        seed_reference()
        _person, membership = _member()
        certificate = issue_certificate(membership, issued_by=None)
        db.session.commit()
        printed = [(certificate.id, membership.person_id)]
    first_queued, second_started = threading.Event(), threading.Event()
    queued, errors = {}, []

    def queue(name: str) -> None:
        try:
            with app.app_context():
                queued[name] = events.cards_ready(printed)
                if name == "first":
                    first_queued.set()
                    second_started.wait(10)  # the second is now waiting on the key
                db.session.commit()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    first = threading.Thread(target=queue, args=("first",))
    first.start()
    assert first_queued.wait(10)
    second = threading.Thread(target=queue, args=("second",))
    second.start()
    assert _waits_on_a_lock(migrated_postgresql), "the second transaction never waited on the first's key"
    second_started.set()
    first.join(20)
    second.join(20)
    with app.app_context():
        stored = len(messages(template="card_ready"))
        db.session.remove()
        db.engine.dispose()  # this app is the test's own: close its connections now
    assert errors == [] and queued == {"first": 1, "second": 0} and stored == 1
