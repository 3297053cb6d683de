"""A head adding rows with strangers' NIKs learns only what they can act on, a few times a day.

Rows typed or uploaded with a NIK that is covered, or proposed in another RW, or has a DTSEN
desil, must not tell an RT/RW head where the person is covered or proposed, nor the desil:
only that the row cannot be proposed from here (and that the person is already covered or
proposed when the row's name is the registry's, as Cek Status requires). Staff still read
everything. An account may probe only FOREIGN_NIK_LOOKUPS_PER_DAY such NIKs a day.
"""

from __future__ import annotations

from datetime import date

import pytest

from portal.extensions import db
from portal.models import AuditEvent, DesilRecord, EntryState, ListEntry, MemberList, Role
from portal.seed.reference import seed_reference
from tests.conftest import AuthActions
from tests.factories import LETTE, PABAENG, make_entry, make_list, make_member, make_user, new_nik
from tests.lists.conftest import ListPages
from tests.lists.spreadsheets import person_row, xlsx_bytes

HTMX = {"HX-Request": "true"}
NOT_PROPOSABLE = "NIK ini tidak dapat diusulkan dari RW ini; hubungi Dinas Ketenagakerjaan."
DEFERRED = "belum dapat diperiksa terhadap data di luar wilayah Anda hari ini"
DESIL_CHECK = "Data kesejahteraan (DTSEN) orang ini perlu diperiksa Dinas Ketenagakerjaan."
MEMBER_BORN = date(1980, 5, 17)


def strangers() -> dict[str, str]:
    """A member and a proposal in Pa'baeng-Baeng RW 005, and a household of desil 9."""
    person, _ = make_member("Siti Aminah", kelurahan_code=PABAENG, rw=5, birth_date=MEMBER_BORN)
    rtrw2 = make_user("rtrw2", Role.RT_RW, kelurahan_code=PABAENG, rw=5)
    proposed = make_entry(make_list(rtrw2), full_name="Andi Baso", state=EntryState.PENDING)
    welfare = new_nik()
    db.session.add(DesilRecord(nik=welfare, desil=9, source_date=date(2026, 1, 1)))
    db.session.commit()
    return {"member": person.nik, "proposed": proposed.nik, "welfare": welfare}


def typed(nik: str, name: str = "Nama Karangan", **values) -> dict:
    born = values.pop("born", date(1985, 2, 13))
    return {"nik": nik, "full_name": name, "birth_date": born.strftime("%d/%m/%Y"), "sex": values.pop("sex", "L"), "rt": "1", "category": values.pop("category", "kader"), **values}


def assert_tells_nothing(text: str) -> None:
    """No other area, membership state or desil in anything the head receives."""
    for secret in ("baeng", "Tamalate", "RW 005", "peserta aktif", "diusulkan di", "sedang diproses", "Desil DTSEN", "desil 1-", "Andi Baso", "Siti Aminah"):
        assert secret not in text, secret


def entries_of(app, list_id: int) -> list[ListEntry]:
    with app.app_context():
        rows = db.session.scalars(db.select(ListEntry).filter_by(list_id=list_id).order_by(ListEntry.id)).all()
        db.session.expunge_all()
        return rows


@pytest.fixture
def niks(app):
    with app.app_context():
        return strangers()


def test_a_head_typing_strangers_niks_learns_only_that_they_cannot_be_proposed(app, head, niks):
    responses = [
        head.post("/baris", typed(niks["member"], born=MEMBER_BORN, sex="P"), headers=HTMX),
        head.post("/baris", typed(niks["proposed"])),
        head.post("/baris", typed(niks["welfare"], category="pekerja_rentan"), headers=HTMX),
    ]
    member, proposed, welfare = entries_of(app, head.list_id)
    texts = [r.get_data(as_text=True) for r in responses]
    texts.append(head.client.get(head.url).get_data(as_text=True))
    for entry in (member, proposed, welfare):
        texts.append(head.client.get(f"{head.url}/baris/{entry.id}", headers=HTMX).get_data(as_text=True))
        texts.append(head.client.get(f"{head.url}/baris/{entry.id}").get_data(as_text=True))
        texts.append(head.client.get(f"{head.url}/baris/{entry.id}/ubah", headers=HTMX).get_data(as_text=True))
    # The inline edit answers the corrected row as a fragment, checked again.
    edited = head.post(f"/baris/{proposed.id}/ubah", typed(niks["proposed"], name="Nama Lain"), headers=HTMX)
    texts.append(edited.get_data(as_text=True))
    for text in texts:
        assert_tells_nothing(text)
    page = texts[3]
    assert page.count(NOT_PROPOSABLE) == 2 and DESIL_CHECK in page
    assert [i["severity"] for i in welfare.issues if i["code"] == "desil_above_cutoff"] == ["warning"]


