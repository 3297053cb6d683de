"""Benchmark: staff dashboard and public /stats server time with N members in PostgreSQL.

    .venv/bin/python bench/dashboard.py --members 200000

Creates (and afterwards drops) its own PostgreSQL database, bulk-inserts N persons with a
membership each, list entries across the year (about 1.2 per member), certificates for
half of them, then times requests through the app in this process (server time: routing,
SQL, rendering; no network). Modes:
- "cold": the cache is emptied before every request, so each one counts the year in the
  database (what a request pays when no refresh job runs and the cache has lapsed);
- "job": the year's counts were just recounted by the refresh job (`flask reports refresh`,
  timed separately), and the page for its filters is added up from them (what every page
  gets, for any kecamatan and category, while the job runs every few minutes);
- "warm": later requests within the cache's lifetime;
- "aging": counts past half their maximum age, served, then recounted after the response.
Prints medians and p95 of wall time, the median CPU time of this process per request,
and the load average (the machine may be shared: compare CPU times), and writes
bench/results/dashboard.json (see bench/recording.py).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import current_app  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from portal import create_app  # noqa: E402
from portal.accounts.services import create_user  # noqa: E402
from portal.config import Config, database_url  # noqa: E402
from portal.extensions import cache, db  # noqa: E402
from portal.models import (  # noqa: E402
    Certificate,
    EntryState,
    Kelurahan,
    ListEntry,
    ListSource,
    MemberList,
    Membership,
    MembershipStatus,
    Person,
    Role,
    Sex,
)
from portal.reports.figures import ReportFilters  # noqa: E402
from portal.reports.services import invalidate_reports, refresh_year_counts, report_cache_key  # noqa: E402
from portal.seed.reference import CATEGORIES, seed_reference  # noqa: E402
from recording import BenchmarkRun, percentile, recreate_database  # noqa: E402

PASSWORD = "bench-password-2026"
CHUNK = 10_000


def normalised(url: str) -> str:
    """The URL with the driver SQLAlchemy uses (postgresql+psycopg)."""
    return make_url(database_url(url)).render_as_string(hide_password=False)


def bench_config(url: str) -> type[Config]:
    return type(
        "BenchConfig",
        (Config,),
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_ENABLED": False,
            "MFA_REQUIRED_ROLES": (),  # the bench signs in with a password only
            "REDIS_URL": None,
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 1024,
        },
    )


def _insert(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(model), rows[start : start + CHUNK])


def populate(members: int, year: int, seed: int = 7371) -> None:
    """N persons with one membership each, their list entries and certificates (Core inserts)."""
    rng = random.Random(seed)
    kelurahan = list(db.session.execute(db.select(Kelurahan.code)).scalars())
    codes = [c.code for c in CATEGORIES]
    weights = [c.target_2024 for c in CATEGORIES]
    staff = create_user("bench-staff", Role.STAFF, PASSWORD, full_name="Bench Staff")
    db.session.flush()
    year_start = datetime(year, 1, 1, tzinfo=timezone.utc)
    span = max((min(datetime.now(timezone.utc), datetime(year, 12, 31, tzinfo=timezone.utc)) - year_start).days, 1)

    lists = []
    for number in range(members // 35 + 1):
        lists.append(
            {
                "id": number + 1,
                "title": f"Usulan bench {number + 1}",
                "kelurahan_code": rng.choice(kelurahan),
                "rw": rng.randint(1, 12),
                "source": ListSource.UPLOAD,
                "created_by_id": staff.id,
                "created_at": year_start,
                "updated_at": year_start,
            }
        )
    _insert(MemberList, lists)

    persons, memberships, entries, certificates = [], [], [], []
    now = datetime.now(timezone.utc)
    for i in range(1, members + 1):
        category = rng.choices(codes, weights)[0]
        kel = rng.choice(kelurahan)
        submitted = year_start + timedelta(days=rng.randrange(span), hours=rng.randrange(24))
        decided = min(submitted + timedelta(days=rng.randint(1, 10)), now)
        persons.append(
            {
                "id": i,
                "nik": f"73{i:014d}",
                "full_name": f"Peserta {i}",
                "name_key": f"peserta {i}",
                "birth_date": date(1960 + i % 40, 1 + i % 12, 1 + i % 28),
                "sex": Sex.FEMALE if i % 2 else Sex.MALE,
                "kelurahan_code": kel,
                "rw": rng.randint(1, 12),
                "rt": rng.randint(1, 8),
                "category_code": category,
                "monthly_income": rng.choice([None, 1_000_000, 1_500_000, 2_000_000, 2_500_000]),
                "created_at": decided,
                "updated_at": decided,
            }
        )
        status = MembershipStatus.ENDED if rng.random() < 0.03 else MembershipStatus.ACTIVE
        memberships.append(
            {
                "id": i,
                "number": f"MKS-{year}-{i:07d}",
                "person_id": i,
                "year": year,
                "jkk": True,
                "jkm": True,
                "jht": category in ("kader", "pekerja_keagamaan"),
                "starts_on": decided.date(),
                "ends_on": decided.date() + timedelta(days=364),
                "status": status,
                "created_at": decided,
                "updated_at": decided,
            }
        )
        entries.append(_entry(rng, lists, kel, category, i, submitted, decided, EntryState.APPROVED, staff.id, person_id=i))
        if i % 5 == 0:  # one more entry per five members still pending, rejected or returned
            state = rng.choice([EntryState.PENDING, EntryState.REJECTED, EntryState.RETURNED])
            entries.append(_entry(rng, lists, kel, category, members + i, submitted, decided, state, staff.id))
        if i % 2 == 0:
            certificates.append(
                {"membership_id": i, "code": f"bench-{i:012d}", "issued_at": decided, "issued_by_id": staff.id}
            )
    _insert(Person, persons)
    _insert(Membership, memberships)
    _insert(ListEntry, entries)
    _insert(Certificate, certificates)
    db.session.commit()
    for table in ("person", "membership", "list_entry", "certificate", "member_list"):
        db.session.execute(db.text(f"ANALYZE {table}"))  # what autovacuum does in production
    db.session.commit()


def _entry(rng, lists, kel, category, number, submitted, decided, state, staff_id, person_id=None) -> dict:
    pending = state == EntryState.PENDING
    return {
        "list_id": rng.choice(lists)["id"],
        "nik": f"73{number:014d}",
        "full_name": f"Peserta {number}",
        "kelurahan_code": kel,
        "rw": 1,
        "rt": 1,
        "category_code": category,
        "issues": [],
        "state": state,
        "submitted_at": submitted,
        "decided_at": None if pending else decided,
        "decided_by_id": None if pending else staff_id,
        "person_id": person_id,
        "version": 1,
        "created_at": submitted,
        "updated_at": submitted,
    }


def age_cached_report(filters: ReportFilters, seconds: float) -> None:
    """Make the cached report of `filters` look `seconds` older."""
    key = report_cache_key(filters)
    report = cache.get(key)
    if report is not None:
        cache.set(key, replace(report, computed_at=report.computed_at - timedelta(seconds=seconds)))


def timed(client, path: str, filters: ReportFilters, rounds: int, mode: str) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of `rounds` requests in `mode` (see the module docstring)."""
    times, cpu = [], []
    for _ in range(rounds):
        if mode == "cold":
            invalidate_reports()
        elif mode == "job":
            invalidate_reports()
            refresh_year_counts(filters.year)
            db.session.remove()
        elif mode == "aging":
            age_cached_report(filters, current_app.config["REPORTS_CACHE_SECONDS"] * 0.6)
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, (path, response.status_code)
        response.close()  # an aging report is recounted here, after the response went out
    return times, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=200_000)
    parser.add_argument("--cold-rounds", type=int, default=7)
    parser.add_argument("--warm-rounds", type=int, default=30)
    parser.add_argument(
        "--database-url", default="postgresql://postgres@127.0.0.1:5432/portal_bench_dashboard"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="use the database a --keep run left (no loading)")
    args = parser.parse_args()

    url = normalised(args.database_url)
    if not args.reuse:
        recreate_database(url)
    app = create_app(bench_config(url))
    year = date.today().year
    try:
        if not args.reuse:
            with app.app_context():
                upgrade()
                seed_reference(year)
                db.session.commit()
                started = time.perf_counter()
                populate(args.members, year)
                print(f"inserted {args.members:,} members in {time.perf_counter() - started:.1f} s")
        client = app.test_client()
        login = client.get("/masuk").get_data(as_text=True)
        token = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', login).group(1)
        client.post("/masuk", data={"username": "bench-staff", "password": PASSWORD, "csrf_token": token})
        pages = {
            "dashboard": ("/laporan/", ReportFilters(year)),
            "dashboard, one kecamatan and category": (
                "/laporan/?kecamatan=737110&category=pekerja_rentan",
                ReportFilters(year, "737110", "pekerja_rentan"),
            ),
            "/stats": ("/statistik", ReportFilters(year)),
        }
        with app.app_context():
            members = db.session.scalar(db.select(db.func.count()).select_from(Membership))
        run = BenchmarkRun(
            "dashboard",
            dataset={
                "description": f"PostgreSQL with {members:,} members of this year (one membership each), list entries "
                "across the year (about 1.2 per member), certificates for half of them",
                "database": "postgresql",
                "members": members,
            },
            method=f"requests through the app in process (server time: routing, SQL, rendering; no network), signed in "
            f"as staff; {args.cold_rounds} requests per page in the modes cold, job and aging, {args.warm_rounds} warm; "
            "the refresh job timed 3 times on its own",
            database_url=url,
        )
        print(f"server time in ms, {members:,} members (median / p95, median CPU of this process)")
        print(f"load average before: {' '.join(f'{v:.2f}' for v in run.load_start)}")
        rows = []
        with app.app_context():
            job = []
            for _ in range(3):
                invalidate_reports()
                started, started_cpu = time.perf_counter(), time.process_time()
                refresh_year_counts(year)
                job.append(((time.perf_counter() - started) * 1000, (time.process_time() - started_cpu) * 1000))
                db.session.remove()
            refresh = {"label": "refresh job (counts the year)", "wall": statistics.median(j[0] for j in job), "cpu": statistics.median(j[1] for j in job)}
            print(f"  refresh job (counts the year): {refresh['wall']:.0f} ms, CPU {refresh['cpu']:.0f} ms (median of 3)")
            for label, (path, filters) in pages.items():
                timed(client, path, filters, 1, "cold")  # the first request warms SQLAlchemy and Jinja
                results = []
                row = {"label": label}
                for mode, rounds in (("cold", args.cold_rounds), ("job", args.cold_rounds), ("warm", args.warm_rounds), ("aging", args.cold_rounds)):
                    wall, cpu = timed(client, path, filters, rounds, mode)
                    row[mode] = [statistics.median(wall), percentile(wall, 0.95)]
                    row[f"{mode}_cpu"] = statistics.median(cpu)
                    run.samples[f"{label}, {mode}, ms"] = [round(t, 2) for t in wall]
                    results.append(f"{mode} {row[mode][0]:6.1f} / {row[mode][1]:6.1f} ({row[f'{mode}_cpu']:5.1f})")
                rows.append(row)
                print(f"  {label:38} " + "   ".join(results))
        print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
        record_results(run, rows, refresh)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if not args.keep:
            recreate_database(url, create=False)


def record_results(run: BenchmarkRun, rows: list[dict], refresh: dict) -> None:
    """The pages' figures, the refresh job's, and the verdict on issue 7's target."""
    run.table(
        "Server time per page, median / p95",
        "page",
        [("job", "job", "ms", 0), ("warm", "warm", "ms", 0), ("aging", "aging", "ms", 0), ("cold", "cold", "ms", 0), ("job_cpu", "job, CPU median", "ms", 0)],
        rows,
    )
    run.table("Refresh job", "", [("wall", "median of 3", "ms", 0), ("cpu", "CPU", "ms", 0)], [refresh])
    # With `flask reports refresh` on its timer every page is served as in "job" mode.
    job_medians = [row["job"][0] for row in rows]
    cold_medians = [row["cold"][0] for row in rows]
    run.verdict(
        "dashboard",
        {"worst median server time with the refresh job": max(job_medians)},
        f"{min(job_medians):.0f}-{max(job_medians):.0f} ms median, p95 ≤ {max(row['job'][1] for row in rows):.0f} ms "
        f"with the refresh job; {min(cold_medians):,.0f}-{max(cold_medians):,.0f} ms when a request must count itself",
    )
    run.write()


if __name__ == "__main__":
    main()
