"""Benchmark result files: the issues' targets, machine facts, and bench/results/<name>.json.

Every script in bench/ records what it measured through `BenchmarkRun`; bench/report.py
renders docs/benchmarks.md from the files. Only the standard library at module level:
printing.py's render processes import their script again, and report.py runs without the
portal's dependencies.
"""

from __future__ import annotations

import ctypes.util
import json
import operator
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = 1
OPERATORS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
# A met target this close to its limit is reported as met without margin: on this noisy
# machine (20-50 % between runs) the next run may not meet it.
MARGIN = 0.05


@dataclass(frozen=True)
class Limit:
    """One number a target bounds, e.g. the median wall time at most 10 s."""

    metric: str
    op: str
    limit: float
    unit: str


@dataclass(frozen=True)
class Target:
    """One of an issue's speed targets and the dataset size it is stated for."""

    key: str
    issue: str
    subject: str
    text: str
    limits: tuple[Limit, ...]
    scale: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Benchmark:
    """One script in bench/ and the targets its result file gives a verdict on."""

    name: str
    title: str
    script: str
    targets: tuple[Target, ...]
    ceiling: str = ""


CITY = {"database": "postgresql", "persons": 200_000}

# The issues' targets, in the order of the summary table.
BENCHMARKS = (
    Benchmark(
        "list_import",
        "Issue 3: member-list intake",
        "bench/list_import.py",
        (
            Target(
                "cli_dry_run", "3", "list import",
                "50,000-row XLSX, CLI dry run, 200,000 persons (PostgreSQL): ≤ 10 s, ≤ 300 MB",
                (Limit("median wall time", "<=", 10, "s"), Limit("peak memory of the highest run", "<=", 300, "MB")),
                {**CITY, "rows": 50_000},
            ),
            Target(
                "upload", "3", "upload", "300-row upload to its preview page: < 1 s server time",
                (Limit("median server time", "<", 1000, "ms"),),
                {"upload_rows": 300},
            ),
            Target(
                "hostile_files", "14", "hostile spreadsheets",
                "a zip bomb and the tiny XLSX/ODS bombs (cells at XFD1048576 or ZZ200000, a row "
                "repeated 100,000 x 100) refused: < 1 s each, as an upload and as a DTSEN/BPJS file",
                (Limit("slowest refusal", "<", 1000, "ms"),),
            ),
        ),
        "reading a 50,000-row XLSX with python-calamine takes 0.25 s and 55 MB; validation and "
        "the duplicate look-ups decide the rest",
    ),
    Benchmark(
        "review_queue",
        "Issue 4: review queue and bulk approval",
        "bench/review_queue.py",
        (
            Target(
                "queue", "4", "review queue", "100,000 pending entries, queue with a filter: p95 < 150 ms",
                (Limit("worst p95 over the filters", "<", 150, "ms"),),
                {"database": "postgresql", "entries": 100_000},
            ),
            Target(
                "bulk_approval", "4", "bulk approval", "1,000 entries: < 5 s",
                (Limit("bulk approval", "<", 5, "s"),),
                {"database": "postgresql", "bulk": 1000},
            ),
        ),
        "one indexed look-up costs 12 µs in process and one Flask test-client request about 220 µs",
    ),
    Benchmark(
        "entry_page",
        "Issue 18: the reviewer's entry page",
        "bench/entry_page.py",
        (
            Target(
                "entry_page", "18", "entry page", "the entry page with duplicates, 200,000 persons: p95 < 100 ms",
                (Limit("p95", "<", 100, "ms"),),
                CITY,
            ),
        ),
        "one indexed look-up costs 12 µs in process and one Flask test-client request about 220 µs",
    ),
    Benchmark(
        "printing",
        "Issue 5: cards and certificates",
        "bench/printing.py",
        (
            Target(
                "single_document", "5", "one card / certificate", "≤ 150 ms warm",
                (Limit("card, median", "<=", 150, "ms"), Limit("certificate, median", "<=", 150, "ms")),
            ),
            Target(
                "batch", "5", "batch",
                "1,000 cards: ≤ 20 s, ≤ 400 MB, memory flat with size (the largest batch's peak at "
                "most 25 % above the smallest's)",
                (
                    Limit("1,000 cards, wall", "<=", 20, "s"),
                    Limit("1,000 cards, peak memory", "<=", 400, "MB"),
                    Limit("peak memory growth, smallest to largest batch", "<=", 25, "%"),
                ),
                {"cards": 1000},
            ),
        ),
        "one warm WeasyPrint card ~68 ms (47-54 ms with one reused CSS and FontConfiguration); "
        "chunks of 100 cards rendered by 2 processes and merged with pypdf ~31 cards/s",
    ),
    Benchmark(
        "status_check",
        "Issues 6 and 16: public status check",
        "bench/status_check.py",
        (
            Target(
                "status_check", "6", "status check",
                "≥ 1/3 of a bare indexed look-up's throughput, p95 < 25 ms (200,000 persons, gunicorn)",
                (Limit("status / bare throughput", ">=", 1 / 3, ""), Limit("status p95", "<", 25, "ms")),
                CITY,
            ),
            Target(
                "tolerant_names", "16", "status check, tolerant names",
                "names with titles and abbreviations, typed as variants: ≥ 0.39 of the bare look-up "
                "(aim 0.5), p95 < 25 ms (200,000 persons, gunicorn)",
                (Limit("status / bare throughput", ">=", 0.39, ""), Limit("status p95", "<", 25, "ms")),
                CITY,
            ),
        ),
        "the bare Flask endpoint with one indexed look-up, measured in the same run (PERFORMANCE.md: "
        "4,231-4,647 req/s with sync workers on SQLite when nothing else runs)",
    ),
    Benchmark(
        "hospital_lookup",
        "Issue 21: a partner hospital's cover look-up",
        "bench/hospital_lookup.py",
        (
            Target(
                "page", "21", "hospital look-up page",
                "the look-up page's answer (htmx; by NIK and name, KPJ or the card's QR code): p95 < 50 ms "
                "server time (200,000 persons, gunicorn, one request after another)",
                (Limit("worst p95 of the three look-ups", "<", 50, "ms"),),
                CITY,
            ),
            Target(
                "api", "21", "hospital look-up API",
                "POST /api/v1/rs/cek-pasien with a facility key (NIK and name, KPJ or card): p95 < 50 ms "
                "server time (200,000 persons, gunicorn, one request after another)",
                (Limit("worst p95 of the three look-ups", "<", 50, "ms"),),
                CITY,
            ),
        ),
        "the bare Flask endpoint with one indexed look-up, measured in the same run",
    ),
    Benchmark(
        "dashboard",
        "Issue 7: dashboard and public statistics",
        "bench/dashboard.py",
        (
            Target(
                "dashboard", "7", "dashboard and /stats", "< 300 ms server time at 200,000 members",
                (Limit("worst median server time with the refresh job", "<", 300, "ms"),),
                {"database": "postgresql", "members": 200_000},
            ),
        ),
        "one Flask test-client request costs about 220 µs",
    ),
    Benchmark(
        "seed_scale",
        "Issue 10: synthetic city",
        "bench/seed_scale.py",
        (
            Target(
                "seed_scale", "10", "synthetic city", "200,000 persons load in < 5 minutes on PostgreSQL",
                (Limit("load time", "<", 300, "s"),),
                CITY,
            ),
        ),
    ),
    Benchmark(
        "renewal",
        "Issue 19: renewal into the next budget year",
        "bench/renewal.py",
        (
            Target(
                "dry_run", "19", "renewal dry run", "100,000 active members: ≤ 60 s, ≤ 400 MB",
                (Limit("wall time", "<=", 60, "s"), Limit("peak memory", "<=", 400, "MB")),
                {"database": "postgresql", "members": 100_000},
            ),
            Target(
                "real_run", "19", "renewal run", "100,000 active members: ≤ 60 s, ≤ 400 MB",
                (Limit("wall time", "<=", 60, "s"), Limit("peak memory", "<=", 400, "MB")),
                {"database": "postgresql", "members": 100_000},
            ),
        ),
    ),
    Benchmark(
        "notifications",
        "Issue 23: the notification outbox",
        "bench/notifications.py",
        (
            Target(
                "queuing", "23", "notification queuing", "10,000 notifications from a bulk approval add <= 2 s",
                (Limit("added to a bulk approval", "<=", 2, "s"),),
                {"database": "postgresql", "messages": 10_000},
            ),
            Target(
                "sending", "23", "notification sending",
                "the sender keeps 50 messages/s against a local endpoint, within the provider's rate",
                (Limit("messages per second", ">=", 50, "/s"), Limit("over the provider's rate", "<=", 1.05, "x")),
                {"database": "postgresql", "messages": 10_000},
            ),
        ),
    ),
    Benchmark(
        "budget_check",
        "Issue 19: the budget ceiling check",
        "bench/budget_check.py",
        (
            Target(
                "budget_check", "19", "budget check", "< 5 ms added to a single approval (100,000 members)",
                (Limit("added to a single approval", "<", 5, "ms"),),
                {"database": "postgresql", "members": 100_000},
            ),
        ),
        "the check is one statement that reads and locks the ceilinged years and one per year over the entries and the primary-key range above the cached recount",
    ),
    Benchmark(
        "case_list",
        "Issue 21: the case desk's list",
        "bench/case_list.py",
        (
            Target(
                "case_list", "21", "case list", "10,000 cases, the list with a filter: p95 < 150 ms",
                (Limit("worst p95 over the filters", "<", 150, "ms"),),
                {"database": "postgresql", "persons": 200_000, "cases": 10_000},
            ),
        ),
    ),
    Benchmark(
        "request_desk",
        "Issue 22: the public request desk",
        "bench/request_desk.py",
        (
            Target(
                "request_desk", "22", "request form and tracking",
                "the public form (GET and POST) and the tracking page (POST): p95 < 50 ms server time "
                "(200,000 persons, 20,000 requests, one request after another)",
                (Limit("worst p95 of the form and tracking", "<", 50, "ms"),),
                {"database": "postgresql", "persons": 200_000, "requests": 20_000},
            ),
        ),
    ),
    Benchmark(
        "bulk_accounts",
        "Issue 18: accounts in bulk and activation letters",
        "bench/bulk_accounts.py",
        (
            Target(
                "bulk_accounts", "18", "bulk accounts",
                "1,005 accounts: check and create each < 5 s; a PDF of 100 activation letters < 10 s (the project's own targets, the issue sets none)",
                (Limit("worst request for the accounts", "<", 5, "s"), Limit("worst letters PDF", "<", 10, "s")),
                {"database": "postgresql", "accounts": 1005},
            ),
        ),
    ),
    Benchmark(
        "institutional_import",
        "Issue 18: an institutional list through the browser",
        "bench/institutional_import.py",
        (
            Target(
                "web_import", "18", "institutional import (web)",
                "50,000-row institutional import through the web: preview ≤ 15 s, commit ≤ 30 s, no web "
                "request longer than 1 s (200,000 persons, PostgreSQL)",
                (Limit("preview", "<=", 15, "s"), Limit("commit", "<=", 30, "s"), Limit("slowest web request", "<=", 1, "s")),
                {**CITY, "rows": 50_000},
            ),
        ),
        "the CLI dry run of the same 50,000 rows (bench/list_import.py) checks them in about 5 s",
    ),
    Benchmark(
        "contribution_statement",
        "Issue 20: the monthly contribution statement",
        "bench/contribution_statement.py",
        (
            Target(
                "contribution_statement", "20", "monthly statement", "the statement for 100,000 members: <= 3 s",
                (Limit("statement p95", "<=", 3000, "ms"),),
                {"database": "postgresql", "members": 100_000},
            ),
        ),
        "one aggregate over the month's ledger rows grouped by category and kecamatan",
    ),
    Benchmark(
        "bill_reconciliation",
        "Issue 20: BPJS's bill checked against the registry",
        "bench/bill_reconciliation.py",
        (
            Target(
                "reconciliation", "20", "bill reconciliation",
                "a 100,000-line bill against 100,000 members for one month: ≤ 10 s, ≤ 300 MB",
                (Limit("wall time", "<=", 10, "s"), Limit("peak memory", "<=", 300, "MB")),
                {"database": "postgresql", "members": 100_000, "lines": 100_000},
            ),
        ),
        "reading a 50,000-row XLSX with python-calamine takes 0.25 s and 55 MB",
    ),
)


