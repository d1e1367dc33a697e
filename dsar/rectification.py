"""Rectification (Art. 16): the customer corrects one of their values that the data map
marks `rectifiable`; staff submit it, another person approves (the review shows old → new),
and the approval applies it at the source, tells the customer and the recipients (Art. 19).

What the customer sees and may pick is what discovery finds for their verified number, with
the shared-number rules of `dsar.connectors`: rows reached only through a number that leads
to several contacts are withheld until staff decide, so a household member never sees, nor
corrects, another's name. The audit trail holds the table, column and row id, never a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dsar import audit, connectors, datamap, jobs, recipients_ledger
from dsar.models import Approval, AuditEvent, DataRequest, Notification, Rectification
from dsar.services import NotAllowed, notify, open_request


@dataclass(frozen=True)
class Value:
    """One value the customer may correct, with what they read for it."""

    source: str
    table: str
    column: str
    row: int
    kind: str
    label: str
    current: object
    max_length: int | None = None

    @property
    def token(self) -> str:
        return f"{self.source}:{self.table}:{self.column}:{self.row}"


def _map() -> datamap.DataMap:
    try:
        return jobs.loaded_map()[1]
    except jobs.JobFailed as e:
        raise NotAllowed(_("Corrections cannot be taken right now. Please try again later.")) from e


def _label(column: datamap.Column, language: str) -> str:
    labels = dict(column.label)
    return labels.get(language) or labels.get("en") or column.name


def customer_values(
    number: str, *, language: str = "en", requester=None, dm: datamap.DataMap | None = None
) -> tuple[list[Value], int]:
    """The rectifiable values discovery finds for `number`, and how many rows it withheld
    because the number is shared. Raises NotAllowed when no data map is loaded."""
    dm = dm or _map()
    found = connectors.discover(
        dm, number, connections=jobs._connections(), requester=requester or {}
    )
    values: list[Value] = []
    for hit in found.hits:
        table = dm.table(hit.source, hit.table)
        columns = [c for c in table.columns if c.rectifiable]
        if not columns or not hit.keys:
            continue
        conn = connectors.connection_for(dm, table, connections=jobs._connections())
        sizes = connectors.column_types(conn, table.name)
        names = [c.name for c in columns]
        for row in connectors.iter_rows(
            dm, table, hit.keys, columns=["id", *names], connections=jobs._connections()
        ):
            for c in columns:
                values.append(
                    Value(
                        source=table.source,
                        table=table.name,
                        column=c.name,
                        row=int(row["id"]),
                        kind=c.rectifiable,
                        label=_label(c, language),
                        current=_as_date(row[c.name]) if c.rectifiable == "date" else row[c.name],
                        max_length=sizes.get(c.name, (None, None))[1],
                    )
                )
    return values, found.withheld


def _as_date(value):
    # SQLite hands a DATE back as text.
    if isinstance(value, str) and value:
        return date.fromisoformat(value[:10])
    return value


def find(values: list[Value], token: str) -> Value | None:
    # SECURITY: only a value of the customer's own rows, as discovery found them just now.
    return next((v for v in values if v.token == token), None)


@transaction.atomic
def file_request(
    *, number: str, value: Value, corrected, language: str, idempotency_key: str = ""
) -> DataRequest:
    """File a rectification of `value` (one of `customer_values(number)`) to `corrected`
    (already checked by `rectification_rules.clean`). The same form sent twice files once.
    Raises NotAllowed when the corrected value is what we hold already. No inverse."""
    if _same(value.current, corrected):
        raise NotAllowed(_("That is what we have already. Type the corrected value."))
    dr = open_request(
        number=number,
        kind=DataRequest.Kind.RECTIFICATION,
        language=language,
        idempotency_key=idempotency_key,
    )
    if Rectification.objects.filter(data_request=dr).exists():
        return dr
    Rectification.objects.create(
        data_request=dr,
        source=value.source,
        table=value.table,
        column=value.column,
        row=value.row,
        value_type=value.kind,
        new_value=corrected.isoformat() if isinstance(corrected, date) else str(corrected),
    )
    audit.record(
        dr,
        "dsar.rectification.requested",
        actor_kind=AuditEvent.ActorKind.SUBJECT,
        data={"table": value.table, "column": value.column, "row": value.row},
    )
    return dr


def _same(current, corrected) -> bool:
    if isinstance(corrected, date):
        return str(current)[:10] == corrected.isoformat()
    return str(current or "").strip() == str(corrected)


def what_to_approve(dr: DataRequest) -> tuple[str, dict]:
    """What the preparer submits for a rectification: the decision to apply it (ids only)."""
    r = Rectification.objects.filter(data_request=dr).first()
    if r is None or r.applied_at:
        raise NotAllowed(_("There is no correction waiting to be applied."))
    payload = {
        "kind": dr.kind,
        "rectification": r.pk,
        "table": r.table,
        "column": r.column,
        "row": r.row,
    }
    return Approval.Subject.RECTIFICATION, payload


def _current(dr: DataRequest, r: Rectification, dm: datamap.DataMap) -> Value:
    values, _withheld = customer_values(
        dr.subject.number, language=dr.language, requester=jobs.requester_of(dr), dm=dm
    )
    value = find(values, f"{r.source}:{r.table}:{r.column}:{r.row}")
    if value is None:
        raise NotAllowed(
            _("The record no longer belongs to this customer's number; send the case back.")
        )
    return value


def describe(dr: DataRequest, language: str) -> str:
    """What the customer asked to correct, for their pages: the field's name in their
    language and, until it is applied (then the value is emptied), the value they typed."""
    r = getattr(dr, "rectification", None)
    if r is None:
        return ""
    try:
        table = jobs.loaded_map()[1].table(r.source, r.table)
    except jobs.JobFailed:
        table = None
    column = table.column(r.column) if table else None
    label = _label(column, language) if column else r.column
    return f"{label}: {r.new_value}" if r.new_value else label


def preview(dr: DataRequest) -> dict:
    """Old → new for the approver's review (an audited view), read from the source now."""
    r = dr.rectification
    value = _current(dr, r, _map())
    return {
        "label": value.label,
        "where": f"{r.source}.{r.table}.{r.column} #{r.row}",
        "type": r.value_type,
        "old": value.current,
        "new": r.new_value,
    }


