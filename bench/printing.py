"""Printing benchmark: a batch of cards, then one warm card and one warm certificate.

Runs against a throw-away SQLite database in a temporary folder:

    .venv/bin/python bench/printing.py                # batches of 250, 1,000, 2,000 cards
    .venv/bin/python bench/printing.py --cards 1000   # one batch

For each batch: wall time of the job function (as an RQ worker runs it), CPU seconds of
the job's process and of its render processes, and the peak resident memory summed over
all of them (sampled from /proc every 50 ms): it should stay flat as batches grow. Then
median wall and CPU milliseconds for single documents, each with the load average. Targets (issue 5):
1,000 cards <= 20 s and <= 400 MB; one card or certificate <= 150 ms. On a shared machine
the wall times swing with the load; the CPU seconds printed beside them do not. Writes
bench/results/printing.json (see bench/recording.py).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

# Only the standard library at module level: render processes are spawned and import this
# module again; they should stay as light as under a real worker.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from recording import BenchmarkRun  # noqa: E402

LETTE = "7371011004"
BATCH_KELURAHAN = ("7371011001", "7371011002", "7371011003", "7371011005", "7371011006")
FIRST = ("Budi", "Siti", "Andi", "Nurhayati", "Muhammad", "Sitti", "Abdul", "Hasnah")
LAST = ("Santoso", "Aminah", "Rahman", "Daeng Ngalle", "Syamsuddin", "Hamzah", "Karaeng")


def make_app(folder: Path):
    from portal import create_app
    from portal.config import Config

    settings = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "STORAGE_DIR": str(folder / "storage"),
        "REDIS_URL": None,
        "PDF_PRELOAD": False,  # the job's process does not render; its render processes do
    }
    return create_app(type("BenchConfig", (Config,), settings))


def add_members(count: int, kelurahan_code: str, serial_start: int) -> None:
    from portal.extensions import db
    from portal.memberships.services import grant_membership
    from portal.models import CategorySetting, Person, Sex
    from portal.names import name_key
    from portal.nik import make_nik

    year = date.today().year
    setting = db.session.get(CategorySetting, (year, "kader"))
    for i in range(count):
        full_name = f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]}"
        born = date(1970 + i % 30, 1 + i % 12, 1 + i % 28)
        person = Person(
            nik=make_nik("737101", born, Sex.FEMALE, serial_start + i),
            full_name=full_name,
            name_key=name_key(full_name),
            birth_date=born,
            sex=Sex.FEMALE,
            kelurahan_code=kelurahan_code,
            rw=1 + i % 9,
            rt=1 + i % 5,
            category_code="kader",
        )
        db.session.add(person)
        grant_membership(person, setting, date(year, 1, 1))
    db.session.commit()


def rss_tree_kb(root: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        try:
            with open(f"/proc/{pid}/status") as status:
                total += next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as children:
                    pending.extend(int(child) for child in children.read().split())
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
    return total


class PeakMemory:
    """Samples the process tree's resident memory in a thread while the block runs."""

    def __enter__(self):
        self.peak_kb, self._running = 0, True
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while self._running:
            self.peak_kb = max(self.peak_kb, rss_tree_kb(os.getpid()))
            time.sleep(0.05)

    def __exit__(self, *exc):
        self._running = False
        self._thread.join()


