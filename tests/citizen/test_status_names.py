"""Cek Status and the API find a person by the name as they say it (titles, abbreviations,
spacing, doubled letters), and refuse another person's name exactly as an unknown NIK."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from portal.models import EntryState, Role
from tests.api.test_status_api import ask, new_key
from tests.citizen.factories import unknown_nik
from tests.citizen.test_status import NOT_FOUND, _comparable, answer_of, post_status
from tests.factories import make_entry, make_list, make_member, make_user

# Stored name -> names its holder may type for it (the cases and their neighbours).
FOUND = {
    "Muh. Ilham Dg. Naba": ["Muhammad Ilham Daeng Naba", "M. Ilham Dg Naba", "muh ilham daeng naba"],
    "Hj. ST. RAHMAWATI": ["Siti Rahmawati", "Sitti Rahmawati", "Hj. Siti Rahmawati, S.E."],
    "dr. Irwan Saputra": ["Irwan Saputra", "IRWAN SAPUTRA, S.Ked"],
    "Andi Tenri Ajeng, S.Pd.": ["A. Tenri Ajeng", "Andi Tenri Ajeng"],
    "Sitti Aminah": ["Siti Aminah", "St. Aminah"],
    "Syamsuddin Nur Alam": ["Syamsudin Nuralam"],
}
# Stored name -> another person's name on the same NIK: never an answer.
REFUSED = {
    "Sitti Aminah": "Sitti Rahmah",
    "Muh. Ilham Dg. Naba": "Muhammad Ilham Daeng Situju",
    "dr. Irwan Saputra": "Irwan Saputro",
    "Andi Tenri Ajeng, S.Pd.": "Andi Tenri",
}
PENDING = "Hj. Nurhaeda Dg. Ngai"


@pytest.fixture
def members(app) -> dict[str, str]:
    """Stored name -> NIK: an active member per name, and a pending proposal."""
    with app.app_context():
        niks = {name: make_member(name)[0].nik for name in FOUND}
        member_list = make_list(make_user("rtrw1", Role.RT_RW))
        entry = make_entry(
            member_list, state=EntryState.PENDING, full_name=PENDING,
            submitted_at=datetime.now(timezone.utc) - timedelta(days=2),
        )
        niks[PENDING] = entry.nik
        return niks


@pytest.mark.parametrize("htmx", [True, False], ids=["fragment", "whole-page"])
@pytest.mark.parametrize("stored, typed", [(stored, typed) for stored, variants in FOUND.items() for typed in variants])
def test_a_member_is_found_by_the_name_as_they_write_it(app, members, stored, typed, htmx):
    response = post_status(app.test_client(), members[stored], typed, htmx=htmx)
    page = response.get_data(as_text=True)
    answer = page if htmx else answer_of(page)
    assert response.status_code == 200
    assert "Terdaftar dan terlindungi" in answer and NOT_FOUND not in answer


def test_a_pending_proposal_is_found_by_the_name_without_titles(client, members):
    page = post_status(client, members[PENDING], "Nurhaeda Daeng Ngai").get_data(as_text=True)
    assert "Sedang diverifikasi" in answer_of(page)


@pytest.mark.parametrize("htmx", [True, False], ids=["fragment", "whole-page"])
@pytest.mark.parametrize("stored, other", list(REFUSED.items()))
def test_another_persons_name_is_answered_exactly_as_an_unknown_nik(app, members, stored, other, htmx):
    unknown = unknown_nik()
    first = post_status(app.test_client(), unknown, other, htmx=htmx, address="10.0.0.1")
    second = post_status(app.test_client(), members[stored], other, htmx=htmx, address="10.0.0.2")
    assert NOT_FOUND in second.get_data(as_text=True)
    assert _comparable(first, unknown) == _comparable(second, members[stored])


@pytest.mark.parametrize("stored, typed", [(stored, variants[0]) for stored, variants in FOUND.items()])
def test_the_api_finds_the_same_people_by_the_same_names(app, client, members, stored, typed):
    answer = ask(client, new_key(app), {"nik": members[stored], "name": typed}).get_json()
    assert answer["found"] is True and answer["status"] == "active"


@pytest.mark.parametrize("stored, other", list(REFUSED.items()))
def test_the_api_refuses_another_persons_name_exactly_as_an_unknown_nik(app, members, stored, other):
    first_key, second_key = new_key(app, "first"), new_key(app, "second")
    unknown = ask(app.test_client(), first_key, {"nik": unknown_nik(), "name": other})
    wrong = ask(app.test_client(), second_key, {"nik": members[stored], "name": other})
    assert wrong.get_json()["found"] is False
    assert unknown.get_data() == wrong.get_data()


def test_the_hint_under_the_name_says_titles_may_be_left_out_in_both_languages(client):
    assert "Nama sesuai KTP; gelar boleh ditulis atau tidak." in client.get("/cek-status").get_data(as_text=True)
    client.post("/bahasa", data={"lang": "en", "next": "/cek-status"})
    assert "Name as on the KTP; titles may be written or left out." in client.get("/cek-status").get_data(as_text=True)


def test_the_stand_in_name_compared_for_an_unknown_nik_never_answers(client, members):
    page = post_status(client, unknown_nik(), "Nama Pembanding Kosong", htmx=True).get_data(as_text=True)
    assert NOT_FOUND in page
