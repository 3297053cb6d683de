"""Institutional list through the browser: a 50,000-row city-wide XLSX uploaded by staff,
previewed and imported by the background job, on PostgreSQL.

    .venv/bin/python bench/institutional_import.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/portal_bench_institutional
    .venv/bin/python bench/institutional_import.py --persons 20000 --rows 5000   # small scale

Targets (issue 18): preview <= 15 s, commit <= 30 s, and no web request longer than 1 s
(the work is in the job). The database gets 200,000 persons (a tenth of them members) as
bench/list_import.py loads them; the file's NIKs partly belong to them, rows carry their
kelurahan and RW (a few none: they wait for an area). The app runs in process with the local
worker thread (no REDIS_URL), as the embedded setup does; every request (upload, each
progress poll once a second, the confirmation) is timed, and the preview and the commit are
timed from the request that starts them to the first poll that sees them finished.
"""

from __future__ import annotations

import argparse
import io
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from openpyxl import Workbook  # noqa: E402

from list_import import LETTE, PASSWORD, config_for, nik_for, prepare_database  # noqa: E402
from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from recording import BenchmarkRun, recreate_database  # noqa: E402

KELURAHAN = (LETTE, "7371101008", "7371011001", "7371041002")
POLL_SECONDS = 1.0


def city_file(rows: int) -> bytes:
    """A KPU-like list: title, header, rows across four kelurahan and 20 RW; one row in 500 without an address."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("KPPS")
    sheet.append(["DAFTAR ANGGOTA KPPS KOTA MAKASSAR"])
    sheet.append(["NIK", "Nama", "Tanggal Lahir", "L/P", "Kelurahan", "RW", "RT", "Jabatan", "No HP"])
    for i in range(rows):
        nik, born, sex = nik_for(i)
        placed = i % 500 != 7
        sheet.append([
            nik, f"Anggota KPPS {i}", born.strftime("%d/%m/%Y"), sex.value,
            KELURAHAN[i % 4] if placed else "", 1 + i % 20 if placed else "", 1 + i % 5 if placed else "",
            "KPPS", f"0812{i:08d}",
        ])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csrf(client, path: str) -> str:
    return re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def timed(requests: list[float], call):
    started = time.perf_counter()
    response = call()
    requests.append(time.perf_counter() - started)
    return response


def wait_until(client, url: str, requests: list[float], finished: str, timeout: float = 600) -> float:
    """Poll the import's page once a second (as htmx does) until `finished` shows; seconds waited."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        page = timed(requests, lambda: client.get(url, headers={"HX-Request": "true"})).get_data(as_text=True)
        if finished in page:
            return time.perf_counter() - started
        if "Gagal" in page or "Dibatalkan" in page:
            raise SystemExit(f"the import stopped: {re.sub(r'<[^>]+>', ' ', page)[:600]}")
        time.sleep(POLL_SECONDS)
    raise SystemExit(f"{finished!r} not seen within {timeout} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database, recreated")
    args = parser.parse_args()

    recreate_database(args.database_url)
    started = time.perf_counter()
    prepare_database(args.database_url, args.persons)
    print(f"database with {args.persons:,} persons ready in {time.perf_counter() - started:.1f} s")
    data = city_file(args.rows)
    megabytes = len(data) / 1e6
    print(f"{args.rows:,}-row XLSX: {megabytes:.1f} MB")
    run = BenchmarkRun(
        "institutional_import",
        dataset={
            "description": f"PostgreSQL database with {args.persons:,} persons (a tenth of them active members); a "
            f"{args.rows:,}-row city-wide XLSX ({megabytes:.1f} MB) over four kelurahan and 20 RW, NIKs partly registered",
            "database": "postgresql",
            "persons": args.persons,
            "rows": args.rows,
            "xlsx_mb": round(megabytes, 2),
        },
        method="the app in process (Flask test client, the local worker thread); the upload and the confirmation are "
        "form POSTs, then the import's page is polled once a second with HX-Request until it shows the outcome; "
        "every request is timed",
        database_url=args.database_url,
    )
    # The staff account signs in with its password only: the second factor is not what is measured.
    app = create_app(type("InstitutionalBench", (config_for(args.database_url),), {"MFA_REQUIRED_ROLES": ()}))
    client = app.test_client()
    client.post("/masuk", data={"username": "benchstaff", "password": PASSWORD})
    requests: list[float] = []
    assert client.get("/impor-instansi/").status_code == 200, "benchstaff could not sign in"  # also warms templates

    # The CLI's dry run of the same file, before anything is imported (the same registry the preview sees).
    with app.app_context():
        from portal.lists.services import import_file
        from portal.models import User

        staff = db.session.scalar(db.select(User).filter_by(username="benchstaff"))
        started = time.perf_counter()
        import_file(data, "kpps.xlsx", staff, area=None, dry_run=True)
        reference = time.perf_counter() - started
        db.session.rollback()
    print(f"reference, the CLI's dry run of the same file before the import: {reference:.2f} s")
    upload = timed(requests, lambda: client.post(
        "/impor-instansi/",
        data={"spreadsheet": (io.BytesIO(data), "kpps.xlsx"), "category": "penyelenggara_pemilu", "source": "KPU Kota Makassar"},
        content_type="multipart/form-data",
    ))
    assert upload.status_code == 302 and "/impor-instansi/" in upload.location, upload.get_data(as_text=True)[:1000]
    url = upload.location
    preview = requests[-1] + wait_until(client, url, requests, "Ya, tambahkan")
    page = client.get(url).get_data(as_text=True)
    expected = re.search(r'name="expected" type="hidden" value="(\d+)"', page).group(1)
    print(f"preview: {preview:.2f} s; {expected} rows to add")

    confirm = timed(requests, lambda: client.post(f"{url}/konfirmasi", data={"expected": expected}))
    assert confirm.status_code == 302
    commit = requests[-1] + wait_until(client, url, requests, "ditambahkan untuk diverifikasi")
    with app.app_context():
        from portal.models import ListEntry, UnplacedEntry

        entries = db.session.scalar(db.select(db.func.count(ListEntry.id)))
        waiting = db.session.scalar(db.select(db.func.count(UnplacedEntry.id)))
    print(f"commit: {commit:.2f} s; {entries:,} entries added, {waiting:,} waiting for an area")
    slowest = max(requests)
    print(f"web requests: {len(requests)}, median {statistics.median(requests) * 1000:.0f} ms, slowest {slowest * 1000:.0f} ms")

    run.table(
        f"{args.rows:,}-row institutional import",
        "step",
        [("seconds", "time", "s", 2)],
        [
            {"label": "upload request", "seconds": requests[0]},
            {"label": "preview (upload to findings shown)", "seconds": preview},
            {"label": "commit (confirmation to outcome shown)", "seconds": commit},
            {"label": f"slowest of {len(requests)} web requests", "seconds": slowest},
            {"label": "reference: the CLI's dry run of the same file (lists.services.import_file)", "seconds": reference},
        ],
    )
    run.verdict(
        "web_import",
        {"preview": preview, "commit": commit, "slowest web request": slowest},
        f"preview {preview:.1f} s, commit {commit:.1f} s, slowest request {slowest * 1000:.0f} ms",
    )
    run.note(
        f"The preview took {preview / reference:.1f}x and the commit {commit / reference:.1f}x the CLI's dry run of the "
        "same file measured in the same run (the machine is shared: compare these ratios between runs)."
    )
    run.note(f"{entries:,} entries added for review and {waiting:,} rows waiting for an area; polled every {POLL_SECONDS:.0f} s, so each time is up to a second late.")
    run.write()
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


if __name__ == "__main__":
    main()
