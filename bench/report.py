"""Render docs/benchmarks.md from the result files the benchmarks wrote to bench/results/.

    .venv/bin/python bench/report.py [--results bench/results] [--output docs/benchmarks.md]

`make bench` runs every benchmark and then this; `make bench-report` only this. A
benchmark without a result file keeps its section and summary rows from the document being
replaced, marked as kept (so one benchmark can be rerun alone, its figures beside the
others' earlier ones, each section saying when it ran); with no earlier figures it is listed
as not run. The explanations beside the figures come from bench/notes/<benchmark>.md.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone
from pathlib import Path

from recording import BENCHMARKS, ROOT, Benchmark, results_dir

NOTES = ROOT / "bench" / "notes"
SYMBOLS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥"}

INTRODUCTION = """\
Written by `bench/report.py` from the result files in `bench/results/` (`make bench` runs
every benchmark and then the report; `make bench-report` renders it again from the files
there). Edit the scripts in `bench/` or the notes in `bench/notes/`, not this file. Each
issue's target sits beside its figure; the verdicts are computed by the scripts."""

NOISE = """\
The machine is noisy: 20-50 % between runs. Each run's load average is given; wall times
under load swing more than CPU times, which the scripts record as well."""

CEILINGS = (
    "see `../shared/PERFORMANCE.md` (bare Flask endpoint with one indexed look-up: ~4,200-4,600 "
    "req/s on SQLite; one WeasyPrint card ~47-68 ms)"
)

RERUN = """\
## How to rerun

```sh
apt-get install wrk                       # the status-check load generator
make bench                                # every benchmark, then this file (about 30 minutes)
.venv/bin/python bench/printing.py --cards 1000   # or one at a time; each script has --help
make bench-report                         # this file again from bench/results/*.json
```

Each script writes `bench/results/<benchmark>.json` (or into `$BENCH_RESULTS_DIR`): the
dataset, the method, every run's figures, the targets with their verdicts, the load average
at the start and end of the measurements, the machine and the versions."""


def load_results(folder: Path) -> dict[str, dict]:
    """Result files by benchmark name; an unreadable file becomes {"error": ...}."""
    results = {}
    for benchmark in BENCHMARKS:
        path = folder / f"{benchmark.name}.json"
        if not path.exists():
            continue
        try:
            results[benchmark.name] = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            results[benchmark.name] = {"error": f"{path.name} is unreadable: {error}"}
    return results


KEPT = "Kept from the previous report: this benchmark was not rerun with the others."


class Earlier:
    """The sections and summary rows of the document being replaced, by heading and subject."""

    def __init__(self, text: str = ""):
        self.sections: dict[str, str] = {}
        self.rows: dict[str, str] = {}
        for chunk in text.split("\n## ")[1:]:
            heading, _, body = chunk.partition("\n")
            if not body.strip().startswith("Not run"):  # only figures are worth keeping
                self.sections[heading] = "## " + chunk.strip()
        summary = self.sections.get("Summary", "")
        for line in summary.splitlines()[4:]:
            if line.startswith("| ") and not line.endswith("| not run | not run |"):
                self.rows[line.split(" | ", 1)[0][2:]] = line

    @classmethod
    def of(cls, path: Path) -> Earlier:
        return cls(path.read_text()) if path.exists() else cls()


def render(results: dict[str, dict], earlier: Earlier | None = None) -> str:
    """The whole of docs/benchmarks.md."""
    earlier = earlier or Earlier()
    runs = {name: result for name, result in results.items() if "error" not in result}
    kept = [b for b in BENCHMARKS if b.name not in results and f"{b.title} (`{b.script}`)" in earlier.sections]
    when = measured_when(runs)
    if kept:
        when += f" {len(kept)} section(s) marked as kept are from an earlier run; each says when it ran."
    parts = ["# Benchmarks", when + "\n\n" + INTRODUCTION]
    parts.append("## Machine and versions\n\n" + machine_table(runs) + "\n\n" + NOISE)
    parts.append("## Summary\n\n" + summary_table(results, earlier))
    parts += [section(benchmark, results.get(benchmark.name), earlier) for benchmark in BENCHMARKS]
    parts.append(RERUN)
    return "\n\n".join(parts) + "\n"


