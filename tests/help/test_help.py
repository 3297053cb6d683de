"""Help everywhere an answer ends: RW contacts, the help desk block from admin-edited settings, /bantuan, the new addresses."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import event

from portal.extensions import READS, db
from portal.memberships.services import issue_certificate
from portal.models import AuditEvent, Role, SiteSetting, User
from tests.citizen.factories import make_people, unknown_nik
from tests.citizen.test_status import _comparable, post_status
from tests.factories import LETTE, make_member, make_user
from tests.review.helpers import post

OFFICE = {"office_phone": "0411 3600 000", "office_whatsapp": "0811-4100-0000"}


def set_settings(**values):
    for key, value in values.items():
        db.session.get(SiteSetting, key).value = value
    db.session.commit()


@pytest.fixture
def rw_heads(app):
    """Lette RW 002: a head who agreed to be shown, an agent who did not, a head of another RW."""
    with app.app_context():
        set_settings(**OFFICE)
        shown = make_user("rtrw9", Role.RT_RW, rw=2, rt=1, phone="0812-1111-2222", phone_public=True)
        shown.full_name = "Daeng Baso"
        hidden = make_user("agent9", Role.AGENT, rw=2, phone="081233334444", phone_public=False)
        hidden.full_name = "Syamsul Alam"
        make_user("rtrw8", Role.RT_RW, rw=5, phone="081255556666", phone_public=True)
        db.session.commit()


def test_a_found_answer_names_the_consenting_heads_of_the_persons_rw_with_phone_and_whatsapp(app, client, rw_heads):
    with app.app_context():
        person, _ = make_member("Rahmat Hidayat", kelurahan_code=LETTE, rw=2)
        nik = person.nik
    page = post_status(client, nik, "Rahmat Hidayat", htmx=True).get_data(as_text=True)
    assert "Ketua RT/RW</strong> · Lette RW 002 RT 001 · Daeng Baso" in page
    assert 'href="tel:081211112222"' in page and 'href="https://wa.me/6281211112222"' in page
    assert "Agen Perisai</strong> · Lette RW 002" in page
    assert "Syamsul Alam" not in page and "081233334444" not in page  # did not agree
    assert "081255556666" not in page  # another RW
    # The help desk, from the settings.
    assert "Butuh bantuan?" in page and "Balai Kota Makassar" in page and "Senin–Jumat" in page
    assert 'href="tel:04113600000"' in page and 'href="https://wa.me/6281141000000"' in page
    assert 'href="tel:175"' in page
    assert nik not in page


def test_a_found_answer_reads_its_contacts_on_the_check_s_own_connection(app, client, rw_heads):
    """One pool check-out (and so one pre-ping) per Cek Status answer, contacts included."""
    with app.app_context():
        person, _ = make_member("Rahmat Hidayat", kelurahan_code=LETTE, rw=2)
        nik = person.nik
        engine = db.engines[READS]
    checkouts = []

    def note(*_args):
        checkouts.append(1)

    event.listen(engine, "checkout", note)
    try:
        page = post_status(client, nik, "Rahmat Hidayat", htmx=True).get_data(as_text=True)
    finally:
        event.remove(engine, "checkout", note)
    assert "Daeng Baso" in page
    assert len(checkouts) == 1


@pytest.mark.parametrize("htmx", [True, False], ids=["fragment", "whole-page"])
def test_the_not_found_answer_shows_the_help_desk_and_is_the_same_for_an_unknown_nik_and_a_wrong_name(app, rw_heads, htmx):
    with app.app_context():
        people = make_people()
    unknown, known = unknown_nik(), people["active"]
    first = post_status(app.test_client(), unknown, "Siti Aminah Binti", htmx=htmx, address="10.0.0.1")
    second = post_status(app.test_client(), known, "Siti Aminah Binti", htmx=htmx, address="10.0.0.2")
    body = first.get_data(as_text=True)
    assert "Data tidak ditemukan" in body and "Butuh bantuan?" in body
    assert 'href="/bantuan/ketua-rt-rw"' in body
    assert "Daeng Baso" not in body and "0812-1111-2222" not in body  # nobody of the person's RW
    assert _comparable(first, unknown) == _comparable(second, known)


def test_an_active_member_sees_the_last_four_kpj_digits_and_that_the_card_is_ready(app, client):
    with app.app_context():
        person, membership = make_member("Rahmat Hidayat")
        nik = person.nik
    page = post_status(client, nik, "Rahmat Hidayat", htmx=True).get_data(as_text=True)
    assert "Nomor KPJ" not in page and "Sedang disiapkan" in page
    with app.app_context():
        membership = db.session.merge(membership)
        membership.kpj_number = "23051234567"
        issue_certificate(membership)
        db.session.commit()
    page = post_status(client, nik, "Rahmat Hidayat", htmx=True).get_data(as_text=True)
    assert "Nomor KPJ BPJS" in page and "4567" in page and "23051234567" not in page
    assert "Siap diambil" in page


def test_the_eligibility_answer_ends_with_the_rw_contacts_and_the_help_desk(app, client, rw_heads):
    from tests.citizen.test_eligibility import post_eligibility

    page = post_eligibility(client)
    assert "Daeng Baso" in page and "https://wa.me/6281211112222" in page
    assert "Butuh bantuan?" in page and "https://wa.me/6281141000000" in page


def test_the_rt_rw_finder_lists_an_areas_consenting_heads_and_refuses_a_bad_rw(client, rw_heads):
    page = client.get(f"/bantuan/ketua-rt-rw?kelurahan={LETTE}&rw=2").get_data(as_text=True)
    assert "Lette RW 002" in page and "Daeng Baso" in page and "Syamsul Alam" not in page
    page = client.get(f"/bantuan/ketua-rt-rw?kelurahan={LETTE}&rw=0").get_data(as_text=True)
    assert "Nomor RW antara 1 dan" in page
    page = client.get("/bantuan/ketua-rt-rw?kelurahan=9999&rw=2").get_data(as_text=True)
    assert "Pilih kelurahan dari daftar." in page


def test_the_help_page_answers_in_indonesian_and_english_with_the_settings(app, client):
    with app.app_context():
        set_settings(jkm_total="45000000", benefits_source="PP 82/2019 (uji)", **OFFICE)
    page = client.get("/bantuan").get_data(as_text=True)
    assert "Setelah kecelakaan kerja" in page and "Rp 45.000.000" in page and "PP 82/2019 (uji)" in page
    assert 'id="rumah-sakit-mitra"' in page and "Pemberitahuan privasi" in page
    assert "12 bulan setelah keputusan" in page and "24 bulan setelah berakhir" in page
    assert page.index('href="tel:04113600000"') < page.index('id="manfaat"')  # phone first
    client.post("/bahasa", data={"lang": "en", "next": "/bantuan"})
    page = client.get("/bantuan").get_data(as_text=True)
    assert "After a work accident" in page and "Rp 45,000,000" in page and "Privacy notice" in page


def _settings_form(**changes) -> dict:
    from portal.help.settings import DEFAULTS

    return {**DEFAULTS, **OFFICE, **changes}


def test_an_admin_edits_the_help_settings_with_an_audit_event_and_citizens_see_them(app, client, auth):
    with app.app_context():
        make_user("admin", Role.ADMIN)
    auth.login("admin")
    response = post(client, "/admin/bantuan", _settings_form(office_hours="Senin–Kamis, 08.00–15.00 WITA"), page="/admin/bantuan")
    assert response.status_code == 302
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).filter_by(action="site_settings.update"))
        assert sorted(event.details["fields"]) == ["office_hours", "office_phone", "office_whatsapp"]
    page = post_status(client, unknown_nik(), "Siti Aminah", htmx=True).get_data(as_text=True)
    assert "Senin–Kamis, 08.00–15.00 WITA" in page


def test_bad_help_settings_get_specific_messages_and_change_nothing(app, client, auth):
    with app.app_context():
        make_user("admin", Role.ADMIN)
    auth.login("admin")
    response = post(client, "/admin/bantuan", _settings_form(office_phone="telepon saja", jkm_total="banyak", office_address=""), page="/admin/bantuan")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Tulis nomor telepon dengan angka saja" in page
    assert "Isi dengan angka bulat" in page or "Isi jumlah dalam rupiah." in page
    assert "Isian ini wajib diisi." in page
    with app.app_context():
        assert db.session.get(SiteSetting, "office_phone").value == ""
        assert db.session.scalar(db.select(AuditEvent).filter_by(action="site_settings.update")) is None


def test_only_an_admin_opens_the_help_settings(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    auth.login("staff1")
    assert client.get("/admin/bantuan").status_code in (403, 404)


def test_the_old_english_addresses_redirect_permanently_and_a_post_keeps_its_body(app, client):
    with app.app_context():
        person, _ = make_member("Rahmat Hidayat")
        nik = person.nik
    assert client.get("/status").status_code == 308
    assert client.get("/status").headers["Location"] == "/cek-status"
    response = client.post("/status", data={"nik": nik, "name": "Rahmat Hidayat"})
    assert response.status_code == 308 and nik not in response.headers["Location"]
    # A browser repeats the POST, body and all, at the Location of a 308.
    followed = client.post(response.headers["Location"], data={"nik": nik, "name": "Rahmat Hidayat"})
    assert "Terdaftar dan terlindungi" in followed.get_data(as_text=True)
    assert client.get("/eligibility?kecamatan=737101").headers["Location"] == "/cek-kelayakan?kecamatan=737101"
    response = client.get("/stats?year=2026")
    assert response.status_code == 308 and response.headers["Location"] == "/statistik?year=2026"
    assert client.get("/api/v1/openapi.json").status_code == 200  # the API keeps its paths


def test_a_second_submit_without_javascript_only_repeats_the_answer(app, client):
    with app.app_context():
        person, _ = make_member("Rahmat Hidayat")
        nik = person.nik
    first = post_status(client, nik, "Rahmat Hidayat").get_data(as_text=True)
    second = post_status(client, nik, "Rahmat Hidayat").get_data(as_text=True)
    assert first == second


def test_the_birth_date_is_a_typed_text_box_and_the_choices_are_large_labels(client):
    page = client.get("/cek-kelayakan").get_data(as_text=True)
    assert 'id="birth_date"' in page and 'type="date"' not in page
    assert 'class="choice" for="employer_covered-0"' in page


def test_a_contact_changed_by_an_admin_shows_in_the_next_answer_at_once(app, client, rw_heads):
    """Contacts are kept per process for SITE_SETTINGS_CACHE_SECONDS; a change made here is not."""
    with app.app_context():
        person, _ = make_member("Rahmat Hidayat", kelurahan_code=LETTE, rw=2)
        nik = person.nik
    assert "Daeng Baso" in post_status(client, nik, "Rahmat Hidayat", htmx=True).get_data(as_text=True)
    with app.app_context():
        head = db.session.scalar(db.select(User).filter_by(username="rtrw9"))
        head.phone_public = False
        db.session.commit()
    page = post_status(client, nik, "Rahmat Hidayat", htmx=True).get_data(as_text=True)
    assert "Daeng Baso" not in page and "0812-1111-2222" not in page
    with app.app_context():
        make_user("rtrw7", Role.RT_RW, rw=2, rt=3, phone="081277778888", phone_public=True).full_name = "Daeng Ngemba"
        db.session.commit()
    assert "Daeng Ngemba" in post_status(client, nik, "Rahmat Hidayat", htmx=True).get_data(as_text=True)


def test_contacts_kept_by_another_process_are_read_again_after_the_settings_cache_time(app, client, rw_heads, monkeypatch):
    with app.app_context():
        person, _ = make_member("Rahmat Hidayat", kelurahan_code=LETTE, rw=2)
        nik = person.nik
    assert "Daeng Baso" in post_status(client, nik, "Rahmat Hidayat", htmx=True).get_data(as_text=True)
    # Another process's change: straight in the database, so no ORM event here.
    with app.app_context():
        db.session.execute(db.update(User).where(User.username == "rtrw9").values(phone_public=False))
        db.session.commit()
    assert "Daeng Baso" in post_status(client, nik, "Rahmat Hidayat", htmx=True).get_data(as_text=True)  # still kept
    later = time.monotonic() + app.config["SITE_SETTINGS_CACHE_SECONDS"] + 1
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert "Daeng Baso" not in post_status(client, nik, "Rahmat Hidayat", htmx=True).get_data(as_text=True)


def test_the_help_page_says_how_long_each_kind_of_personal_data_is_kept_from_the_settings(app_factory):
    app = app_factory(RETENTION_DELETED_MONTHS=4, RETENTION_CASE_MONTHS=61, RETENTION_REJECTED_MONTHS=13, RETENTION_ENDED_MONTHS=25)
    page = app.test_client().get("/bantuan").get_data(as_text=True)
    assert "dianonimkan 13 bulan setelah keputusan" in page
    assert "dianonimkan 25 bulan setelah berakhir" in page
    assert "dari daftar usulan: dianonimkan 4 bulan setelah dihapus" in page
    assert "dihapus 61 bulan setelah kasusnya ditutup" in page
