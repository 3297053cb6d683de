"""Lists are visible only inside the area of the signed-in user."""

from portal.models import Role
from tests.factories import LETTE, PABAENG, make_entry, make_list, make_user


def test_rt_rw_head_gets_404_for_another_rws_list(app, client, auth):
    with app.app_context():
        mine = make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
        other = make_user("rtrw2", Role.RT_RW, kelurahan_code=PABAENG, rw=5)
        neighbour = make_user("rtrw3", Role.RT_RW, kelurahan_code=LETTE, rw=3)
        own_id = make_list(mine).id
        other_id = make_list(other).id
        neighbour_id = make_list(neighbour).id
        make_entry(make_list(other, title="Rahasia"), full_name="Nama Tersembunyi")
    auth.login("rtrw1")
    assert client.get(f"/daftar/{own_id}").status_code == 200
    assert client.get(f"/daftar/{other_id}").status_code == 404
    assert client.get(f"/daftar/{neighbour_id}").status_code == 404
    assert client.get("/daftar/999999").status_code == 404
    index = client.get("/daftar/").get_data(as_text=True)
    assert "Rahasia" not in index


def test_rt_bound_head_sees_only_their_rt(app, client, auth):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2, rt=1)
        agent = make_user("agent1", Role.AGENT, kelurahan_code=LETTE, rw=2)
        whole_rw = make_list(agent)
        whole_rw_id = whole_rw.id
    auth.login("rtrw1")
    assert client.get(f"/daftar/{whole_rw_id}").status_code == 404
    auth.logout()
    auth.login("agent1")
    assert client.get(f"/daftar/{whole_rw_id}").status_code == 200


def test_staff_see_every_list_and_nik_is_masked(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        head = make_user("rtrw2", Role.RT_RW, kelurahan_code=PABAENG, rw=5)
        member_list = make_list(head)
        entry = make_entry(member_list, full_name="Andi Wijaya")
        list_id, nik = member_list.id, entry.nik
    auth.login("staff1")
    page = client.get(f"/daftar/{list_id}").get_data(as_text=True)
    assert "Andi Wijaya" in page
    assert nik not in page
    assert nik[:6] + "******" + nik[-4:] in page


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get("/daftar/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/masuk")
