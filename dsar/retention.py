"""How long a customer's data is kept: the register's rule, applied to their rows.

Each processing activity of the register has one retention rule: a trigger (after
collection, after the last contact, after the contract ends, after the payment, after the
last payment, after consent is withdrawn) and a period in months. The data map says which
activity each column serves and which of a table's columns hold the dates a trigger counts
from (`dates = { contact = "sent_at" }`, `datamap.TRIGGERS`).

`kept_until()` is the one function that turns a rule and the date it counts from into
"kept until"; everything that states or acts on retention calls it: the register extract,
the erasure receipt, the staff's erasure report and the case page's warnings.
`for_subject()` applies it to one subject's discovered rows with one SQL statement per
table that names dates (MIN, MAX, empty dates and expired rows, over the subject's keys).

A rule counts either from each row's own date ("row": a call recording, 6 months after the
call) or from the subject's latest date of a kind over all their rows ("subject": messages,
24 months after the last contact). A period that cannot start yet (a contract that runs, a
consent that stands) is "running"; a date that lies before today is "expired", never stated
as a date to come.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from dsar import connectors, datamap
from dsar.datamap import DataMap, Table

UNTIL, EXPIRED, RUNNING, UNKNOWN = "until", "expired", "running", "unknown"


@dataclass(frozen=True)
class Rule:
    """One activity's retention rule, as the register states it."""

    activity: str
    trigger: str
    months: int

    @property
    def kind(self) -> str | None:
        """The kind of date the rule counts from (datamap.DATE_KINDS)."""
        return datamap.TRIGGERS.get(self.trigger, (None, None))[0]

    def whose(self, table: Table) -> str:
        """ "row" when the rule counts from each row's own date in `table`, else "subject"."""
        whose = datamap.TRIGGERS.get(self.trigger, (None, "subject"))[1]
        if whose == "row_or_subject":
            return "row" if table.date_column(self.kind or "") else "subject"
        return whose


@dataclass(frozen=True)
class Kept:
    """How long something is kept: `state` is UNTIL (a date to come), EXPIRED (the date has
    passed), RUNNING (the period has not started) or UNKNOWN (no rule or no date)."""

    state: str
    until: date | None = None
    since: date | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "until": self.until.isoformat() if self.until else None,
            "since": self.since.isoformat() if self.since else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Kept:
        until, since = data.get("until"), data.get("since")
        return cls(
            state=data.get("state", UNKNOWN),
            until=date.fromisoformat(until) if until else None,
            since=date.fromisoformat(since) if since else None,
        )


def kept_until(
    rule: Rule | None, since: date | None, *, today: date, running: bool = False
) -> Kept:
    """The one rule for "kept until": the period of `rule` after `since`.

    `running` says the period cannot start yet (the contract runs, the consent stands).
    """
    if rule is None:
        return Kept(UNKNOWN)
    if running:
        return Kept(RUNNING)
    if since is None:
        return Kept(UNKNOWN)
    until = since + relativedelta(months=rule.months)
    return Kept(EXPIRED if until < today else UNTIL, until, since)


def expired_before(rule: Rule, *, today: date) -> date:
    """The first date whose period has not ended today: a row dated before it is expired.

    Month arithmetic is not invertible at month ends (31 January + 1 month = 28 February),
    so the boundary is searched, not subtracted: d + period < today exactly for d < result.
    """
    period = relativedelta(months=rule.months)
    day = today - period
    while day + period >= today:
        day -= timedelta(days=1)
    while day + period < today:
        day += timedelta(days=1)
    return day


@dataclass(frozen=True)
class Held:
    """One activity's columns in one table, for one subject, and how long they are kept.

    For a rule per row, `first` and `last` are the earliest and the latest "kept until" of
    the rows that have a date; `running` counts rows whose period has not started. For a
    rule per subject both are the subject's one date. `expired` counts rows past their rule.
    """

    source: str
    table: str
    activity: str
    columns: tuple[str, ...]
    trigger: str | None
    months: int | None
    whose: str
    rows: int
    first: Kept
    last: Kept
    expired: int = 0
    running: int = 0

    @property
    def rule(self) -> Rule | None:
        if self.trigger is None or self.months is None:
            return None
        return Rule(self.activity, self.trigger, self.months)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["columns"] = list(self.columns)
        data["first"], data["last"] = self.first.to_dict(), self.last.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Held:
        return cls(
            **{
                **data,
                "columns": tuple(data["columns"]),
                "first": Kept.from_dict(data["first"]),
                "last": Kept.from_dict(data["last"]),
            }
        )