def measured_when(runs: dict[str, dict]) -> str:
    days = sorted({result["started_at"][:10] for result in runs.values()})
    if not days:
        return "No benchmark has run yet."
    if len(days) == 1:
        return f"Figures measured on {days[0]}."
    return f"Figures measured from {days[0]} to {days[-1]}."


def machine_table(runs: dict[str, dict]) -> str:
    machines = {name: result.get("machine", {}) for name, result in runs.items()}
    versions = {name: result.get("versions", {}) for name, result in runs.items()}

    def cpu(facts: dict) -> str:
        virtual = " (virtual)" if facts.get("virtual") else ""
        return f"{facts.get('cores')} × {facts.get('cpu')}{virtual}"

    rows = [
        ("CPU", agreed({name: cpu(facts) for name, facts in machines.items() if facts})),
        ("memory", agreed({name: f"{facts['memory_gb']:g} GB" for name, facts in machines.items() if facts.get("memory_gb")})),
        ("OS", agreed({name: facts.get("os") for name, facts in machines.items()})),
        ("kernel", agreed({name: facts.get("kernel") for name, facts in machines.items()})),
    ]
    names = []
    for facts in versions.values():
        names += [key for key in facts if key not in names]
    rows += [(name, agreed({bench: facts.get(name) for bench, facts in versions.items()})) for name in names]
    rows.append(("ceilings", CEILINGS))
    return "\n".join(["| | |", "| --- | --- |", *(f"| {cell(key)} | {cell(value)} |" for key, value in rows)])


def agreed(values: dict[str, str | None]) -> str:
    """One value when every run agrees, else each value with the benchmarks that saw it."""
    seen: dict[str, list[str]] = {}
    for benchmark, value in values.items():
        if value is not None:
            seen.setdefault(str(value), []).append(benchmark)
    if not seen:
        return "unknown"
    if len(seen) == 1:
        return next(iter(seen))
    return "; ".join(f"{value} ({', '.join(benchmarks)})" for value, benchmarks in seen.items())


def summary_table(results: dict[str, dict], earlier: Earlier) -> str:
    lines = ["| issue | target | measured (median) | met |", "| --- | --- | --- | --- |"]
    for benchmark in BENCHMARKS:
        result = results.get(benchmark.name)
        verdicts = {} if result is None or "error" in result else {v["key"]: v for v in result.get("targets", [])}
        for target in benchmark.targets:
            verdict = verdicts.get(target.key)
            subject = f"{target.issue} {target.subject}"
            if verdict is None and result is None and subject in earlier.rows:
                lines.append(earlier.rows[subject])
            elif verdict is None:
                lines.append(f"| {cell(subject)} | {cell(target.text)} | not run | not run |")
            else:
                lines.append(f"| {cell(subject)} | {cell(verdict['target'])} | {cell(verdict['measured'])} | {cell(verdict_text(verdict))} |")
    return "\n".join(lines)


def verdict_text(verdict: dict) -> str:
    if verdict["met"] is None:
        text = "not judged"
    elif verdict["met"]:
        text = "yes, without margin" if any(check.get("without_margin") for check in verdict["checks"]) else "yes"
    else:
        text = "**no**"
    if verdict.get("below_scale"):
        text += f" (small run: {'; '.join(verdict['below_scale'])})"
    return text


