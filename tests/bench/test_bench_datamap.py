"""Issue 3: the data map at scale, for the heavy subject (50,000 of 1,000,000 messages).

Each side of each figure runs in its own fresh process (tests/bench/cs_run.py) against the
database `cs_db` seeded once per session, SQLite and, when reachable, PostgreSQL:

- discovery (connectors.discover) vs ONE hand-written SELECT of the same rows' ids;
- the complete access answer as the package job makes it (jobs.run_job: discovery,
  retention, the register extract PDF, the ZIP) vs hand-written SELECTs of the same rows
  written with the csv module plus a plain WeasyPrint render of the same extract's HTML
  (and, as further references, the SELECTs alone and the SELECTs with the CSVs);
- erasure, every table in erasure_order through erase_table (one transaction per table),
  vs hand-written DELETE/UPDATE statements for the same rows in one transaction; each run
  on a fresh copy of the database, so nothing else sees an erased subject.

Values are medians of the timed runs; `first_s` is the first run of the fresh process, which
also pays one-time costs (the package's README resolves a URL, which imports the URLconf
and every view module), and so does peak_rss_mb: as a worker's first job would.
Only sanity is asserted: both sides find, write or erase the same rows.
"""

from __future__ import annotations

import pytest

from dsar.demo.personas import DEMO_NUMBERS
from tests.bench.cs_run import spawn
from tests.bench.report import emit, median

pytestmark = pytest.mark.timeout(1800)

HEAVY = DEMO_NUMBERS["heavy"]
# peak_rss_mb: peak RSS (VmHWM) over the timed runs of a fresh process that runs this side
# alone, the whole process; rss_growth_mb: that peak minus the RSS before the runs;
# py_peak_mb: tracemalloc's peak of Python allocations in one more, untimed run.
MEMORY = "peak_rss=VmHWM of a fresh process over the timed runs; py_peak=tracemalloc, one extra run"


def _memory(measured: dict, reference: dict) -> dict:
    return {
        "peak_rss_mb": measured["peak_rss_mb"],
        "rss_growth_mb": measured["peak_rss_mb"] - measured["rss_before_mb"],
        "py_peak_mb": measured["py_peak_mb"],
        "reference_peak_rss_mb": reference["peak_rss_mb"],
        "reference_py_peak_mb": reference["py_peak_mb"],
        "memory": MEMORY,
    }


def _run(cs_db, bench_dir, task: str, side: str, repeat: int) -> dict:
    return spawn(task, side, url=cs_db["url"], var_dir=bench_dir, number=HEAVY, repeat=repeat)


def test_discover_heavy_subject(cs_db, bench_dir):
    measured = _run(cs_db, bench_dir, "discover", "measured", repeat=7)
    reference = _run(cs_db, bench_dir, "discover", "raw_sql", repeat=7)
    # The same rows: per table the same count and the same digest of the sorted ids.
    assert measured["ids"] == reference["ids"]
    rows = sum(count for count, _digest in measured["ids"].values())
    assert measured["ids"]["messages"][0] >= min(50_000, cs_db["counts"]["messages"] // 20)
    emit(
        "discover_heavy_subject",
        db=cs_db["db"],
        value=median(measured["times"]),
        unit="s",
        reference="raw_sql_same_rows",
        reference_value=median(reference["times"]),
        rows=rows,
        runs=len(measured["times"]),
        first_s=measured["times"][0],
        **_memory(measured, reference),
        scale=cs_db["scale"],
    )


def test_access_answer_heavy_subject(cs_db, bench_dir):
    """Issue 9: the complete answer (discovery, the register extract, the ZIP) as the package
    job makes it, against the same rows by hand-written SQL written with the csv module plus
    a plain WeasyPrint render of the same extract. Goal: at most 1.5x, under 1 s."""
    measured = _run(cs_db, bench_dir, "package", "measured", repeat=3)
    reference = _run(cs_db, bench_dir, "package", "raw_sql_csv_weasyprint", repeat=3)
    sql_only = _run(cs_db, bench_dir, "package", "raw_sql", repeat=3)
    with_csv = _run(cs_db, bench_dir, "package", "raw_sql_csv", repeat=3)
    # The package leaves out tables without rows; the SQL reports them as 0.
    assert measured["counts"] == {t: n for t, n in reference["counts"].items() if n}
    assert with_csv["counts"] == reference["counts"] == sql_only["counts"]
    value = median(measured["times"])
    emit(
        "access_answer_heavy_subject",
        db=cs_db["db"],
        value=value,
        unit="s",
        reference="raw_sql_csv_module_plus_plain_weasyprint_extract",
        reference_value=median(reference["times"]),
        reference2="raw_sql_plus_csv_module",
        reference2_value=median(with_csv["times"]),
        ratio2=round(value / median(with_csv["times"]), 2),
        reference3="raw_sql_same_rows_all_mapped_columns",
        reference3_value=median(sql_only["times"]),
        rows=sum(measured["counts"].values()),
        zip_bytes=measured["size"],
        files=measured["files"],
        extract_pdf_bytes_reference=reference["pdf_size"],
        runs=len(measured["times"]),
        first_s=measured["times"][0],
        **_memory(measured, reference),
        scale=cs_db["scale"],
    )


def test_erase_heavy_subject(cs_db, bench_dir):
    measured = _run(cs_db, bench_dir, "erase", "measured", repeat=3)
    reference = _run(cs_db, bench_dir, "erase", "raw_sql", repeat=3)
    planned = {t: n for t, n in measured["planned"].items() if n}
    # Every planned row deleted, anonymised or (payments, contacts) retained, on both sides.
    assert measured["done"] == planned
    assert {t: n for t, n in reference["done"].items() if n} == planned
    rows = sum(planned.values())
    value, reference_value = median(measured["times"]), median(reference["times"])
    emit(
        "erase_heavy_subject",
        db=cs_db["db"],
        value=value,
        unit="s",
        reference="raw_sql_same_rows_one_transaction",
        reference_value=reference_value,
        rows=rows,
        rows_per_s=rows / value,
        reference_rows_per_s=rows / reference_value,
        verify_s=median(measured["verify_times"]),
        runs=len(measured["times"]),
        first_s=measured["times"][0],
        **_memory(measured, reference),
        scale=cs_db["scale"],
    )
