"""Benchmark: Cek Status against a bare Flask endpoint doing one indexed look-up.

    .venv/bin/python bench/status_check.py [--persons 200000] [--duration 10] [--rounds 3]
    .venv/bin/python bench/status_check.py --keep-database ...   # then, for quick reruns:
    .venv/bin/python bench/status_check.py --reuse-database ...
    .venv/bin/python bench/status_check.py --pre-ping-comparison ...  # also without pool pre-ping

What it does, all on 127.0.0.1 and bounded in time:
1. (Re)creates a PostgreSQL database (default portal_bench_status), migrates it, loads the
   reference data and bulk-inserts N persons with one active membership each and a sealed
   audit event for each approval (Core inserts), then VACUUM ANALYZE. Names are Makassar
   names as lists carry them (`stored_name`): about half with titles, degrees or local
   abbreviations ("Hj. St. Rahmawati, S.Pd.", "Muh. Ilham Dg. Naba"), each stored with its
   canonical form as the portal stores it.
2. Serves the portal with gunicorn (4 sync workers, production settings with
   RATELIMIT_ENABLED=0) and, on another port, a bare Flask app defined in this file
   (`bare_app`) that answers a form POST with one indexed look-up of person.nik on the same
   database. BENCH_WORKERS, BENCH_WORKER_CLASS and BENCH_THREADS change both servers alike.
3. Drives both with wrk (1 thread, 16 connections) for --duration seconds each, per round:
   - bare: POST nik=... -> SELECT id, full_name FROM person WHERE nik = ...
   - status: the real Cek Status form POST (nik and name; cookies if the page set any), as
     htmx sends it (HX-Request: the answer fragment). The name is typed as people say it
     (`typed_name`: titles left out or added, abbreviations written out or shortened, case
     and a doubled letter changed), and every request still matches its person, so each
     one also adds its access record to the audit trail (written in sealed batches).
   - status-page: the same POST without HX-Request (the whole page, as without JavaScript).
   Each request picks the next of 1,000 persons sampled across the table.
   - status-no-ping (with --pre-ping-comparison): the htmx status POST to a third gunicorn
     started with DATABASE_POOL_PRE_PING=0, to measure what the pool's pre-ping (one round
     trip per request, so no request fails after a PostgreSQL restart) costs in this run.
4. Prints each round and the medians: requests/s, p50/p95/p99 latency, and the ratio of
   status to bare throughput (targets: >= 1/3 for issue 6, >= 0.39 with tolerant names for
   issue 16; p95 < 25 ms); with --pre-ping-comparison also
   the ratio of status (pre-ping on, as deployed) to status-no-ping.

Needs: wrk (Debian package `wrk`), PostgreSQL on 127.0.0.1:5432 (user postgres, trust).
The machine is shared and has 2 cores that wrk, gunicorn and PostgreSQL all use: compare
the ratio measured in one run, not absolute figures between runs.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from recording import recreate_database  # noqa: E402 (bench/ is on the path when run as a script)

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/portal_bench_status"
PORTAL_PORT, BARE_PORT, NO_PING_PORT = 8961, 8962, 8963
SAMPLE = 1000
SECRET_KEY = "bench-" + "x" * 40  # signs the audit chain too: the same for the loader and the servers
CHUNK = 10_000

# Makassar names as RT/RW lists write them. The first given names may be abbreviated, the
# family part is often a daeng name, and titles and degrees come and go.
GIVEN = (
    ("Muh.", "Muhammad", "M.", "Moh."), ("Abd.", "Abdul"), ("St.", "Siti", "Sitti"), ("A.", "Andi"),
    ("Nur",), ("Ahmad",), ("Hasnah",), ("Irwan",), ("Ratna",), ("Syamsuddin",), ("Nurhaeda",), ("Hamzah",),
)
MIDDLE = ("Ilham", "Rahmawati", "Tenri", "Rahman", "Kasmawati", "Haeruddin", "Jumriah", "Rusdi", "Fitriani", "Basri", "Ajeng", "Alam")
FAMILY = (
    ("Dg.", "Daeng"), ("Saputra",), ("Tahir",), ("Mappaseng",), ("Rauf",), ("Hamid",), ("Latif",),
    ("Situju",), ("Mallombasi",), ("Pattiware",), ("Sallatu",), ("Bakri",),
)
DAENG_NAMES = ("Naba", "Ngai", "Kebo", "Tika", "Sikki", "Ngerang", "Baji", "Rowa")
TITLES = ("H.", "Hj.", "dr.", "Ir.", "Drs.")
DEGREES = (", S.Pd.", ", S.E.", ", S.Kep.", ", M.Si.", " S.H.", ", S.Pd.I")


def stored_name(i: int) -> str:
    """The i-th person's name as a list writes it: about half carry a title, a degree or an
    abbreviation of a common name."""
    rng = random.Random(i)
    given = rng.choice(GIVEN)
    words = [given[0] if rng.random() < 0.5 else rng.choice(given), rng.choice(MIDDLE)]
    family = rng.choice(FAMILY)
    if len(family) == 2:
        words += [rng.choice(family), rng.choice(DAENG_NAMES)]
    else:
        words.append(family[0])
    name = " ".join(words)
    if rng.random() < 0.3:
        name = f"{rng.choice(TITLES)} {name}"
    if rng.random() < 0.25:
        name += rng.choice(DEGREES)
    return name.upper() if rng.random() < 0.1 else name


# How a person may type each abbreviation, title or degree (empty: left out).
_TYPED = {
    "muh.": ("Muhammad", "Muh", "M."), "m.": ("Muhammad", "Muh."), "moh.": ("Muhammad", "Moh"),
    "muhammad": ("Muh.", "Muhammad"), "abd.": ("Abdul", "Abd"), "abdul": ("Abd.", "Abdul"),
    "st.": ("Siti", "Sitti"), "siti": ("St.", "Sitti"), "sitti": ("Siti", "St."),
    "a.": ("Andi",), "andi": ("A.", "Andi"), "dg.": ("Daeng", "Dg"), "daeng": ("Dg.", "Daeng"),
    "h.": ("",), "hj.": ("", "Hajjah"), "dr.": ("",), "ir.": ("",), "drs.": ("",),
    "syamsuddin": ("Syamsudin",), "s.h.": ("", "SH"),
}


def typed_name(stored: str, i: int) -> str:
    """A name as its holder types it at Cek Status: titles and degrees left out, abbreviations
    written out or shortened, a doubled letter dropped, the case changed."""
    rng = random.Random(-i)
    words = []
    for word in stored.split(",")[0].split():
        choices = _TYPED.get(word.lower())
        words.append(rng.choice(choices) if choices and rng.random() < 0.8 else word)
    typed = " ".join(w for w in words if w)
    return typed.lower() if rng.random() < 0.2 else typed


def bare_app(database_url: str | None = None):
    """The baseline: Flask, one engine, one indexed look-up per form POST. Nothing else."""
    from flask import Flask, request
    from sqlalchemy import create_engine, text

    from portal.config import database_url as normalise

    engine = create_engine(normalise(database_url or os.environ["DATABASE_URL"]), pool_size=2)
    query = text("SELECT id, full_name FROM person WHERE nik = :nik")
    app = Flask("bare")

    @app.post("/lookup")
    def lookup():
        with engine.connect() as connection:
            row = connection.execute(query, {"nik": request.form["nik"]}).first()
        return f"<p>{row.full_name if row else '-'}</p>"

    return app


def populate(url: str, persons: int) -> list[tuple[str, str]]:
    """Migrate, load reference data and insert the persons; returns a sample of (NIK, name)."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, text

    from portal import create_app
    from portal.audit.chain import chain_key, insert_sealed
    from portal.config import Config, database_url
    from portal.extensions import db
    from portal.memberships.services import coverage_period
    from portal.models import Membership, Person, Sex
    from portal.models.base import utcnow
    from portal.names import canonical_name, name_key
    from portal.nik import make_nik
    from portal.seed.reference import seed_reference

    config = type("BenchConfig", (Config,), {"SQLALCHEMY_DATABASE_URI": database_url(url), "SECRET_KEY": SECRET_KEY})
    app = create_app(config)
    today = date.today()
    with app.app_context():
        upgrade()
        seed_reference()
        db.session.commit()
        kelurahan = [code for (code,) in db.session.execute(text("SELECT code FROM kelurahan ORDER BY code"))]
        starts_on, ends_on = coverage_period(date(today.year, 1, 1), 12)
        approval = {
            "occurred_at": utcnow(), "actor_id": None, "actor_name": "bench", "action": "entry.approve",
            "target_type": "membership", "details": {},
        }
        started = time.perf_counter()
        for first in range(1, persons + 1, CHUNK):
            people, memberships = [], []
            for i in range(first, min(first + CHUNK, persons + 1)):
                sex = Sex.FEMALE if i % 2 else Sex.MALE
                born = date(1961, 1, 1) + timedelta(days=i % 15_000)
                name = stored_name(i)
                people.append(
                    {
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
                )
                memberships.append(
                    {
                        "id": i,
                        "number": f"MKS-{today.year}-{i:07d}",
                        "person_id": i,
                        "year": today.year,
                        "starts_on": starts_on,
                        "ends_on": ends_on,
                    }
                )
            db.session.execute(insert(Person), people)
            db.session.execute(insert(Membership), memberships)
            # A registry in service has an audit trail: one sealed approval event per member.
            history = [
                {**approval, "person_id": m["person_id"], "target_id": str(m["id"])} for m in memberships
            ]
            insert_sealed(db.session.connection(), history, chain_key())
            db.session.commit()
        for table in ("person", "membership"):
            db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {persons})"))
        db.session.commit()
        # Planner statistics and the visibility map, as a registry in service has them.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
        print(
            f"inserted {persons:,} persons, memberships and approval events in {time.perf_counter() - started:.1f} s"
        )
        db.engine.dispose()
    return existing_sample(url)


