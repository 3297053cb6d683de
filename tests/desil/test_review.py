"""A DTSEN refresh flags members out of the target for staff ("keluar dari sasaran"), never ends
cover by itself, closes flags of members back under the cut-off; staff decide, audited."""

from __future__ import annotations

from datetime import date

import pytest

from portal import clock
from portal.extensions import db
from portal.models import (
    AuditEvent,
    DesilRecord,
    DtsenFlag,
    DtsenFlagReason,
    DtsenFlagStatus,
    EndReason,
    Membership,
    MembershipStatus,
    Role,
)
from tests.conftest import csrf_token
from tests.factories import LETTE, PABAENG, make_member, make_user

RENTAN = "pekerja_rentan"  # the category with a desil rule (cut-off: desil 4)
EARLY, LATER = date(2026, 1, 31), date(2026, 4, 30)


def _extract(tmp_path, rows, name="dtsen.csv"):
    path = tmp_path / name
    path.write_text("NIK;Desil;Tanggal sumber\n" + "".join(f"{nik};{desil};{day.isoformat()}\n" for nik, desil, day in rows), encoding="utf-8")
    return str(path)


def _flags() -> dict[int, tuple[DtsenFlagReason, DtsenFlagStatus]]:
    return {f.person_id: (f.reason, f.status) for f in db.session.scalars(db.select(DtsenFlag))}


def _member(name, **fields):
    person, membership = make_member(name, category_code=fields.pop("category_code", RENTAN), **fields)
    return person.id, person.nik, membership.id


@pytest.fixture
def members(app):
    with app.app_context():
        return {
            "above": _member("Daeng Ngai"),
            "under": _member("Muh. Arif"),
            "absent": _member("St. Hadijah"),
            "kader": _member("Hj. Rahmah", category_code="kader"),  # no desil rule
            "elsewhere": _member("Abd. Rahman", kelurahan_code=PABAENG, rw=5),
        }


def test_an_import_flags_members_above_the_cut_off_or_no_longer_listed_and_cover_goes_on(app, runner, tmp_path, members):
    path = _extract(tmp_path, [
        (members["above"][1], 6, EARLY), (members["under"][1], 3, EARLY),
        (members["kader"][1], 9, EARLY), (members["elsewhere"][1], 5, EARLY),
    ])
    result = runner.invoke(args=["desil", "import", path])
    assert result.exit_code == 0, result.output
    assert '3 member(s) flagged "keluar dari sasaran"' in result.output
    with app.app_context():
        assert _flags() == {
            members["above"][0]: (DtsenFlagReason.ABOVE_CUTOFF, DtsenFlagStatus.OPEN),
            members["absent"][0]: (DtsenFlagReason.NOT_IN_DTSEN, DtsenFlagStatus.OPEN),
            members["elsewhere"][0]: (DtsenFlagReason.ABOVE_CUTOFF, DtsenFlagStatus.OPEN),
        }
        statuses = set(db.session.scalars(db.select(Membership.status)))
        assert statuses == {MembershipStatus.ACTIVE}
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent).filter_by(action="dtsen.flag")) == 3
    # Importing the same extract again flags nobody twice.
    result = runner.invoke(args=["desil", "import", path])
    assert "0 member(s) flagged" in result.output
    with app.app_context():
        assert len(_flags()) == 3


