"""Cek Status as a citizen meets it: NIK and KTP name by POST, an answer under the form."""

from __future__ import annotations

import http.cookiejar
import logging
import random
import re
import threading
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
from sqlalchemy import event
from werkzeug.serving import make_server

from portal import clock
from portal.citizen import services
from portal.config import Config
from portal.extensions import READS, db, limiter
from portal.models import AuditEvent, EntryState, ListEntry, Membership, MembershipStatus, Role
from portal.names import canonical_name
from portal.nik import mask_nik
from tests.citizen.factories import NAMES, make_people, unknown_nik
from tests.factories import make_member, make_user

EXPECTED = {
    "active": ["Terdaftar dan terlindungi", "JKK, JKM", "Masa perlindungan", "Kartu peserta sudah dicetak"],
    "ended": ["Kepesertaan sudah berakhir", "Masa perlindungan", "mengusulkan Anda lagi"],
    "expired": ["Masa perlindungan sudah habis", "Masa perlindungan", "perpanjangan"],
    "pending": ["Sedang diverifikasi", "Diusulkan", "Tidak perlu mendaftar ulang"],
    "returned": ["Dikembalikan ke ketua RT/RW", "Data tidak sesuai dengan KTP atau KK."],
    "rejected": ["Tidak disetujui", "Kategori pekerjaan tidak termasuk program tahun ini."],
}
NOT_FOUND = "Data tidak ditemukan"
CSRF_VALUE = re.compile(r'(name="csrf_token"(?: type="hidden")? value=")[^"]+"')
CSRF_HEADER = re.compile(r"(X-CSRFToken&#34;: &#34;)[^&]+")


def answer_of(page: str) -> str:
    """The answer slot of a whole page (the form above it echoes what was typed)."""
    return page[page.index('id="status-answer"'):page.index("</section>", page.index('id="status-answer"'))]


def post_status(client, nik: str, name: str, *, htmx: bool = False, address: str = "127.0.0.1"):
    return client.post(
        "/cek-status",
        data={"nik": nik, "name": name},
        headers={"HX-Request": "true"} if htmx else {},
        environ_base={"REMOTE_ADDR": address},
    )


@pytest.fixture
def people(app):
    with app.app_context():
        return make_people()


def test_status_page_asks_nik_and_name_by_post_and_is_linked_from_home_and_menu(client):
    page = client.get("/cek-status").get_data(as_text=True)
    assert 'method="post" action="/cek-status#status-answer"' in page
    assert 'hx-post="/cek-status"' in page and 'hx-target="#status-answer"' in page
    assert 'name="nik"' in page and 'name="name"' in page
    home = client.get("/").get_data(as_text=True)
    assert 'href="/cek-status"' in home and 'href="/cek-kelayakan"' in home
    assert "segera tersedia" not in home
    assert home.count('href="/cek-status"') >= 2  # the home card and the menu


@pytest.mark.parametrize("outcome", sorted(EXPECTED))
def test_every_status_outcome_is_answered_with_masked_name_and_kelurahan(client, people, outcome):
    response = post_status(client, people[outcome], NAMES[outcome])
    page = answer_of(response.get_data(as_text=True))
    assert response.status_code == 200
    for text in EXPECTED[outcome]:
        assert text in page
    first, *rest = NAMES[outcome].split()
    assert f"{first[:2]}{'*' * (len(first) - 2)}" in page  # masked: Si** Am****
    assert NAMES[outcome] not in page
    assert "Lette, Mariso" in page
    assert NOT_FOUND not in page


def test_a_draft_entry_counts_as_not_proposed(client, people):
    page = post_status(client, people["draft"], "Dewi Lestari").get_data(as_text=True)
    assert NOT_FOUND in page


def test_names_match_ignoring_case_spaces_and_punctuation(client, people):
    page = post_status(client, people["active"], "  siti   AMINAH. ").get_data(as_text=True)
    assert "Terdaftar dan terlindungi" in page


def test_nik_typed_with_spaces_is_read_as_its_digits(client, people):
    nik = people["active"]
    spaced = " ".join([nik[:6], nik[6:12], nik[12:]])
    assert "Terdaftar dan terlindungi" in post_status(client, spaced, NAMES["active"]).get_data(as_text=True)


