"""BPJS's bill uploaded, reconciled in the background against the ledger, and its differences."""

from __future__ import annotations

import io
import re
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import text

from portal.extensions import db
from portal.models import AuditEvent, Bill, BillDifference, BillLine, BillStatus, DifferenceKind, Role, StoredFile
from portal.storage import listing
from tests.contributions.helpers import (
    JKK_JKM,
    MONTH,
    YEAR,
    csv_bill,
    died,
    differences,
    member,
    staff,
    upload,
    upload_and_reconcile,
    wait_for_worker,
    xlsx_bill,
)
from tests.factories import make_user, new_nik

PERIOD = f"{YEAR}-{MONTH:02d}"


def _crafted_bill(app) -> tuple[bytes, dict]:
    """A registry of six members and a bill with one line of every kind of difference."""
    with app.app_context():
        right, _m = member("Andi Right", "10000000001")
        wrong, wrong_m = member("Budi Amount", "10000000002")
        _left_out, left_out_m = member("Citra Unbilled", "10000000003")
        dead, dead_m = member("Dewi Died", "10000000004")
        died(dead_m, date(YEAR, 3, 10))
        later, later_m = member("Eka Later", "10000000005")
        later_m.starts_on = date(YEAR, 7, 1)
        by_nik, _m = member("Fajar Nik Only", None)
        db.session.commit()
        ids = {"wrong": wrong_m.id, "left_out": left_out_m.id, "dead": dead_m.id, "later": later_m.id, "dead_person": dead.id}
        rows = [
            ("10000000001", right.nik, "ANDI RIGHT", PERIOD, "JKK, JKM", JKK_JKM),
            ("10000000002", wrong.nik, "BUDI AMOUNT", PERIOD, "JKK, JKM, JHT", 36_800),
            ("10000000004", dead.nik, "DEWI DIED", PERIOD, "JKK, JKM", JKK_JKM),
            ("10000000005", later.nik, "EKA LATER", PERIOD, "JKK, JKM", JKK_JKM),
            ("10000000001", right.nik, "ANDI RIGHT", PERIOD, "JKK, JKM", JKK_JKM),
            ("19999999999", new_nik(), "ORANG ASING", PERIOD, "JKK, JKM", JKK_JKM),
            ("", by_nik.nik, "FAJAR NIK ONLY", PERIOD, "JKK, JKM", JKK_JKM),
            ("", "", "TOTAL", "", "", 7 * JKK_JKM + 20_000),
        ]
    return csv_bill(rows), ids


def test_a_crafted_bill_finds_every_kind_of_difference(app, client, auth):
    staff(app)
    data, ids = _crafted_bill(app)
    auth.login("staff1")
    page = upload_and_reconcile(app, client, data)
    assert "Lihat hasil pencocokan" in page.get_data(as_text=True)
    with app.app_context():
        found = differences()
        assert sorted(found) == sorted(kind.value for kind in DifferenceKind)
        assert [(d.membership_id, d.billed_amount, d.expected_amount) for d in found["amount"]] == [(ids["wrong"], 36_800, JKK_JKM)]
        assert [(d.membership_id, d.billed_amount, d.expected_amount) for d in found["not_billed"]] == [(ids["left_out"], 0, JKK_JKM)]
        assert [(d.membership_id, d.person_id) for d in found["after_end"]] == [(ids["dead"], ids["dead_person"])]
        assert [d.membership_id for d in found["not_a_member"]] == [ids["later"]]
        assert len(found["billed_twice"]) == 1 and found["billed_twice"][0].bill_line.row_number == 6
        assert [(d.person_id, d.bill_line.kpj_number) for d in found["unknown_kpj"]] == [(None, "19999999999")]
        bill = db.session.scalar(db.select(Bill))
        assert bill.status == BillStatus.DONE and bill.version == 1
        assert bill.billed_lines == 7 and bill.billed_total == 6 * JKK_JKM + 36_800  # the TOTAL row is not a line
        # Due in May: Andi, Budi, Citra, Fajar (Dewi died in March, Eka starts in July).
        assert (bill.expected_members, bill.expected_total) == (4, 4 * JKK_JKM)
        event = db.session.scalar(db.select(AuditEvent).filter_by(action="bill.reconcile"))
        assert event.details["differences"]["after_end"] == 1
        # The file BPJS sent is kept; the copy of its checked lines is gone once reconciled.
        assert len(listing("bills/")) == 1 and listing("billlines/") == []
    month_page = client.get(f"/iuran/tagihan/{YEAR}/{MONTH}").get_data(as_text=True)
    assert "Ditagih setelah meninggal atau keluar" in month_page
    assert "Orang yang sama ditagih dua kali" in month_page
    # NIKs are masked on the page: never a whole NIK.
    assert not re.search(r"\b\d{16}\b", month_page)