def benchmark(name: str) -> Benchmark:
    """The catalogue entry of one script."""
    return next(b for b in BENCHMARKS if b.name == name)


def results_dir() -> Path:
    """Where result files go: bench/results/, or BENCH_RESULTS_DIR."""
    return Path(os.environ.get("BENCH_RESULTS_DIR") or ROOT / "bench" / "results")


def load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def percentile(values, fraction: float) -> float:
    """The value at `fraction` of the sorted values (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def judge(limits: tuple[Limit, ...], values: dict[str, float | None]) -> tuple[list[dict], bool | None]:
    """Each limit checked against its measured value, and the verdict: met, not met, or
    None when a value was not measured (and nothing failed)."""
    checks = []
    for limit in limits:
        value = values.get(limit.metric)
        met = None if value is None else OPERATORS[limit.op](value, limit.limit)
        close = bool(met) and abs(value - limit.limit) <= MARGIN * abs(limit.limit)
        checks.append({**asdict(limit), "value": value, "met": met, "without_margin": close})
    verdicts = [check["met"] for check in checks]
    met = False if False in verdicts else (None if None in verdicts else True)
    return checks, met


def below_scale(scale: dict, dataset: dict) -> list[str]:
    """What the run's dataset lacks of the size a target is stated for."""
    missing = []
    for key, required in scale.items():
        actual = dataset.get(key)
        if isinstance(required, str):
            if actual != required:
                missing.append(f"{key} {actual or 'unknown'}, not {required}")
        elif actual is None or actual < required:
            missing.append(f"{key} {actual if actual is None else format(actual, ',')} of {required:,}")
    return missing