def test_an_active_member_without_a_printed_card_is_told_it_is_being_prepared(app, client):
    with app.app_context():
        person, _ = make_member("Rahmat Hidayat")
        nik = person.nik
    page = post_status(client, nik, "Rahmat Hidayat").get_data(as_text=True)
    assert "Kartu peserta sedang disiapkan" in page


def test_cover_past_its_end_date_reads_as_expired_even_before_the_nightly_update(app, client):
    with app.app_context():
        person, membership = make_member("Rahmat Hidayat")
        membership.ends_on = clock.today() - timedelta(days=1)
        db.session.commit()
        assert membership.status == MembershipStatus.ACTIVE
        nik = person.nik
    page = post_status(client, nik, "Rahmat Hidayat").get_data(as_text=True)
    assert "Masa perlindungan sudah habis" in page


def test_a_new_proposal_after_ended_cover_shows_the_proposal(app, client, people):
    with app.app_context():
        ended = db.session.scalar(db.select(ListEntry).filter_by(full_name=NAMES["pending"]))
        ended.nik = people["ended"]
        ended.full_name = NAMES["ended"]
        ended.name_canonical = canonical_name(NAMES["ended"])
        db.session.commit()
    page = post_status(client, people["ended"], NAMES["ended"]).get_data(as_text=True)
    assert "Sedang diverifikasi" in page


def test_an_invalid_nik_gets_a_specific_message(client, people):
    page = post_status(client, "7371 0113 0285", "Siti Aminah").get_data(as_text=True)
    assert "NIK terdiri dari 16 angka." in page
    page = post_status(client, "73710113O2850003", "Siti Aminah").get_data(as_text=True)
    assert "NIK hanya berisi angka." in page
    page = post_status(client, people["active"], " .. ").get_data(as_text=True)
    assert "Isi nama lengkap sesuai KTP." in page


def _comparable(response, nik: str) -> tuple:
    body = response.get_data(as_text=True).replace(nik, "<NIK>")
    body = CSRF_HEADER.sub(r"\1<token>", CSRF_VALUE.sub(r'\1<token>"', body))
    # The reset instant is a wall-clock time; everything else must be equal.
    headers = sorted((k, v) for k, v in response.headers.items() if k not in ("X-RateLimit-Reset", "Retry-After", "Set-Cookie", "X-Request-ID"))  # the request id is random per request
    return response.status_code, headers, body


@pytest.mark.parametrize("known_as", ["active", "pending"])
@pytest.mark.parametrize("htmx", [True, False], ids=["fragment", "whole-page"])
def test_unknown_nik_and_wrong_name_are_indistinguishable(app, people, htmx, known_as):
    unknown = unknown_nik()
    known = people[known_as]
    # Separate clients and addresses, so each request meets the same limiter state.
    # The same typed name both times: unknown NIK, and the active member's NIK with a name
    # that is not theirs.
    first = post_status(app.test_client(), unknown, "Siti Aminah Binti", htmx=htmx, address="10.0.0.1")
    second = post_status(app.test_client(), known, "Siti Aminah Binti", htmx=htmx, address="10.0.0.2")
    assert NOT_FOUND in first.get_data(as_text=True)
    assert _comparable(first, unknown) == _comparable(second, known)