def test_an_xlsx_bill_with_one_amount_column_per_programme_is_read(app, client, auth):
    staff(app)
    with app.app_context():
        person, _m = member("Gita Xlsx", "10000000011")
        nik = person.nik
    auth.login("staff1")
    data = xlsx_bill([("10000000011", nik, "GITA", "Mei 2026", 10_000, 6_800, None)],
                     ("Nomor KPJ", "NIK (16 digit)", "Nama", "Bulan Iuran", "Iuran JKK", "Iuran JKM", "Iuran JHT"))
    upload_and_reconcile(app, client, data, filename="tagihan.xlsx")
    with app.app_context():
        line = db.session.scalar(db.select(BillLine))
        assert (line.amount, line.jkk, line.jkm, line.jht) == (JKK_JKM, True, True, False)
        assert differences() == {}


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"", "tagihan.csv", "Berkas tagihan BPJS"),  # FileRequired: nothing chosen
        (b"PK\x03\x04broken", "tagihan.xlsx", "Berkas rusak"),
        (b"Nama;Alamat\nBudi;Jl. Sudirman\n", "tagihan.csv", "Judul kolom tagihan tidak ditemukan"),
        (b"No KPJ;NIK;Iuran\n123;;16800\n", "tagihan.csv", "baris 2: nomor KPJ harus 11 digit"),
        (b"No KPJ;Periode;Iuran\n10000000001;2026-04;16800\n", "tagihan.csv", "periode 2026-04, bukan bulan yang dipilih (2026-05)"),
        (b"No KPJ;Iuran\n10000000001;enam belas ribu\n", "tagihan.csv", "baris 2: jumlah iuran tidak terbaca"),
    ],
)
def test_a_bill_that_cannot_be_used_whole_is_refused_with_nothing_saved(app, client, auth, content, filename, message):
    staff(app)
    auth.login("staff1")
    response = upload(client, content, filename=filename)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Bill)) == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(BillLine)) == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(StoredFile)) == 0
        assert listing("bills/") == [] and listing("billlines/") == []


def test_a_failed_reconciliation_leaves_the_bill_failed_with_nothing_else(app, client, auth):
    from portal.contributions.bill_jobs import run_reconciliation

    staff(app)
    auth.login("staff1")
    with app.app_context():
        # A bill whose stored file is gone by the time the worker runs fails whole.
        bill = Bill(year=YEAR, month=MONTH, version=1, status=BillStatus.QUEUED, file_key="bills/missing.csv", file_name="x.csv")
        db.session.add(bill)
        db.session.commit()
        run_reconciliation(bill.id)
        bill = db.session.get(Bill, bill.id)
        assert (bill.status, bill.error) == (BillStatus.FAILED, "file_missing")
        assert db.session.scalar(db.select(db.func.count()).select_from(BillLine)) == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(BillDifference)) == 0
    page = client.get(f"/iuran/tagihan/proses/{bill.id}").get_data(as_text=True)
    assert "tidak ditemukan lagi" in page


