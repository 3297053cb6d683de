"""Card hand-out as an RT/RW head meets it: the cards ready for their RW, recording and
correcting each hand-over, the tanda terima PDF, and what the member's Cek Status says."""

from __future__ import annotations

from datetime import timedelta

from portal import clock
from portal.certificates.services import print_document
from portal.extensions import db
from portal.models import AuditEvent, CardHandover, PrintDocument, Role, User
from portal.nik import mask_nik
from tests.certificates.pdfs import all_text, read_pdf
from tests.conftest import csrf_token
from tests.factories import LETTE, PABAENG, make_member, make_user


def printed_card(name: str, **address) -> dict:
    """A member with an active membership whose card staff printed; returns ids and the NIK."""
    printer = db.session.scalar(db.select(User).filter_by(username="petugas")) or make_user("petugas", Role.STAFF)
    person, membership = make_member(name, **address)
    certificate = print_document(membership, PrintDocument.CARD, printer)
    db.session.commit()
    return {"certificate_id": certificate.id, "nik": person.nik, "person_id": person.id}


def hand_over(client, certificate_id: int, **data):
    token = csrf_token(client, f"/kartu/{certificate_id}/serahkan")
    values = {"handed_over_on": clock.today().isoformat(), "receiver": "member", "csrf_token": token}
    values.update(data)
    return client.post(f"/kartu/{certificate_id}/serahkan", data=values)


def test_rt_head_sees_the_printed_cards_of_their_rw_only_and_the_count_on_the_home_page(app, client, auth):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
        printed_card("Siti Aminah")
        printed_card("Orang Lain Rw", rw=3)
        printed_card("Orang Tamalate", kelurahan_code=PABAENG, rw=5)
        make_member("Belum Dicetak")  # no card printed: not ready
    auth.login("rtrw1")
    page = client.get("/kartu/").get_data(as_text=True)
    assert "Siti Aminah" in page
    assert "Orang Lain Rw" not in page and "Orang Tamalate" not in page and "Belum Dicetak" not in page
    home = client.get("/beranda").get_data(as_text=True)
    assert 'href="/kartu/?tampil=siap"><strong>1</strong> Kartu siap dibagikan' in home


def test_recording_a_hand_over_moves_the_card_to_handed_over_and_is_audited(app, client, auth):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
        card = printed_card("Siti Aminah")
    auth.login("rtrw1")
    day = clock.today()
    response = hand_over(client, card["certificate_id"], handed_over_on=day.strftime("%d/%m/%Y"),
                         receiver="family", receiver_name="Rahmat Suami")
    assert response.status_code == 303
    assert "Siti Aminah" not in client.get("/kartu/?tampil=siap").get_data(as_text=True)
    handed = client.get("/kartu/?tampil=diserahkan").get_data(as_text=True)
    assert "Siti Aminah" in handed and "Rahmat Suami" in handed
    with app.app_context():
        record = db.session.scalar(db.select(CardHandover))
        assert (record.handed_over_on, record.receiver.value, record.receiver_name) == (day, "family", "Rahmat Suami")
        event = db.session.scalar(db.select(AuditEvent).filter_by(action="card.handover"))
        assert event.person_id == card["person_id"]


def test_a_family_member_must_be_named_and_a_future_date_is_refused_with_nothing_saved(app, client, auth):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
        card = printed_card("Siti Aminah")
    auth.login("rtrw1")
    unnamed = hand_over(client, card["certificate_id"], receiver="family")
    assert unnamed.status_code == 422
    page = unnamed.get_data(as_text=True)
    assert 'id="receiver_name-error">Tulis nama anggota keluarga' in page
    future = hand_over(client, card["certificate_id"], handed_over_on=(clock.today() + timedelta(days=2)).isoformat())
    assert future.status_code == 422
    assert "tidak boleh setelah hari ini" in future.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(CardHandover)) == 0


