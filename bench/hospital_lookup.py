"""Benchmark: a partner hospital's cover look-up, the page (htmx answer) and the JSON API.

    .venv/bin/python bench/hospital_lookup.py [--persons 200000] [--duration 10] [--rounds 3]
    .venv/bin/python bench/hospital_lookup.py --keep-database ...   # then, for quick reruns:
    .venv/bin/python bench/hospital_lookup.py --reuse-database ...

What it does, all on 127.0.0.1 and bounded in time:
1. (Re)creates a PostgreSQL database (default portal_bench_hospital) and loads it with
   bench/status_check.py's builder (N persons with Makassar names, one active membership
   and a sealed approval event each), then gives every membership a KPJ number and a card
   (certificate) and adds Primaya Hospital Makassar with one hospital account (a real
   second factor) and one facility API key; VACUUM ANALYZE.
2. Serves the portal with gunicorn (4 sync workers, production settings with
   RATELIMIT_ENABLED=0) and status_check.py's bare Flask app (one indexed look-up of
   person.nik), the ceiling of this machine in the same run.
3. Signs the hospital account in over HTTP (password, then the TOTP code), then drives
   each endpoint with wrk for --duration seconds per round, twice: with one connection
   (requests one after another: the server time of a look-up, plus the loopback), and under
   load with 16 connections (the throughput of 4 workers on this machine's 2 cores; there a
   request's latency is mostly its wait in the queue: 16 connections at 120 req/s wait about
   130 ms whatever a request costs, Little's law):
   - page-nik / page-kpj / page-card: the look-up forms as htmx posts them (HX-Request,
     the answer block), by NIK and a name typed as a variant, by KPJ, by the card's QR text;
   - api-nik / api-kpj / api-card: POST /api/v1/rs/cek-pasien with the facility's key;
   - bare: the bare look-up.
   Each request picks the next of 1,000 members sampled across the table, and every one
   finds its member, so each also writes its access record (the audit trail's batches).
4. Prints each round and the medians; the targets (issue 21): p95 < 50 ms for the page
   and for the API (the worst of the three ways of each), judged on the one-connection
   series, as the other issues' server-time targets are; the loaded series is reported
   beside it with its ratio to the bare look-up.

Needs: wrk (Debian package `wrk`), PostgreSQL on 127.0.0.1:5432 (user postgres, trust).
The machine is shared and has 2 cores that wrk, gunicorn and PostgreSQL all use.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import statistics
import sys
import tempfile
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from recording import BenchmarkRun, recreate_database  # noqa: E402 (bench/ is on the path when run as a script)
from status_check import (  # noqa: E402
    SECRET_KEY,
    existing_sample,
    lua_script,
    populate,
    run_wrk,
    start_gunicorn,
)

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/portal_bench_hospital"
PORTAL_PORT, BARE_PORT = 8971, 8972
BASE_URL = "https://berjasa.makassarkota.go.id"  # what the cards' QR codes say (not contacted)
FACILITY = "Primaya Hospital Makassar"
USERNAME, PASSWORD = "bench-rs", "bench-password-123"
KEY_NAME = "bench-rs-his"
PAGE_ENDPOINTS = ("page-nik", "page-kpj", "page-card")
API_ENDPOINTS = ("api-nik", "api-kpj", "api-card")


def _config(url: str):
    from portal.config import Config, database_url

    return type("BenchConfig", (Config,), {"SQLALCHEMY_DATABASE_URI": database_url(url), "SECRET_KEY": SECRET_KEY})


def add_cards_and_facility(url: str) -> None:
    """KPJ numbers and one card per membership (set SQL), the facility, its account (TOTP) and its key."""
    from sqlalchemy import text

    from portal import create_app
    from portal.accounts import mfa
    from portal.accounts.services import create_user
    from portal.extensions import db
    from portal.facilities.services import ensure_facility
    from portal.models import Role

    app = create_app(_config(url))
    with app.app_context():
        db.session.execute(text("UPDATE membership SET kpj_number = lpad(id::text, 11, '0')"))
        # 22 characters of hex: a code as long as the portal's token_urlsafe(16) ones.
        db.session.execute(text(
            "INSERT INTO certificate (membership_id, code, issued_at) "
            "SELECT id, substr(md5('card' || id::text), 1, 22), now() FROM membership"
        ))
        facility, _added = ensure_facility(FACILITY)
        user = create_user(USERNAME, Role.HOSPITAL, PASSWORD, full_name="Perawat Bench", facility_id=facility.id)
        secret = mfa.new_secret()
        mfa.enable(user, secret)
        from portal.api.services import create_api_key

        _row, key = create_api_key(KEY_NAME, facility.id)
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE membership, certificate"))
            # Write the loaded pages out now: a checkpoint during the measurements stalls the
            # look-ups' commits (their access records) for hundreds of milliseconds.
            connection.execute(text("CHECKPOINT"))
        db.engine.dispose()
    (secret_file(url)).write_text(json.dumps({"totp": secret, "key": key}))


def secret_file(url: str) -> Path:
    """Where a kept database's account secret and API key wait for a --reuse-database run."""
    name = urllib.parse.urlsplit(url).path.strip("/") or "bench"
    return Path(tempfile.gettempdir()) / f"{name}-hospital-secrets.json"


