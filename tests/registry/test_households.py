"""Households: persons on the same family card (KK) listed on the member and entry pages, for staff only."""

from __future__ import annotations

from datetime import date

from portal.extensions import db
from portal.models import ListEntry, Person, Role, Sex
from portal.nik import make_kk
from tests.factories import make_member, make_user
from tests.review.helpers import pending_entries, post

KK = make_kk("737101", date(2015, 3, 9), 12)
OTHER_KK = make_kk("737102", date(2018, 7, 1), 3)


def test_the_member_page_lists_the_household_members_in_the_registry(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        mother, _m = make_member("Siti Aminah", kk_number=KK)
        son, _s = make_member("Andi Wijaya", kk_number=KK, birth_date=date(2001, 4, 2))
        make_member("Budi Santoso", kk_number=OTHER_KK)
        make_member("Rahmat Hidayat")
        mother_id, son_id = mother.id, son.id
    auth.login("staff1")
    page = client.get(f"/anggota/{mother_id}").get_data(as_text=True)
    household = page.split("Anggota keluarga di registri (KK sama)", 1)[1].split("</section>", 1)[0]
    assert f'href="/anggota/{son_id}"' in household and "Andi Wijaya" in household
    assert "Siti Aminah" not in household and "Budi Santoso" not in household and "Rahmat Hidayat" not in household
    assert KK not in page and KK[:6] + "******" + KK[-4:] in page


def test_a_person_without_a_kk_has_no_household_section(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        person, _m = make_member("Rahmat Hidayat")
        make_member("Budi Santoso")
        person_id = person.id
    auth.login("staff1")
    page = client.get(f"/anggota/{person_id}").get_data(as_text=True)
    assert "Anggota keluarga di registri" not in page


def test_approving_an_entry_gives_the_person_its_kk_and_the_entry_page_shows_the_household(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        father, _f = make_member("Daeng Ngalle", kk_number=KK, sex=Sex.MALE)
        (entry_id,) = pending_entries(full_name="Andi Wijaya", kk_number=KK)
        father_id = father.id
    auth.login("staff1")
    page = client.get(f"/verifikasi/{entry_id}").get_data(as_text=True)
    assert "Anggota keluarga di registri (KK sama)" in page and f'href="/anggota/{father_id}"' in page
    post(client, f"/verifikasi/{entry_id}/setujui")
    with app.app_context():
        person = db.session.get(ListEntry, entry_id).person
        assert person.kk_number == KK


def test_an_area_head_cannot_open_a_members_household(app, client, auth):
    with app.app_context():
        person, _m = make_member("Siti Aminah", kk_number=KK)
        make_member("Andi Wijaya", kk_number=KK)
        make_user("rtrw1", Role.RT_RW)
        person_id = person.id
    auth.login("rtrw1")
    response = client.get(f"/anggota/{person_id}")
    assert response.status_code == 404
    assert "Andi Wijaya" not in response.get_data(as_text=True)


def test_staff_correct_a_members_kk_and_a_broken_one_is_refused_with_its_reason(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        person, _m = make_member("Siti Aminah")
        person_id = person.id
    auth.login("staff1")
    page = f"/anggota/{person_id}/koreksi"
    form = {"full_name": "Siti Aminah", "birth_date": "17/05/1980", "sex": "P", "kelurahan_code": "7371011004", "rw": "2",
            "rt": "1", "category_code": "kader", "reason": "KK diserahkan"}
    response = post(client, page, {**form, "kk_number": "7371010903150000"}, page=page)
    assert response.status_code == 200
    assert "Empat angka terakhir No. KK tidak mungkin 0000" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Person, person_id).kk_number is None
    response = post(client, page, {**form, "kk_number": KK}, page=page)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Person, person_id).kk_number == KK
