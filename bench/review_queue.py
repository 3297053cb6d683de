"""Benchmark the staff review queue on PostgreSQL (issue 4's speed targets).

    .venv/bin/python bench/review_queue.py [--entries 100000] [--requests 60] [--bulk 1000]

Creates (drops first) the database named by BENCH_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/portal_bench_review), migrates it, loads N pending
entries spread over the city, then measures:
- the queue page with a filter (kelurahan, kecamatan + flag, category), server time per
  request through the WSGI app: median and p95 (target p95 < 150 ms at 100,000 entries);
- bulk approval of `--bulk` warning-free entries (target < 5 s for 1,000).
Prints the figures and writes bench/results/review_queue.json (see bench/recording.py).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from portal import create_app  # noqa: E402
from portal.accounts.services import create_user  # noqa: E402
from portal.config import Config  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import Category, DesilRecord, EntryState, Kelurahan, ListEntry, ListSource, MemberList, Role, Sex, User  # noqa: E402
from portal.models.base import utcnow  # noqa: E402
from portal.nik import make_nik  # noqa: E402
from portal.review import services  # noqa: E402
from portal.seed.reference import seed_reference  # noqa: E402
from recording import BenchmarkRun, percentile, recreate_database  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/portal_bench_review"
PASSWORD = "bench-password-123"


def bench_config(url: str) -> type[Config]:
    return type(
        "BenchConfig",
        (Config,),
        {
            "SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://", 1),
            "WTF_CSRF_ENABLED": False,
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 1024,
            "RATELIMIT_ENABLED": False,
            "MFA_REQUIRED_ROLES": (),  # the bench signs in with a password only
        },
    )


def load(entries: int) -> None:
    """N pending entries over every kelurahan, 10 % with warnings, 60 % with a desil."""
    seed_reference()
    staff = create_user("benchstaff", Role.STAFF, PASSWORD)
    kelurahan = [k.code for k in db.session.scalars(db.select(Kelurahan))]
    categories = [c.code for c in db.session.scalars(db.select(Category)) if c.code != "pekerja_rentan"]
    db.session.flush()
    lists = {}
    for code in kelurahan:
        member_list = MemberList(title=f"Bench {code}", kelurahan_code=code, rw=1, source=ListSource.IMPORT, created_by_id=staff.id)
        db.session.add(member_list)
        lists[code] = member_list
    db.session.flush()
    rng = random.Random(7)
    start = utcnow() - timedelta(days=30)
    warning = [{"code": "birth_date_mismatch", "severity": "warning", "message": "Cek", "column": "birth_date", "params": {}}]
    rows, desil = [], []
    for n in range(entries):
        code = rng.choice(kelurahan)
        born = date(1960 + rng.randrange(40), rng.randrange(1, 13), rng.randrange(1, 29))
        sex = rng.choice((Sex.MALE, Sex.FEMALE))
        # Unique: the serial runs within a block of 9,999, each block its own issuing code.
        nik = make_nik(f"7371{n // 9999:02d}", born, sex, n % 9999 + 1)
        has_warning = rng.random() < 0.1
        rows.append(
            {
                "list_id": lists[code].id,
                "nik": nik,
                "full_name": f"Orang {n}",
                "birth_date": born,
                "sex": sex,
                "kelurahan_code": code,
                "rw": rng.randrange(1, 12),
                "rt": rng.randrange(1, 10),
                "street": "",
                "category_code": rng.choice(categories),
                "occupation": "",
                "issues": warning if has_warning else [],
                "has_warnings": has_warning,
                "possible_duplicate": False,
                "state": EntryState.PENDING,
                "submitted_at": start + timedelta(seconds=n * 20),
                "version": 1,
                "created_at": start,
                "updated_at": start,
            }
        )
        if rng.random() < 0.6:
            desil.append({"nik": nik, "desil": rng.randrange(1, 5), "source_date": date(2026, 1, 31), "imported_at": start})
        if len(rows) == 5000:
            db.session.execute(insert(ListEntry), rows)
            rows = []
    if rows:
        db.session.execute(insert(ListEntry), rows)
    for i in range(0, len(desil), 5000):
        db.session.execute(insert(DesilRecord), desil[i : i + 5000])
    db.session.commit()
    db.session.commit()


def vacuum(url: str) -> None:
    """What autovacuum does in production: statistics, and the visibility map that lets the
    capped counts read the indexes alone."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--bulk", type=int, default=1000)
    parser.add_argument("--reuse", action="store_true", help="use the database an earlier run left (no loading)")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if not args.reuse:
        recreate_database(url)
    app = create_app(bench_config(url))
    with app.app_context():
        if not args.reuse:
            upgrade()
            began = time.perf_counter()
            load(args.entries)
            print(f"loaded {args.entries} pending entries in {time.perf_counter() - began:.1f} s")
        vacuum(url)
        kelurahan = [k.code for k in db.session.scalars(db.select(Kelurahan))]
        pending = db.session.scalar(db.select(db.func.count()).where(ListEntry.state == EntryState.PENDING))
    client = app.test_client()
    client.post("/masuk", data={"username": "benchstaff", "password": PASSWORD})
    assert client.get("/verifikasi/").status_code == 200
    rng = random.Random(11)
    scenarios = {
        "kelurahan": lambda: f"/verifikasi/?kelurahan={rng.choice(kelurahan)}",
        "kecamatan+no_warnings": lambda: f"/verifikasi/?kecamatan={rng.choice(kelurahan)[:6]}&tanda=no_warnings",
        "category+unknown_desil": lambda: "/verifikasi/?kategori=kader&tanda=unknown_desil",
        "no filter, page 2": lambda: "/verifikasi/?setelah=50",
    }
    run = BenchmarkRun(
        "review_queue",
        dataset={
            "description": f"PostgreSQL, {pending:,} pending entries spread over the city's kelurahan (a tenth with "
            "warnings, 60 % with a DTSEN desil), `VACUUM ANALYZE` after loading",
            "database": "postgresql",
            "entries": pending,
            "reused": args.reuse,
        },
        method=f"{args.requests} requests per filter through the WSGI app in process (server time: routing, SQL, "
        f"rendering), signed in as staff; then one bulk approval of the {args.bulk:,} oldest warning-free entries",
        database_url=url,
    )
    print(f"load average before: {' '.join(f'{v:.2f}' for v in run.load_start)}")
    rows = []
    for name, make_path in scenarios.items():
        timings, cpu = [], []
        for _ in range(args.requests):
            path = make_path()
            began, began_cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            timings.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
            assert response.status_code == 200, path
        row = {"label": name, "median": statistics.median(timings), "p95": percentile(timings, 0.95), "cpu": statistics.median(cpu)}
        rows.append(row)
        run.samples[f"queue {name}, ms"] = [round(t, 2) for t in timings]
        print(
            f"queue page [{name}]: median {row['median']:.1f} ms, p95 {row['p95']:.1f} ms, "
            f"CPU of this process median {row['cpu']:.1f} ms ({args.requests} requests)"
        )
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    with app.app_context():
        staff = db.session.scalar(db.select(User).filter_by(username="benchstaff"))
        ids = list(
            db.session.scalars(
                db.select(ListEntry.id)
                .where(ListEntry.state == EntryState.PENDING, ListEntry.has_warnings.is_(False))
                .order_by(ListEntry.submitted_at)
                .limit(args.bulk)
            )
        )
        began = time.perf_counter()
        result = services.approve_entries(ids, staff, commit=db.session.commit)
        elapsed = time.perf_counter() - began
        print(f"bulk approval of {len(ids)} entries: {elapsed:.2f} s ({len(result.approved)} approved, {len(result.skipped)} skipped)")
        db.session.remove()
        db.engine.dispose()
    run.table(
        "Queue page with a filter",
        "filter",
        [("median", "median", "ms", 0), ("p95", "p95", "ms", 0), ("cpu", "CPU of this process, median", "ms", 0)],
        rows,
    )
    run.table(
        "Bulk approval",
        "run",
        [("entries", "entries", "", 0), ("seconds", "time", "s", 2), ("approved", "approved", "", 0), ("skipped", "skipped", "", 0)],
        [{"label": "1", "entries": len(ids), "seconds": elapsed, "approved": len(result.approved), "skipped": len(result.skipped)}],
    )
    worst = max(rows, key=lambda r: r["p95"])
    run.verdict(
        "queue",
        {"worst p95 over the filters": worst["p95"]},
        f"p95 {min(r['p95'] for r in rows):.0f}-{worst['p95']:.0f} ms over {len(rows)} filters "
        f"(median {min(r['median'] for r in rows):.0f}-{max(r['median'] for r in rows):.0f} ms)",
    )
    run.verdict("bulk_approval", {"bulk approval": elapsed}, f"{elapsed:.2f} s for {len(ids):,}", scale={"bulk": len(ids)})
    run.note(f"Bulk approval: {len(result.approved):,} approved, {len(result.skipped):,} skipped.")
    run.write()


if __name__ == "__main__":
    main()