def existing_sample(url: str) -> list[tuple[str, str]]:
    """1,000 (NIK, name as typed) pairs spread over the persons table, the same ones every run."""
    from sqlalchemy import create_engine, text

    from portal.config import database_url
    from portal.names import same_person_name

    engine = create_engine(database_url(url))
    with engine.connect() as connection:
        persons = connection.scalar(text("SELECT count(*) FROM person"))
        rng = random.Random(7371)
        ids = sorted(rng.sample(range(1, persons + 1), min(SAMPLE, persons)))
        sample = connection.execute(
            text("SELECT id, nik, full_name, name_canonical FROM person WHERE id = ANY(:ids)"), {"ids": ids}
        ).all()
    engine.dispose()
    typed = [(nik, typed_name(name, i), name, canonical) for i, nik, name, canonical in sample]
    unmatched = [t for _, t, _, canonical in typed if not same_person_name(t, canonical)]
    if unmatched:
        raise RuntimeError(f"{len(unmatched)} typed names would not be found, e.g. {unmatched[:3]}")
    varied = sum(t != name for _, t, name, _ in typed)
    print(f"sampled {len(sample):,} of {persons:,} persons; {varied:,} of them typed otherwise than stored")
    return [(nik, t) for nik, t, _, _ in typed]


def start_gunicorn(app_spec: str, port: int, env: dict, log: Path) -> subprocess.Popen:
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "--workers", os.environ.get("BENCH_WORKERS", "4"),
        "--worker-class", os.environ.get("BENCH_WORKER_CLASS", "sync"), "--threads", os.environ.get("BENCH_THREADS", "1"),
        "--bind", f"127.0.0.1:{port}",
        "--chdir", str(ROOT),
        "--pythonpath", str(ROOT / "bench"),
        "--error-logfile", str(log),
        app_spec,
    ]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120  # four workers importing the portal on a busy machine
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except urllib.error.HTTPError:
            return process  # it answers (404/405 is fine): it is up
        except OSError:
            time.sleep(0.3)
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
    raise RuntimeError(f"gunicorn on port {port} did not start; see {log}")