def carry_out(dr: DataRequest, approval: Approval, approver) -> None:
    """Apply an approved rectification (called by `casework.approve` in its transaction).

    The UPDATE runs on the source's connection in its own transaction, through the data
    map's quoting, for the one row id; it is re-read before anything else is recorded. If
    the portal's transaction failed after it, the case stays waiting for approval and a
    second approval writes the same value again, which changes nothing.
    """
    from dsar import casework

    r = Rectification.objects.select_for_update().get(data_request=dr)
    dm = _map()
    _current(dr, r, dm)  # SECURITY: still the customer's row, with today's decisions
    table = dm.table(r.source, r.table)
    column = table.column(r.column)
    new = date.fromisoformat(r.new_value) if r.value_type == "date" else r.new_value
    conn = connectors.connection_for(dm, table, connections=jobs._connections())
    sql = "UPDATE {t} SET {c} = %s WHERE {pk} = %s".format(  # noqa: S608 - quoted names
        t=connectors.quote(conn, table.name),
        c=connectors.quote(conn, column.name),
        pk=connectors.quote(conn, "id"),
    )
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        cursor.execute(sql, [new, r.row])
        if cursor.rowcount != 1:
            raise NotAllowed(_("The record could not be corrected; send the case back."))
    after = next(
        connectors.iter_rows(
            dm, table, [r.row], columns=["id", column.name], connections=jobs._connections()
        )
    )
    if not _same(after[column.name], new):
        raise NotAllowed(_("The correction did not hold at the source; send the case back."))
    details = [f"Corrected: {_label(column, 'en')}: {r.new_value}"]
    r.new_value, r.applied_at = "", timezone.now()
    r.save(update_fields=["new_value", "applied_at"])
    audit.record(
        dr,
        "dsar.rectification.applied",
        actor=approver,
        data={"approval": approval.pk, "table": r.table, "column": r.column, "row": r.row},
    )
    casework._move(dr, DataRequest.Status.COMPLETED, by=approver)
    notify(dr, Notification.Kind.DATA_CORRECTED)
    recipients_ledger.record(
        data_request=dr,
        action=recipients_ledger.Action.RECTIFICATION,
        activities=[table.activity_of(column)],
        details=details,
        by=approver,
    )
