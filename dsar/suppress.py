"""Carrying out an objection to direct marketing or a withdrawal of consent, at once.

Art. 21(3): an objection to direct marketing must simply be obeyed; Art. 7(3): withdrawing
consent is as easy as giving it. So these requests do not wait for staff: right after the
verified request is filed, a `Job` of kind SUPPRESS (dsar.jobs: claimed, leased, resumable)
runs each table's `suppress` action of the data map (dsar.suppress_rules) on the customer's
rows that discovery finds:

- `plan()` fixes, before anything changes, which rows each table changes (JobTable.keys)
  and what the customer will read about them (the job's summary: channels, list names,
  counts; never the number);
- `apply()` changes one table in one statement and one transaction: a consent's withdrawal
  date is set where it is still empty (the row stays, as proof), a list membership is
  deleted. A rerun changes nothing twice;
- `verify()` re-reads the planned rows: a job is never reported done on trust;
- `outcome()` says what was done, in the active language ("You are off 2 lists:
  Klantenpanel, Nieuwsbrief"), for the confirmation page and the message on the channel.

Rows withheld for a shared number (dsar.connectors) are not changed: they may be someone
else's. The number itself goes on the suppression list (dsar.suppression) when the job
finishes (casework.suppression_finished).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dsar import connectors
from dsar.datamap import DataMap, Table
from dsar.models import DataRequest, Job, JobTable
from dsar.suppress_rules import OBJECTION


class SuppressFailed(Exception):
    """The rows could not be changed as planned; `message` names tables and counts only."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def tables(dm: DataMap) -> list[Table]:
    """The map's tables with a suppress action, in map order."""
    return [t for t in dm.tables if t.suppress is not None]


def _select(dm: DataMap, table: Table, keys, connections) -> list[dict[str, Any]]:
    connection = connectors.connection_for(dm, table, connections=connections)
    rule = table.suppress
    names = ["id", *rule.columns()]
    where, params = connectors.keys_condition(connection, keys)
    columns = ", ".join(connectors.quote(connection, n) for n in names)
    sql = f"SELECT {columns} FROM {connectors.quote(connection, table.name)} WHERE {where}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _applies(table: Table, row: dict[str, Any], dr: DataRequest) -> bool:
    rule = table.suppress
    if rule.channel and dr.channel != DataRequest.Channel.ALL:
        if str(row[rule.channel] or "").lower() != dr.channel:
            return False
    if rule.scope and dr.kind == OBJECTION:
        return str(row[rule.scope] or "") in rule.marketing
    return True


def plan(job: Job, dm: DataMap, found: connectors.Discovery, *, connections) -> dict:
    """Fix the rows each suppress table changes (JobTable rows, before anything changes)
    and what the customer will read about them. Returns the plan stored in the summary."""
    dr = job.data_request
    planned = []
    with transaction.atomic():
        for position, table in enumerate(tables(dm)):
            hit = found.hit(table.source, table.name)
            rule = table.suppress
            rows = (
                [r for r in _select(dm, table, hit.keys, connections) if _applies(table, r, dr)]
                if hit.keys
                else []
            )
            if rule.withdraw:
                changing = [r for r in rows if r[rule.withdraw] is None]
            else:
                changing = rows
            items = [
                {
                    "channel": str(r[rule.channel] or "").lower() if rule.channel else "",
                    "marketing": bool(
                        rule.scope is None or str(r[rule.scope] or "") in rule.marketing
                    ),
                    "name": str(r[rule.name] or "") if rule.name else "",
                    "already": bool(rule.withdraw and r[rule.withdraw] is not None),
                }
                for r in rows
            ]
            JobTable.objects.create(
                job=job,
                position=position,
                source=table.source,
                table=table.name,
                keys=sorted(r["id"] for r in changing),
                rows=len(changing),
            )
            planned.append(
                {
                    "source": table.source,
                    "table": table.name,
                    "action": rule.action,
                    "changing": len(changing),
                    "withheld": hit.excluded_shared,
                    "items": items,
                }
            )
        result = {"tables": planned, "channel": dr.channel, "kind": dr.kind}
        Job.objects.filter(pk=job.pk).update(summary={"plan": result})
    return result


def _timestamp(connection, when: datetime):
    # The demo's (and many systems') SQLite columns hold text with an explicit offset, so
    # that a raw read returns an aware datetime; PostgreSQL takes the datetime itself.
    if connection.vendor == "sqlite":
        return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S+00:00")
    return when


