"""One data-map benchmark in a fresh process: `python -m tests.bench.cs_run TASK SIDE`.

Run by tests/bench/test_bench_datamap.py, one process per task and side, so that the peak
resident memory (ru_maxrss, which only ever grows within a process) belongs to that one
figure. The customer-service alias comes from CUSTOMER_SERVICE_DATABASE_URL (an SQLite
file or a PostgreSQL database). Prints ONE JSON object on its last stdout line.

TASK   discover | package | erase | seed
SIDE   measured  the portal's code (dsar.connectors, dsar.exports, dsar.erasure)
       raw_sql   hand-written SQL for the same rows
       raw_sql_csv  (package only) the same SQL plus the CSVs written with the csv module

Memory: `rss_before_mb` is the resident memory just before the first timed run (VmRSS),
`peak_rss_mb` the peak over the timed runs (VmHWM, reset just before them; the whole
process: interpreter, Django, driver and the work); `py_peak_mb` is tracemalloc's peak of
Python allocations in one further, untimed run.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import hmac
import json
import os
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from contextlib import contextmanager
from pathlib import Path

TABLES = (
    "contact_numbers",
    "contacts",
    "conversations",
    "messages",
    "channel_consents",
    "marketing_list_members",
    "call_recordings",
    "payments",
)


def _status_mb(key: str) -> float | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _rss_mb() -> float:
    """The resident memory now (Linux); elsewhere the peak so far."""
    now = _status_mb("VmRSS")
    return now if now is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _peak_mb() -> float:
    """The peak resident memory of this process since start or `_reset_peak()`.

    VmHWM, not ru_maxrss: a child's ru_maxrss starts at its parent's RSS at fork (about
    100 MB under pytest) and so hides anything smaller.
    """
    peak = _status_mb("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> None:
    # Linux: "5" resets the peak RSS (VmHWM) to the current RSS.
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.conf import settings

    # tests.settings runs with DEBUG on; production does not, and a debug cursor records
    # every statement. Off, as under pytest-django.
    settings.DEBUG = False


# --- the hand-written SQL -------------------------------------------------------------


def _stripped(column: str) -> str:
    """The stored number without separators, as a person would write it in SQL."""
    expression = column
    for separator in (" ", "-", ".", "(", ")", "/"):
        expression = f"REPLACE({expression}, '{separator}', '')"
    return expression


def _forms(number: str) -> list[str]:
    # The ways the number may be written (E.164, 0031..., 06...): the SQL below is
    # hand-written, the list of forms comes from the portal's pure helper.
    from dsar.connectors import number_match_values

    return list(number_match_values(number, region="NL"))


def _in(values: list) -> str:
    return "(" + ", ".join(["%s"] * len(values)) + ")"


# Per table: its mapped columns and the WHERE clause that finds the subject's rows.
# `{match:column}` is the number match on that column; `{subject}` stands for the subject's
# contact ids. Semi-joins (IN subqueries), not plain JOINs: without statistics SQLite plans
#   messages JOIN conversations JOIN contact_numbers ... ORDER BY messages.id
# as a scan of every message in id order (about 2 s at 1,000,000 messages), and nobody who
# writes this SQL by hand would keep that plan.
PACKAGE_SQL = {
    "contact_numbers": ("number, channel, is_primary", "{match:number}"),
    "contacts": (
        "customer_no, full_name, email, postal_code, date_of_birth, locale, "
        "contract_start, contract_end, created_at",
        "id IN {subject}",
    ),
    "conversations": (
        "channel, started_at, closed_at, topic, agent_name",
        "contact_id IN {subject}",
    ),
    "messages": (
        "sent_at, direction, body, status",
        "conversation_id IN (SELECT id FROM conversations WHERE contact_id IN {subject})",
    ),
    "channel_consents": (
        "number, channel, scope, given_at, withdrawn_at, evidence",
        "{match:number}",
    ),
    "marketing_list_members": ("list_name, joined_at, source", "contact_id IN {subject}"),
    "call_recordings": (
        "caller_number, started_at, duration_s, recording_uri, agent_name",
        "{match:caller_number}",
    ),
    "payments": (
        "paid_at, amount_cents, currency, iban_masked, reference",
        "contact_id IN {subject}",
    ),
}


def _where(template: str, forms: list[str], subject: tuple[str, list]) -> tuple[str, list]:
    """Expand a WHERE template; `subject` is the SQL (and parameters) of the contact ids."""
    if "{subject}" in template:
        return template.replace("{subject}", subject[0]), list(subject[1])
    column = template.removeprefix("{match:").removesuffix("}")
    return f"{_stripped(column)} IN {_in(forms)}", list(forms)


def raw_discover(connection, number: str) -> dict[str, list[int]]:
    """Every table's row ids for the number in ONE statement: the subject's contacts once
    (a materialised CTE), then a UNION ALL of one lookup per table."""
    forms = _forms(number)
    head = (
        "WITH subject AS MATERIALIZED (SELECT contact_id FROM contact_numbers "  # noqa: S608
        f"WHERE {_stripped('number')} IN {_in(forms)}) "
    )
    parts, params = [], list(forms)
    for table, (_columns, template) in PACKAGE_SQL.items():
        where, more = _where(template, forms, ("(SELECT contact_id FROM subject)", []))
        parts.append(f"SELECT '{table}', id FROM {table} WHERE {where}")  # noqa: S608
        params += more
    ids: dict[str, list[int]] = {t: [] for t in TABLES}
    with connection.cursor() as cursor:
        cursor.execute(head + " UNION ALL ".join(parts), params)
        for table, row_id in cursor.fetchall():
            ids[table].append(row_id)
    return {t: sorted(v) for t, v in ids.items()}


def raw_package(connection, number: str, folder: Path | None) -> dict[str, int]:
    """The subject's contact ids first, then each table's rows with all mapped columns,
    ordered by id, one statement per table. With `folder`, each table's rows also go to a
    CSV there, written with the csv module (no JSON, no ZIP, no cell neutralising)."""
    forms = _forms(number)
    counts = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT contact_id FROM contact_numbers "  # noqa: S608
            f"WHERE {_stripped('number')} IN {_in(forms)}",
            forms,
        )
        contacts = [row[0] for row in cursor.fetchall()]
        subject = (_in(contacts), contacts)
        for table, (columns, template) in PACKAGE_SQL.items():
            where, params = _where(template, forms, subject)
            cursor.execute(
                f"SELECT id, {columns} FROM {table} WHERE {where} ORDER BY id",  # noqa: S608
                params,
            )
            count = 0
            if folder is None:
                while rows := cursor.fetchmany(1000):
                    count += len(rows)
            else:
                with (folder / f"{table}.csv").open("w", newline="", encoding="utf-8") as f:
                    writer = csv.writer(f)
                    writer.writerow(["id", *(c.strip() for c in columns.split(","))])
                    while rows := cursor.fetchmany(1000):
                        writer.writerows(rows)
                        count += len(rows)
            counts[table] = count
    return counts


def raw_erase(connection, number: str, hash_key: bytes) -> dict[str, int]:
    """The same erasure by hand: one transaction, one statement per table and strategy."""
    from django.db import transaction

    forms = _forms(number)
    match = f"{_stripped('number')} IN {_in(forms)}"
    done: dict[str, int] = {}
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT contact_id FROM contact_numbers WHERE {match}", forms)  # noqa: S608
        contacts = [row[0] for row in cursor.fetchall()]
        of = _in(contacts)
        cursor.execute(
            f"DELETE FROM messages WHERE conversation_id IN "  # noqa: S608
            f"(SELECT id FROM conversations WHERE contact_id IN {of})",
            contacts,
        )
        done["messages"] = cursor.rowcount
        for table in ("conversations", "marketing_list_members"):
            cursor.execute(f"DELETE FROM {table} WHERE contact_id IN {of}", contacts)  # noqa: S608
            done[table] = cursor.rowcount
        cursor.execute(
            f"DELETE FROM call_recordings WHERE {_stripped('caller_number')} IN {_in(forms)}",  # noqa: S608
            forms,
        )
        done["call_recordings"] = cursor.rowcount
        # The consent proof stays; its number becomes a keyed hash (as the map says).
        cursor.execute(f"SELECT DISTINCT number FROM channel_consents WHERE {match}", forms)  # noqa: S608
        values = [row[0] for row in cursor.fetchall()]
        if values:
            digests = [
                "h1:" + hmac.new(hash_key, v.encode(), hashlib.sha256).hexdigest() for v in values
            ]
            cases = " ".join(["WHEN %s THEN %s"] * len(values))
            cursor.execute(
                f"UPDATE channel_consents SET number = CASE number {cases} END "  # noqa: S608
                f"WHERE number IN {_in(values)}",
                [p for pair in zip(values, digests, strict=True) for p in pair] + values,
            )
        done["channel_consents"] = cursor.rowcount if values else 0
        cursor.execute(
            f"UPDATE contacts SET full_name = '[erased]', locale = '[erased]', email = NULL, "  # noqa: S608
            f"postal_code = NULL, date_of_birth = NULL WHERE id IN {of}",
            contacts,
        )
        done["contacts"] = cursor.rowcount
        # Payments are retained: count them and find the date the retention runs from.
        cursor.execute(
            f"SELECT COUNT(*), MAX(paid_at) FROM payments WHERE contact_id IN {of}",  # noqa: S608
            contacts,
        )
        done["payments"] = cursor.fetchone()[0]
        cursor.execute(f"DELETE FROM contact_numbers WHERE {match}", forms)  # noqa: S608
        done["contact_numbers"] = cursor.rowcount
    return done


# --- the portal's code, as dsar.jobs runs it --------------------------------------------


def _datamap():
    from django.conf import settings

    from dsar import datamap

    return datamap.load(settings.DSAR_DATAMAP_PATH)


def _portal() -> None:
    """The portal's own database for the package job: migrated, with the demo register and
    the data map loaded (once per bench folder; later processes find it ready)."""
    from django.core.management import call_command

    from dsar import services
    from dsar.demo.register import seed_register

    call_command("migrate", verbosity=0, interactive=False)
    seed_register()
    services.store_datamap(datamap=_datamap())


def measured_answer(data_request) -> dict:
    """The access answer as production makes it: a package Job run by dsar.jobs.run_job
    (discovery, retention, the register extract, the ZIP with data.json, CSVs and files)."""
    from dsar import jobs
    from dsar.models import Job

    job = Job.objects.create(data_request=data_request, kind=Job.Kind.PACKAGE)
    jobs.run_job(job_id=job.pk)
    job.refresh_from_db()
    if job.state != Job.State.DONE:
        raise SystemExit(f"package job failed: {job.error}")
    return job.summary


def _extract_html(data_request, path: Path) -> None:
    """The register extract's HTML as the job renders it, written with file:// URLs for our
    static files, for the reference: a plain WeasyPrint render of the same document."""
    from django.conf import settings
    from django.template.loader import render_to_string
    from django.utils import translation

    from dsar import connectors, extracts, pdf

    dm = _datamap()
    found = connectors.discover(dm, data_request.subject.number)
    context = extracts.register_extract_context(
        data_request=data_request, datamap=dm, discovery=found, language=data_request.language
    )
    with translation.override(data_request.language):
        html = render_to_string(
            extracts.EXTRACT_TEMPLATE,
            {**context, "language": data_request.language, "title": context["title"]},
        )
    static = Path(settings.BASE_DIR / "static").as_uri() + "/"
    path.write_text(html.replace(pdf.STATIC_PREFIX, static))


def measured_erase(dm, found, hash_key: bytes) -> dict[str, dict]:
    """What jobs._erase does with a fixed plan: every table in erasure_order, one
    erase_table() (one transaction) each."""
    from dsar import erasure

    hits = {(h.source, h.table): h for h in found.hits}
    reports = {}
    for table in erasure.erasure_order(dm, list(dm.tables)):
        keys = hits[table.source, table.name].keys
        if keys:
            report = erasure.erase_table(dm, table, keys, hash_key=hash_key)
            reports[table.name] = report.to_dict()
    return reports


def verify_erased(dm, found, number: str) -> list[str]:
    """What jobs._verify_erasure does: re-read the plan and rediscover the number."""
    from dsar import connectors, erasure

    problems = []
    for hit in found.hits:
        if hit.keys:
            problems += erasure.check_erased(dm, dm.table(hit.source, hit.table), hit.keys)
    again = connectors.discover(dm, number)
    for hit in again.hits:
        table = dm.table(hit.source, hit.table)
        if hit.count and any(c.erasure != "retain" for c in table.columns):
            problems.append(f"{hit.table}: {hit.count} rows still link")
    return problems


# --- copies for the destructive erasure -------------------------------------------------


@contextmanager
def _fresh_copy(run: int):
    """Point the customer_service alias at a fresh copy of its database for one run."""
    from django.db import connections

    connection = connections["customer_service"]
    connection.close()
    original = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        folder = Path(os.environ.get("VAR_DIR") or tempfile.gettempdir())
        copy = folder / f"erase-copy-{os.getpid()}-{run}.sqlite3"
        with sqlite3.connect(original["NAME"]) as src, sqlite3.connect(copy) as dst:
            src.backup(dst)
        src.close()
        dst.close()
        connection.settings_dict["NAME"] = str(copy)
        try:
            yield
        finally:
            connection.close()
            connection.settings_dict["NAME"] = original["NAME"]
            for suffix in ("", "-wal", "-shm"):
                Path(f"{copy}{suffix}").unlink(missing_ok=True)
    else:
        name = f"{original['NAME']}_erase_{os.getpid()}_{run}"
        with _pg_admin(original) as admin:
            # FILE_COPY (PostgreSQL 15+) copies the files instead of WAL-logging every block.
            strategy = " STRATEGY FILE_COPY" if admin.info.server_version >= 150000 else ""
            for attempt in range(20):
                try:
                    admin.execute(
                        f'CREATE DATABASE "{name}" TEMPLATE "{original["NAME"]}"{strategy}'
                    )
                    break
                except Exception:  # autovacuum may still hold the template for a moment
                    if attempt == 19:
                        raise
                    time.sleep(0.5)
        connection.settings_dict["NAME"] = name
        try:
            yield
        finally:
            connection.close()
            connection.settings_dict["NAME"] = original["NAME"]
            with _pg_admin(original) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def _pg_admin(settings_dict):
    import psycopg

    conn = psycopg.connect(
        host=settings_dict["HOST"] or None,
        port=settings_dict["PORT"] or None,
        user=settings_dict["USER"] or None,
        password=settings_dict["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    try:
        yield conn
    finally:
        conn.close()


# --- the tasks --------------------------------------------------------------------------


def _summary(times, rss_before, peak, py_peak, **extra) -> dict:
    return {
        "times": times,
        "rss_before_mb": rss_before,
        "peak_rss_mb": peak,
        "py_peak_mb": py_peak,
        **extra,
    }


def _py_peak(fn) -> float:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def run_seed(args) -> dict:
    from django.db import connections

    from dsar.demo import seed

    start = time.perf_counter()
    counts = seed("customer_service", subjects=args.subjects, messages=args.messages, seed=1)
    elapsed = time.perf_counter() - start
    connection = connections["customer_service"]
    analyse = 0.0
    if connection.vendor == "postgresql":
        # A settled database, as autovacuum would leave it minutes later: statistics and
        # the visibility map are in place before anything is timed.
        start = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        analyse = time.perf_counter() - start
    connection.close()
    return {"seconds": elapsed, "analyse_seconds": analyse, "counts": counts}


def run_discover(args) -> dict:
    from django.db import connections

    from dsar import connectors

    dm = _datamap()
    connection = connections["customer_service"]
    if args.side == "measured":

        def work():
            found = connectors.discover(dm, args.number)
            return {h.table: list(h.keys) for h in found.hits}

    else:

        def work():
            return raw_discover(connection, args.number)

    connection.ensure_connection()
    _reset_peak()
    rss_before = _rss_mb()
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        ids = work()
        times.append(time.perf_counter() - start)
    peak = _peak_mb()
    py_peak = _py_peak(work)
    # Counts and a digest of the ids: enough to prove both sides found the same rows.
    found = {
        t: [len(v), hashlib.sha256(json.dumps(sorted(v)).encode()).hexdigest()[:16]]
        for t, v in ids.items()
    }
    return _summary(times, rss_before, peak, py_peak, ids=found)


def run_package(args) -> dict:
    """The complete access answer for one subject: the package job (measured), or the same
    rows by hand-written SQL (raw_sql), plus the CSVs by the csv module (raw_sql_csv), plus a
    plain WeasyPrint render of the same extract (raw_sql_csv_weasyprint)."""
    from django.conf import settings
    from django.db import connections

    folder = Path(tempfile.mkdtemp(dir=settings.VAR_DIR))
    html = Path(settings.VAR_DIR) / "extract-reference.html"
    connection = connections["customer_service"]
    extra: dict = {}
    data_request = None
    if args.side == "measured":
        from dsar import services

        _portal()
        data_request = services.open_request(number=args.number, kind="access", language="en")
        _extract_html(data_request, html)

    def work():
        if args.side == "measured":
            summary = measured_answer(data_request)
            from dsar.models import AccessPackage

            extra["size"] = AccessPackage.objects.get(pk=summary["package"]).size
            extra["files"] = summary["files"]
            return {k.partition("/")[2]: v for k, v in summary["counts"].items()}
        out = folder / "csv" if args.side != "raw_sql" else None
        if out:
            out.mkdir(exist_ok=True)
        counts = raw_package(connection, args.number, out)
        if args.side == "raw_sql_csv_weasyprint":
            from weasyprint import HTML

            extra["pdf_size"] = len(HTML(filename=str(html)).write_pdf())
        if out:
            extra["size"] = sum(p.stat().st_size for p in out.iterdir())
        return counts

    try:
        _reset_peak()
        rss_before = _rss_mb()
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            counts = work()
            times.append(time.perf_counter() - start)
        peak = _peak_mb()
        py_peak = _py_peak(work)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return _summary(times, rss_before, peak, py_peak, counts=counts, **extra)


def run_erase(args) -> dict:
    from django.db import connections

    from dsar import connectors, erasure

    dm = _datamap()
    times, verify_times, rss_before, done, planned = [], [], None, None, None

    def one_run(run: int, timed: bool):
        nonlocal rss_before, done, planned
        with _fresh_copy(run):
            connections["customer_service"].ensure_connection()
            found = connectors.discover(dm, args.number)  # the plan, fixed before any change
            planned = {h.table: h.count for h in found.hits}
            key = erasure.new_hash_key()
            if rss_before is None:
                _reset_peak()
                rss_before = _rss_mb()
            if not timed:
                return _py_peak(
                    lambda: (
                        measured_erase(dm, found, key)
                        if args.side == "measured"
                        else raw_erase(connections["customer_service"], args.number, key)
                    )
                )
            start = time.perf_counter()
            if args.side == "measured":
                reports = measured_erase(dm, found, key)
                # Rows the run dealt with: deleted, anonymised or (only) retained.
                done = {
                    t: max([r["deleted"], r["anonymised"], *(x["rows"] for x in r["retained"])])
                    for t, r in reports.items()
                }
            else:
                done = raw_erase(connections["customer_service"], args.number, key)
            times.append(time.perf_counter() - start)
            if args.side == "measured":
                start = time.perf_counter()
                problems = verify_erased(dm, found, args.number)
                verify_times.append(time.perf_counter() - start)
                if problems:
                    raise SystemExit("erasure incomplete: " + "; ".join(problems))
        return None

    for run in range(args.repeat):
        one_run(run, timed=True)
    peak = _peak_mb()
    py_peak = one_run(args.repeat, timed=False)
    return _summary(
        times, rss_before, peak, py_peak, done=done, planned=planned, verify_times=verify_times
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("task", choices=("seed", "discover", "package", "erase"))
    parser.add_argument("side", nargs="?", default="measured")
    parser.add_argument("--number", default="")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--subjects", type=int, default=0)
    parser.add_argument("--messages", type=int, default=0)
    args = parser.parse_args(argv)
    _setup()
    from django.db import connections

    runner = {
        "seed": run_seed,
        "discover": run_discover,
        "package": run_package,
        "erase": run_erase,
    }
    result = runner[args.task](args)
    result["vendor"] = connections["customer_service"].vendor
    print(json.dumps(result, default=str), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])


# --- the parent's side ------------------------------------------------------------------


def spawn(task: str, side: str = "measured", *, url: str, var_dir: Path, **options) -> dict:
    """Run one task of this module in a fresh Python process and return its JSON result.

    Raises RuntimeError with the child's stderr when it fails.
    """
    import subprocess

    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "VAR_DIR": str(var_dir),
        "CUSTOMER_SERVICE_DATABASE_URL": url,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])),
    }
    command = [sys.executable, "-m", "tests.bench.cs_run", task, side]
    for name, value in options.items():
        command += [f"--{name}", str(value)]
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command[2:])} failed ({done.returncode}):\n{done.stderr[-4000:]}"
        )
    return json.loads(done.stdout.strip().splitlines()[-1])
