"""Benchmark the monthly contribution statement on PostgreSQL (issue 20's speed target).

    .venv/bin/python bench/contribution_statement.py [--members 100000] [--requests 15]
                     [--database-url postgresql://postgres@127.0.0.1:5432/portal_bench_statement]

Creates (drops first) the database, migrates it, generates a city of `--members` members
(portal.seed.scale), then measures through the WSGI app, signed in as staff: the statement
page of a month (target <= 3 s), the year's months page (/iuran/), and the streamed CSV of
the month's member lines (wall time and the process's peak memory growth). Writes
bench/results/contribution_statement.json (see bench/recording.py).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from portal import clock, create_app  # noqa: E402
from portal.accounts.services import create_user  # noqa: E402
from portal.config import Config  # noqa: E402
from portal.contributions.ledger import Month, month_total  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import Membership, Role  # noqa: E402
from portal.seed.reference import seed_reference  # noqa: E402
from portal.seed.scale import seed_scale  # noqa: E402
from recording import BenchmarkRun, percentile, recreate_database  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/portal_bench_statement"
PASSWORD = "bench-password-123"


def bench_config(url: str) -> type[Config]:
    return type("BenchConfig", (Config,), {
        "SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://", 1),
        "WTF_CSRF_ENABLED": False, "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024,
        "RATELIMIT_ENABLED": False, "MFA_REQUIRED_ROLES": (),
    })


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(client, path: str, requests: int) -> list[float]:
    timings = []
    for _ in range(requests):
        began = time.perf_counter()
        response = client.get(path)
        body = response.get_data()
        timings.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200 and body, path
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--reuse", action="store_true",
                        help="measure on the database a previous run loaded (loading 100,000 members takes minutes)")
    args = parser.parse_args()
    url = args.database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    if not args.reuse:
        recreate_database(url)
    app = create_app(bench_config(url))
    today = clock.today()
    # A month every membership of the scale city is due in (they start in January or later).
    month = Month(today.year, max(today.month - 1, 1))
    with app.app_context():
        upgrade()
        if not args.reuse:
            began = time.perf_counter()
            seed_reference()
            create_user("benchstaff", Role.STAFF, PASSWORD)
            db.session.flush()
            seed_scale(args.members, pending=0)
            db.session.commit()
            print(f"loaded {args.members:,} members in {time.perf_counter() - began:.1f} s")
        args.members = db.session.scalar(db.select(db.func.count(Membership.id)))
        due_members, due_total = month_total(month)
        db.session.remove()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    print(f"{month}: {due_members:,} members due, Rp {due_total:,}")
    client = app.test_client()
    client.post("/masuk", data={"username": "benchstaff", "password": PASSWORD})
    run = BenchmarkRun(
        "contribution_statement",
        dataset={"description": f"PostgreSQL, {args.members:,} members (portal.seed.scale), {due_members:,} due in {month}, "
                 "`VACUUM ANALYZE` after loading", "database": "postgresql", "members": args.members},
        method=f"{args.requests} requests per page through the WSGI app in process (server time, body read), signed in as staff",
        database_url=url,
    )
    rows = []
    pages = {
        "statement": f"/iuran/{month.year}/{month.month}",
        "year's months": f"/iuran/?tahun={month.year}",
    }
    for label, path in pages.items():
        timings = timed(client, path, args.requests)
        rows.append({"label": label, "median": statistics.median(timings), "p95": percentile(timings, 0.95)})
        run.samples[f"{label}, ms"] = [round(t, 2) for t in timings]
        print(f"{label}: median {rows[-1]['median']:.0f} ms, p95 {rows[-1]['p95']:.0f} ms")
    before = peak_mb()
    for fmt in ("csv", "xlsx"):
        timings = timed(client, f"/iuran/{month.year}/{month.month}/peserta.{fmt}", 1 if fmt == "xlsx" else 3)
        rows.append({"label": f"member lines {fmt.upper()}", "median": statistics.median(timings), "p95": max(timings)})
        print(f"member lines {fmt}: {statistics.median(timings) / 1000:.1f} s")
    grown = peak_mb() - before
    print(f"peak memory grew {grown:.0f} MB during the exports (the body is read into the test client)")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    run.table("Contribution pages", "page", [("median", "median", "ms", 0), ("p95", "p95 (max for exports)", "ms", 0)], rows)
    run.note(f"Peak memory of the process grew {grown:.0f} MB during the member-line exports; "
             "the test client holds each body in memory, a browser download does not.")
    statement = rows[0]
    run.verdict("contribution_statement", {"statement p95": statement["p95"]},
                f"statement median {statement['median']:.0f} ms, p95 {statement['p95']:.0f} ms",
                scale={"members": args.members})
    run.write()


if __name__ == "__main__":
    main()