def apply(dm: DataMap, jt: JobTable, *, when: datetime, connections) -> dict:
    """Change one table's planned rows in one transaction; returns its report. Rerunnable:
    a withdrawal only fills an empty date, a deleted row is gone."""
    table = dm.table(jt.source, jt.table)
    if table is None or table.suppress is None:
        raise SuppressFailed(f"{jt.source}.{jt.table} no longer has a suppress action in the map.")
    rule = table.suppress
    changed = 0
    if jt.keys:
        connection = connectors.connection_for(dm, table, connections=connections)
        where, params = connectors.keys_condition(connection, jt.keys)
        name = connectors.quote(connection, table.name)
        alias = dm.source(table.source).database
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            if rule.withdraw:
                column = connectors.quote(connection, rule.withdraw)
                cursor.execute(
                    f"UPDATE {name} SET {column} = %s WHERE {where} AND {column} IS NULL",  # noqa: S608
                    [_timestamp(connection, when), *params],
                )
            else:
                cursor.execute(f"DELETE FROM {name} WHERE {where}", params)  # noqa: S608
            changed = max(cursor.rowcount, 0)
    return {
        "source": jt.source,
        "table": jt.table,
        "action": rule.action,
        "planned": jt.rows,
        "changed": changed,
    }


def verify(job: Job, dm: DataMap, *, connections) -> None:
    """Re-read every planned row: a withdrawal date must be set, a deleted row gone.
    Raises SuppressFailed naming the tables and counts otherwise."""
    problems = []
    for jt in job.tables.order_by("position"):
        table = dm.table(jt.source, jt.table)
        if not jt.keys or table is None:
            continue
        rows = _select(dm, table, jt.keys, connections)
        rule = table.suppress
        left = [r for r in rows if r[rule.withdraw] is None] if rule.withdraw else rows
        if left:
            problems.append(f"{jt.source}.{jt.table}: {len(left)} of {jt.rows} row(s) unchanged.")
    if problems:
        raise SuppressFailed("Suppression not complete: " + " ".join(problems))


# --- what the customer reads ------------------------------------------------------------------


def _channel_label(code: str) -> str:
    try:
        return str(DataRequest.Channel(code).label)
    except ValueError:
        return code or _("every channel")


def outcome(summary: dict | None) -> list[str]:
    """What the job did, sentence by sentence, in the active language: the lists the
    customer is off, the consents withdrawn (and those that already were), rows left alone
    because the number is shared, and the suppression list. Empty before the job is done."""
    plan = (summary or {}).get("plan")
    if not plan or not (summary or {}).get("done"):
        return []
    lines, lists, withdrawn, already, withheld = [], [], [], [], 0
    for t in plan["tables"]:
        withheld += t.get("withheld", 0)
        for item in t["items"]:
            if t["action"] == "delete":
                lists.append(capfirst(item["name"]) if item["name"] else "")
            elif item["already"]:
                already.append(item)
            else:
                withdrawn.append(item)
    named = sorted({n for n in lists if n})
    if lists:
        lines.append(
            ngettext(
                "You are off %(count)d list: %(names)s.",
                "You are off %(count)d lists: %(names)s.",
                len(lists),
            )
            % {"count": len(lists), "names": ", ".join(named)}
        )
    for item in _unique(withdrawn):
        lines.append(_consent_line(item, already=False))
    for item in _unique(already):
        lines.append(_consent_line(item, already=True))
    if not lists and not withdrawn and not already:
        lines.append(_("We hold no marketing consent or list membership for your number."))
    if withheld:
        lines.append(
            ngettext(
                "%(count)d record linked to your number was left alone: you share the number "
                "with someone else and it may be theirs.",
                "%(count)d records linked to your number were left alone: you share the number "
                "with someone else and they may be theirs.",
                withheld,
            )
            % {"count": withheld}
        )
    lines.append(
        _(
            "Your number is on our do-not-market list (%(channel)s), also if we ever erase your data."
        )
        % {"channel": _channel_label(plan.get("channel", "all"))}
    )
    return lines


def _unique(items: list[dict]) -> list[dict]:
    seen, result = set(), []
    for item in items:
        key = (item["channel"], item["marketing"])
        if key not in seen:
            seen.add(key)
            result.append(item)
    return sorted(result, key=lambda i: (i["channel"], not i["marketing"]))


def _consent_line(item: dict, *, already: bool) -> str:
    channel = _channel_label(item["channel"])
    if item["marketing"]:
        if already:
            return _("%(channel)s marketing consent: already withdrawn before.") % {
                "channel": channel
            }
        return _("%(channel)s marketing consent withdrawn.") % {"channel": channel}
    if already:
        return _("%(channel)s consent for service messages: already withdrawn before.") % {
            "channel": channel
        }
    return _("%(channel)s consent for service messages withdrawn.") % {"channel": channel}
