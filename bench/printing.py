"""Printing benchmark: one warm card, one warm certificate, and a batch of cards.

Runs against a throw-away SQLite database in a temporary folder:

    .venv/bin/python bench/printing.py                 # 1,000-card batch
    .venv/bin/python bench/printing.py --cards 250,1000  # memory should stay flat

Prints medians in milliseconds for single documents and, for each batch, the wall time and
the peak resident memory summed over the job's process and its render processes (sampled
from /proc every 50 ms). Targets (issue 5): <= 150 ms per document, 1,000 cards <= 20 s
and <= 400 MB.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402

from portal import create_app  # noqa: E402
from portal.certificates import jobs, services  # noqa: E402
from portal.config import Config  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.memberships.services import grant_membership  # noqa: E402
from portal.models import CategorySetting, Membership, Person, PrintDocument, PrintJob, Sex  # noqa: E402
from portal.names import name_key  # noqa: E402
from portal.nik import make_nik  # noqa: E402
from portal.pdf import render_pdf  # noqa: E402
from portal.seed.reference import seed_reference  # noqa: E402

LETTE = "7371011004"
FIRST = ("Budi", "Siti", "Andi", "Nurhayati", "Muhammad", "Sitti", "Abdul", "Hasnah")
LAST = ("Santoso", "Aminah", "Rahman", "Daeng Ngalle", "Syamsuddin", "Hamzah", "Karaeng")


def make_app(folder: Path):
    settings = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "PRINT_OUTPUT_DIR": str(folder / "prints"),
        "REDIS_URL": None,
        "PDF_PRELOAD": False,
    }
    return create_app(type("BenchConfig", (Config,), settings))


def add_members(count: int, kelurahan_code: str, serial_start: int) -> None:
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


def median_ms(render, repeats: int) -> float:
    render()  # warm-up: imports, fonts, stylesheet
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        render()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


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
    """Samples the process tree's RSS in a thread while the block runs."""

    def __enter__(self):
        self.peak, self._running = 0, True
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while self._running:
            self.peak = max(self.peak, rss_tree_kb(os.getpid()))
            time.sleep(0.05)

    def __exit__(self, *exc):
        self._running = False
        self._thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", default="1000", help="batch sizes, comma-separated")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    sizes = [int(size) for size in args.cards.split(",")]

    with tempfile.TemporaryDirectory(prefix="bench-printing-") as folder:
        app = make_app(Path(folder))
        with app.app_context():
            upgrade()
            seed_reference()
            db.session.commit()
            add_members(1, LETTE, 1)
            membership = db.session.scalar(db.select(Membership))
            certificate = services.ensure_certificate(membership, None)
            db.session.commit()
            facts = [services.document_facts(certificate)]

            card = median_ms(lambda: render_pdf("certificates/pdf/card.html", stylesheet=services.PRINT_STYLESHEET, documents=facts), args.repeats)
            cert = median_ms(lambda: render_pdf("certificates/pdf/certificate.html", stylesheet=services.PRINT_STYLESHEET, documents=facts), args.repeats)
            print(f"one card (front + back), warm: median {card:.0f} ms over {args.repeats}")
            print(f"one A4 certificate, warm:      median {cert:.0f} ms over {args.repeats}")

            kelurahan = ("7371011001", "7371011002", "7371011003", "7371011005", "7371011006")
            for index, size in enumerate(sizes):
                code = kelurahan[index % len(kelurahan)]
                add_members(size, code, 1000 + 2000 * index)
                job = PrintJob(document=PrintDocument.CARD, kelurahan_code=code)
                db.session.add(job)
                db.session.commit()
                job_id = job.id
                with PeakMemory() as memory:
                    start = time.perf_counter()
                    jobs.run_print_job(job_id)
                    seconds = time.perf_counter() - start
                db.session.expire_all()
                job = db.session.get(PrintJob, job_id)
                assert job.status.value == "done", job.error
                size_mb = jobs.output_path(job).stat().st_size / 1e6
                print(
                    f"batch of {size} cards ({app.config['PRINT_RENDER_PROCESSES']} processes, "
                    f"chunks of {app.config['PRINT_CHUNK_SIZE']}): {seconds:.1f} s, "
                    f"peak {memory.peak / 1024:.0f} MB across processes, PDF {size_mb:.1f} MB"
                )


if __name__ == "__main__":
    main()