def section(benchmark: Benchmark, result: dict | None, earlier: Earlier) -> str:
    heading = f"{benchmark.title} (`{benchmark.script}`)"
    kept = earlier.sections.get(heading)
    if result is None and kept:
        body = kept.split("\n", 1)[1].strip() if "\n" in kept else ""
        body = body.removeprefix(KEPT).strip()
        return f"## {heading}\n\n{KEPT}\n\n{body}"
    parts = [f"## {heading}"]
    if result is None:
        parts.append(f"Not run: there is no `bench/results/{benchmark.name}.json`.")
    elif "error" in result:
        parts.append(f"Not run: {result['error']}.")
    else:
        parts += run_details(result)
    if benchmark.ceiling:
        parts.append(f"Ceiling on this machine kind (`../shared/PERFORMANCE.md`): {benchmark.ceiling}.")
    notes = NOTES / f"{benchmark.name}.md"
    if notes.exists():
        parts.append(notes.read_text().strip())
    return "\n\n".join(parts)


def run_details(result: dict) -> list[str]:
    started = datetime.fromisoformat(result["started_at"]).astimezone(timezone.utc)
    load = result.get("load_average", {})
    parts = [
        f"Run on {started:%Y-%m-%d %H:%M} UTC (`{' '.join(result.get('command', []))}`), "
        f"{result.get('duration_seconds', 0):,.0f} s of measurements; load average (1, 5, 15 min) "
        f"{triple(load.get('start'))} at the start, {triple(load.get('end'))} at the end.",
        f"**Dataset.** {sentence(result['dataset'].get('description', ''))}",
        f"**Method.** {sentence(result.get('method', ''))}",
    ]
    parts += [table(t) for t in result.get("tables", [])]
    targets = [target_line(verdict) for verdict in result.get("targets", [])]
    if targets:
        parts.append("**Targets.**\n\n" + "\n".join(targets))
    if result.get("notes"):
        parts.append("\n".join(f"- {note}" for note in result["notes"]))
    return parts


def sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".") if text else "not recorded."


def triple(values: list[float] | None) -> str:
    return " ".join(f"{value:.2f}" for value in values) if values else "unknown"


def table(data: dict) -> str:
    columns = data["columns"]
    lines = [
        f"**{data['title']}**",
        "",
        "| " + " | ".join(cell(text) for text in [data.get("label", ""), *(c["heading"] for c in columns)]) + " |",
        "| " + " | ".join(["---"] * (len(columns) + 1)) + " |",
    ]
    rows = list(data["rows"]) + ([data["summary"]] if data.get("summary") else [])
    for row in rows:
        values = [quantity(row.get(c["key"]), c["unit"], c["digits"]) for c in columns]
        lines.append("| " + " | ".join(cell(text) for text in [str(row.get("label", "")), *values]) + " |")
    return "\n".join(lines)


def quantity(value, unit: str, digits: int | None = None) -> str:
    """A number (or a / b) with its unit; – when not measured."""
    if value is None:
        return "–"
    numbers = value if isinstance(value, list) else [value]
    text = " / ".join(number(n, digits) for n in numbers)
    return f"{text} {unit}" if unit else text


def number(value: float, digits: int | None = None) -> str:
    if digits is None:  # enough digits to compare a figure with its limit
        digits = 0 if abs(value) >= 100 or float(value).is_integer() else 1 if abs(value) >= 10 else 2
    return f"{value:,.{digits}f}"


def target_line(verdict: dict) -> str:
    checks = "; ".join(
        f"{check['metric']} {quantity(check['value'], check['unit'])} (limit {SYMBOLS[check['op']]} {quantity(check['limit'], check['unit'])})"
        for check in verdict["checks"]
    )
    return (
        f"- Issue {verdict['issue']}, {verdict['subject']}: {verdict['target']}. "
        f"Measured {verdict['measured']}: {verdict_text(verdict)}. {checks[:1].upper()}{checks[1:]}."
    )


def cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=results_dir(), help="folder of <benchmark>.json files")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    args.output.write_text(render(load_results(args.results), Earlier.of(args.output)))
    print(f"{args.output} written")


if __name__ == "__main__":
    main()