def test_a_partial_extract_flags_nobody_for_being_absent(app, runner, tmp_path, members):
    path = _extract(tmp_path, [(members["above"][1], 7, EARLY)])
    result = runner.invoke(args=["desil", "import", path, "--partial"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert _flags() == {members["above"][0]: (DtsenFlagReason.ABOVE_CUTOFF, DtsenFlagStatus.OPEN)}


def test_a_member_back_under_the_cut_off_in_a_later_extract_has_the_open_flag_closed(app, runner, tmp_path, members):
    runner.invoke(args=["desil", "import", _extract(tmp_path, [(members["above"][1], 6, EARLY)]), "--partial"])
    result = runner.invoke(args=["desil", "import", _extract(tmp_path, [(members["above"][1], 4, LATER)], "later.csv"), "--partial"])
    assert result.exit_code == 0, result.output
    assert "1 open flag(s) closed: back under the cut-off" in result.output
    with app.app_context():
        assert _flags() == {members["above"][0]: (DtsenFlagReason.ABOVE_CUTOFF, DtsenFlagStatus.CLEARED)}
        event = db.session.scalars(db.select(AuditEvent).filter_by(action="dtsen.flag_cleared")).one()
        assert event.target_id == str(members["above"][2])


def _staff(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    auth.login("staff1")
    return csrf_token(client, "/dtsen/tinjauan")


def _flag_id(person_id: int) -> int:
    return db.session.scalars(db.select(DtsenFlag.id).filter_by(person_id=person_id)).one()


def test_staff_see_the_flags_filtered_and_keep_one_with_a_note_and_end_another_audited(app, runner, client, auth, tmp_path, members):
    runner.invoke(args=["desil", "import", _extract(tmp_path, [
        (members["above"][1], 6, EARLY), (members["under"][1], 3, EARLY), (members["kader"][1], 9, EARLY),
        (members["elsewhere"][1], 5, EARLY),
    ])])
    token = _staff(app, client, auth)
    page = client.get("/dtsen/tinjauan").get_data(as_text=True)
    assert "Daeng Ngai" in page and "St. Hadijah" in page and "Abd. Rahman" in page
    assert "Muh. Arif" not in page and "Hj. Rahmah" not in page
    assert members["above"][1] not in page  # never a NIK
    with app.app_context():
        from portal.models import Kelurahan
        kecamatan = db.session.get(Kelurahan, PABAENG).kecamatan_code
        lette_kecamatan = db.session.get(Kelurahan, LETTE).kecamatan_code
        keep_id, end_id = _flag_id(members["above"][0]), _flag_id(members["absent"][0])
    assert kecamatan != lette_kecamatan
    only = client.get(f"/dtsen/tinjauan?kecamatan={kecamatan}").get_data(as_text=True)
    assert "Abd. Rahman" in only and "Daeng Ngai" not in only
    absent = client.get("/dtsen/tinjauan?alasan=not_in_dtsen").get_data(as_text=True)
    assert "St. Hadijah" in absent and "Daeng Ngai" not in absent
    assert client.get("/dtsen/tinjauan?kecamatan=zz&hal=-4").status_code == 200

    # Keeping without a note: refused with a message, nothing changed.
    refused = client.post(f"/dtsen/tinjauan/{keep_id}", data={"csrf_token": token, "decision": "keep", "note": ""})
    assert refused.status_code == 200 and "Tuliskan catatan" in refused.get_data(as_text=True)
    kept = client.post(f"/dtsen/tinjauan/{keep_id}", data={"csrf_token": token, "decision": "keep", "note": "Usaha bangkrut, tinjau Desember"})
    assert kept.status_code == 302
    # An end date outside the cover: refused.
    day = clock.today().replace(day=1)
    bad = client.post(f"/dtsen/tinjauan/{end_id}", data={"csrf_token": token, "decision": "end", "end_reason": "other", "note": "Tidak lagi di DTSEN", "end_date": "1999-01-01"})
    assert "Tanggal berakhir harus dalam masa kepesertaan" in bad.get_data(as_text=True)
    ended = client.post(f"/dtsen/tinjauan/{end_id}", data={"csrf_token": token, "decision": "end", "end_reason": "other", "note": "Tidak lagi di DTSEN", "end_date": day.isoformat()})
    assert ended.status_code == 302
    with app.app_context():
        assert _flags()[members["above"][0]][1] == DtsenFlagStatus.KEPT
        assert _flags()[members["absent"][0]][1] == DtsenFlagStatus.ENDED
        kept_membership = db.session.get(Membership, members["above"][2])
        ended_membership = db.session.get(Membership, members["absent"][2])
        assert kept_membership.status == MembershipStatus.ACTIVE
        assert (ended_membership.status, ended_membership.end_reason, ended_membership.ends_on) == (MembershipStatus.ENDED, EndReason.OTHER, day)
        decisions = db.session.scalars(db.select(AuditEvent).filter_by(action="dtsen.decision").order_by(AuditEvent.id)).all()
        assert [(e.actor_name, e.details["decision"]) for e in decisions] == [("staff1", "keep"), ("staff1", "end")]
        ending = db.session.scalars(db.select(AuditEvent).filter_by(action="membership.end", target_id=str(members["absent"][2]))).one()
        assert (ending.actor_name, ending.details["via"]) == ("staff1", "dtsen_review")
    # A decided flag is not decided twice; a kept member is not flagged again by the next extract.
    again = client.post(f"/dtsen/tinjauan/{keep_id}", data={"csrf_token": token, "decision": "keep", "note": "lagi"})
    assert "sudah diputuskan" in again.get_data(as_text=True)
    result = runner.invoke(args=["desil", "import", _extract(tmp_path, [(members["above"][1], 7, LATER)], "later.csv"), "--partial"])
    assert "0 member(s) flagged" in result.output


def test_a_bulk_decision_confirms_the_count_and_refuses_when_it_changed(app, runner, client, auth, tmp_path, members):
    runner.invoke(args=["desil", "import", _extract(tmp_path, [(members["above"][1], 6, EARLY), (members["elsewhere"][1], 5, EARLY)])])
    token = _staff(app, client, auth)
    confirm = client.get("/dtsen/tinjauan/semua?alasan=above_cutoff").get_data(as_text=True)
    assert "2 peserta" in confirm and 'name="expected" type="hidden" value="2"' in confirm
    data = {"csrf_token": token, "decision": "keep", "note": "Tunggu ekstrak berikutnya", "alasan": "above_cutoff", "kecamatan": ""}
    stale = client.post("/dtsen/tinjauan/semua", data={**data, "expected": "5"}, follow_redirects=True)
    assert "berubah (sekarang 2)" in stale.get_data(as_text=True)
    with app.app_context():
        assert {s for _r, s in _flags().values()} == {DtsenFlagStatus.OPEN}
    done = client.post("/dtsen/tinjauan/semua", data={**data, "expected": "2"}, follow_redirects=True)
    assert "Keputusan disimpan untuk 2 peserta" in done.get_data(as_text=True)
    with app.app_context():
        statuses = {members[k][0]: s for k in ("above", "elsewhere", "absent") for p, (_r, s) in _flags().items() if p == members[k][0]}
        assert statuses == {
            members["above"][0]: DtsenFlagStatus.KEPT, members["elsewhere"][0]: DtsenFlagStatus.KEPT,
            members["absent"][0]: DtsenFlagStatus.OPEN,
        }
        bulk = db.session.scalars(db.select(AuditEvent).filter_by(action="dtsen.decision")).all()
        assert len(bulk) == 2 and all(e.details["bulk"] for e in bulk)


def test_the_member_page_shows_the_desil_history_oldest_first(app, runner, client, auth, tmp_path, members):
    runner.invoke(args=["desil", "import", _extract(tmp_path, [(members["above"][1], 6, LATER)], "april.csv"), "--partial"])
    runner.invoke(args=["desil", "import", _extract(tmp_path, [(members["above"][1], 3, EARLY)], "januari.csv"), "--partial"])
    _staff(app, client, auth)
    page = client.get(f"/anggota/{members['above'][0]}").get_data(as_text=True)
    assert "Riwayat desil DTSEN" in page
    # The older January extract came second: it is in the history only if it changed the
    # latest desil; it did not (an older date never overwrites), so one row: April's.
    desil = page[page.index("Riwayat desil DTSEN"):page.index('id="memberships-heading"')]
    assert desil.count("april.csv") == 1 and "januari.csv" not in desil
    assert "Menunggu keputusan" in desil  # the older extract did not clear April's flag
    runner.invoke(args=["desil", "import", _extract(tmp_path, [(members["above"][1], 2, clock.today())], "terbaru.csv"), "--partial"])
    page = client.get(f"/anggota/{members['above'][0]}").get_data(as_text=True)
    desil = page[page.index("Riwayat desil DTSEN"):page.index('id="memberships-heading"')]
    assert desil.index("april.csv") < desil.index("terbaru.csv")
    assert "Ditutup otomatis" in desil  # the flag April raised, closed by the newest extract


def test_the_renewal_dry_run_counts_the_open_flags(app, runner, client, auth, tmp_path, members):
    runner.invoke(args=["desil", "import", _extract(tmp_path, [(members["above"][1], 6, EARLY)]), "--partial"])
    year = clock.today().year
    result = runner.invoke(args=["programme", "renew", "--from", str(year), "--dry-run", "--copy-settings"])
    assert result.exit_code == 0, result.output
    assert 'DTSEN review: 1 member(s) flagged "keluar dari sasaran" still wait for a staff decision (not_renewed: 1)' in result.output
    with app.app_context():
        from portal.models import RenewalRun
        run_id = db.session.scalars(db.select(RenewalRun.id)).one()
        assert db.session.scalars(db.select(Membership).filter_by(year=year + 1)).all() == []  # a dry run
    _staff(app, client, auth)
    page = client.get(f"/perpanjangan/{run_id}").get_data(as_text=True)
    assert "1 anggota ditandai keluar dari sasaran oleh pembaruan DTSEN dan belum diputuskan petugas." in page


@pytest.mark.parametrize("role", [Role.RT_RW, Role.AGENT])
def test_the_review_pages_are_for_staff_and_admins_only(app, client, auth, role, members):
    with app.app_context():
        make_user("someone", role)
        make_user("admin1", Role.ADMIN)
        db.session.add(DtsenFlag(membership_id=members["above"][2], person_id=members["above"][0], reason=DtsenFlagReason.ABOVE_CUTOFF, desil=6))
        db.session.commit()
        flag_id = _flag_id(members["above"][0])
    auth.login("someone")
    for url in ("/dtsen/tinjauan", "/dtsen/tinjauan/semua", f"/dtsen/tinjauan/{flag_id}"):
        assert client.get(url).status_code in (403, 404), url
    token = csrf_token(client, "/")
    assert client.post("/dtsen/tinjauan/semua", data={"csrf_token": token, "expected": "1", "decision": "keep", "note": "x"}).status_code in (403, 404)
    with app.app_context():
        assert _flags()[members["above"][0]][1] == DtsenFlagStatus.OPEN
        assert db.session.scalar(db.select(DesilRecord.id)) is None
    auth.logout()
    auth.login("admin1")
    assert client.get("/dtsen/tinjauan").status_code == 200


def test_a_flag_whose_membership_ended_elsewhere_leaves_the_list_and_cannot_be_decided(app, runner, client, auth, tmp_path, members):
    runner.invoke(args=["desil", "import", _extract(tmp_path, [(members["above"][1], 6, EARLY)]), "--partial"])
    token = _staff(app, client, auth)
    person_id, _nik, membership_id = members["above"]
    ended = client.post(f"/anggota/{person_id}/keanggotaan/{membership_id}/akhiri", data={"csrf_token": token, "reason": "deceased", "note": ""})
    assert ended.status_code == 302
    assert "Daeng Ngai" not in client.get("/dtsen/tinjauan").get_data(as_text=True)
    with app.app_context():
        flag_id = _flag_id(person_id)
    refused = client.post(f"/dtsen/tinjauan/{flag_id}", data={"csrf_token": token, "decision": "keep", "note": "x"})
    assert "sudah tidak aktif" in refused.get_data(as_text=True)
    with app.app_context():
        assert _flags()[person_id][1] == DtsenFlagStatus.OPEN


def test_a_desil_record_held_before_any_history_shows_as_the_one_known_entry(app, client, auth, members):
    with app.app_context():
        db.session.add(DesilRecord(nik=members["under"][1], desil=2, source_date=EARLY))
        db.session.commit()
    _staff(app, client, auth)
    page = client.get(f"/anggota/{members['under'][0]}").get_data(as_text=True)
    desil = page[page.index("Riwayat desil DTSEN"):page.index('id="memberships-heading"')]
    assert "<td>2</td><td>data awal</td>" in desil
