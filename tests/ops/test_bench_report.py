"""docs/benchmarks.md rendered by bench/report.py from result files (no benchmark runs here)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture
def recording(tmp_path, monkeypatch):
    """bench/recording.py, writing its result files into this test's folder."""
    monkeypatch.setenv("BENCH_RESULTS_DIR", str(tmp_path / "results"))
    spec = importlib.util.spec_from_file_location("recording", BENCH / "recording.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "recording", module)  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def write_list_import(recording, *, persons=200_000, rows=50_000, wall=9.2, peak=204.0, upload_ms=420.0):
    run = recording.BenchmarkRun(
        "list_import",
        dataset={"description": "sample", "database": "postgresql", "persons": persons, "rows": rows, "upload_rows": 300},
        method="sample method",
    )
    run.table("CLI dry run", "run", [("wall", "wall", "s", 2), ("peak", "peak memory", "MB", 0)],
              [{"label": "1", "wall": wall, "peak": peak}], {"label": "median", "wall": wall, "peak": peak})
    run.verdict("cli_dry_run", {"median wall time": wall, "peak memory of the highest run": peak}, f"{wall:.2f} s, {peak:.0f} MB")
    run.verdict("upload", {"median server time": upload_ms}, f"{upload_ms:.0f} ms")
    run.write()


def write_status_check(recording, *, ratio, p95):
    run = recording.BenchmarkRun(
        "status_check",
        dataset={"description": "sample", "database": "postgresql", "persons": 200_000},
        method="sample method",
    )
    run.table("Medians of the rounds", "endpoint", [("rps", "req/s", "", 0), ("p95", "p95", "ms", 1)],
              [{"label": "bare", "rps": 1568.0, "p95": 14.2}, {"label": "status", "rps": 1568.0 * ratio, "p95": p95}])
    run.verdict("status_check", {"status / bare throughput": ratio, "status p95": p95}, f"{ratio:.2f} of bare, p95 {p95:.0f} ms")
    run.write()


def render(tmp_path) -> str:
    output = tmp_path / "benchmarks.md"
    subprocess.run(
        [sys.executable, str(BENCH / "report.py"), "--results", str(tmp_path / "results"), "--output", str(output)],
        check=True, capture_output=True, text=True, timeout=60,
    )
    return output.read_text()


def summary_rows(report: str) -> dict[str, list[str]]:
    """The summary table's rows by their first cell ("3 list import")."""
    table = report.split("## Summary", 1)[1].split("\n## ", 1)[0]
    rows = [line.strip("|").split(" | ") for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    return {row[0].strip(): [cell.strip() for cell in row[1:]] for row in rows[1:]}


def test_summary_has_a_row_per_target_with_the_measured_median_and_verdict(recording, tmp_path):
    write_list_import(recording)
    rows = summary_rows(render(tmp_path))
    assert rows["3 list import"] == [
        "50,000-row XLSX, CLI dry run, 200,000 persons (PostgreSQL): ≤ 10 s, ≤ 300 MB", "9.20 s, 204 MB", "yes"
    ]
    assert rows["3 upload"][1:] == ["420 ms", "yes"]
    assert list(rows) == [
        "3 list import", "3 upload", "14 hostile spreadsheets", "4 review queue", "4 bulk approval", "18 entry page", "5 one card / certificate", "5 batch",
        "6 status check", "16 status check, tolerant names", "21 hospital look-up page", "21 hospital look-up API",
        "7 dashboard and /stats", "10 synthetic city", "19 renewal dry run", "19 renewal run",
        "23 notification queuing", "23 notification sending", "19 budget check", "21 case list", "22 request form and tracking", "18 bulk accounts", "18 institutional import (web)", "20 monthly statement",
        "20 bill reconciliation",
    ]


def test_the_entry_page_benchmark_has_its_own_summary_row_and_verdict(recording, tmp_path):
    run = recording.BenchmarkRun(
        "entry_page",
        dataset={"description": "sample", "database": "postgresql", "persons": 200_000, "entries": 2000},
        method="sample method",
    )
    run.table("Entry page", "page", [("p95", "p95", "ms", 0)], [{"label": "entry page", "p95": 41.0}])
    run.verdict("entry_page", {"p95": 41.0}, "p95 41 ms (median 30 ms)")
    run.write()
    rows = summary_rows(render(tmp_path))
    assert rows["18 entry page"] == [
        "the entry page with duplicates, 200,000 persons: p95 < 100 ms", "p95 41 ms (median 30 ms)", "yes"
    ]


def test_a_benchmark_without_a_result_file_is_listed_as_not_run(recording, tmp_path):
    write_list_import(recording)
    report = render(tmp_path)
    rows = summary_rows(report)
    assert rows["7 dashboard and /stats"] == ["< 300 ms server time at 200,000 members", "not run", "not run"]
    assert "Not run: there is no `bench/results/dashboard.json`." in report
    # Its explanation is still there: the notes are part of the report, not of the results.
    assert '"job" is a request served from the per-year counts' in report


def test_nothing_run_at_all_still_renders_a_report(tmp_path):
    report = render(tmp_path)
    assert "No benchmark has run yet." in report
    assert all(row[1:] == ["not run", "not run"] for row in summary_rows(report).values())


def test_a_missed_target_is_reported_as_not_met_with_the_check_that_failed(recording, tmp_path):
    write_status_check(recording, ratio=0.22, p95=64.0)
    report = render(tmp_path)
    assert summary_rows(report)["6 status check"][1:] == ["0.22 of bare, p95 64 ms", "**no**"]
    assert "Status / bare throughput 0.22 (limit ≥ 0.33); status p95 64 ms (limit < 25 ms)." in report
    verdict = json.loads((tmp_path / "results" / "status_check.json").read_text())["targets"][0]
    assert verdict["met"] is False
    assert [check["met"] for check in verdict["checks"]] == [False, False]


def test_a_target_met_within_five_percent_of_its_limit_is_met_without_margin(recording, tmp_path):
    write_list_import(recording, wall=9.97)
    assert summary_rows(render(tmp_path))["3 list import"][2] == "yes, without margin"


def test_a_run_smaller_than_the_issues_dataset_says_so_beside_its_verdict(recording, tmp_path):
    write_list_import(recording, persons=20_000, rows=5_000, wall=1.1)
    verdict = summary_rows(render(tmp_path))["3 list import"][2]
    assert verdict == "yes (small run: persons 20,000 of 200,000; rows 5,000 of 50,000)"


def test_a_section_shows_the_run_with_its_load_average_dataset_and_figures(recording, tmp_path):
    write_list_import(recording)
    section = render(tmp_path).split("## Issue 3: member-list intake (`bench/list_import.py`)", 1)[1].split("\n## ", 1)[0]
    assert "load average (1, 5, 15 min)" in section and "at the start" in section and "at the end" in section
    assert "**Dataset.** Sample." in section and "**Method.** Sample method." in section
    assert "| run | wall | peak memory |" in section and "| median | 9.20 s | 204 MB |" in section
    assert "without `ANALYZE`" in section  # bench/notes/list_import.md


def test_an_unreadable_result_file_is_listed_as_not_run(recording, tmp_path):
    write_list_import(recording)
    (tmp_path / "results" / "printing.json").write_text("{ half a file")
    report = render(tmp_path)
    assert summary_rows(report)["5 batch"][1:] == ["not run", "not run"]
    assert "Not run: printing.json is unreadable" in report
    assert summary_rows(report)["3 list import"][2] == "yes"


def test_the_machine_and_versions_come_from_the_result_files(recording, tmp_path):
    write_list_import(recording)
    report = render(tmp_path)
    facts = json.loads((tmp_path / "results" / "list_import.json").read_text())
    machine = report.split("## Machine and versions", 1)[1].split("\n## ", 1)[0]
    assert f"| Python | {facts['versions']['Python']} |" in machine
    assert f"| kernel | {facts['machine']['kernel']} |" in machine
    assert facts["machine"]["cores"] and facts["load_average"]["start"] and facts["load_average"]["end"]


def test_a_benchmark_rerun_alone_keeps_the_others_earlier_sections_and_rows(recording, tmp_path):
    write_list_import(recording)
    write_status_check(recording, ratio=0.34, p95=29.0)
    assert summary_rows(render(tmp_path))["3 list import"][1:] == ["9.20 s, 204 MB", "yes"]
    # Only the status check is run again: the list import keeps its figures, marked as kept.
    (tmp_path / "results" / "list_import.json").unlink()
    write_status_check(recording, ratio=0.45, p95=21.0)
    report = render(tmp_path)
    rows = summary_rows(report)
    assert rows["3 list import"][1:] == ["9.20 s, 204 MB", "yes"]
    assert rows["6 status check"][1:] == ["0.45 of bare, p95 21 ms", "yes"]
    kept = report.split("## Issue 3: member-list intake", 1)[1].split("\n## ", 1)[0]
    assert "Kept from the previous report" in kept and "9.20" in kept
    assert "Kept from the previous report" not in report.split("## Issues 6 and 16", 1)[1].split("\n## ", 1)[0]
    # Kept twice is still marked once; a benchmark never run stays "not run".
    report = render(tmp_path)
    assert report.count("Kept from the previous report") == 1
    assert summary_rows(report)["7 dashboard and /stats"][1:] == ["not run", "not run"]
