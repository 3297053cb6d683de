"""Journey: a nurse at a partner hospital checks patients' cover on a 360 px phone."""

from playwright.sync_api import expect

from portal.extensions import db
from portal.models import FacilityKind, PartnerFacility, Role
from tests.browser.conftest import key_screen, login
from tests.conftest import PASSWORD
from tests.factories import make_member, make_user, new_nik


def test_a_nurse_looks_up_a_covered_patient_an_unknown_one_and_a_kpj_on_a_phone(live_server, live_app, phone):
    with live_app.app_context():
        person, membership = make_member("Muh. Ilham Dg. Naba")
        membership.kpj_number = "12345678901"
        facility = db.session.scalar(db.select(PartnerFacility).filter_by(name="Primaya Hospital Makassar"))
        assert facility.kind == FacilityKind.HOSPITAL
        db.session.commit()
        make_user("rs1", Role.HOSPITAL, facility_id=facility.id)
        nik = person.nik

    login(phone, live_server, "rs1", PASSWORD, lands_on="/rs/cek-pasien")
    expect(phone.get_by_role("heading", name="Cek kepesertaan pasien", level=1)).to_be_visible()
    expect(phone.get_by_role("navigation", name="Menu utama")).not_to_contain_text("Cek Status")
    key_screen(phone, "hospital-lookup-form")
    phone.evaluate("window.samePage = true")

    phone.get_by_label("NIK pasien (16 angka)").fill(f"{nik[:4]} {nik[4:8]} {nik[8:12]} {nik[12:]}")
    phone.get_by_label("Nama lengkap pasien sesuai KTP").fill("Muhammad Ilham Daeng Naba")
    phone.locator("#nik-submit").click()
    answer = phone.locator("#lookup-answer")
    expect(answer.get_by_role("heading", name="Terlindungi hari ini")).to_be_visible()
    expect(answer).to_contain_text("JKK, JKM")
    expect(answer).to_contain_text("Per ")
    expect(answer).not_to_contain_text(nik)
    expect(answer).not_to_contain_text("Ilham")
    key_screen(phone, "hospital-lookup-covered")

    phone.get_by_label("NIK pasien (16 angka)").fill(new_nik())
    phone.get_by_label("Nama lengkap pasien sesuai KTP").fill("Muhammad Ilham Daeng Naba")
    phone.locator("#nik-submit").click()
    expect(answer.get_by_role("heading", name="Tidak ditemukan sebagai peserta")).to_be_visible()

    phone.get_by_label("NIK pasien (16 angka)").fill("12345")
    phone.locator("#nik-submit").click()
    expect(answer.get_by_role("alert")).to_contain_text("NIK terdiri dari 16 angka.")
    key_screen(phone, "hospital-lookup-error")

    phone.get_by_label("Nomor KPJ (11 angka)").fill("12345678901")
    phone.locator("#kpj-submit").click()
    expect(answer.get_by_role("heading", name="Terlindungi hari ini")).to_be_visible()
    assert phone.evaluate("window.samePage") is True
    assert phone.console_errors == []

    # Any other page answers "not found" to a hospital account.
    response = phone.goto(live_server.url + "/beranda")
    assert response.status == 404