def register_rules() -> dict[str, Rule]:
    """{activity code: its rule} for every activity of the register."""
    from dsar.models import ProcessingActivity

    rows = ProcessingActivity.objects.values_list("code", "retention_trigger", "retention_months")
    return {code: Rule(code, trigger, months) for code, trigger, months in rows}


def for_subject(
    dm: DataMap,
    discovery: connectors.Discovery,
    *,
    rules: Mapping[str, Rule],
    today: date,
    connections=None,
) -> list[Held]:
    """How long each of the subject's discovered rows is kept, per table and activity.

    One statement per table with rows and `dates`; tables without rows are left out. Where
    discovery left rows out (a shared number), a period per customer that could count from
    them is UNKNOWN rather than guessed from the rows that remain.
    """
    dated = {
        (hit.source, hit.table): _dates_of(
            dm,
            dm.table(hit.source, hit.table),
            hit.keys,
            rules,
            today=today,
            connections=connections,
        )
        for hit in discovery.hits
        if hit.count and dm.table(hit.source, hit.table) is not None
    }
    anchors = _subject_anchors(dated.values())
    # A shared number left rows out: the customer's latest date of a kind those tables hold
    # may lie among them, so a period per customer counted from it is not stated at all.
    for hit in discovery.hits:
        table = dm.table(hit.source, hit.table)
        if table is not None and hit.excluded_shared:
            for kind, _column in table.dates:
                anchors[kind] = (None, False)
    held = []
    for hit in discovery.hits:
        table = dm.table(hit.source, hit.table)
        if table is None or not hit.count:
            continue
        for code, columns in table.columns_by_activity().items():
            rule = rules.get(code)
            held.append(
                _held(
                    table,
                    code,
                    columns,
                    rule,
                    hit.count,
                    dated[hit.source, hit.table],
                    anchors,
                    today=today,
                )
            )
    return held


def _held(table, code, columns, rule, rows, dates, anchors, *, today) -> Held:
    names = tuple(c.name for c in columns)
    base = {
        "source": table.source,
        "table": table.name,
        "activity": code,
        "columns": names,
        "rows": rows,
    }
    if rule is None or rule.kind is None:
        unknown = Kept(UNKNOWN)
        return Held(
            **base,
            trigger=rule.trigger if rule else None,
            months=rule.months if rule else None,
            whose="subject",
            first=unknown,
            last=unknown,
        )
    whose = rule.whose(table)
    rule_fields = {"trigger": rule.trigger, "months": rule.months, "whose": whose}
    if whose == "row":
        column = table.date_column(rule.kind)
        stats = dates.get(column, _Stats())
        first = kept_until(rule, stats.earliest, today=today)
        last = kept_until(rule, stats.latest, today=today)
        running = stats.empty if rule.kind in ("contract_end", "consent_withdrawn") else 0
        return Held(
            **base,
            **rule_fields,
            first=first,
            last=last,
            expired=stats.expired.get(rule.months, 0),
            running=running,
        )
    latest, open_ended = anchors.get(rule.kind, (None, False))
    kept = kept_until(rule, latest, today=today, running=open_ended)
    return Held(
        **base,
        **rule_fields,
        first=kept,
        last=kept,
        expired=rows if kept.state == EXPIRED else 0,
        running=rows if kept.state == RUNNING else 0,
    )


@dataclass
class _Stats:
    """One date column over the subject's rows of a table."""

    # The kinds of date this column holds: one column may be several ("sent_at" is both
    # when a message was collected and a contact).
    kinds: tuple[str, ...] = ()
    earliest: date | None = None
    latest: date | None = None
    empty: int = 0
    # Rows past a period, per period in months.
    expired: dict[int, int] | None = None

    def __post_init__(self) -> None:
        self.expired = self.expired or {}