def status_session(port: int) -> str:
    """The cookie a browser holds after opening the Cek Status page."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"http://127.0.0.1:{port}/cek-status").read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie


def lua_script(bodies: list[str], headers: dict[str, str]) -> str:
    lines = ["local bodies = {"]
    lines += [f"  {lua_string(body)}," for body in bodies]
    lines.append("}")
    lines.append('wrk.method = "POST"')
    for name, value in headers.items():
        lines.append(f"wrk.headers[{lua_string(name)}] = {lua_string(value)}")
    lines.append(
        """
local i = 0
request = function()
  i = i % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[i])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""
    )
    return "\n".join(lines)


def lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def run_wrk(url: str, script: Path, duration: int, connections: int) -> dict:
    output = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "-s", str(script), url],
        capture_output=True, text=True, timeout=duration + 30,
    ).stdout
    match = re.search(r"^RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)$", output, re.M)
    if not match:
        raise RuntimeError(f"wrk gave no result:\n{output}")
    requests, duration_us, errors, p50, p95, p99, worst = map(int, match.groups())
    return {
        "rps": requests / (duration_us / 1e6),
        "errors": errors,
        "p50": p50 / 1000,
        "p95": p95 / 1000,
        "p99": p99 / 1000,
        "max": worst / 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per endpoint and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--keep-database", action="store_true", help="do not drop the database afterwards")
    parser.add_argument(
        "--reuse-database", action="store_true",
        help="use a database kept by an earlier --keep-database run as it is (implies --keep-database)",
    )
    parser.add_argument(
        "--pre-ping-comparison", action="store_true",
        help="also serve the portal with DATABASE_POOL_PRE_PING=0 and compare (status-no-ping)",
    )
    args = parser.parse_args()

    if args.reuse_database:
        args.keep_database = True
        sample = existing_sample(args.database_url)
    else:
        recreate_database(args.database_url)
        sample = populate(args.database_url, args.persons)
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "RATELIMIT_ENABLED": "0",
        "PORTAL_ENV": "production",  # as deployed: JSON request logs, secure cookies
        "SECRET_KEY": SECRET_KEY,
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.pop("REDIS_URL", None)
    workdir = Path(tempfile.mkdtemp(prefix="bench-status-"))
    servers = [
        start_gunicorn("wsgi:app", PORTAL_PORT, env, workdir / "portal.log"),
        start_gunicorn("status_check:bare_app()", BARE_PORT, env, workdir / "bare.log"),
    ]
    if args.pre_ping_comparison:
        no_ping_env = {**env, "DATABASE_POOL_PRE_PING": "0"}
        servers.append(start_gunicorn("wsgi:app", NO_PING_PORT, no_ping_env, workdir / "portal-no-ping.log"))
    try:
        cookie = status_session(PORTAL_PORT)
        form = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
        status_bodies = [urllib.parse.urlencode({"nik": nik, "name": name}) for nik, name in sample]
        bare_bodies = [urllib.parse.urlencode({"nik": nik}) for nik, _ in sample]
        scripts = {
            "bare": (f"http://127.0.0.1:{BARE_PORT}/lookup", lua_script(bare_bodies, {"Content-Type": form["Content-Type"]})),
            "status": (f"http://127.0.0.1:{PORTAL_PORT}/cek-status", lua_script(status_bodies, {**form, "HX-Request": "true"})),
            "status-page": (f"http://127.0.0.1:{PORTAL_PORT}/cek-status", lua_script(status_bodies, form)),
        }
        if args.pre_ping_comparison:
            no_ping_cookie = status_session(NO_PING_PORT)
            scripts["status-no-ping"] = (
                f"http://127.0.0.1:{NO_PING_PORT}/cek-status",
                lua_script(status_bodies, {**form, "Cookie": no_ping_cookie, "HX-Request": "true"}),
            )
        check = urllib.request.Request(
            f"http://127.0.0.1:{PORTAL_PORT}/cek-status", data=status_bodies[0].encode(), headers={**form, "HX-Request": "true"}
        )
        answer = urllib.request.urlopen(check).read().decode()
        assert "Terdaftar dan terlindungi" in answer, answer[:500]
        paths = {}
        for name, (url, script) in scripts.items():
            paths[name] = workdir / f"{name}.lua"
            paths[name].write_text(script)
            run_wrk(url, paths[name], 2, args.connections)  # warm-up: imports, pools, caches

        from recording import BenchmarkRun

        workers = f"{os.environ.get('BENCH_WORKERS', '4')} {os.environ.get('BENCH_WORKER_CLASS', 'sync')} workers"
        if os.environ.get("BENCH_THREADS", "1") != "1":
            workers += f" x {os.environ['BENCH_THREADS']} threads"
        persons = args.persons
        if args.reuse_database:
            from sqlalchemy import create_engine, text

            from portal.config import database_url

            engine = create_engine(database_url(args.database_url))
            with engine.connect() as connection:
                persons = connection.scalar(text("SELECT count(*) FROM person"))
            engine.dispose()
        run = BenchmarkRun(
            "status_check",
            dataset={
                "description": f"PostgreSQL with {persons:,} persons, each with an active membership and a sealed approval "
                f"event in the audit trail (VACUUM ANALYZE after loading), about half of the names with titles, "
                f"degrees or abbreviations (\"Hj. St. Rahmawati, S.Pd.\", \"Muh. Ilham Dg. Naba\"); requests cycle "
                f"through {len(sample):,} persons sampled across the table, each name typed as a variant of the "
                f"stored one (titles left out, abbreviations written out), so every status check finds its person",
                "database": "postgresql",
                "persons": persons,
                "reused": args.reuse_database,
            },
            method=f"gunicorn, {workers}, limits off (`RATELIMIT_ENABLED=0`); wrk `-t1 -c{args.connections} "
            f"-d{args.duration}s` on 127.0.0.1, {args.rounds} rounds of bare, status (htmx answer) and status-page "
            "(whole page) after a 2 s warm-up of each"
            + (", and status-no-ping (the htmx answer from a third gunicorn with `DATABASE_POOL_PRE_PING=0`)" if args.pre_ping_comparison else ""),
            database_url=args.database_url,
        )
        results: dict[str, list[dict]] = {name: [] for name in scripts}
        for round_number in range(1, args.rounds + 1):
            for name, (url, _) in scripts.items():
                result = run_wrk(url, paths[name], args.duration, args.connections)
                results[name].append(result)
                print(
                    f"round {round_number} {name:12} {result['rps']:8.0f} req/s  p50 {result['p50']:6.2f} ms  "
                    f"p95 {result['p95']:6.2f} ms  p99 {result['p99']:6.2f} ms  non-2xx/errors {result['errors']}"
                )
        print(f"\nmedians of {args.rounds} rounds, {persons:,} persons, gunicorn {workers}, wrk -t1 -c{args.connections} -d{args.duration}s")
        medians = {
            name: {key: statistics.median(r[key] for r in rounds) for key in ("rps", "p50", "p95", "p99")}
            for name, rounds in results.items()
        }
        for name, median in medians.items():
            print(f"{name:12} {median['rps']:8.0f} req/s  p50 {median['p50']:6.2f} ms  p95 {median['p95']:6.2f} ms  p99 {median['p99']:6.2f} ms")
        ratios = {}
        for name in ("status", "status-page"):
            ratios[name] = statistics.median(s["rps"] / b["rps"] for s, b in zip(results[name], results["bare"]))
            print(f"ratio {name}/bare (median of per-round ratios): {ratios[name]:.2f}  (targets >= 0.33, >= 0.39 with tolerant names; p95 < 25 ms)")

        if args.pre_ping_comparison:
            ratios["pre-ping"] = statistics.median(
                s["rps"] / n["rps"] for s, n in zip(results["status"], results["status-no-ping"])
            )
            print(f"ratio status/status-no-ping (pool pre-ping on vs off): {ratios['pre-ping']:.2f}")
            run.note(
                f"Pool pre-ping: status (as deployed: the default engine pings, Cek Status's reads engine "
                f"retries a read on a dead connection instead) served {ratios['pre-ping']:.2f} of the "
                f"requests per second of status-no-ping (DATABASE_POOL_PRE_PING=0) in the same run; p95 "
                f"{medians['status']['p95']:.1f} ms vs {medians['status-no-ping']['p95']:.1f} ms."
            )

        columns = [("rps", "req/s", "", 0), ("p50", "p50", "ms", 1), ("p95", "p95", "ms", 1), ("p99", "p99", "ms", 1), ("errors", "non-2xx/errors", "", 0)]
        run.table(
            "Medians of the rounds",
            "endpoint",
            columns[:4] + [("ratio", "ratio to bare", "", 2)],
            [{"label": name, **median, "ratio": ratios.get(name)} for name, median in medians.items()],
        )
        run.table(
            "Every round",
            "round",
            columns,
            [{"label": f"round {n} {name}", **rounds[n - 1]} for n in range(1, args.rounds + 1) for name, rounds in results.items()],
        )
        status, bare = medians["status"], medians["bare"]
        run.verdict(
            "status_check",
            {"status / bare throughput": ratios["status"], "status p95": status["p95"]},
            f"{ratios['status']:.2f} of bare ({status['rps']:,.0f} vs {bare['rps']:,.0f} req/s), p95 {status['p95']:.0f} ms",
            scale={"persons": persons},
        )
        run.verdict(
            "tolerant_names",
            {"status / bare throughput": ratios["status"], "status p95": status["p95"]},
            f"{ratios['status']:.2f} of bare with names typed as variants, p95 {status['p95']:.0f} ms",
            scale={"persons": persons},
        )
        errors = sum(r["errors"] for rounds in results.values() for r in rounds)
        if errors:
            run.note(f"{errors:,} requests answered with an error or a non-2xx status; they count in req/s.")
        run.write()
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
        for server in servers:
            server.wait(timeout=30)
        if not args.keep_database:
            recreate_database(args.database_url, create=False)


if __name__ == "__main__":
    main()
