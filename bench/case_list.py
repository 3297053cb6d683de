"""Benchmark the case desk's list on PostgreSQL (issue 21's speed target).

    .venv/bin/python bench/case_list.py [--persons 200000] [--cases 10000] [--requests 60]
                                        [--database-url postgresql://postgres@127.0.0.1:5432/portal_bench_cases]

Creates (drops first) the database, migrates it, generates a city of `--persons` members
(portal.seed.scale) and `--cases` cases over them (a fifth deaths, states spread, some
overdue), then measures the case list with a filter through the WSGI app, signed in as staff:
median and p95 server time (target p95 < 150 ms with 10,000 cases). Writes
bench/results/case_list.json (see bench/recording.py).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from portal import create_app  # noqa: E402
from portal.accounts.services import create_user  # noqa: E402
from portal.config import Config  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import Case, CaseKind, CaseState, Kecamatan, Person, Role  # noqa: E402
from portal.models.base import utcnow  # noqa: E402
from portal.seed.reference import seed_reference  # noqa: E402
from portal.seed.scale import seed_scale  # noqa: E402
from recording import BenchmarkRun, percentile, recreate_database  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/portal_bench_cases"
PASSWORD = "bench-password-123"
STATES = (CaseState.REPORTED, CaseState.STAGE_ONE, CaseState.STAGE_TWO, CaseState.DOCUMENTS_COMPLETE,
          CaseState.PAID, CaseState.REFUSED, CaseState.WITHDRAWN)


def bench_config(url: str) -> type[Config]:
    return type("BenchConfig", (Config,), {
        "SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://", 1),
        "WTF_CSRF_ENABLED": False, "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024,
        "RATELIMIT_ENABLED": False, "MFA_REQUIRED_ROLES": (),
    })


def load(persons: int, cases: int) -> None:
    seed_reference()
    staff = create_user("benchstaff", Role.STAFF, PASSWORD)
    db.session.flush()
    seed_scale(persons, pending=0)
    db.session.flush()
    people = db.session.execute(db.select(Person.id, Person.kelurahan_code, Person.rw, Person.rt)).all()
    rng = random.Random(21)
    now = utcnow()
    rows = []
    for n in range(cases):
        person = rng.choice(people)
        reported = now - timedelta(hours=rng.randrange(1, 24 * 365))
        state = rng.choice(STATES)
        rows.append({
            "kind": CaseKind.DEATH if rng.random() < 0.2 else CaseKind.ACCIDENT, "state": state,
            "person_id": person.id, "kelurahan_code": person.kelurahan_code, "rw": person.rw, "rt": person.rt,
            "covered": rng.random() < 0.9, "occurred_on": (reported - timedelta(days=1)).date(),
            "place": "Pasar", "chronology": f"Kasus uji {n}", "contact_phone": "081234567890",
            "reported_by_id": staff.id, "reported_at": reported, "stage_one_due_at": reported + timedelta(hours=48),
            "closed_at": reported + timedelta(days=10) if state in (CaseState.PAID, CaseState.REFUSED, CaseState.WITHDRAWN) else None,
            "created_at": reported, "updated_at": reported,
        })
        if len(rows) == 5000:
            db.session.execute(insert(Case), rows)
            rows = []
    if rows:
        db.session.execute(insert(Case), rows)
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()
    url = args.database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    recreate_database(url)
    app = create_app(bench_config(url))
    with app.app_context():
        upgrade()
        began = time.perf_counter()
        load(args.persons, args.cases)
        print(f"loaded {args.persons:,} persons and {args.cases:,} cases in {time.perf_counter() - began:.1f} s")
        kecamatan = list(db.session.scalars(db.select(Kecamatan.code)))
        total = db.session.scalar(db.select(db.func.count(Case.id)))
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    client = app.test_client()
    client.post("/masuk", data={"username": "benchstaff", "password": PASSWORD})
    assert client.get("/kasus/").status_code == 200
    rng = random.Random(5)
    scenarios = {
        "no filter": lambda: "/kasus/",
        "kind + state": lambda: f"/kasus/?jenis=jkk&status={rng.choice(STATES).value}",
        "overdue": lambda: "/kasus/?terlambat=y",
        "kecamatan, page 3": lambda: f"/kasus/?kecamatan={rng.choice(kecamatan)}&halaman=3",
    }
    run = BenchmarkRun(
        "case_list",
        dataset={"description": f"PostgreSQL, {args.persons:,} persons (portal.seed.scale), {total:,} cases over them, "
                 "`VACUUM ANALYZE` after loading", "database": "postgresql", "persons": args.persons, "cases": total},
        method=f"{args.requests} requests per filter through the WSGI app in process (server time), signed in as staff",
        database_url=url,
    )
    rows = []
    for name, make_path in scenarios.items():
        timings = []
        for _ in range(args.requests):
            path = make_path()
            began = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, path
        rows.append({"label": name, "median": statistics.median(timings), "p95": percentile(timings, 0.95)})
        run.samples[f"case list {name}, ms"] = [round(t, 2) for t in timings]
        print(f"case list [{name}]: median {rows[-1]['median']:.1f} ms, p95 {rows[-1]['p95']:.1f} ms")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    run.table("Case list with a filter", "filter", [("median", "median", "ms", 0), ("p95", "p95", "ms", 0)], rows)
    worst = max(rows, key=lambda r: r["p95"])
    run.verdict("case_list", {"worst p95 over the filters": worst["p95"]},
                f"p95 {min(r['p95'] for r in rows):.0f}-{worst['p95']:.0f} ms over {len(rows)} filters",
                scale={"persons": args.persons, "cases": total})
    run.write()


if __name__ == "__main__":
    main()