@contextmanager
def _differences_refused(app):
    """A real database fault after the bill's lines were written: a trigger refuses every
    bill difference (as a full disk or a broken constraint would fail the insert)."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            statements = (
                "CREATE FUNCTION refuse_difference() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'disk full'; END $$",
                "CREATE TRIGGER refuse_difference BEFORE INSERT ON bill_difference "
                "FOR EACH ROW EXECUTE FUNCTION refuse_difference()",
            )
            undo = ("DROP TRIGGER refuse_difference ON bill_difference", "DROP FUNCTION refuse_difference()")
        else:
            statements = ("CREATE TRIGGER refuse_difference BEFORE INSERT ON bill_difference "
                          "BEGIN SELECT RAISE(ABORT, 'disk full'); END",)
            undo = ("DROP TRIGGER refuse_difference",)
        for statement in statements:
            db.session.execute(text(statement))
        db.session.commit()
    try:
        yield
    finally:
        with app.app_context():
            for statement in undo:
                db.session.execute(text(statement))
            db.session.commit()


def test_an_error_while_writing_rolls_the_whole_reconciliation_back(app, client, auth):
    staff(app)
    with app.app_context():
        person, _m = member("Joko Rollback", "10000000041")
        nik = person.nik
    auth.login("staff1")

    with _differences_refused(app):  # the line below differs in amount: a difference to write
        page = upload_and_reconcile(app, client, csv_bill([("10000000041", nik, "JOKO", PERIOD, "", 1)]))

    # The error's type as the driver names it (IntegrityError on SQLite, RaiseException from COPY on PostgreSQL).
    assert re.search(r"Pencocokan gagal \((IntegrityError|RaiseException|InternalError)\)", page.get_data(as_text=True))
    with app.app_context():
        bill = db.session.scalar(db.select(Bill))
        assert (bill.status, bill.billed_total) == (BillStatus.FAILED, 0)
        assert db.session.scalar(db.select(db.func.count()).select_from(BillLine)) == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(BillDifference)) == 0


def test_a_bill_needs_the_years_rates(app, client, auth):
    staff(app)
    auth.login("staff1")
    response = upload(client, csv_bill([("10000000021", "", "HANA", "2019-05", "", JKK_JKM)]), year=2019)
    assert response.status_code == 400
    assert "Belum ada pengaturan tarif" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.RT_RW, Role.AGENT])
def test_other_roles_cannot_see_or_upload_bills(app, client, auth, role):
    with app.app_context():
        make_user("other", role)
    auth.login("other")
    for url in ("/iuran/tagihan/", f"/iuran/tagihan/{YEAR}/{MONTH}", f"/iuran/tagihan/{YEAR}/{MONTH}/berita-acara.pdf",
                "/iuran/tagihan/dikembalikan", "/iuran/tagihan/dikembalikan.xlsx", "/iuran/tagihan/proses/1"):
        assert client.get(url).status_code == 404, url
    assert client.post("/iuran/tagihan/unggah").status_code in (400, 404)


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/iuran/tagihan/")
    assert response.status_code == 302 and "/masuk" in response.location


def test_a_bill_may_be_larger_than_other_uploads(app_factory, tmp_path, auth):
    app = app_factory(MAX_CONTENT_LENGTH=2000, BILL_MAX_UPLOAD_BYTES=200_000, STORAGE_DIR=str(tmp_path))
    from portal.seed.reference import seed_reference

    with app.app_context():
        seed_reference()
        db.session.commit()
        make_user("staff1", Role.STAFF)
        member("Ika Besar", "10000000031")
    client = app.test_client()
    type(auth)(client).login("staff1")
    rows = [("10000000031", "", f"IKA {n}", PERIOD, "JKK, JKM", JKK_JKM) for n in range(200)]
    data = csv_bill(rows)
    assert 2000 < len(data) < 200_000
    assert upload(client, data).status_code == 302
    wait_for_worker(app)
    # Other uploads keep the smaller limit.
    assert client.post("/bpjs/jawaban", data={"answer": (io.BytesIO(data), "x.csv")},
                       content_type="multipart/form-data").status_code == 413


def test_a_bill_whose_checked_lines_are_gone_is_read_from_its_file_again(app):
    from portal import storage
    from portal.contributions import reconciliation
    from portal.contributions.bill_jobs import run_reconciliation
    from portal.contributions.ledger import Month

    with app.app_context():
        person, _m = member("Lina Lagi", "10000000051")
        actor = make_user("staff1", Role.STAFF)
        data = xlsx_bill([("10000000051", person.nik, "LINA", "05/2026", "JKK JKM", 16_000)],
                         ("KPJ", "NIK", "Nama", "Periode", "Program", "Jumlah Iuran"))
        bill = reconciliation.queue_bill(Month(YEAR, MONTH), "tagihan.xlsx", data, actor)
        db.session.commit()
        storage.delete(reconciliation._lines_key(bill.file_key))
        db.session.commit()
        bill = run_reconciliation(bill.id)
        assert bill.status == BillStatus.DONE
        assert [(d.kind.value, d.billed_amount, d.expected_amount) for d in differences()["amount"]] == [("amount", 16_000, JKK_JKM)]
