"""Cek Kelayakan through its form: the shared rules case by case, and whom in the RW to ask."""

from __future__ import annotations

from datetime import date

import pytest

from portal import clock
from portal.extensions import db
from portal.models import CategorySetting, Role
from tests.conftest import csrf_token
from tests.factories import LETTE, make_user

MARISO = "737101"
MAMAJANG = "737102"
THIS_YEAR = clock.today().year


def answers(**changes) -> dict:
    """A cadre of working age in Lette RW 002, with nothing that rules her out."""
    return {
        "kecamatan": MARISO,
        "kelurahan": LETTE,
        "rw": "2",
        "birth_date": date(THIS_YEAR - 40, 3, 1).isoformat(),
        "category": "kader",
        "employer_covered": "tidak",
        "civil_servant": "tidak",
        "desil": "",
        **changes,
    }


def post_eligibility(client, htmx: bool = True, **changes):
    data = {**answers(**changes), "csrf_token": csrf_token(client, "/cek-kelayakan")}
    response = client.post("/cek-kelayakan", data=data, headers={"HX-Request": "true"} if htmx else {})
    assert response.status_code == 200
    return response.get_data(as_text=True)


LIKELY = "Kemungkinan memenuhi syarat"
UNLIKELY = "Kemungkinan belum memenuhi syarat"


def test_a_cadre_of_working_age_is_likely_eligible_with_the_programmes_of_the_year(client):
    page = post_eligibility(client)
    assert LIKELY in page and UNLIKELY not in page
    assert f"program tahun {THIS_YEAR}" in page
    assert "Program: JKK, JKM." in page


@pytest.mark.parametrize(
    "changes, reason",
    [
        ({"birth_date": date(THIS_YEAR - 12, 1, 1).isoformat()}, "di luar batas program (15-65 tahun)"),
        ({"birth_date": date(THIS_YEAR - 70, 1, 1).isoformat()}, "di luar batas program (15-65 tahun)"),
        ({"employer_covered": "ya"}, "Sudah didaftarkan pemberi kerja"),
        ({"civil_servant": "ya"}, "Aparatur sipil negara (ASN) dilindungi oleh program lain."),
        ({"category": "pekerja_rentan", "desil": "6"}, "Desil DTSEN 6 di atas batas program (desil 1-4)."),
    ],
    ids=["too-young", "too-old", "employer-covered", "civil-servant", "desil-above-cutoff"],
)
def test_each_rule_that_rules_a_visitor_out_is_given_as_a_reason(client, changes, reason):
    page = post_eligibility(client, **changes)
    assert UNLIKELY in page
    assert reason in page


def test_every_broken_rule_is_listed_not_just_the_first(client):
    page = post_eligibility(client, birth_date=date(THIS_YEAR - 70, 1, 1).isoformat(), civil_servant="ya", employer_covered="ya")
    assert page.count("<li>") >= 3


def test_a_category_switched_off_this_year_is_not_eligible(app, client):
    with app.app_context():
        db.session.get(CategorySetting, (THIS_YEAR, "kader")).eligible = False
        db.session.commit()
    page = post_eligibility(client)
    assert UNLIKELY in page
    assert f"Kategori ini tidak termasuk program tahun {THIS_YEAR}." in page


def test_welfare_targeted_work_with_a_low_or_unknown_desil_is_likely_eligible(client):
    assert LIKELY in post_eligibility(client, category="pekerja_rentan", desil="3")
    page = post_eligibility(client, category="pekerja_rentan", desil="")
    assert LIKELY in page
    assert "Desil DTSEN belum diketahui" in page


def test_the_rules_follow_the_years_settings(app, client):
    with app.app_context():
        db.session.get(CategorySetting, (THIS_YEAR, "pekerja_rentan")).programme_year.desil_max = 6
        db.session.commit()
    assert LIKELY in post_eligibility(client, category="pekerja_rentan", desil="6")


