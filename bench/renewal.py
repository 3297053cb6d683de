"""Benchmark: the renewal of N active members into the next budget year on PostgreSQL.

    .venv/bin/python bench/renewal.py --members 100000

Creates (and afterwards drops) its own PostgreSQL database, bulk-inserts N persons with an
active membership of this year each (categories weighted like the 2024 enrolment, spread
over every kelurahan), a DTSEN desil for the welfare-targeted ones (a tenth above the
cut-off), "masih layak?" answers for 90 % of them, a mobile number for all and consent to
messages for 60 % (so the real run queues their "diperpanjang" messages and the super-app's
webhooks in its transaction, issue 23), and next year's settings; then times
`flask programme renew --dry-run`, the real run and a second real run (idempotence: it
writes nothing), each in a child process so its peak memory (VmHWM) is its own. Writes
bench/results/renewal.json (see bench/recording.py). Issue 19's target: the dry run and
the real run of 100,000 active members each <= 60 s and <= 400 MB.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402

from portal import create_app  # noqa: E402
from portal.admin.services import copy_year  # noqa: E402
from portal.config import Config, database_url  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import (  # noqa: E402
    DesilRecord,
    Kelurahan,
    Membership,
    NotificationMessage,
    Person,
    ProgrammeYear,
    Reverification,
    ReverificationAnswer,
    Sex,
)
from portal.seed.reference import CATEGORIES, seed_reference  # noqa: E402
from recording import BenchmarkRun, recreate_database, run_flask  # noqa: E402

CHUNK = 10_000


def normalised(url: str) -> str:
    return make_url(database_url(url)).render_as_string(hide_password=False)


def bench_config(url: str) -> type[Config]:
    return type("BenchConfig", (Config,), {"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "REDIS_URL": None})


def _insert(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(model), rows[start : start + CHUNK])


def populate(members: int, year: int, seed: int = 7371) -> None:
    """N persons with an active membership of `year`, desil records and re-verification answers."""
    rng = random.Random(seed)
    kelurahan = list(db.session.execute(db.select(Kelurahan.code)).scalars())
    codes = [c.code for c in CATEGORIES]
    weights = [c.target_2024 for c in CATEGORIES]
    welfare = {c.code for c in CATEGORIES if c.requires_desil}
    now = datetime.now(timezone.utc)
    persons, memberships, desil, answers = [], [], [], []
    for i in range(1, members + 1):
        category = rng.choices(codes, weights)[0]
        nik = f"73{i:014d}"
        persons.append({
            "id": i, "nik": nik, "full_name": f"Peserta {i}", "name_key": f"peserta {i}",
            "birth_date": date(year - rng.randint(18, 66), rng.randint(1, 12), rng.randint(1, 28)),
            "sex": Sex.FEMALE if i % 2 else Sex.MALE, "kelurahan_code": rng.choice(kelurahan),
            "rw": rng.randint(1, 12), "rt": rng.randint(1, 8), "street": "", "occupation": "",
            "phone": f"0812{i:08d}", "phone_consent": rng.random() < 0.6,
            "category_code": category, "monthly_income": rng.choice((None, 1_000_000, 1_500_000, 2_000_000)),
            "created_at": now, "updated_at": now,
        })
        memberships.append({
            "id": i, "number": f"MKS-{year}-{i:06d}", "person_id": i, "year": year,
            "starts_on": date(year, 1, 1), "ends_on": date(year, 12, 31), "jkk": True, "jkm": True, "jht": False,
            "kpj_number": f"{26_000_000_000 + i:011d}" if i % 10 < 7 else None,
            "created_at": now, "updated_at": now,
        })
        if category in welfare:
            desil.append({"nik": nik, "desil": rng.randint(5, 8) if rng.random() < 0.1 else rng.randint(1, 4),
                          "source_date": date(year, 10, 1), "imported_at": now})
        if rng.random() < 0.9:
            answers.append({"membership_id": i, "answer": ReverificationAnswer.CONFIRMED, "answered_at": now})
    _insert(Person, persons)
    _insert(Membership, memberships)
    _insert(DesilRecord, desil)
    _insert(Reverification, answers)
    copy_year(db.session.get(ProgrammeYear, year), year + 1, None)
    db.session.commit()
    for table in ("person", "membership", "reverification"):
        db.session.execute(db.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("ANALYZE")


def time_renewal(url: str, year: int, dry_run: bool) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "FLASK_APP": "wsgi", "RATELIMIT_ENABLED": "0"}
    arguments = ["programme", "renew", "--from", str(year), "--to", str(year + 1)] + (["--dry-run"] if dry_run else [])
    result = run_flask(arguments, env)
    if result.returncode != 0:
        raise SystemExit(f"renewal failed ({result.returncode}): {result.stderr[-800:]}")
    written = re.search(r"Written: (\d+)", result.stdout)
    renewed = re.search(r"renewed: (\d+)", result.stdout)
    return {
        "wall": result.wall, "cpu": result.cpu, "peak": result.peak_mb,
        "written": int(written.group(1)) if written else None,
        "renewed": int(renewed.group(1)) if renewed else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/portal_bench_renewal")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    url = normalised(args.database_url)
    recreate_database(url)
    app = create_app(bench_config(url))
    year = date.today().year
    try:
        with app.app_context():
            upgrade()
            seed_reference(year)
            db.session.commit()
            started = time.perf_counter()
            populate(args.members, year)
            print(f"inserted {args.members:,} active members in {time.perf_counter() - started:.1f} s")
            db.session.remove()
            db.engine.dispose()
        run = BenchmarkRun(
            "renewal",
            dataset={
                "description": f"PostgreSQL database with {args.members:,} persons, each with an active membership of "
                f"{year} (categories weighted like the 2024 enrolment, every kelurahan), a DTSEN desil for the "
                "welfare-targeted ones (a tenth above the cut-off), \"masih layak?\" answers for 90 %, a mobile "
                "number for all and consent to messages for 60 %, and next year's settings; planner statistics after the load",
                "database": "postgresql",
                "members": args.members,
            },
            method="`flask programme renew --from Y --to Y+1` in a child process (peak memory is the child's "
            "VmHWM): the dry run, the real run, then the real run again (idempotent: writes nothing)",
            database_url=url,
        )
        run.start()
        rows = []
        for label, dry_run in (("dry run", True), ("real run", False), ("second real run", False)):
            result = time_renewal(url, year, dry_run)
            rows.append({"label": label, **result})
            print(f"  {label}: {result['wall']:.2f} s wall, {result['cpu']:.2f} s CPU, peak {result['peak']:.0f} MB, "
                  f"renewed {result['renewed']}, written {result['written']}")
        run.table(
            f"Renewal of {args.members:,} members",
            "run",
            [("wall", "wall", "s", 2), ("cpu", "CPU", "s", 2), ("peak", "peak memory", "MB", 0), ("written", "decisions written", "", 0)],
            rows,
        )
        dry, real, again = rows
        run.verdict("dry_run", {"wall time": dry["wall"], "peak memory": dry["peak"]}, f"{dry['wall']:.1f} s, {dry['peak']:.0f} MB")
        run.verdict("real_run", {"wall time": real["wall"], "peak memory": real["peak"]}, f"{real['wall']:.1f} s, {real['peak']:.0f} MB")
        run.note(f"The second real run wrote {again['written']} decision(s) in {again['wall']:.1f} s (idempotence).")
        with app.app_context():
            queued = dict(db.session.execute(
                db.select(NotificationMessage.template, db.func.count()).group_by(NotificationMessage.template)
            ).all())
            db.session.remove()
        run.note(f"The real run queued {queued.get('membership_renewed', 0):,} \"diperpanjang\" messages to consenting members "
                 f"and {queued.get('membership_changed', 0):,} super-app webhooks (500 changes each) in its transactions (issue 23).")
        run.write()
    finally:
        if not args.keep:
            recreate_database(url, create=False)


if __name__ == "__main__":
    main()
