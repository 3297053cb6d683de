"""Benchmark the public request desk on PostgreSQL (issue 22's speed target).

    .venv/bin/python bench/request_desk.py [--persons 200000] [--requests-stored 20000] [--requests 60]
                                           [--database-url postgresql://postgres@127.0.0.1:5432/portal_bench_requests]

Creates (drops first) the database, migrates it, generates a city of `--persons` members
(portal.seed.scale) and `--requests-stored` requests over them (their codes known to the
script), then measures through the WSGI app in process (server time): the form's GET, its
POST (a "card has not arrived" request about a registry member: NIK and name matched, stored
with its first timeline line and audit event) and the tracking POST (code and NIK of a stored
request, its public timeline read). Target: p95 < 50 ms for each. Writes
bench/results/request_desk.json (see bench/recording.py).
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
from portal.config import Config  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import Person, PublicRequest, RequestEvent, RequestKind, RequestState  # noqa: E402
from portal.models.base import utcnow  # noqa: E402
from portal.public_requests import codes  # noqa: E402
from portal.seed.reference import seed_reference  # noqa: E402
from portal.seed.scale import seed_scale  # noqa: E402
from recording import BenchmarkRun, percentile, recreate_database  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/portal_bench_requests"
FORM = "/permintaan/kartu-belum-sampai"
DESCRIPTION = "Kartu peserta saya belum sampai sejak bulan Oktober, sudah tanya ketua RT."


def bench_config(url: str) -> type[Config]:
    return type("BenchConfig", (Config,), {
        "SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://", 1),
        "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
    })


def load(persons: int, stored: int) -> list[tuple[str, str]]:
    """The city and `stored` requests about its members; returns (code, NIK) of each."""
    seed_reference()
    seed_scale(persons, pending=0)
    db.session.flush()
    people = db.session.execute(db.select(Person.nik, Person.full_name, Person.kelurahan_code, Person.rw)).all()
    rng = random.Random(22)
    now = utcnow()
    known, rows = [], []
    for _ in range(stored):
        person = rng.choice(people)
        code = codes.new_code()
        received = now - timedelta(hours=rng.randrange(1, 24 * 60))
        rows.append({
            "code_digest": codes.digest(codes.normalise(code)), "kind": RequestKind.CARD_MISSING,
            "state": RequestState.NEW, "subject_nik": person.nik, "subject_name": person.full_name,
            "requester_is_subject": True, "requester_name": person.full_name, "requester_phone": "081234567890",
            "locale": "id", "kelurahan_code": person.kelurahan_code, "rw": person.rw, "description": DESCRIPTION,
            "channel": "web", "received_at": received, "due_at": received + timedelta(days=7),
            "created_at": received, "updated_at": received,
        })
        known.append((code, person.nik))
        if len(rows) == 5000:
            _insert(rows)
            rows = []
    if rows:
        _insert(rows)
    db.session.commit()
    return known


def _insert(rows: list[dict]) -> None:
    ids = db.session.scalars(insert(PublicRequest).returning(PublicRequest.id), rows).all()
    db.session.execute(insert(RequestEvent), [
        {"request_id": request_id, "occurred_at": row["received_at"], "actor_name": "web", "action": "received",
         "state": RequestState.NEW, "public": True}
        for request_id, row in zip(ids, rows)
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--requests-stored", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()
    url = args.database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    recreate_database(url)
    app = create_app(bench_config(url))
    with app.app_context():
        upgrade()
        began = time.perf_counter()
        known = load(args.persons, args.requests_stored)
        print(f"loaded {args.persons:,} persons and {len(known):,} requests in {time.perf_counter() - began:.1f} s")
        members = db.session.execute(
            db.select(Person.nik, Person.full_name, Person.kelurahan_code, Person.rw).limit(args.requests * 2)
        ).all()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    client = app.test_client()
    rng = random.Random(5)

    def submit():
        member = rng.choice(members)
        return client.post(FORM, data={
            "subject_nik": member.nik, "subject_name": member.full_name, "kelurahan": member.kelurahan_code,
            "rw": str(member.rw), "description": DESCRIPTION, "requester_phone": "081234567890",
        })

    def track():
        code, nik = rng.choice(known)
        return client.post("/permintaan/lacak", data={"code": code, "nik": nik})

    def confirmation():
        return client.get("/permintaan/terkirim")

    # A sent form redirects (303) to its confirmation, which shows the code kept in the session
    # once: each confirmation GET is timed after an untimed POST that filled the session.
    scenarios = {"form GET": lambda: client.get(FORM), "form POST": submit, "confirmation GET": confirmation,
                 "tracking POST": track}
    prepare = {"confirmation GET": submit}
    expected = {"form POST": 303}
    for name, make in scenarios.items():  # warm up: templates compiled, statements prepared
        for _ in range(5):
            prepare.get(name, lambda: None)()
            make()
    run = BenchmarkRun(
        "request_desk",
        dataset={"description": f"PostgreSQL, {args.persons:,} persons (portal.seed.scale), {len(known):,} requests "
                 "about them with their first timeline line, `VACUUM ANALYZE` after loading",
                 "database": "postgresql", "persons": args.persons, "requests": len(known)},
        method=f"{args.requests} requests per page through the WSGI app in process (server time), one after another; "
               "rate limits and the CSRF check off (the limiter's counting is measured by the status check)",
        database_url=url,
    )
    run.start()
    rows = []
    for name, make in scenarios.items():
        timings = []
        for _ in range(args.requests):
            prepare.get(name, lambda: None)()
            began = time.perf_counter()
            response = make()
            timings.append((time.perf_counter() - began) * 1000)
            page = response.get_data(as_text=True)
            assert response.status_code == expected.get(name, 200), name
            assert name != "form POST" or response.headers["Location"].endswith("/permintaan/terkirim"), name
            assert name != "confirmation GET" or "data-tracking-code" in page, "the request was not received"
            assert name != "tracking POST" or "Permintaan tidak ditemukan" not in page, "a stored request was not found"
        rows.append({"label": name, "median": statistics.median(timings), "p95": percentile(timings, 0.95)})
        run.samples[f"{name}, ms"] = [round(t, 2) for t in timings]
        print(f"{name}: median {rows[-1]['median']:.1f} ms, p95 {rows[-1]['p95']:.1f} ms")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    run.table("The public form and tracking", "page", [("median", "median", "ms", 1), ("p95", "p95", "ms", 1)], rows)
    worst = max(rows, key=lambda r: r["p95"])
    run.verdict("request_desk", {"worst p95 of the form and tracking": worst["p95"]},
                f"p95 {min(r['p95'] for r in rows):.0f}-{worst['p95']:.0f} ms ({worst['label']} the slowest)",
                scale={"persons": args.persons, "requests": len(known)})
    run.write()


if __name__ == "__main__":
    main()