def _subject_anchors(tables) -> dict[str, tuple[date | None, bool]]:
    """{date kind: (the subject's latest date of it, whether a period is still open)}."""
    latest: dict[str, date | None] = {}
    open_ended: dict[str, bool] = {}
    for stats_by_column in tables:
        for stats in stats_by_column.values():
            for kind in stats.kinds:
                if stats.latest and (latest.get(kind) is None or stats.latest > latest[kind]):
                    latest[kind] = stats.latest
                else:
                    latest.setdefault(kind, None)
                if kind in ("contract_end", "consent_withdrawn") and stats.empty:
                    open_ended[kind] = True
    return {kind: (value, open_ended.get(kind, False)) for kind, value in latest.items()}


def _dates_of(dm, table, keys, rules, *, today, connections) -> dict[str, _Stats]:
    """{date column: its _Stats} over the rows `keys`, in one statement."""
    if not table.dates or not keys:
        return {}
    connection = connectors.connection_for(dm, table, connections=connections)
    columns = list(dict.fromkeys(c for _kind, c in table.dates))
    periods: dict[str, set[int]] = {c: set() for c in columns}
    for code in table.activity_codes():
        rule = rules.get(code)
        if rule and rule.kind and rule.whose(table) == "row" and table.date_column(rule.kind):
            periods[table.date_column(rule.kind)].add(rule.months)
    types = connectors.column_types(connection, table.name)
    parts, params, layout = [], [], []
    for column in columns:
        quoted = connectors.quote(connection, column)
        parts += [f"MIN({quoted})", f"MAX({quoted})", f"COUNT(*) - COUNT({quoted})"]
        for months in sorted(periods[column]):
            cutoff = expired_before(Rule("", "collection", months), today=today)
            condition, more = before(connection, quoted, types.get(column), cutoff)
            parts.append(f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)")
            params += more
            layout.append((column, months))
    where, key_params = connectors.keys_condition(connection, keys)
    sql = f"SELECT {', '.join(parts)} FROM {connectors.quote(connection, table.name)} WHERE {where}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params + key_params)
        row = list(cursor.fetchone())
    kinds: dict[str, tuple[str, ...]] = {}
    for kind, column in table.dates:
        kinds[column] = (*kinds.get(column, ()), kind)
    result, position = {}, 0
    for column in columns:
        earliest, latest, empty = row[position : position + 3]
        position += 3
        result[column] = _Stats(kinds[column], local_date(earliest), local_date(latest), empty or 0)
    for column, months in layout:
        result[column].expired[months] = row[position] or 0
        position += 1
    return result


def date_span(
    dm: DataMap, table: Table, keys, kind: str, *, connections=None
) -> tuple[date | None, date | None]:
    """The earliest and the latest local date of `kind` (datamap.DATE_KINDS) over the rows
    `keys` of `table`, in one statement; (None, None) when the table names no such date."""
    column = table.date_column(kind)
    if not column or not keys:
        return None, None
    stats = _dates_of(dm, table, keys, {}, today=timezone.localdate(), connections=connections)
    return stats[column].earliest, stats[column].latest


def before(connection, quoted: str, field_type: str | None, day: date) -> tuple[str, list]:
    """SQL "this date column's local date lies before `day`", with its parameters.

    A timestamp is compared with the start of `day` in TIME_ZONE; a date with the date.
    SQLite stores timestamps as UTC text (the demo's "2026-01-31 09:00:00+00:00"), so the
    moment goes in as the same UTC text.
    """
    if field_type == "DateField":
        return f"{quoted} < %s", [day.isoformat() if connection.vendor == "sqlite" else day]
    moment = timezone.make_aware(datetime.combine(day, time.min))
    if connection.vendor == "sqlite":
        utc = moment.astimezone(UTC)
        return f"{quoted} < %s", [utc.strftime("%Y-%m-%d %H:%M:%S+00:00")]
    return f"{quoted} < %s", [moment]


def local_date(value: Any) -> date | None:
    """A database value (date, aware datetime, or SQLite's text for either) as the local date
    in TIME_ZONE."""
    if isinstance(value, str):
        value = parse_datetime(value) or parse_date(value)
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value, UTC)
        return timezone.localdate(value)
    return value if isinstance(value, date) else None


def past_rule(held: Sequence[Held]) -> list[Held]:
    """The groups with rows already past their rule: staff see them before release."""
    return [h for h in held if h.expired]