def bench_batch(app, size: int, index: int) -> dict:
    from portal import storage
    from portal.certificates import jobs
    from portal.extensions import db
    from portal.models import PrintDocument, PrintJob

    kelurahan_code = BATCH_KELURAHAN[index % len(BATCH_KELURAHAN)]
    add_members(size, kelurahan_code, 1000 + 2000 * index)
    job = PrintJob(document=PrintDocument.CARD, kelurahan_code=kelurahan_code)
    db.session.add(job)
    db.session.commit()
    job_id = job.id
    own_before, children_before = cpu_seconds()
    with PeakMemory() as memory:
        start = time.perf_counter()
        jobs.run_print_job(job_id)
        seconds = time.perf_counter() - start
    own, children = cpu_seconds()
    own, children = own - own_before, children - children_before
    db.session.expire_all()
    job = db.session.get(PrintJob, job_id)
    assert job.status.value == "done", job.error
    megabytes = storage.info(jobs.output_key(job)).size / 1e6
    print(
        f"batch of {size} cards ({app.config['PRINT_RENDER_PROCESSES']} render processes, "
        f"chunks of {app.config['PRINT_CHUNK_SIZE']}): {seconds:.1f} s, "
        f"peak {memory.peak_kb / 1024:.0f} MB across processes, PDF {megabytes:.1f} MB; "
        f"CPU {own + children:.1f} s in all (job process {own:.1f} s, render processes "
        f"{children:.1f} s; on an idle 2-core machine the wall time is about half); "
        f"{load_average()}",
        flush=True,
    )
    return {
        "label": f"{size:,} cards",
        "cards": size,
        "wall": seconds,
        "cpu": own + children,
        "cpu_job": own,
        "cpu_render": children,
        "peak": memory.peak_kb / 1024,
        "pdf": megabytes,
        "load": round(os.getloadavg()[0], 2),
    }


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def cpu_seconds() -> tuple[float, float]:
    """CPU time of this process and of its finished children (the render processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def median_ms(render, repeats: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of `render`, after a warm-up."""
    render()  # warm-up: imports, fonts, stylesheet
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        render()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def bench_single_documents(repeats: int) -> list[dict]:
    from portal.certificates import services
    from portal.extensions import db
    from portal.models import Membership, Person
    from portal.pdf import render_pdf

    add_members(1, LETTE, 1)
    membership = db.session.scalar(
        db.select(Membership).join(Membership.person).where(Person.kelurahan_code == LETTE)
    )
    certificate = services.ensure_certificate(membership, None)
    db.session.commit()
    facts = [services.document_facts(certificate)]
    rows = []
    for label, template in (("card (front + back)", "card"), ("A4 certificate", "certificate")):
        wall, cpu = median_ms(
            lambda: render_pdf(f"certificates/pdf/{template}.html", stylesheet=services.PRINT_STYLESHEET, documents=facts),
            repeats,
        )
        print(
            f"one {label}, warm: median {wall:.0f} ms (CPU {cpu:.0f} ms) over {repeats}; {load_average()}",
            flush=True,
        )
        rows.append({"label": f"one {label}", "document": template, "wall": wall, "cpu": cpu})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", default="250,1000,2000", help="batch sizes, comma-separated")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from portal.extensions import db
    from portal.seed.reference import seed_reference

    sizes = [int(size) for size in args.cards.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-printing-") as folder:
        app = make_app(Path(folder))
        with app.app_context():
            upgrade()
            seed_reference()
            db.session.commit()
            run = BenchmarkRun(
                "printing",
                dataset={
                    "description": f"a throwaway SQLite database; batches of {', '.join(f'{n:,}' for n in sizes)} cards, "
                    "each batch a kelurahan of its own with one member per card",
                    "database": "sqlite",
                    "batches": sizes,
                },
                method=f"the batch job function as an RQ worker runs it, {app.config['PRINT_RENDER_PROCESSES']} render "
                f"processes, chunks of {app.config['PRINT_CHUNK_SIZE']} cards; CPU summed over the job's process and its "
                f"render processes, peak memory of all of them sampled every 50 ms; single documents: median of "
                f"{args.repeats} warm renders",
            )
            batches = [bench_batch(app, size, index) for index, size in enumerate(sizes)]
            singles = bench_single_documents(args.repeats)
        record_results(run, batches, singles)


def record_results(run: BenchmarkRun, batches: list[dict], singles: list[dict]) -> None:
    """Per-batch and single-document figures, and the verdicts on issue 5's targets."""
    run.table(
        "Batches of cards",
        "batch",
        [
            ("wall", "wall", "s", 1),
            ("cpu", "CPU, all processes", "s", 1),
            ("peak", "peak memory, all processes", "MB", 0),
            ("pdf", "PDF", "MB", 1),
            ("load", "load average (1 min) after", "", 2),
        ],
        batches,
    )
    run.table("Single documents, warm", "document", [("wall", "median wall", "ms", 0), ("cpu", "median CPU", "ms", 0)], singles)
    medians = {row["document"]: row["wall"] for row in singles}
    run.verdict(
        "single_document",
        {"card, median": medians.get("card"), "certificate, median": medians.get("certificate")},
        f"{medians['card']:.0f} ms / {medians['certificate']:.0f} ms",
    )
    # The target is stated for 1,000 cards; a run without that batch is judged on its largest.
    batch = next((b for b in batches if b["cards"] == 1000), max(batches, key=lambda b: b["cards"]))
    smallest, largest = min(batches, key=lambda b: b["cards"]), max(batches, key=lambda b: b["cards"])
    growth = None
    if largest["cards"] >= 2 * smallest["cards"]:  # flatness needs sizes far enough apart
        growth = (largest["peak"] - smallest["peak"]) / smallest["peak"] * 100
    others = ", ".join(f"{b['cards']:,}: {b['peak']:.0f} MB" for b in batches if b is not batch)
    run.verdict(
        "batch",
        {"1,000 cards, wall": batch["wall"], "1,000 cards, peak memory": batch["peak"], "peak memory growth, smallest to largest batch": growth},
        f"{batch['cards']:,} cards: {batch['wall']:.1f} s, {batch['peak']:.0f} MB" + (f" ({others})" if others else ""),
        scale={"cards": batch["cards"]},
    )
    if growth is None:
        run.note("Memory flatness not judged: it needs batches at least twice apart in size.")
    else:
        run.note(f"Peak memory grew {growth:.0f} % from {smallest['cards']:,} to {largest['cards']:,} cards.")
    run.write()


if __name__ == "__main__":
    main()
