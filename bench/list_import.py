"""Member-list intake speed: the CLI dry run of a big XLSX, a 300-row web upload to preview, hostile files refused.

    .venv/bin/python bench/list_import.py                      # targets: 50,000 rows, 200,000 persons
    .venv/bin/python bench/list_import.py --persons 20000 --rows 5000 --repeat 1   # small scale

Targets (issue 3, and issue 18 with the duplicate finder of portal/duplicates.py): 50,000-row
XLSX read and validated by `flask lists import --dry-run` against 200,000 persons in at most
10 s and 300 MB peak; a 300-row upload to its preview
page under 1 s of server time. Issue 14: a zip bomb and the tiny XLSX/ODS bombs refused in
under a second each, as an upload and as a DTSEN/BPJS exchange file (the unit tests check
that they are refused, not how fast). Uses a throwaway SQLite database (or --database-url).
Prints medians and writes bench/results/list_import.json (see bench/recording.py); the CLI
runs in a child process so its peak memory is its own.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from openpyxl import Workbook  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from portal import create_app  # noqa: E402
from portal.config import Config, database_url  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import Membership, Person, Role, Sex  # noqa: E402
from portal.names import canonical_name, name_key  # noqa: E402
from portal.nik import make_nik  # noqa: E402
from recording import BenchmarkRun, run_flask  # noqa: E402

LETTE = "7371011004"
PASSWORD = "bench-password-123"
KECAMATAN = ("737101", "737110", "730601", "730901")
# Name parts of the city's registers, so names repeat as real ones do (about four persons per
# full name in 200,000) and the duplicate finder's blocks are as full as in service.
FIRST = ("Muh.", "Muhammad", "Andi", "A.", "Abd.", "Abdul", "Siti", "St.", "Sitti", "Nur", "Hj. Siti", "Ahmad", "Rahmat",
         "Hasan", "Husain", "Ismail", "Yusuf", "Haerul", "Syamsul", "Amir", "Fatimah", "Hasnah", "Rosmini", "Darmawati",
         "Asriani", "Kartini", "Nurhayati", "Risnawati", "Irwan", "Arman", "Baso", "Besse", "Indo", "Sultan", "Jumriah",
         "Hamzah", "Ilham", "Fadli", "Rahma", "Saenab", "Mariani")
MIDDLE = ("Alam", "Ilham", "Rahman", "Rahim", "Tenri", "Dg.", "Daeng", "Ali", "Amin", "Aminah", "Nurul", "Syahrir",
          "Basri", "Jufri", "Kadir", "Halim", "Anwar", "Nasrun", "Sapri", "Tahir", "Umar", "Wahid", "Zainal", "Hafid",
          "Jamal", "Latif", "Malik", "Rusli", "Salam", "Taufik", "Yunus")
LAST = ("Naba", "Situju", "Ajeng", "Rahmawati", "Syamsuddin", "Mappasomba", "Mattalatta", "Pawellangi", "Sanusi",
        "Bachtiar", "Patiroi", "Manggabarani", "Ramli", "Sikki", "Tola", "Baji", "Lallo", "Gassing", "Nompo", "Sewang",
        "Kulle", "Rani", "Bunga", "Caya", "Dollah", "Ngalle", "Ngitung", "Pasolong", "Rewa", "Sarro", "Tutu", "Bella",
        "Jarre", "Kanang", "Lewa", "Mangngu", "Naim", "Rauf", "Sakka", "Tappa", "Usman", "Wajo", "Yamin")
# Planted in the file: rows i % 100 == SLIP carry a registered person's name and birth date under
# their NIK with one digit changed; rows i % 100 == VARIANT a spelling variant of a registered
# person's name under their NIK with its last digit changed. Both are what the finder must report.
SLIP, VARIANT = 7, 57
DAYS = 45 * 365


def nik_for(i: int) -> tuple[str, date, Sex]:
    born = date(1960, 1, 1) + timedelta(days=(i * 37) % DAYS)
    sex = Sex.FEMALE if i % 2 else Sex.MALE
    return make_nik(KECAMATAN[i % 4], born, sex, 1 + (i // 4) % 9999), born, sex


def name_for(i: int) -> str:
    """The name of the NIK index `i` (a person i - 40,000 of the registry, or a file's row i)."""
    return f"{FIRST[i % len(FIRST)]} {MIDDLE[(i // len(FIRST)) % len(MIDDLE)]} {LAST[(i // (len(FIRST) * len(MIDDLE))) % len(LAST)]}"


def slip(nik: str) -> str:
    """The NIK with its serial's tens digit typed one higher."""
    return nik[:14] + str((int(nik[14]) + 1) % 10) + nik[15:]


def planted(i: int, persons: int) -> tuple[str, str, date] | None:
    """(NIK, name, birth date) of a planted duplicate at file row i, or None for an ordinary row."""
    if i % 100 == SLIP and i < 40_000:
        k = 40_000 + (i * 7) % persons
        nik, born, _sex = nik_for(k)
        return slip(nik), name_for(k), born
    if i % 100 == VARIANT:
        k = 40_000 + (i * 13) % persons
        nik, born, _sex = nik_for(k)
        name = name_for(k)
        last = name.split()[-1]
        variant = name[: -len(last)] + last[:3] + last[2:]  # a letter doubled: "Naba" -> "Nabba"
        return nik[:15] + str((int(nik[15]) + 2) % 10 or 1), variant, born
    return None


def config_for(url: str) -> type[Config]:
    """The benchmark's settings for `url` (postgresql:// or postgresql+psycopg://, as the Makefile gives)."""
    return type("BenchConfig", (Config,), {"SQLALCHEMY_DATABASE_URI": database_url(url), "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False})


def prepare_database(url: str, persons: int) -> None:
    from flask_migrate import upgrade

    from portal.accounts.services import create_user
    from portal.seed.reference import seed_reference

    app = create_app(config_for(url))
    with app.app_context():
        upgrade()
        seed_reference()
        create_user("benchstaff", Role.STAFF, PASSWORD)
        create_user("benchhead", Role.RT_RW, PASSWORD, kelurahan_code=LETTE, rw=2)
        db.session.commit()
        # Persons are generated by the same rule from a later start, so some of the file's
        # NIKs belong to registered persons (and a tenth of those are active members).
        batch = []
        for i in range(persons):
            nik, born, sex = nik_for(i + 40_000)
            name = name_for(i + 40_000)
            batch.append({"nik": nik, "full_name": name, "name_key": name_key(name), "name_canonical": canonical_name(name), "birth_date": born, "sex": sex, "kelurahan_code": LETTE, "rw": 2, "rt": 1, "category_code": "kader", "street": "", "occupation": ""})
        seen = set()
        unique = [p for p in batch if not (p["nik"] in seen or seen.add(p["nik"]))]
        for start in range(0, len(unique), 10_000):
            db.session.execute(insert(Person), unique[start:start + 10_000])
        ids = db.session.scalars(db.select(Person.id).order_by(Person.id).limit(max(1, len(unique) // 10))).all()
        db.session.execute(
            insert(Membership),
            [{"number": f"B-{pid}", "person_id": pid, "year": date.today().year, "starts_on": date.today(), "ends_on": date.today() + timedelta(days=364)} for pid in ids],
        )
        db.session.commit()
        # A registry in service has planner statistics; a freshly bulk-loaded one does not
        # until autovacuum gets to it, and plans for 17,000 guessed rows are not the real ones.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
        db.engine.dispose()


def xlsx_file(rows: int, path: Path | None = None, persons: int = 200_000) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Daftar")
    sheet.append(["DAFTAR USULAN PESERTA"])
    sheet.append(["NIK", "Nama Lengkap", "Tanggal Lahir", "Jenis Kelamin", "RT", "RW", "Kategori", "No HP"])
    for i in range(rows):
        nik, born, sex = nik_for(i)
        name = name_for(i)
        if (duplicate := planted(i, persons)) is not None:
            nik, name, born = duplicate
        sheet.append([nik, name, born.strftime("%d/%m/%Y"), sex.value, 1 + i % 5, 2, "Kader Posyandu dan KB", f"0812{i:08d}"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    if path:
        path.write_bytes(data)
    return data


def time_cli(url: str, path: Path, repeat: int) -> list[dict]:
    """Wall, CPU and peak memory of `repeat` dry runs of `flask lists import`, each in a child."""
    env = {**os.environ, "DATABASE_URL": url, "FLASK_APP": "wsgi"}
    runs = []
    for _ in range(repeat):
        result = run_flask(["lists", "import", str(path), "--by", "benchstaff", "--kelurahan", LETTE, "--rw", "2", "--dry-run", "--json"], env)
        if result.returncode != 0:
            raise SystemExit(f"CLI failed ({result.returncode}): {result.stderr[-500:]}")
        counts = re.search(r'"rows_read": (\d+), "accepted": (\d+), "rejected": (\d+)', result.stdout)
        runs.append({"label": str(len(runs) + 1), "wall": result.wall, "cpu": result.cpu, "peak": result.peak_mb})
        runs[-1]["other_nik"] = result.stdout.count('"code": "duplicate_other_nik"')
        runs[-1]["slips"] = result.stdout.count("NIK berbeda satu atau dua angka")
        runs[-1]["variants"] = result.stdout.count("Nama mirip (ejaan berbeda)")
        if counts:
            runs[-1].update(zip(("rows_read", "accepted", "rejected"), map(int, counts.groups())))
        print(f"  run: {result.wall:.2f} s wall, {result.cpu:.2f} s CPU, peak {result.peak_mb:.0f} MB  rows_read/accepted/rejected = {counts.groups() if counts else '?'}; "
              f"{runs[-1]['other_nik']} possible duplicates under another NIK ({runs[-1]['slips']} naming a NIK slip, {runs[-1]['variants']} a spelling variant)")
    return runs


def time_upload(url: str, rows: int, repeat: int) -> list[float]:
    """Server time of POST upload + GET preview for a `rows`-row XLSX, in-process."""
    data = xlsx_file(rows)
    app = create_app(config_for(url))
    client = app.test_client()
    client.post("/masuk", data={"username": "benchhead", "password": PASSWORD})
    times = []
    with app.app_context():
        from portal.lists.services import create_list
        from portal.models import User

        head = db.session.scalar(db.select(User).filter_by(username="benchhead"))
        list_ids = [create_list(head, f"Bench {n}").id for n in range(repeat + 1)]
        db.session.commit()
    for n, list_id in enumerate(list_ids):
        started = time.perf_counter()
        upload = client.post(f"/daftar/{list_id}/unggah", data={"spreadsheet": (io.BytesIO(data), "usulan.xlsx")}, content_type="multipart/form-data")
        preview = client.get(upload.headers.get("Location", f"/daftar/{list_id}"))
        elapsed = time.perf_counter() - started
        assert upload.status_code == 302 and preview.status_code == 200, (upload.status_code, preview.status_code)
        if n:  # the first run warms templates and caches
            times.append(elapsed)
    return times


def hostile_files() -> list[tuple[str, str, bytes, bool]]:
    """(label, file name, content, beyond the bulk profile too): the issue-14 bombs, and zip bombs past each profile's byte limit."""
    from tests.lists.spreadsheets import xlsx_bomb
    from tests.spreadsheets.bombs import three_bombs

    labels = ["cells at A1 and XFD1048576", "ODS row repeated 100,000 x 100", "cells at A1 and ZZ200000"]
    files = [(label, name, data, True) for label, (name, data, _says) in zip(labels, three_bombs(), strict=True)]
    files.append((f"zip bomb past {Config.SPREADSHEET_MAX_UNCOMPRESSED_BYTES >> 20} MB", "usulan.xlsx", xlsx_bomb(Config.SPREADSHEET_MAX_UNCOMPRESSED_BYTES // (1 << 20) + 10), False))
    files.append((f"zip bomb past {Config.SPREADSHEET_BULK_MAX_UNCOMPRESSED_BYTES >> 20} MB", "usulan.xlsx", xlsx_bomb(Config.SPREADSHEET_BULK_MAX_UNCOMPRESSED_BYTES // (1 << 20) + 10), True))
    return files


def time_hostile(url: str, repeat: int) -> list[dict]:
    """Milliseconds to refuse each hostile file: a head's upload (HTTP, in process) and the exchange reader."""
    from portal.lists.services import create_list
    from portal.models import User
    from portal.spreadsheets.exchange import read_rows
    from portal.spreadsheets.reader import FileRejected

    app = create_app(config_for(url))
    client = app.test_client()
    client.post("/masuk", data={"username": "benchhead", "password": PASSWORD})
    with app.app_context():
        head = db.session.scalar(db.select(User).filter_by(username="benchhead"))
        list_id = create_list(head, "Bench hostile").id
        db.session.commit()
    client.get(f"/daftar/{list_id}")  # warms templates and caches
    rows = []
    for label, name, data, beyond_bulk in hostile_files():
        upload, exchange = [], []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.post(f"/daftar/{list_id}/unggah", data={"spreadsheet": (io.BytesIO(data), name)}, content_type="multipart/form-data")
            upload.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 400, (label, response.status_code)
            if not beyond_bulk:
                continue
            with app.test_request_context():
                started = time.perf_counter()
                try:
                    read_rows(name.replace("usulan", "dtsen"), data)
                except FileRejected:
                    exchange.append((time.perf_counter() - started) * 1000)
                else:
                    raise SystemExit(f"{label}: the exchange reader read it")
        rows.append({"label": f"{label} ({len(data) / 1024:,.1f} KB)", "upload": statistics.median(upload), "exchange": statistics.median(exchange) if exchange else None})
        as_exchange = f", {rows[-1]['exchange']:.0f} ms as an exchange file" if exchange else " (within the bulk profile's limit)"
        print(f"  {label}: refused in {rows[-1]['upload']:.0f} ms as an upload{as_exchange}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--upload-rows", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", help="an empty database to use instead of a throwaway SQLite file")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.db"
        started = time.perf_counter()
        prepare_database(url, args.persons)
        print(f"database with {args.persons:,} persons ready in {time.perf_counter() - started:.1f} s")
        path = Path(folder) / "usulan.xlsx"
        xlsx_file(args.rows, path, args.persons)
        planted_slips = sum(1 for i in range(args.rows) if i % 100 == SLIP and planted(i, args.persons))
        planted_variants = sum(1 for i in range(args.rows) if i % 100 == VARIANT and planted(i, args.persons))
        megabytes = path.stat().st_size / 1e6
        print(f"{args.rows:,}-row XLSX: {megabytes:.1f} MB")
        backend = "postgresql" if url.startswith("postgresql") else "sqlite"
        run = BenchmarkRun(
            "list_import",
            dataset={
                "description": f"{backend_name(backend)} database with {args.persons:,} persons (a tenth of them active members) "
                f"and planner statistics (`ANALYZE` after the bulk load); a {args.rows:,}-row XLSX ({megabytes:.1f} MB) "
                f"whose NIKs partly belong to registered persons; a {args.upload_rows}-row upload",
                "database": backend,
                "persons": args.persons,
                "rows": args.rows,
                "xlsx_mb": round(megabytes, 2),
                "upload_rows": args.upload_rows,
            },
            method=f"`flask lists import --dry-run --json` in a child process, {args.repeat} runs (peak memory is the "
            f"child's VmHWM); the upload is a POST of the file and a GET of its preview page through the app in "
            f"process, {args.repeat} runs after one warm-up",
            database_url=url if backend == "postgresql" else None,
        )
        cli_runs = time_cli(url, path, args.repeat)
        wall, cpu = statistics.median(r["wall"] for r in cli_runs), statistics.median(r["cpu"] for r in cli_runs)
        peak = max(r["peak"] for r in cli_runs)
        print(f"CLI dry run, {args.rows:,} rows vs {args.persons:,} persons: median {wall:.2f} s, peak memory {peak:.0f} MB (target 10 s, 300 MB; wall time depends on the shared machine's load, CPU time less)")
        upload_times = [t * 1000 for t in time_upload(url, args.upload_rows, args.repeat)]
        upload = statistics.median(upload_times)
        print(f"{args.upload_rows}-row upload to preview: median {upload:.0f} ms (target 1 s)")
        hostile = time_hostile(url, args.repeat)
        slowest = max(max(r["upload"], r["exchange"] or 0) for r in hostile)

        run.table(
            f"CLI dry run, {args.rows:,} rows",
            "run",
            [("wall", "wall", "s", 2), ("cpu", "CPU", "s", 2), ("peak", "peak memory", "MB", 0)],
            cli_runs,
            {"label": "median", "wall": wall, "cpu": cpu, "peak": statistics.median(r["peak"] for r in cli_runs)},
        )
        run.table(
            f"{args.upload_rows}-row upload to its preview page",
            "run",
            [("server", "server time", "ms", 0)],
            [{"label": str(n), "server": t} for n, t in enumerate(upload_times, 1)],
            {"label": "median", "server": upload},
        )
        run.verdict(
            "cli_dry_run",
            {"median wall time": wall, "peak memory of the highest run": peak},
            f"{wall:.2f} s ({cpu:.1f} s CPU), {peak:.0f} MB",
        )
        run.table(
            "Hostile spreadsheets refused (median of the runs)",
            "file",
            [("upload", "as an upload", "ms", 0), ("exchange", "as a DTSEN/BPJS file", "ms", 0)],
            hostile,
        )
        run.verdict("upload", {"median server time": upload}, f"{upload:.0f} ms")
        run.verdict("hostile_files", {"slowest refusal": slowest}, f"slowest {slowest:.0f} ms")
        if "accepted" in cli_runs[-1]:
            last = cli_runs[-1]
            run.note(f"Each dry run read {last['rows_read']:,} rows: {last['accepted']:,} accepted, {last['rejected']:,} rejected.")
        last = cli_runs[-1]
        run.note(
            f"Duplicate finder: {planted_slips:,} rows planted with a registered person's NIK one digit off and "
            f"{planted_variants:,} with a spelling variant of a registered name and the same birth date; the last run "
            f"reported {last['other_nik']:,} possible duplicates under another NIK, {last['slips']:,} of them naming a NIK "
            f"slip and {last['variants']:,} a spelling variant (names repeat as in the city's registers, so some "
            "ordinary rows share a name and birth date with a registered person too)."
        )
        run.write()


def backend_name(backend: str) -> str:
    return {"postgresql": "PostgreSQL", "sqlite": "SQLite"}[backend]


if __name__ == "__main__":
    main()