def test_correcting_a_hand_over_needs_a_reason_and_keeps_the_old_values_in_the_audit(app, client, auth):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
        card = printed_card("Siti Aminah")
    auth.login("rtrw1")
    hand_over(client, card["certificate_id"])
    form = client.get(f"/kartu/{card['certificate_id']}/serahkan").get_data(as_text=True)
    assert "Alasan perbaikan" in form
    no_reason = hand_over(client, card["certificate_id"], receiver="family", receiver_name="Ibu Peserta")
    assert no_reason.status_code == 422
    fixed = hand_over(client, card["certificate_id"], receiver="family", receiver_name="Ibu Peserta", reason="salah pilih penerima")
    assert fixed.status_code == 303
    with app.app_context():
        record = db.session.scalar(db.select(CardHandover))
        assert (record.receiver.value, record.receiver_name, record.corrections) == ("family", "Ibu Peserta", 1)
        event = db.session.scalar(db.select(AuditEvent).filter_by(action="card.handover.correct"))
        assert event.details["before"]["receiver"] == "member"
        assert set(event.details["fields"]) == {"receiver", "receiver_name"}


def test_a_card_of_another_rw_answers_404_and_is_not_recorded(app, client, auth):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
        card = printed_card("Orang Tamalate", kelurahan_code=PABAENG, rw=5)
    auth.login("rtrw1")
    assert client.get(f"/kartu/{card['certificate_id']}/serahkan").status_code == 404
    assert hand_over(client, card["certificate_id"]).status_code == 404
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(CardHandover)) == 0


def test_tanda_terima_lists_the_hand_overs_with_masked_nik_rt_card_number_receiver_and_signature(app, client, auth):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
        first = printed_card("Siti Aminah", rt=3)
        second = printed_card("Nurhayati Dg Ngai", rt=1)
        printed_card("Belum Diserahkan")
    auth.login("rtrw1")
    hand_over(client, first["certificate_id"])
    assert hand_over(client, second["certificate_id"], receiver="family", receiver_name="Baso Anak").status_code == 303
    today = clock.today().isoformat()
    response = client.get(f"/kartu/tanda-terima.pdf?dari={today}&sampai={today}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(all_text(read_pdf(response.data)).split())  # cells wrap inside the table
    for expected in ("Tanda terima kartu peserta", "Siti Aminah", "Nurhayati Dg Ngai", mask_nik(first["nik"]),
                     "Tanda tangan", "Peserta sendiri", "Anggota keluarga: Baso Anak", "003", "MKS-"):
        assert expected in text, expected
    assert first["nik"] not in text and "Belum Diserahkan" not in text
    # RT 001 before RT 003.
    assert text.index("Nurhayati") < text.index("Siti Aminah")
    with app.app_context():
        printed = db.session.scalars(
            db.select(AuditEvent.person_id).where(AuditEvent.action == "print", AuditEvent.actor_name == "rtrw1")
        ).all()
        assert sorted(printed) == sorted([first["person_id"], second["person_id"]])


def test_the_ready_list_enters_each_listed_persons_access_history(app, client, auth):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
        card = printed_card("Siti Aminah")
    auth.login("rtrw1")
    client.get("/kartu/")
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).filter_by(action="handout.view"))
        assert (event.person_id, event.target_type, event.target_id) == (card["person_id"], "certificate", str(card["certificate_id"]))


def test_tanda_terima_with_dates_in_the_wrong_order_says_so(app, client, auth):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
    auth.login("rtrw1")
    response = client.get("/kartu/tanda-terima.pdf?dari=2026-02-10&sampai=2026-02-01", follow_redirects=True)
    assert "Tanggal akhir tidak boleh sebelum tanggal awal" in response.get_data(as_text=True)


def test_cek_status_says_when_the_card_was_handed_over(app, client, auth):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
        card = printed_card("Siti Aminah")
    before = client.post("/cek-status", data={"nik": card["nik"], "name": "Siti Aminah"}).get_data(as_text=True)
    assert "Siap diambil" in before and "sudah diserahkan" not in before.lower()
    auth.login("rtrw1")
    hand_over(client, card["certificate_id"])
    auth.logout()
    after = client.post("/cek-status", data={"nik": card["nik"], "name": "Siti Aminah"}).get_data(as_text=True)
    assert "Sudah diserahkan pada" in after
    assert "Kartu peserta sudah diserahkan kepada Anda" in after