def card_sample(url: str, niks: list[str]) -> list[tuple[str, str]]:
    """(KPJ, QR text) of the sampled members, in the sample's order."""
    from sqlalchemy import create_engine, text

    from portal.config import database_url

    engine = create_engine(database_url(url))
    with engine.connect() as connection:
        rows = dict(
            (nik, (kpj, code))
            for nik, kpj, code in connection.execute(
                text(
                    "SELECT p.nik, m.kpj_number, c.code FROM person p JOIN membership m ON m.person_id = p.id "
                    "JOIN certificate c ON c.membership_id = m.id WHERE p.nik = ANY(:niks)"
                ),
                {"niks": niks},
            )
        )
    engine.dispose()
    return [(rows[nik][0], f"{BASE_URL}/v/{rows[nik][1]}") for nik in niks]


class Browser:
    """A signed-in browser's cookies, by hand: production cookies are Secure, and http.cookiejar
    would not send them back to http://127.0.0.1."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, dict, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": self.cookie()} if self.cookies else {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                cookie_name, _, rest = value.partition("=")
                self.cookies[cookie_name] = rest.split(";", 1)[0]
        connection.close()
        return response.status, dict(response.getheaders()), text

    def cookie(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def csrf(self, path: str) -> str:
        status, _headers, page = self.request("GET", path)
        match = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', page)
        if status != 200 or not match:
            raise RuntimeError(f"GET {path} answered {status} without a form")
        return match.group(1)


def sign_in(port: int, totp_secret: str) -> Browser:
    """The hospital account signed in as a nurse does: password, then the authenticator's code."""
    import pyotp

    browser = Browser(port)
    token = browser.csrf("/masuk")
    status, headers, _ = browser.request("POST", "/masuk", {"username": USERNAME, "password": PASSWORD, "csrf_token": token})
    if status != 302 or not headers.get("Location", "").endswith("/masuk/kode"):
        raise RuntimeError(f"sign-in answered {status} {headers.get('Location')}")
    token = browser.csrf("/masuk/kode")
    status, headers, _ = browser.request("POST", "/masuk/kode", {"code": pyotp.TOTP(totp_secret).now(), "csrf_token": token})
    if status != 302 or not headers.get("Location", "").endswith("/rs/cek-pasien"):
        raise RuntimeError(f"second factor answered {status} {headers.get('Location')}")
    return browser


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per endpoint and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16, help="connections of the loaded series")
    parser.add_argument("--latency-connections", type=int, default=1, help="connections of the server-time series")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--keep-database", action="store_true", help="do not drop the database afterwards")
    parser.add_argument(
        "--reuse-database", action="store_true",
        help="use a database kept by an earlier --keep-database run as it is (implies --keep-database)",
    )
    args = parser.parse_args()

    if args.reuse_database:
        args.keep_database = True
        sample = existing_sample(args.database_url)
    else:
        recreate_database(args.database_url)
        sample = populate(args.database_url, args.persons)
        add_cards_and_facility(args.database_url)
    secrets_ = json.loads(secret_file(args.database_url).read_text())
    cards = card_sample(args.database_url, [nik for nik, _ in sample])
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "RATELIMIT_ENABLED": "0",
        "PORTAL_ENV": "production",  # as deployed: JSON request logs, secure cookies
        "SECRET_KEY": SECRET_KEY,
        "BASE_URL": BASE_URL,
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.pop("REDIS_URL", None)
    workdir = Path(tempfile.mkdtemp(prefix="bench-hospital-"))
    servers = [
        start_gunicorn("wsgi:app", PORTAL_PORT, env, workdir / "portal.log"),
        start_gunicorn("status_check:bare_app()", BARE_PORT, env, workdir / "bare.log"),
    ]
    try:
        browser = sign_in(PORTAL_PORT, secrets_["totp"])
        token = browser.csrf("/rs/cek-pasien")
        page = {
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": browser.cookie(),
            "HX-Request": "true", "X-CSRFToken": token,
        }
        api = {"Content-Type": "application/json", "Authorization": f"Bearer {secrets_['key']}"}
        portal = f"http://127.0.0.1:{PORTAL_PORT}"
        bodies = {
            "page-nik": [urllib.parse.urlencode({"nik": nik, "name": name, "csrf_token": token}) for nik, name in sample],
            "page-kpj": [urllib.parse.urlencode({"kpj": kpj, "csrf_token": token}) for kpj, _ in cards],
            "page-card": [urllib.parse.urlencode({"code": qr, "csrf_token": token}) for _, qr in cards],
            "api-nik": [json.dumps({"nik": nik, "name": name}) for nik, name in sample],
            "api-kpj": [json.dumps({"kpj": kpj}) for kpj, _ in cards],
            "api-card": [json.dumps({"card": qr}) for _, qr in cards],
            "bare": [urllib.parse.urlencode({"nik": nik}) for nik, _ in sample],
        }
        urls = {
            "page-nik": f"{portal}/rs/cek-pasien", "page-kpj": f"{portal}/rs/cek-pasien/kpj",
            "page-card": f"{portal}/rs/cek-pasien/kartu",
            **{name: f"{portal}/api/v1/rs/cek-pasien" for name in API_ENDPOINTS},
            "bare": f"http://127.0.0.1:{BARE_PORT}/lookup",
        }
        headers = {
            **{name: page for name in PAGE_ENDPOINTS}, **{name: api for name in API_ENDPOINTS},
            "bare": {"Content-Type": "application/x-www-form-urlencoded"},
        }
        check_answers(browser, token, sample[0], cards[0], secrets_["key"])
        paths = {}
        for name in urls:
            paths[name] = workdir / f"{name}.lua"
            paths[name].write_text(lua_script(bodies[name], headers[name]))
            run_wrk(urls[name], paths[name], 2, args.connections)  # warm-up: imports, pools, caches

        workers = f"{os.environ.get('BENCH_WORKERS', '4')} {os.environ.get('BENCH_WORKER_CLASS', 'sync')} workers"
        persons = count_persons(args.database_url)
        run = BenchmarkRun(
            "hospital_lookup",
            dataset={
                "description": f"PostgreSQL with {persons:,} persons (bench/status_check.py's builder: Makassar names, "
                "one active membership and a sealed approval event each), every membership with a KPJ number and "
                f"a card, one partner hospital with one account and one API key; requests cycle through "
                f"{len(sample):,} members sampled across the table, names typed as variants, so every look-up "
                "finds its member and writes its access record",
                "database": "postgresql",
                "persons": persons,
                "reused": args.reuse_database,
            },
            method=f"gunicorn, {workers}, limits off (`RATELIMIT_ENABLED=0`), production settings; the hospital "
            f"account signed in over HTTP with its second factor; wrk `-t1 -d{args.duration}s` on 127.0.0.1, "
            f"{args.rounds} rounds of the page's three look-ups as htmx posts them (NIK and name, KPJ, the card's QR "
            "text), the API's three with the facility's key, and the bare indexed look-up, after a 2 s warm-up of "
            f"each; every round once with {args.latency_connections} connection (requests one after another: the "
            "server time plus the loopback, which the targets are judged on) and once under load with "
            f"{args.connections} connections (throughput; there latency is mostly queueing: connections / req/s)",
            database_url=args.database_url,
        )
        series = {"latency": args.latency_connections, "load": args.connections}
        results: dict[str, dict[str, list[dict]]] = {kind: {name: [] for name in urls} for kind in series}
        for round_number in range(1, args.rounds + 1):
            for kind, connections in series.items():
                for name in urls:
                    result = run_wrk(urls[name], paths[name], args.duration, connections)
                    results[kind][name].append(result)
                    print(
                        f"round {round_number} c{connections:<3} {name:10} {result['rps']:8.0f} req/s  "
                        f"p50 {result['p50']:6.2f} ms  p95 {result['p95']:6.2f} ms  p99 {result['p99']:6.2f} ms  "
                        f"non-2xx/errors {result['errors']}"
                    )
        record(run, results, series, persons, args)
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
        for server in servers:
            server.wait(timeout=30)
        if not args.keep_database:
            recreate_database(args.database_url, create=False)
            secret_file(args.database_url).unlink(missing_ok=True)