class BenchmarkRun:
    """What one run of a script measured; `write()` saves it as bench/results/<name>.json.

    `start()` marks the start of the measurements (after the dataset is loaded), which is
    when the load average "at start" is taken.
    """

    def __init__(self, name: str, *, dataset: dict, method: str, database_url: str | None = None):
        self.benchmark = benchmark(name)
        self.dataset = dataset
        self.method = method
        self.database_url = database_url
        self.started_at = datetime.now(timezone.utc)
        self.started = time.perf_counter()
        self.load_start = load_average()
        self.tables: list[dict] = []
        self.verdicts: list[dict] = []
        self.notes: list[str] = []
        self.samples: dict[str, list[float]] = {}

    def start(self) -> None:
        self.started_at = datetime.now(timezone.utc)
        self.started = time.perf_counter()
        self.load_start = load_average()

    def table(self, title: str, label: str, columns: list[tuple], rows: list[dict], summary: dict | None = None) -> None:
        """Per-run figures: `label` heads the first column, `columns` are (key, heading, unit,
        digits); each row has a "label" and a number (or a list of numbers, shown as
        a / b) per key; `summary` is a last row such as the medians."""
        self.tables.append(
            {
                "title": title,
                "label": label,
                "columns": [dict(zip(("key", "heading", "unit", "digits"), column)) for column in columns],
                "rows": rows,
                "summary": summary,
            }
        )

    def verdict(self, key: str, values: dict[str, float | None], measured: str, scale: dict | None = None) -> bool | None:
        """Judge one of the benchmark's targets on the measured values; returns met."""
        target = next(t for t in self.benchmark.targets if t.key == key)
        checks, met = judge(target.limits, values)
        self.verdicts.append(
            {
                "key": key,
                "issue": target.issue,
                "subject": target.subject,
                "target": target.text,
                "measured": measured,
                "checks": checks,
                "met": met,
                "below_scale": below_scale(target.scale, {**self.dataset, **(scale or {})}),
            }
        )
        return met

    def note(self, text: str) -> None:
        self.notes.append(text)

    def record(self) -> dict:
        return {
            "schema": SCHEMA,
            "benchmark": self.benchmark.name,
            "script": self.benchmark.script,
            "command": [Path(sys.argv[0]).name, *(without_password(argument) for argument in sys.argv[1:])],
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "duration_seconds": round(time.perf_counter() - self.started, 1),
            "load_average": {"start": self.load_start, "end": load_average()},
            "dataset": self.dataset,
            "method": self.method,
            "tables": self.tables,
            "targets": self.verdicts,
            "notes": self.notes,
            "samples": self.samples,
            "machine": machine(),
            "versions": versions(self.database_url),
        }

    def write(self) -> Path:
        path = results_dir() / f"{self.benchmark.name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(rounded(self.record()), indent=1, ensure_ascii=False) + "\n")
        print(f"results written to {path}")
        return path


