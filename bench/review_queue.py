"""Benchmark the staff review queue on PostgreSQL (issue 4's speed targets).

    .venv/bin/python bench/review_queue.py [--entries 100000] [--requests 60] [--bulk 1000]

Creates (drops first) the database named by BENCH_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/portal_bench_review), migrates it, loads N pending
entries spread over the city, then measures:
- the queue page with a filter (kelurahan, kecamatan + flag, category), server time per
  request through the WSGI app: median and p95 (target p95 < 150 ms at 100,000 entries);
- bulk approval of `--bulk` warning-free entries (target < 5 s for 1,000).
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
from sqlalchemy.engine import make_url  # noqa: E402

from portal import create_app  # noqa: E402
from portal.accounts.services import create_user  # noqa: E402
from portal.config import Config  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import Category, DesilRecord, EntryState, Kelurahan, ListEntry, ListSource, MemberList, Role, Sex, User  # noqa: E402
from portal.models.base import utcnow  # noqa: E402
from portal.nik import make_nik  # noqa: E402
from portal.review import services  # noqa: E402
from portal.seed.reference import seed_reference  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/portal_bench_review"
PASSWORD = "bench-password-123"


def fresh_database(url: str) -> None:
    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{parsed.database}"')


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


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--bulk", type=int, default=1000)
    parser.add_argument("--reuse", action="store_true", help="use the database an earlier run left (no loading)")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if not args.reuse:
        fresh_database(url)
    app = create_app(bench_config(url))
    with app.app_context():
        if not args.reuse:
            upgrade()
            began = time.perf_counter()
            load(args.entries)
            print(f"loaded {args.entries} pending entries in {time.perf_counter() - began:.1f} s")
        vacuum(url)
        kelurahan = [k.code for k in db.session.scalars(db.select(Kelurahan))]
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
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    for name, make_path in scenarios.items():
        timings, cpu = [], []
        for _ in range(args.requests):
            path = make_path()
            began, began_cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            timings.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
            assert response.status_code == 200, path
        print(
            f"queue page [{name}]: median {statistics.median(timings):.1f} ms, p95 {percentile(timings, 0.95):.1f} ms, "
            f"CPU of this process median {statistics.median(cpu):.1f} ms ({args.requests} requests)"
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
        result = services.approve_entries(ids, staff)
        elapsed = time.perf_counter() - began
        print(f"bulk approval of {len(ids)} entries: {elapsed:.2f} s ({len(result.approved)} approved, {len(result.skipped)} skipped)")
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