def check_answers(browser: Browser, token: str, person: tuple[str, str], card: tuple[str, str], key: str) -> None:
    """Before any load: each way of looking up finds the sampled member (else the figures mean nothing)."""
    nik, name = person
    kpj, qr = card
    for path, form in (("/rs/cek-pasien", {"nik": nik, "name": name}), ("/rs/cek-pasien/kpj", {"kpj": kpj}),
                       ("/rs/cek-pasien/kartu", {"code": qr})):
        status, _, answer = browser.request("POST", path, {**form, "csrf_token": token})
        if status != 200 or "Terlindungi hari ini" not in answer:
            raise RuntimeError(f"POST {path} answered {status}: {answer[:300]}")
    for body in ({"nik": nik, "name": name}, {"kpj": kpj}, {"card": qr}):
        connection = http.client.HTTPConnection("127.0.0.1", PORTAL_PORT, timeout=30)
        connection.request("POST", "/api/v1/rs/cek-pasien", body=json.dumps(body),
                           headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"})
        response = connection.getresponse()
        answer = json.loads(response.read())
        connection.close()
        if response.status != 200 or not answer.get("covered"):
            raise RuntimeError(f"the API answered {response.status}: {answer}")


def count_persons(url: str) -> int:
    from sqlalchemy import create_engine, text

    from portal.config import database_url

    engine = create_engine(database_url(url))
    with engine.connect() as connection:
        persons = connection.scalar(text("SELECT count(*) FROM person"))
    engine.dispose()
    return persons


def record(run: BenchmarkRun, results: dict[str, dict[str, list[dict]]], series: dict[str, int], persons: int, args) -> None:
    """Medians and every round of both series, and the two verdicts (on the server-time
    series), printed and written to the result file."""
    columns = [("rps", "req/s", "", 0), ("p50", "p50", "ms", 1), ("p95", "p95", "ms", 1), ("p99", "p99", "ms", 1)]
    medians = {}
    titles = {"latency": "one request after another", "load": "under load"}
    for kind, by_name in results.items():
        medians[kind] = {
            name: {key: statistics.median(r[key] for r in rounds) for key in ("rps", "p50", "p95", "p99", "errors")}
            for name, rounds in by_name.items()
        }
        connections = series[kind]
        print(f"\nmedians of {args.rounds} rounds, {persons:,} persons, wrk -t1 -c{connections} -d{args.duration}s")
        for name, median in medians[kind].items():
            print(f"{name:10} {median['rps']:8.0f} req/s  p50 {median['p50']:6.2f} ms  p95 {median['p95']:6.2f} ms  p99 {median['p99']:6.2f} ms")
        bare = medians[kind]["bare"]["rps"]
        run.table(
            f"Medians of the rounds, {titles[kind]} ({connections} connection{'s' if connections != 1 else ''})",
            "endpoint", columns + [("ratio", "ratio to bare", "", 2)],
            [{"label": name, **median, "ratio": median["rps"] / bare if bare else None} for name, median in medians[kind].items()],
        )
    run.table(
        "Every round", "round", columns + [("errors", "non-2xx/errors", "", 0)],
        [
            {"label": f"round {n} c{series[kind]} {name}", **rounds[n - 1]}
            for n in range(1, args.rounds + 1) for kind, by_name in results.items() for name, rounds in by_name.items()
        ],
    )
    latency, load = medians["latency"], medians["load"]
    for key, endpoints, what in (("page", PAGE_ENDPOINTS, "page (htmx answer)"), ("api", API_ENDPOINTS, "API")):
        worst = max(endpoints, key=lambda name: latency[name]["p95"])
        p95 = latency[worst]["p95"]
        loaded = max(endpoints, key=lambda name: load[name]["p95"])
        print(f"{what}: worst p95 {p95:.1f} ms one after another ({worst}; target < 50 ms); "
              f"under load {load[loaded]['p95']:.1f} ms ({loaded}, {load[loaded]['rps']:,.0f} req/s)")
        run.verdict(
            key, {"worst p95 of the three look-ups": p95},
            f"p95 {p95:.0f} ms at worst one request after another ({worst}); under load with {series['load']} "
            f"connections p95 {load[loaded]['p95']:.0f} ms at {load[loaded]['rps']:,.0f} req/s ({loaded})",
            scale={"persons": persons},
        )
    errors = sum(r["errors"] for by_name in results.values() for rounds in by_name.values() for r in rounds)
    if errors:
        run.note(f"{errors:,} requests answered with an error or a non-2xx status; they count in req/s.")
    run.write()


if __name__ == "__main__":
    main()