def without_password(text: str) -> str:
    """A database URL's password hidden: the command line goes into the results and the docs."""
    return re.sub(r"(://[^:/@]+:)[^@/]+@", r"\1***@", text)


def rounded(value):
    """Floats to 4 decimals, which is more than any timing here means."""
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {key: rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [rounded(item) for item in value]
    return value


def machine() -> dict:
    """CPU model, cores, memory, OS and kernel of this machine."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    memory = re.search(r"^MemTotal:\s+(\d+) kB", meminfo, re.M)
    os_release = Path("/etc/os-release")
    pretty = re.search(r'^PRETTY_NAME="?([^"\n]+)"?$', os_release.read_text(), re.M) if os_release.exists() else None
    return {
        "cpu": model.group(1).strip() if model else platform.processor() or platform.machine(),
        "virtual": bool(re.search(r"^flags\s*:.*\bhypervisor\b", cpuinfo, re.M)),
        "cores": os.cpu_count(),
        "memory_gb": round(int(memory.group(1)) / 1024 / 1024, 1) if memory else None,
        "os": pretty.group(1) if pretty else platform.system(),
        "kernel": platform.release(),
    }


def versions(database_url: str | None = None) -> dict:
    """Versions of what the benchmarks run on; None for what is not there."""
    found = {"Python": platform.python_version()}
    for package in ("Flask", "SQLAlchemy", "gunicorn", "WeasyPrint"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = None
    found["libharfbuzz-subset"] = "installed" if ctypes.util.find_library("harfbuzz-subset") else "missing"
    found["PostgreSQL"] = postgresql_version(database_url) if database_url else None
    found["Redis"] = command_version(["redis-server", "--version"], r"v=(\S+)")
    found["wrk"] = command_version(["wrk", "--version"], r"^wrk (?:\w+/)?(\S+)")
    return found


def postgresql_version(url: str) -> str | None:
    """The server's version, asked over the benchmark's own connection settings."""
    try:
        import psycopg

        dsn = re.sub(r"^postgresql\+\w+://", "postgresql://", url)
        with psycopg.connect(dsn, connect_timeout=5) as connection:
            return connection.execute("SHOW server_version").fetchone()[0].split(" ")[0]
    except Exception:  # a missing driver or server only leaves the version out
        return None


def command_version(command: list[str], pattern: str) -> str | None:
    if not shutil.which(command[0]):
        return None
    # wrk prints its version with its usage and exits 1.
    result = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
    match = re.search(pattern, result.stdout + result.stderr, re.M)
    return match.group(1) if match else None


def recreate_database(url: str, *, create: bool = True) -> None:
    """Drop the PostgreSQL database named in `url` and (unless create=False) create it empty."""
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        if create:
            connection.execute(f'CREATE DATABASE "{parsed.database}"')


# Runs `flask` in the child and reports the child's own peak memory (VmHWM) at exit. The
# parent's rusage would count the pages of the fork before exec (a big parent's).
FLASK_WITH_PEAK = (
    "import atexit, re, sys\n"
    "def peak():\n"
    "    status = open('/proc/self/status').read()\n"
    "    sys.stderr.write('PEAK_KB ' + re.search(r'VmHWM:\\s+(\\d+)', status).group(1) + '\\n')\n"
    "atexit.register(peak)\n"
    "from flask.cli import main\n"
    "sys.argv[0] = 'flask'\n"
    "main()\n"
)


@dataclass
class FlaskCommand:
    """One timed `flask` command run in a child process."""

    wall: float
    cpu: float
    peak_mb: float | None
    returncode: int
    stdout: str
    stderr: str


def run_flask(arguments: list[str], env: dict, echo: bool = False) -> FlaskCommand:
    """Run `flask --app wsgi ARGUMENTS` in a child process: wall and CPU seconds, peak memory.
    With echo, the child's output is printed as it comes (and still returned)."""
    command = [sys.executable, "-c", FLASK_WITH_PEAK, "--app", "wsgi", *arguments]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    if echo:
        with tempfile.TemporaryFile("w+") as errors:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=errors, text=True)
            lines = []
            for line in process.stdout:
                print(line, end="", flush=True)
                lines.append(line)
            returncode = process.wait()
            errors.seek(0)
            stderr, stdout = errors.read(), "".join(lines)
    else:
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        stdout, stderr, returncode = result.stdout, result.stderr, result.returncode
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    peak = re.search(r"PEAK_KB (\d+)", stderr)
    return FlaskCommand(wall, cpu, int(peak.group(1)) / 1024 if peak else None, returncode, stdout, stderr)