def test_a_head_uploading_strangers_niks_learns_nothing_more(app, head, niks):
    rows = [
        person_row(niks["member"], born=MEMBER_BORN, sex="P"),
        person_row(niks["proposed"]),
        person_row(niks["welfare"], category="Pedagang"),
        person_row(),
    ]
    response = head.upload(xlsx_bytes(rows), "usulan.xlsx", follow_redirects=True)
    text = response.get_data(as_text=True)
    assert_tells_nothing(text)
    assert text.count(NOT_PROPOSABLE) == 2 and DESIL_CHECK in text
    assert_tells_nothing(head.client.get(head.url + "?tampil=bermasalah", headers=HTMX).get_data(as_text=True))
    # What the head cannot read stays with the row, for staff.
    member, proposed, *_ = entries_of(app, head.list_id)
    assert "Pa'baeng-Baeng RW 005" in proposed.issues[0]["detail"]
    assert proposed.issues[0]["params"] == {}


def test_a_head_whose_row_names_the_person_learns_they_are_covered_or_proposed_but_not_where(app, head, niks):
    head.post("/baris", typed(niks["member"], "SITI aminah", born=MEMBER_BORN, sex="P"))
    head.post("/baris", typed(niks["proposed"], "Andi  Baso."))
    page = head.client.get(head.url).get_data(as_text=True)
    assert "Orang ini sudah menjadi peserta aktif; tidak perlu diusulkan lagi." in page
    assert "Orang ini sudah diusulkan dan sedang diproses; tidak perlu diusulkan lagi." in page
    assert "baeng" not in page and "RW 005" not in page and NOT_PROPOSABLE not in page


def test_the_name_on_the_row_is_the_registrys_however_titles_and_abbreviations_are_written(app, head, niks):
    head.post("/baris", typed(niks["member"], "Hj. St. Aminah, S.Pd.", born=MEMBER_BORN, sex="P"))
    head.post("/baris", typed(niks["proposed"], "A. Baso"))
    page = head.client.get(head.url).get_data(as_text=True)
    assert "Orang ini sudah menjadi peserta aktif; tidak perlu diusulkan lagi." in page
    assert "Orang ini sudah diusulkan dan sedang diproses; tidak perlu diusulkan lagi." in page
    assert NOT_PROPOSABLE not in page


def test_another_persons_name_on_a_members_nik_learns_only_that_it_cannot_be_proposed(app, head, niks):
    head.post("/baris", typed(niks["member"], "Sitti Rahmah", born=MEMBER_BORN, sex="P"))
    page = head.client.get(head.url).get_data(as_text=True)
    assert NOT_PROPOSABLE in page and "peserta aktif" not in page


def test_staff_read_the_full_findings_of_a_heads_list(app, client, auth, head, niks):
    head.upload(xlsx_bytes([person_row(niks["proposed"]), person_row(niks["welfare"], category="Pedagang")]), "usulan.xlsx")
    with app.app_context():
        make_user("petugas1", Role.STAFF)
    auth.logout()
    auth.login("petugas1")
    page = client.get(head.url).get_data(as_text=True)
    assert "Pa&#39;baeng-Baeng RW 005 dan sedang diproses" in page
    assert "Desil DTSEN 9 di atas batas program" in page