def _work_of_a_check(app, nik: str, monkeypatch) -> tuple[list[str], int, int]:
    """The SQL statements a status check ran, how many names it made canonical, and how
    many stored (canonical) names it compared the typed one with."""
    statements: list[str] = []
    made_canonical: list[str] = []
    compared: list[str] = []
    canonical, match = services.canonical_name, services.canonical_names_match
    monkeypatch.setattr(services, "canonical_name", lambda text: made_canonical.append(text) or canonical(text))
    monkeypatch.setattr(
        services, "canonical_names_match", lambda typed, stored: compared.append(stored) or match(typed, stored)
    )

    def note(_connection, _cursor, statement, _parameters, _context, _executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engines[READS]
        event.listen(engine, "before_cursor_execute", note)
        try:
            answer = services.answer_status_check(nik, "Siti Aminah Binti", channel="web")
        finally:
            event.remove(engine, "before_cursor_execute", note)
    assert not answer.found
    return statements, len(made_canonical), len(compared)


@pytest.mark.parametrize("known_as", ["active", "pending"])
def test_an_unknown_nik_and_a_known_one_with_another_name_do_the_same_work(app, people, monkeypatch, known_as):
    """Timing cannot tell them apart when both run the same statements and comparisons."""
    unknown = _work_of_a_check(app, unknown_nik(), monkeypatch)
    known = _work_of_a_check(app, people[known_as], monkeypatch)
    assert unknown == known
    # One look-up; the typed name made canonical once; two stored names compared with it
    # (the registry's and one entry's, or stand-ins' as long as a real name).
    assert len(unknown[0]) == 1 and unknown[1] == 1 and unknown[2] == 2

    with app.app_context(), db.engines[READS].connect() as connection:
        def shape(nik: str) -> list[tuple]:
            rows = connection.execute(services._STATUS_ROWS, {"nik": nik}).all()
            converted = ("starts_on", "ends_on", "jkk", "jkm", "jht", "card_printed")
            return [(row.from_registry, *(type(getattr(row, name)) for name in converted)) for row in rows]

        # The registry row comes back whether or not a person holds the NIK, its dates and
        # flags converted alike.
        assert shape(unknown_nik()) == shape(people["active"])


def test_a_burst_of_random_niks_is_answered_429_before_it_can_enumerate(app_factory):
    app = app_factory(STATUS_LIMIT_PER_ADDRESS=Config.STATUS_LIMIT_PER_ADDRESS)
    client = app.test_client()
    allowed = int(Config.STATUS_LIMIT_PER_ADDRESS.split()[0])
    rng = random.Random(7371)
    statuses = []
    for _ in range(allowed + 5):
        nik = f"737101{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}{rng.randint(60, 99):02d}{rng.randint(1, 9999):04d}"
        statuses.append(post_status(client, nik, "Budi Santoso").status_code)
    assert statuses[:allowed] == [200] * allowed
    assert set(statuses[allowed:]) == {429}
    response = post_status(client, "7371011302850003", "Budi Santoso")
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Terlalu banyak percobaan" in page
    assert re.search(r"Silakan coba lagi dalam \d+ detik", page)
    assert int(response.headers["Retry-After"]) > 0
    assert '<html lang="id">' in page


def test_one_nik_is_limited_across_addresses_and_never_stored_in_clear(app_factory, backend):
    app = app_factory(STATUS_LIMIT_PER_NIK="3 per hour", STATUS_LIMIT_PER_ADDRESS="100 per hour")
    client = app.test_client()
    nik = "7371011302850003"
    codes = [post_status(client, nik, "Budi Santoso", address=f"10.0.0.{n}").status_code for n in range(1, 6)]
    assert codes == [200, 200, 200, 429, 429]
    # Another NIK from the same addresses is still answered.
    assert post_status(client, "7371011302850004", "Budi Santoso", address="10.0.0.1").status_code == 200
    with app.app_context():
        stored = " ".join(limiter.storage.storage.keys())
    assert "nik:" in stored
    assert nik not in stored


def test_htmx_gets_the_answer_fragment_and_a_browser_the_whole_page(client, people):
    fragment = post_status(client, people["pending"], NAMES["pending"], htmx=True)
    whole = post_status(client, people["pending"], NAMES["pending"])
    for response in (fragment, whole):
        assert "HX-Request" in response.headers["Vary"]
        assert response.headers["Cache-Control"] == "no-store"
        assert "Sedang diverifikasi" in response.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)
    assert "<form" not in fragment.get_data(as_text=True)
    page = whole.get_data(as_text=True)
    assert "<html" in page and 'id="status-answer"' in page and 'name="nik"' in page


def test_the_answer_needs_no_cookie_and_sets_none(client, people):
    """A citizen's phone need not hold a session: the check carries no CSRF token."""
    response = post_status(client, people["active"], NAMES["active"], htmx=True)
    assert "Terdaftar dan terlindungi" in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers


def test_a_boosted_navigation_gets_the_whole_page(client):
    response = client.get("/cek-status", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in response.get_data(as_text=True)


def test_a_found_check_enters_the_access_history_and_a_miss_does_not(app, client, people):
    post_status(client, people["active"], NAMES["active"])
    post_status(client, people["active"], "Orang Lain")
    post_status(client, people["pending"], NAMES["pending"])
    with app.app_context():
        events = db.session.scalars(db.select(AuditEvent).filter_by(action="status.checked").order_by(AuditEvent.id)).all()
        membership = db.session.scalar(db.select(Membership))
        entry = db.session.scalar(db.select(ListEntry).filter_by(state=EntryState.PENDING))
        assert [(e.target_type, e.actor_name) for e in events] == [("person", "web"), ("list_entry", "web")]
        assert events[0].person_id == membership.person_id
        assert events[1].target_id == str(entry.id)
        for event in events:
            assert people["active"] not in str(event.details) and people["pending"] not in str(event.details)


def test_a_signed_in_staff_member_checking_a_status_is_named_in_the_access_history(app, client, auth, people):
    with app.app_context():
        staff = make_user("petugas1", Role.STAFF)
        staff_id = staff.id
    auth.login("petugas1")
    page = post_status(client, people["active"], NAMES["active"]).get_data(as_text=True)
    assert "Terdaftar dan terlindungi" in page
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).filter_by(action="status.checked"))
        assert (event.actor_id, event.actor_name) == (staff_id, "web")


def _serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


def test_no_nik_or_name_reaches_the_logs_even_at_debug_level(app_factory, caplog):
    app = app_factory(SQLALCHEMY_ENGINE_OPTIONS=Config.SQLALCHEMY_ENGINE_OPTIONS, STATUS_LIMIT_PER_NIK="2 per hour")
    with app.app_context():
        from portal.seed.reference import seed_reference

        seed_reference()
        person, _ = make_member("Siti Aminah")
        nik = person.nik
        db.session.commit()
    caplog.set_level(logging.DEBUG)
    for name in ("werkzeug", "flask-limiter", app.logger.name):
        caplog.set_level(logging.DEBUG, logger=name)
    # SQL statements at INFO, with their parameters hidden by the engine options. (DEBUG
    # would add result rows: that is echo="debug", a developer's tool, never production's.)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")

    # Through a real HTTP server, so werkzeug writes its access log lines.
    server, thread = _serve(app)
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        opener.open(base + "/cek-status").close()
        body = urllib.parse.urlencode({"nik": nik, "name": "Siti Aminah"}).encode()
        with opener.open(base + "/cek-status", data=body) as answer:
            assert "Terdaftar dan terlindungi" in answer.read().decode()
    finally:
        server.shutdown()
        server.server_close()
        thread.join()

    client = app.test_client()
    for _ in range(3):  # the last one breaches the per-NIK limit, which the limiter logs
        post_status(client, nik, "Nama Salah")
    text = caplog.text + " ".join(str(r.args) for r in caplog.records)
    assert "POST /cek-status" in text  # the access log was captured,
    assert "exceeded" in text  # the limiter's breach line,
    assert "person.nik = " in text  # and the SQL of the look-up
    assert nik not in text and mask_nik(nik) not in text
    assert "Siti Aminah" not in text and "Nama Salah" not in text


def test_the_coverage_period_reads_in_the_chosen_language(app, client):
    with app.app_context():
        person, membership = make_member("Rahmat Hidayat")
        nik, starts_on = person.nik, membership.starts_on
    year = starts_on.year
    indonesian = post_status(client, nik, "Rahmat Hidayat", htmx=True).get_data(as_text=True)
    assert f"1 Jan {year} – 31 Des {year}" in indonesian
    client.post("/bahasa", data={"lang": "en", "next": "/cek-status"})
    english = post_status(client, nik, "Rahmat Hidayat", htmx=True).get_data(as_text=True)
    assert f"Jan 1, {year} – Dec 31, {year}" in english
