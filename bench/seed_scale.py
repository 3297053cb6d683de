"""Benchmark: `flask seed scale` loading a synthetic city into an empty PostgreSQL database.

    .venv/bin/python bench/seed_scale.py [--persons 200000]

(Re)creates the database (default portal_bench_scale), migrates it (not timed), then times
`flask --app wsgi seed scale --persons N` in a child process: wall time, CPU time and the
child's peak memory. Target (issue 10): 200,000 persons in under 5 minutes. The database is
dropped afterwards unless --keep-database.
"""

from __future__ import annotations

import argparse
import os
import re

from recording import BenchmarkRun, recreate_database, run_flask

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/portal_bench_scale"


def scale_counts(output: str) -> dict[str, int]:
    """The counts `seed scale` prints at the end ("persons 200,000, memberships ...")."""
    counts = {}
    for line in output.splitlines():
        if line.startswith(("persons ", "lists ", "audit events ")):
            for name, number in re.findall(r"([a-z][a-z_ ]*?) (\d[\d,]*\d|\d)\b", line):
                counts[name.strip().replace(" ", "_")] = int(number.replace(",", ""))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--keep-database", action="store_true", help="do not drop the database afterwards")
    args = parser.parse_args()

    url = args.database_url
    recreate_database(url)
    env = {**os.environ, "DATABASE_URL": url, "FLASK_APP": "wsgi"}
    env.pop("PORTAL_ENV", None)  # seed scale refuses to run in production
    try:
        migrate = run_flask(["db", "upgrade"], env)
        if migrate.returncode != 0:
            raise SystemExit(f"migration failed ({migrate.returncode}): {migrate.stderr[-500:]}")
        run = BenchmarkRun(
            "seed_scale",
            dataset={"database": "postgresql", "persons": args.persons},
            method="`flask --app wsgi seed scale` in a child process on an empty, migrated database (the migration is "
            "not timed); peak memory is the child's VmHWM",
            database_url=url,
        )
        print(f"flask seed scale --persons {args.persons} (load average {' '.join(map(str, run.load_start))})", flush=True)
        seed = run_flask(["seed", "scale", "--persons", str(args.persons)], env, echo=True)
        if seed.returncode != 0:
            raise SystemExit(f"seed scale failed ({seed.returncode}): {seed.stderr[-500:]}")
        print(f"{seed.wall:.1f} s wall, {seed.cpu:.1f} s CPU, peak {seed.peak_mb:.0f} MB")
        counts = scale_counts(seed.stdout)
        run.dataset.update(counts)
        run.dataset["description"] = (
            f"an empty, migrated PostgreSQL database filled with {counts.get('persons', args.persons):,} persons and "
            f"memberships, {counts.get('certificates', 0):,} certificates, {counts.get('lists', 0):,} RW lists and "
            f"heads, {counts.get('entries', 0):,} entries in every review state and "
            f"{counts.get('audit_events', 0):,} audit events"
        )
        run.table(
            "Loading the synthetic city",
            "run",
            [("wall", "wall", "s", 1), ("cpu", "CPU of the child", "s", 1), ("peak", "peak memory of the child", "MB", 0)],
            [{"label": "1", "wall": seed.wall, "cpu": seed.cpu, "peak": seed.peak_mb}],
        )
        run.verdict("seed_scale", {"load time": seed.wall}, f"{seed.wall:.0f} s ({seed.wall / 60:.1f} min)")
        run.write()
    finally:
        if not args.keep_database:
            recreate_database(url, create=False)


if __name__ == "__main__":
    main()