def test_findings_saved_before_they_were_discreet_are_shown_to_a_head_discreetly(app, head):
    with app.app_context():
        own = db.session.get(MemberList, head.list_id)
        make_entry(own, state=EntryState.DRAFT, issues=[
            {"code": "pending_elsewhere", "severity": "error", "column": "nik", "params": {"kelurahan": "Pa'baeng-Baeng", "rw": 5},
             "message": "NIK ini sudah diusulkan di Kelurahan Pa'baeng-Baeng RW 005 dan sedang diproses."},
            {"code": "desil_above_cutoff", "severity": "error", "column": "desil", "params": {"desil": 9},
             "message": "Desil DTSEN 9 di atas batas program (desil 1-4)."},
        ])
    page = head.client.get(head.url).get_data(as_text=True)
    assert_tells_nothing(page)
    assert NOT_PROPOSABLE in page and DESIL_CHECK in page


@pytest.fixture
def limited_head(app_factory):
    """rtrw1 with an allowance of two strangers' NIKs a day, and four strangers' NIKs."""
    app = app_factory(FOREIGN_NIK_LOOKUPS_PER_DAY=2)
    with app.app_context():
        seed_reference()
        rtrw1 = make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
        list_id = make_list(rtrw1).id
        rtrw2 = make_user("rtrw2", Role.RT_RW, kelurahan_code=PABAENG, rw=5)
        elsewhere = make_list(rtrw2)
        foreign = [make_entry(elsewhere, full_name="Andi Baso").nik for _ in range(4)]
        neighbour = make_entry(make_list(rtrw1, title="Usulan lama"), full_name="Andi Baso").nik
    client = app.test_client()
    AuthActions(client).login("rtrw1")
    return app, ListPages(client, list_id), foreign, neighbour


def test_beyond_the_daily_allowance_rows_get_one_neutral_warning_and_the_limit_is_audited(limited_head):
    app, head, foreign, neighbour = limited_head
    rows = [person_row(nik) for nik in foreign] + [person_row(neighbour), person_row()]
    text = head.upload(xlsx_bytes(rows), "usulan.xlsx", follow_redirects=True).get_data(as_text=True)
    assert_tells_nothing(text)
    saved = entries_of(app, head.list_id)
    told = [[(i["severity"], i["message"]) for i in e.issues if i["column"] == "nik"] for e in saved]
    assert told[:2] == [[("error", NOT_PROPOSABLE)]] * 2
    # The rest of the strangers' NIKs and the brand-new NIK read the same: nothing to tell apart.
    assert told[2][0][0] == told[3][0][0] == told[5][0][0] == "warning"
    assert DEFERRED in told[2][0][1] and told[2] == told[3] == told[5]
    # A NIK proposed in the head's own RW is not a stranger's: told as before, not counted.
    assert told[4] == [("error", NOT_PROPOSABLE)]
    assert "RW 005" in saved[2].issues[0]["detail"]  # staff still learn what was withheld

    typed_later = head.post("/baris", typed(new_nik()), headers=HTMX).get_data(as_text=True)
    assert DEFERRED in typed_later
    with app.app_context():
        [event] = db.session.scalars(db.select(AuditEvent).filter_by(action="list.lookups_limited")).all()
        assert event.details == {"limit": 2, "withheld": 2}
        assert not any(nik in str(event.details) for nik in foreign)


def test_checking_a_list_again_before_submitting_does_not_spend_the_allowance(limited_head):
    app, head, foreign, _neighbour = limited_head
    head.upload(xlsx_bytes([person_row(foreign[0]), person_row(foreign[1]), person_row()]), "usulan.xlsx")
    assert head.post("/kirim", {"acknowledge_warnings": "y"}).status_code == 302
    saved = entries_of(app, head.list_id)
    # Told once, told again: still held back, not turned into a warning by a spent allowance.
    assert [e.state for e in saved] == [EntryState.DRAFT, EntryState.DRAFT, EntryState.PENDING]
    assert [[i["message"] for i in e.issues] for e in saved[:2]] == [[NOT_PROPOSABLE]] * 2
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent).filter_by(action="list.lookups_limited")) == 0
