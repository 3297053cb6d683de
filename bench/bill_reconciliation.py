"""Benchmark BPJS's bill reconciliation on PostgreSQL (issue 20's speed target).

    .venv/bin/python bench/bill_reconciliation.py [--members 100000] [--lines 100000]
                                                  [--database-url postgresql://postgres@127.0.0.1:5432/portal_bench_bills]

Creates (drops first) the database, migrates it, generates a city of `--members` members
(portal.seed.scale; every membership given a KPJ), then writes BPJS's bill for last month
as an XLSX of `--lines` lines: the due members, a few hundred of each kind of difference
(amounts that differ, members left out, billed after the end, billed twice, unknown KPJs).
The upload's check of the file (portal.contributions.reconciliation.queue_bill) is timed in
this process; the reconciliation itself (bill_jobs.run_reconciliation: read, match, write
lines and differences, commit) runs in a child process, so its peak memory (VmHWM, which
includes the app's imports) is its own. Target: <= 10 s and <= 300 MB. Writes
bench/results/bill_reconciliation.json (see bench/recording.py).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from portal import clock, create_app  # noqa: E402
from portal.accounts.services import create_user  # noqa: E402
from portal.config import Config  # noqa: E402
from portal.contributions import ledger  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import Bill, BillDifference, Role, User  # noqa: E402
from portal.seed.reference import seed_reference  # noqa: E402
from portal.seed.scale import seed_scale  # noqa: E402
from recording import BenchmarkRun, recreate_database  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/portal_bench_bills"
PER_KIND = 300  # lines (or members) of each kind of difference


def bench_config(url: str) -> type[Config]:
    return type("BenchConfig", (Config,), {
        "SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://", 1),
        "REDIS_URL": None, "PDF_PRELOAD": False, "STORAGE_BACKEND": "database",
        "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024, "RATELIMIT_ENABLED": False,
    })


def load(members: int) -> None:
    seed_reference()
    create_user("benchstaff", Role.STAFF, "bench-password-123")
    db.session.flush()
    seed_scale(members, pending=0)
    db.session.execute(db.text(
        "UPDATE membership SET kpj_number = lpad((27000000000 + id)::text, 11, '0') WHERE kpj_number IS NULL"
    ))
    db.session.commit()


def bill_xlsx(month: ledger.Month, lines: int) -> tuple[bytes, int]:
    """BPJS's bill: the due members (some left out, some at another amount), the ended
    members billed after their end, some billed twice, unknown KPJs, up to `lines` lines."""
    rates = ledger.rates_for(month.year)
    due = db.session.execute(ledger.member_rows(month, rates)).all()
    ended = db.session.execute(db.text(
        "SELECT m.kpj_number, p.nik FROM membership m JOIN person p ON p.id = m.person_id "
        "WHERE m.end_reason IS NOT NULL AND m.ends_on < :first LIMIT :n"
    ), {"first": month.first_day, "n": PER_KIND}).all()
    rng = random.Random(20)
    rng.shuffle(due)
    left_out = PER_KIND
    rows = []
    for n, row in enumerate(due[left_out:]):
        amount = row.amount + 20_000 if n < PER_KIND else row.amount
        rows.append((row.kpj_number, row.nik, f"PESERTA {n}", str(month), "JKK, JKM", amount))
    rows += [(kpj, nik, "PESERTA BERAKHIR", str(month), "JKK, JKM", 16_800) for kpj, nik in ended]
    rows += [rows[n] for n in range(PER_KIND)]  # billed twice
    unknown = 0
    while len(rows) < lines:
        rows.append((f"{29_000_000_000 + unknown:011d}", f"7371{unknown:012d}", "TIDAK DIKENAL", str(month), "JKK, JKM", 16_800))
        unknown += 1
    rows = rows[:lines]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Tagihan")
    sheet.append(["TAGIHAN IURAN BPU PEMERINTAH KOTA MAKASSAR", None, None, None, None, None])
    sheet.append(["No. KPJ", "NIK", "Nama Peserta", "Periode", "Program", "Iuran (Rp)"])
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), len(due)


def child(bill_id: int, url: str) -> None:
    """Run one reconciliation and print its wall time and this process's peak memory."""
    from portal.contributions.bill_jobs import run_reconciliation

    app = create_app(bench_config(url))
    with app.app_context():
        began = time.perf_counter()
        bill = run_reconciliation(bill_id)
        wall = time.perf_counter() - began
        print(f"RESULT status={bill.status.value} error={bill.error} wall={wall:.3f}")
    status = Path("/proc/self/status").read_text()
    print("PEAK_KB", re.search(r"VmHWM:\s+(\d+)", status).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = args.database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    if args.child:
        child(args.child, url)
        return
    recreate_database(url)
    app = create_app(bench_config(url))
    with app.app_context():
        upgrade()
        began = time.perf_counter()
        load(args.members)
        print(f"loaded {args.members:,} members in {time.perf_counter() - began:.1f} s")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    month = ledger.Month.of_index(ledger.Month.of_day(clock.today()).index - 1)
    with app.app_context():
        data, due = bill_xlsx(month, args.lines)
        print(f"bill for {month}: {args.lines:,} lines, {len(data) / 1e6:.1f} MB XLSX; {due:,} members due")
        from portal.contributions.reconciliation import queue_bill

        staff = db.session.scalar(db.select(User).filter_by(username="benchstaff"))
        began = time.perf_counter()
        bill = queue_bill(month, "tagihan.xlsx", data, staff)
        db.session.commit()
        check = time.perf_counter() - began
        bill_id = bill.id
        print(f"upload check (read and validate the file, store it): {check:.2f} s")
    result = subprocess.run([sys.executable, __file__, "--child", str(bill_id), "--database-url", url],
                            capture_output=True, text=True, check=True)
    found = re.search(r"RESULT status=(\w+) error=(\S+) wall=([\d.]+)", result.stdout)
    peak = int(re.search(r"PEAK_KB (\d+)", result.stdout).group(1)) / 1024
    status, wall = found.group(1), float(found.group(3))
    assert status == "done", result.stdout + result.stderr
    with app.app_context():
        differences = db.session.scalar(db.select(db.func.count()).select_from(BillDifference).filter_by(bill_id=bill_id))
        bill = db.session.get(Bill, bill_id)
        print(f"reconciliation: {wall:.2f} s, peak {peak:.0f} MB, {bill.billed_lines:,} lines, {differences:,} differences")
        db.session.remove()
        db.engine.dispose()
    run = BenchmarkRun(
        "bill_reconciliation",
        dataset={"description": f"PostgreSQL, {args.members:,} members (portal.seed.scale, every membership with a KPJ), "
                 f"an XLSX bill of {args.lines:,} lines for {month} with about {PER_KIND} of each kind of difference",
                 "database": "postgresql", "members": args.members, "lines": args.lines},
        method="the reconciliation job (read the stored XLSX, match, write lines and differences, commit) in a child "
               "process; peak memory is the child's VmHWM, the app's imports included",
        database_url=url,
    )
    rows = [
        {"label": "upload check (request)", "wall": check, "peak": None},
        {"label": "reconciliation (background job)", "wall": wall, "peak": peak},
    ]
    run.table("Reconciling a month's bill", "step", [("wall", "wall time", "s", 2), ("peak", "peak memory", "MB", 0)], rows)
    run.verdict("reconciliation", {"wall time": wall, "peak memory": peak}, f"{wall:.1f} s, {peak:.0f} MB, {differences:,} differences",
                scale={"members": args.members, "lines": args.lines})
    run.write()


if __name__ == "__main__":
    main()