def test_without_settings_for_the_year_the_page_says_it_cannot_judge(app_factory):
    client = app_factory().test_client()  # regions and categories, no programme year
    page = post_eligibility(client)
    assert "Belum dapat dinilai" in page


def test_the_next_step_names_the_heads_and_agents_of_the_rw_with_phones_they_agreed_to_show(app, client):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW, rw=2, rt=3, phone="081211112222", phone_public=True)
        make_user("agent1", Role.AGENT, rw=2, phone="081233334444", phone_public=False)
        make_user("rtrw2", Role.RT_RW, rw=5, phone="081255556666", phone_public=True)
        gone = make_user("rtrw3", Role.RT_RW, rw=2, phone="081277778888", phone_public=True)
        gone.active = False
        db.session.commit()
    page = post_eligibility(client)
    assert "Ketua RT/RW</strong> · Lette RW 002 RT 003" in page
    assert 'href="tel:081211112222"' in page
    assert "Agen Perisai</strong> · Lette RW 002" in page
    assert "081233334444" not in page  # the agent did not agree to show it
    assert "081255556666" not in page  # another RW
    assert "081277778888" not in page  # a disabled account


def test_an_rw_without_a_registered_head_points_to_the_kelurahan_office(client):
    page = post_eligibility(client, rw="9")
    assert "Belum ada ketua RT/RW atau Agen Perisai untuk Lette RW 009" in page


def test_missing_and_impossible_answers_get_specific_messages(client):
    page = post_eligibility(client, birth_date="", rw="0", category="")
    assert "Isi tanggal lahir." in page
    assert "Nomor RW antara 1 dan 999." in page
    assert "Pilih pekerjaan." in page
    assert LIKELY not in page and UNLIKELY not in page
    future = date(THIS_YEAR + 1, 1, 1).isoformat()
    assert "Tanggal lahir tidak boleh di masa depan." in post_eligibility(client, birth_date=future)


def test_a_kelurahan_outside_the_chosen_kecamatan_is_refused(client):
    page = post_eligibility(client, kecamatan=MAMAJANG)
    assert "Pilih kelurahan di kecamatan yang dipilih." in page


def test_choosing_a_kecamatan_with_htmx_swaps_in_only_its_kelurahan(client):
    response = client.get(f"/cek-kelayakan?kecamatan={MAMAJANG}", headers={"HX-Request": "true"})
    fragment = response.get_data(as_text=True)
    assert "HX-Request" in response.headers["Vary"]
    assert "<html" not in fragment
    assert fragment.strip().startswith('<div id="kelurahan-field">')
    assert "Mamajang Dalam" in fragment and "Lette" not in fragment
    page = client.get("/cek-kelayakan").get_data(as_text=True)
    assert 'hx-get="/cek-kelayakan"' in page and 'hx-target="#kelurahan-field"' in page


def test_without_javascript_the_kecamatan_button_reloads_the_form_with_its_kelurahan(client):
    page = client.get("/cek-kelayakan").get_data(as_text=True)
    assert "<noscript>" in page and 'name="choose_kecamatan"' in page
    assert "Lette" not in page  # no kecamatan chosen yet: no kelurahan offered
    page = post_eligibility(client, htmx=False, kecamatan=MAMAJANG, kelurahan="", choose_kecamatan="Tampilkan kelurahan")
    assert "<html" in page
    assert "Mamajang Dalam" in page
    assert "Periksa isian Anda" not in page and LIKELY not in page


def test_the_answer_is_a_fragment_for_htmx_and_the_whole_page_without_javascript(client):
    fragment = post_eligibility(client)
    assert "<html" not in fragment and "<form" not in fragment
    page = post_eligibility(client, htmx=False)
    assert "<html" in page and 'id="eligibility-answer"' in page and LIKELY in page


def test_answers_are_not_kept_in_caches(client):
    data = {**answers(), "csrf_token": csrf_token(client, "/cek-kelayakan")}
    response = client.post("/cek-kelayakan", data=data)
    assert response.headers["Cache-Control"] == "no-store"
