"""A list's rows and an area's lists are paged by the database: page 2 and the counts."""

from __future__ import annotations

from datetime import date

from portal.extensions import db
from portal.models import EntryState, ListEntry, MemberList, Role, Sex
from tests.factories import LETTE, make_list, make_user, new_nik

NIK_ERROR = {"code": "nik_invalid", "severity": "error", "column": "nik", "message": "NIK \"salah\" tidak sah"}
AGE_WARNING = {"code": "age_near_limit", "severity": "warning", "column": "birth_date", "message": "Usia mendekati batas"}


def add_rows(list_id: int, count: int, *, start: int = 1, issues: list | None = None) -> None:
    member_list = db.session.get(MemberList, list_id)
    db.session.add_all(
        ListEntry(
            member_list=member_list,
            nik=new_nik(),
            full_name=f"Warga Nomor {number:03d}",
            birth_date=date(1985, 2, 13),
            sex=Sex.MALE,
            kelurahan_code=LETTE,
            rw=2,
            rt=1,
            category_code="kader",
            state=EntryState.DRAFT,
            issues=list(issues or []),
        )
        for number in range(start, start + count)
    )
    db.session.commit()


def test_a_long_list_shows_its_second_hundred_rows_on_page_two(app, head):
    with app.app_context():
        add_rows(head.list_id, 230)
    page = head.client.get(f"{head.url}?halaman=2").get_data(as_text=True)
    assert "Halaman 2 dari 3" in page
    assert "Warga Nomor 101" in page and "Warga Nomor 200" in page
    assert "Warga Nomor 100" not in page and "Warga Nomor 201" not in page
    assert '<dd>230</dd>' in page
    last = head.client.get(f"{head.url}?halaman=99").get_data(as_text=True)
    assert "Halaman 3 dari 3" in last and "Warga Nomor 230" in last and "Warga Nomor 130" not in last


def test_the_rows_with_errors_are_filtered_and_counted_by_the_database(app, head):
    with app.app_context():
        add_rows(head.list_id, 60, issues=[AGE_WARNING])
        add_rows(head.list_id, 150, start=61, issues=[NIK_ERROR, AGE_WARNING])
        add_rows(head.list_id, 5, start=211)
    page = head.client.get(f"{head.url}?tampil=bermasalah&halaman=2").get_data(as_text=True)
    assert "Halaman 2 dari 2" in page
    assert "Warga Nomor 161" in page and "Warga Nomor 210" in page
    assert "Warga Nomor 160" not in page and "Warga Nomor 060" not in page and "Warga Nomor 211" not in page
    summary = page.split('id="list-summary"')[1].split("</section>")[0]
    # 215 rows: 65 ready (60 of them with a warning to acknowledge), 150 to fix.
    assert "<dd>215</dd>" in summary and "<dd>65</dd>" in summary and "<dd>150</dd>" in summary and "<dd>60</dd>" in summary


def test_an_area_with_many_lists_sees_them_a_hundred_per_page(app, client, auth):
    with app.app_context():
        owner = make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
        for number in range(1, 106):
            make_list(owner, title=f"Usulan tahap {number:03d}")
        add_rows(db.session.scalar(db.select(MemberList.id).filter_by(title="Usulan tahap 001")), 7)
    auth.login("rtrw1")
    first = client.get("/daftar/").get_data(as_text=True)
    assert "Halaman 1 dari 2" in first and "Usulan tahap 105" in first and "Usulan tahap 005" not in first
    second = client.get("/daftar/?halaman=2").get_data(as_text=True)
    assert "Halaman 2 dari 2" in second
    assert all(f"Usulan tahap {n:03d}" in second for n in range(1, 6))
    assert "Usulan tahap 006" not in second
    assert "<td>7</td>" in second
