"""Benchmark accounts in bulk (issue 18 item 6): checking and creating 1,005 RW heads' accounts from
one sheet through the web, and printing their activation letters.

    .venv/bin/python bench/bulk_accounts.py [--accounts 1005] [--letters 100] [--runs 3]
                                            [--database-url postgresql://postgres@127.0.0.1:5432/portal_bench_accounts]

Creates (drops first) the database, migrates it and loads the regions; then, `--runs` times
on a fresh set of accounts: uploads an XLSX of `--accounts` RW heads spread over the city's
kelurahan (the check and its preview, one request), confirms it (the check again and the
inserts, one request), and prints the first part of their letters (`--letters` per PDF, one
request), all through the WSGI app in process, signed in as admin. The issue sets no figure;
the targets are this project's own: each request under 5 s for 1,005 accounts, and a PDF of
100 letters (ACTIVATION_LETTERS_PER_PDF) under 10 s, so no admin waits past a proxy's timeout. Writes
bench/results/bulk_accounts.json (see bench/recording.py).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from portal import create_app  # noqa: E402
from portal.accounts.services import create_user  # noqa: E402
from portal.config import Config  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import AccountBatch, Kelurahan, Role, User  # noqa: E402
from portal.seed.reference import seed_reference  # noqa: E402
from recording import BenchmarkRun, recreate_database  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/portal_bench_accounts"
PASSWORD = "bench-password-123"


def bench_config(url: str, letters: int) -> type[Config]:
    return type("BenchConfig", (Config,), {
        "SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://", 1),
        "WTF_CSRF_ENABLED": False, "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024,
        "RATELIMIT_ENABLED": False, "MFA_REQUIRED_ROLES": (), "ACTIVATION_LETTERS_PER_PDF": letters,
    })


def sheet(kelurahan: list[str], accounts: int, first_rw: int) -> bytes:
    """`accounts` RW heads, round-robin over the kelurahan, RW numbers from `first_rw` up."""
    workbook = Workbook()
    rows = workbook.active
    rows.append(["Nama", "Jabatan", "Kelurahan", "RW", "No HP"])
    for n in range(accounts):
        rows.append([f"Ketua Uji {n}", "Ketua RW", kelurahan[n % len(kelurahan)], first_rw + n // len(kelurahan), f"0812{n:08d}"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def timed(call):
    """The response, its wall time and the process's CPU time, in ms (PostgreSQL's own work is not in the CPU time)."""
    began, cpu = time.perf_counter(), time.process_time()
    response = call()
    return response, (time.perf_counter() - began) * 1000, (time.process_time() - cpu) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1005)
    parser.add_argument("--letters", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()
    url = args.database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    recreate_database(url)
    app = create_app(bench_config(url, args.letters))
    with app.app_context():
        upgrade()
        seed_reference()
        create_user("benchadmin", Role.ADMIN, PASSWORD)
        db.session.commit()
        kelurahan = list(db.session.scalars(db.select(Kelurahan.name).order_by(Kelurahan.code)))
    client = app.test_client()
    client.post("/masuk", data={"username": "benchadmin", "password": PASSWORD})
    run = BenchmarkRun(
        "bulk_accounts",
        dataset={"description": f"PostgreSQL, the city's regions; each run a new XLSX of {args.accounts:,} RW heads over "
                 f"{len(kelurahan)} kelurahan (names, not codes)", "database": "postgresql", "accounts": args.accounts},
        method=f"{args.runs} runs through the WSGI app in process (server time), signed in as admin: upload and check, "
               f"confirm (check again and create), print the first {args.letters} letters",
        database_url=url,
    )
    run.start()
    steps = {"check (upload and preview)": [], "create (check again and insert)": [], f"print {args.letters} letters": []}
    cpu = {name: [] for name in steps}
    names = list(steps)
    for n in range(args.runs):
        data = sheet(kelurahan, args.accounts, 1 + n * (args.accounts // len(kelurahan) + 1))
        response, ms, cpu_ms = timed(lambda: client.post("/admin/akun-massal", data={"spreadsheet": (io.BytesIO(data), "akun.xlsx")}, content_type="multipart/form-data"))
        assert response.status_code == 200, response.get_data(as_text=True)[:2000]
        steps[names[0]].append(ms)
        cpu[names[0]].append(cpu_ms)
        response, ms, cpu_ms = timed(lambda: client.post("/admin/akun-massal/buat"))
        assert response.status_code == 302
        steps[names[1]].append(ms)
        cpu[names[1]].append(cpu_ms)
        with app.app_context():
            batch_id = db.session.scalar(db.select(AccountBatch.id).order_by(AccountBatch.id.desc()))
            assert db.session.scalar(db.select(db.func.count(User.id)).where(User.account_batch_id == batch_id)) == args.accounts
        response, ms, cpu_ms = timed(lambda: client.post(f"/admin/akun-massal/{batch_id}/surat", data={"bagian": "1"}))
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        steps[names[2]].append(ms)
        cpu[names[2]].append(cpu_ms)
        print(f"run {n + 1}: " + ", ".join(f"{name} {values[-1]:.0f} ms (CPU {cpu[name][-1]:.0f} ms)" for name, values in steps.items()))
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    rows = [{"label": name, "median": statistics.median(values), "worst": max(values), "cpu": statistics.median(cpu[name])}
            for name, values in steps.items()]
    for name, values in steps.items():
        run.samples[f"{name}, ms"] = [round(v, 1) for v in values]
        run.samples[f"{name}, CPU ms"] = [round(v, 1) for v in cpu[name]]
    run.table("Accounts in bulk, one request each", "step",
              [("median", "median wall", "ms", 0), ("worst", "worst wall", "ms", 0), ("cpu", "median CPU (this process)", "ms", 0)], rows)
    run.verdict(
        "bulk_accounts",
        {"worst request for the accounts": max(max(steps[names[0]]), max(steps[names[1]])) / 1000,
         "worst letters PDF": max(steps[names[2]]) / 1000},
        f"check {statistics.median(steps[names[0]]) / 1000:.1f} s, create {statistics.median(steps[names[1]]) / 1000:.1f} s, "
        f"{args.letters} letters {statistics.median(steps[names[2]]) / 1000:.1f} s (medians)",
        scale={"accounts": args.accounts},
    )
    run.write()


if __name__ == "__main__":
    main()
