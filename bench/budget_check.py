"""Benchmark: what the budget ceiling check adds to a single approval, on PostgreSQL.

    .venv/bin/python bench/budget_check.py --members 100000 [--approvals 200]

Creates (and afterwards drops) its own PostgreSQL database, bulk-inserts N persons with an
active membership of this year each (bench/renewal.py's population) and `--approvals`
pending entries, then approves the entries one by one through
portal.review.services.approve_entry, alternating: one with the year's ceiling unset (the
check costs nothing) and one with a ceiling set high enough to pass (the check runs in
full: the programme-year locks and, per budget year, the entries' premiums and the committed
premiums). The difference of the two medians is what the check adds; the check alone
(portal.programme.budget.check_entries, rolled back) is timed too. The check reads a
recount kept in the cache plus the memberships granted since (portal/programme/budget.py):
the first checked approval pays for the recount, the others read the primary key above it. Writes
bench/results/budget_check.json (see bench/recording.py). Issue 19's target: the budget
check adds < 5 ms to a single approval.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from portal import create_app  # noqa: E402
from portal.eligibility import programme_year_for  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import (  # noqa: E402
    EntryState,
    Kelurahan,
    ListEntry,
    ListSource,
    MemberList,
    MembershipNumberSequence,
    ProgrammeYear,
    Role,
    Sex,
    User,
)
from portal.models.base import utcnow  # noqa: E402
from portal.nik import make_nik  # noqa: E402
from portal.programme import budget  # noqa: E402
from portal.review import services  # noqa: E402
from portal.seed.reference import seed_reference  # noqa: E402
from recording import BenchmarkRun, percentile, recreate_database  # noqa: E402
from renewal import bench_config, normalised, populate  # noqa: E402

HIGH_CEILING = 10**15


def pending_entries(count: int) -> list[int]:
    """`count` pending entries (NIKs no member holds) on one list."""
    staff = User(username="benchstaff", role=Role.STAFF, password_hash="!")
    db.session.add(staff)
    kelurahan = db.session.scalar(db.select(Kelurahan.code).order_by(Kelurahan.code).limit(1))
    member_list = MemberList(title="Bench", kelurahan_code=kelurahan, rw=1, source=ListSource.IMPORT, created_by=staff)
    db.session.add(member_list)
    db.session.flush()
    start = utcnow() - timedelta(days=1)
    born = date(1985, 2, 13)
    rows = [
        {
            "list_id": member_list.id, "nik": make_nik("737199", born, Sex.MALE, n + 1), "full_name": f"Usulan {n}",
            "birth_date": born, "sex": Sex.MALE, "kelurahan_code": kelurahan, "rw": 1, "rt": 1, "street": "",
            "category_code": "kader", "occupation": "", "issues": [], "has_warnings": False,
            "possible_duplicate": False, "state": EntryState.PENDING, "submitted_at": start + timedelta(seconds=n),
            "version": 1, "created_at": start, "updated_at": start,
        }
        for n in range(count)
    ]
    ids = db.session.scalars(insert(ListEntry).returning(ListEntry.id, sort_by_parameter_order=True), rows).all()
    db.session.commit()
    return list(ids)


def set_ceilings(ceiling: int | None, years: list[int]) -> None:
    for year in years:
        programme_year = db.session.get(ProgrammeYear, year)
        if programme_year is not None:
            programme_year.budget_ceiling = ceiling
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--approvals", type=int, default=200, help="single approvals, half with the check")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/portal_bench_budget")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    url = normalised(args.database_url)
    recreate_database(url)
    # The population is loaded and committed before the measurements: no need to wait for it
    # to settle before the budget check's recount may include it.
    app = create_app(type("BudgetBenchConfig", (bench_config(url),), {"BUDGET_SETTLE_SECONDS": 0}))
    year = date.today().year
    years = [year, year + 1]  # a December approval also pays months of next year
    try:
        with app.app_context():
            upgrade()
            seed_reference(year)
            db.session.commit()
            started = time.perf_counter()
            populate(args.members, year)
            # The population's memberships hold numbers 1..N: new ones follow them.
            db.session.add(MembershipNumberSequence(year=year, last_value=args.members))
            db.session.commit()
            entry_ids = pending_entries(args.approvals + 1)
            spare = entry_ids.pop()  # stays pending: the check alone is timed on it
            print(f"inserted {args.members:,} active members and {len(entry_ids)} pending entries "
                  f"in {time.perf_counter() - started:.1f} s")
            staff = db.session.scalar(db.select(User).filter_by(username="benchstaff"))
            run = BenchmarkRun(
                "budget_check",
                dataset={
                    "description": f"PostgreSQL database with {args.members:,} persons, each with an active membership "
                    f"of {year} (bench/renewal.py's population), and {len(entry_ids)} pending entries",
                    "database": "postgresql",
                    "members": args.members,
                },
                method="single approvals through portal.review.services.approve_entry in this process, alternating "
                "ceiling unset (no check) and ceiling set high (the check runs in full and passes); the check "
                "alone timed as portal.programme.budget.check_entries, rolled back",
                database_url=url,
            )
            run.start()
            timings: dict[bool, list[float]] = {False: [], True: []}
            for n, entry_id in enumerate(entry_ids):
                checked = n % 2 == 1
                set_ceilings(HIGH_CEILING if checked else None, years)
                began = time.perf_counter()
                services.approve_entry(entry_id, staff, commit=db.session.commit)
                timings[checked].append(1000 * (time.perf_counter() - began))
            set_ceilings(HIGH_CEILING, years)
            alone = []
            today = date.today()
            programme_year = programme_year_for(today)
            for _ in range(max(20, len(entry_ids) // 2)):
                began = time.perf_counter()
                budget.check_entries(programme_year, [spare], today)
                alone.append(1000 * (time.perf_counter() - began))
                db.session.rollback()
            db.session.remove()
            db.engine.dispose()
        without, with_check = statistics.median(timings[False]), statistics.median(timings[True])
        added = with_check - without
        rows = [
            {"label": "ceiling unset (no check)", "median": without, "p95": percentile(timings[False], 0.95)},
            {"label": "ceiling set (check runs)", "median": with_check, "p95": percentile(timings[True], 0.95)},
            {"label": "the check alone", "median": statistics.median(alone), "p95": percentile(alone, 0.95)},
        ]
        for row in rows:
            print(f"  {row['label']}: median {row['median']:.2f} ms, p95 {row['p95']:.2f} ms")
        print(f"  added to a single approval: {added:.2f} ms (difference of the medians)")
        run.table(
            f"Single approval with {args.members:,} members",
            "approval",
            [("median", "median", "ms", 2), ("p95", "p95", "ms", 2)],
            rows,
        )
        run.verdict(
            "budget_check", {"added to a single approval": added},
            f"{added:.2f} ms added (check alone {statistics.median(alone):.2f} ms)",
        )
        run.note(f"{len(timings[True])} approvals with the check, {len(timings[False])} without, interleaved.")
        run.write()
    finally:
        if not args.keep:
            recreate_database(url, create=False)


if __name__ == "__main__":
    main()
