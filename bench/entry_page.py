"""Benchmark the reviewer's entry page with its duplicates on PostgreSQL (issue 18's target).

    .venv/bin/python bench/entry_page.py [--persons 200000] [--entries 2000] [--requests 200]

Creates (drops first) the database named by --database-url (default
postgresql://postgres@127.0.0.1:5432/portal_bench_entry), migrates it, loads N registry
persons with a membership each and a few thousand pending entries: a third with the NIK of
a registry person (and an earlier rejected entry), a third with another NIK but the same
canonical name and birth date as a registry person, a third new; 60 % with a DTSEN desil.
Then measures the entry page (proposal, history, duplicates side by side), server time per
request through the WSGI app: median and p95 (target p95 < 100 ms at 200,000 persons).
Prints the figures and writes bench/results/entry_page.json (see bench/recording.py).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from portal import create_app  # noqa: E402
from portal.accounts.services import create_user  # noqa: E402
from portal.config import Config, database_url  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.memberships.services import coverage_period  # noqa: E402
from portal.models import DesilRecord, EntryState, ListEntry, ListSource, MemberList, Membership, Person, Role, Sex  # noqa: E402
from portal.models.base import utcnow  # noqa: E402
from portal.names import canonical_name, name_key  # noqa: E402
from portal.nik import make_nik  # noqa: E402
from portal.seed.reference import seed_reference  # noqa: E402
from recording import BenchmarkRun, percentile, recreate_database  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/portal_bench_entry"
PASSWORD = "bench-password-123"
CHUNK = 10_000
FIRST = ("Andi", "Budi", "Siti", "Nur", "Muhammad", "Sri", "Ahmad", "Dewi", "Rahmat", "Hasnah", "Syamsul", "Irma")
LAST = ("Wijaya", "Santoso", "Aminah", "Rahman", "Hidayat", "Daeng Ngalle", "Baso", "Tenri", "Kadir", "Sulaiman")


def bench_config(url: str) -> type[Config]:
    return type(
        "BenchConfig",
        (Config,),
        {
            "SQLALCHEMY_DATABASE_URI": database_url(url),
            "WTF_CSRF_ENABLED": False,
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 1024,
            "RATELIMIT_ENABLED": False,
            "MFA_REQUIRED_ROLES": (),  # the bench signs in with a password only
        },
    )


def person_row(i: int, kelurahan: list[str]) -> dict:
    sex = Sex.FEMALE if i % 2 else Sex.MALE
    born = date(1961, 1, 1) + timedelta(days=i % 15_000)
    name = f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]} {i}"
    return {
        "id": i,
        "nik": make_nik("737101", born, sex, i // 15_000 + 1),
        "full_name": name,
        "name_key": name_key(name),
        "name_canonical": canonical_name(name),
        "birth_date": born,
        "sex": sex,
        "kelurahan_code": kelurahan[i % len(kelurahan)],
        "rw": i % 12 + 1,
        "rt": i % 8 + 1,
        "category_code": "kader",
    }


def load(persons: int, entries: int) -> list[int]:
    """The registry and the pending entries; returns the pending entries' ids."""
    seed_reference()
    staff = create_user("benchstaff", Role.STAFF, PASSWORD)
    head = create_user("benchhead", Role.RT_RW, PASSWORD, kelurahan_code="7371011004", rw=1)
    db.session.flush()
    kelurahan = [code for (code,) in db.session.execute(text("SELECT code FROM kelurahan ORDER BY code"))]
    today = date.today()
    starts_on, ends_on = coverage_period(date(today.year, 1, 1), 12)
    for first in range(1, persons + 1, CHUNK):
        people = [person_row(i, kelurahan) for i in range(first, min(first + CHUNK, persons + 1))]
        db.session.execute(insert(Person), people)
        db.session.execute(
            insert(Membership),
            [{"id": p["id"], "number": f"MKS-{today.year}-{p['id']:07d}", "person_id": p["id"], "year": today.year,
              "starts_on": starts_on, "ends_on": ends_on} for p in people],
        )
    for table in ("person", "membership"):
        db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {persons})"))
    member_list = MemberList(title="Bench", kelurahan_code=head.kelurahan_code, rw=1, source=ListSource.INLINE, created_by_id=head.id)
    earlier = MemberList(title="Bench lama", kelurahan_code=head.kelurahan_code, rw=1, source=ListSource.INLINE, created_by_id=head.id)
    db.session.add_all([member_list, earlier])
    db.session.flush()
    rng = random.Random(18)
    start = utcnow() - timedelta(days=10)
    rows, old, desil = [], [], []
    for n in range(entries):
        registered = person_row(rng.randrange(1, persons + 1), kelurahan)
        kind = n % 3
        row = {**registered, "list_id": member_list.id, "street": "Jl. Uji", "phone": "081200000000",
               "occupation": "Pedagang", "monthly_income": 1_500_000, "issues": [], "has_warnings": False,
               "possible_duplicate": kind < 2, "state": EntryState.PENDING,
               "submitted_at": start + timedelta(seconds=n * 30), "version": 1, "created_at": start, "updated_at": start}
        for key in ("id", "name_key"):
            row.pop(key)
        if kind == 0:  # the registry's NIK, proposed again after an earlier rejection
            old.append({**row, "list_id": earlier.id, "state": EntryState.REJECTED, "reason_code": "other",
                        "reason_text": "Data tidak lengkap", "decided_by_id": staff.id, "submitted_at": start})
        else:  # another NIK: the same name and birth date (kind 1), or a new person (kind 2)
            row["nik"] = make_nik("737199", row["birth_date"], row["sex"], n % 9999 + 1)
            if kind == 2:
                row["full_name"] = row["name_canonical"] = f"orang baru {n}"
        rows.append(row)
        if rng.random() < 0.6:
            desil.append({"nik": row["nik"], "desil": rng.randrange(1, 5), "source_date": date(2026, 1, 31), "imported_at": start})
    db.session.execute(insert(ListEntry), old + rows)
    seen = set()
    db.session.execute(insert(DesilRecord), [d for d in desil if d["nik"] not in seen and not seen.add(d["nik"])])
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    return list(db.session.scalars(db.select(ListEntry.id).where(ListEntry.state == EntryState.PENDING)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--entries", type=int, default=2_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()
    url = args.database_url
    recreate_database(url)
    app = create_app(bench_config(url))
    with app.app_context():
        upgrade()
        began = time.perf_counter()
        ids = load(args.persons, args.entries)
        print(f"loaded {args.persons:,} persons and {len(ids):,} pending entries in {time.perf_counter() - began:.1f} s")
    client = app.test_client()
    client.post("/masuk", data={"username": "benchstaff", "password": PASSWORD})
    assert client.get(f"/verifikasi/{ids[0]}").status_code == 200
    run = BenchmarkRun(
        "entry_page",
        dataset={
            "description": f"PostgreSQL, {args.persons:,} registry persons with a membership each, {len(ids):,} pending "
            "entries (a third with a registry NIK and an earlier rejected entry, a third with the same canonical name "
            "and birth date under another NIK, a third new), `VACUUM ANALYZE` after loading",
            "database": "postgresql",
            "persons": args.persons,
            "entries": len(ids),
        },
        method=f"{args.requests} requests for random pending entries through the WSGI app in process (server time: "
        "routing, SQL, the access-history event and its commit, rendering), signed in as staff",
        database_url=url,
    )
    rng = random.Random(7)
    timings, cpu = [], []
    for _ in range(args.requests):
        path = f"/verifikasi/{rng.choice(ids)}"
        began, began_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        timings.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
        assert response.status_code == 200, path
    row = {"label": "entry page", "median": statistics.median(timings), "p95": percentile(timings, 0.95), "cpu": statistics.median(cpu)}
    run.samples["entry page, ms"] = [round(t, 2) for t in timings]
    print(f"entry page: median {row['median']:.1f} ms, p95 {row['p95']:.1f} ms, CPU median {row['cpu']:.1f} ms")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    run.table(
        "Entry page",
        "page",
        [("median", "median", "ms", 0), ("p95", "p95", "ms", 0), ("cpu", "CPU of this process, median", "ms", 0)],
        [row],
    )
    run.verdict("entry_page", {"p95": row["p95"]}, f"p95 {row['p95']:.0f} ms (median {row['median']:.0f} ms)")
    run.write()


if __name__ == "__main__":
    main()
