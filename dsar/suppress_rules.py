"""The data map's `suppress` action of a table: what stopping direct marketing does there.

An objection to direct marketing (Art. 21(3)) and a withdrawal of consent for messages
(Art. 7(3)) are carried out at once when the customer files them (`dsar.suppress`). Each
table of the map that holds consents or marketing-list memberships says how, in the map:

    suppress = { withdraw = "withdrawn_at", channel = "channel", scope = "scope",
                 marketing = ["marketing"] }          consents: stamp the withdrawal
    suppress = { delete = true, name = "list_name" }  list memberships: delete them

This module reads that entry (`read()`) and checks it against the live table (`errors()`);
`dsar.datamap` calls both. Pure: no queries of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

KEYS = {"withdraw", "delete", "channel", "scope", "marketing", "name"}
# Requests that suppress (DataRequest.Kind values; this module knows no models).
OBJECTION, WITHDRAW_CONSENT = "objection", "withdraw_consent"


@dataclass(frozen=True)
class Suppress:
    """How a table obeys an objection or a consent withdrawal.

    `withdraw`: the date column set to the moment of the request where it is empty (the row
    stays as proof of consent and of its withdrawal, Art. 7(1)); else the rows are deleted.
    `channel`: the column holding the row's channel; a request about one channel leaves
    rows of another. Without it every row counts, whatever the channel (a list membership
    has none: an objection on any channel takes the customer off every list).
    `scope` and `marketing`: the consent's purpose and the values that mean direct
    marketing; an objection withdraws only those, a consent withdrawal every one.
    `name`: what the customer reads for each row ("You are off 2 lists: …").
    """

    withdraw: str | None = None
    delete: bool = False
    channel: str | None = None
    scope: str | None = None
    marketing: tuple[str, ...] = ()
    name: str | None = None

    @property
    def action(self) -> str:
        return "withdraw" if self.withdraw else "delete"

    def columns(self) -> tuple[str, ...]:
        """Every column the action reads or writes."""
        named = (self.withdraw, self.channel, self.scope, self.name)
        return tuple(c for c in dict.fromkeys(named) if c)

    def to_dict(self) -> dict[str, Any]:
        values = {
            "withdraw": self.withdraw,
            "delete": self.delete or None,
            "channel": self.channel,
            "scope": self.scope,
            "marketing": list(self.marketing) or None,
            "name": self.name,
        }
        return {k: v for k, v in values.items() if v is not None}


def read(item: Any, where: str, problem: Callable[[str, str], None]) -> Suppress | None:
    """The `suppress` entry of a table, or None; shape problems go to `problem(where, text)`."""
    if item is None:
        return None
    if not isinstance(item, dict):
        problem(
            where, "'suppress' must be { withdraw = \"<column>\", ... } or { delete = true, ... }."
        )
        return None
    for key in sorted(set(item) - KEYS):
        problem(
            where, f"suppress: unknown key {key!r} (expected one of {', '.join(sorted(KEYS))})."
        )
    texts = {}
    for key in ("withdraw", "channel", "scope", "name"):
        value = item.get(key)
        if value is not None and not isinstance(value, str):
            problem(where, f"suppress: {key!r} must be a column name, not {value!r}.")
            value = None
        texts[key] = value
    delete = item.get("delete", False)
    if not isinstance(delete, bool):
        problem(where, f"suppress: 'delete' must be true or false, not {delete!r}.")
        delete = False
    marketing = item.get("marketing", [])
    if not isinstance(marketing, list) or not all(isinstance(v, str) for v in marketing):
        problem(where, "suppress: 'marketing' must be a list of values, such as [\"marketing\"].")
        marketing = []
    return Suppress(delete=delete, marketing=tuple(marketing), **texts)


def errors(
    rule: Suppress,
    *,
    declared: set[str],
    live: dict[str, tuple[bool, str | None]] | None,
    date_fields: set[str],
) -> list[str]:
    """What is wrong with a table's suppress action, each a phrase after the table's name.

    `declared`: the table's columns in the map; `live`: {column: (nullable, Django field
    type)} of the live table, or None when it could not be read (then only the shape is
    checked).
    """
    found = []
    if bool(rule.withdraw) == bool(rule.delete):
        found.append(
            'suppress needs exactly one action: withdraw = "<date column>" (consents) or '
            "delete = true (list memberships)."
        )
    if bool(rule.scope) != bool(rule.marketing):
        found.append(
            "suppress: 'scope' (the consent's purpose column) and 'marketing' (its values "
            "that mean direct marketing) go together."
        )
    if rule.scope and rule.delete:
        found.append("suppress: 'scope' only goes with withdraw: a list membership is marketing.")
    for role, column in (
        ("withdraw", rule.withdraw),
        ("channel", rule.channel),
        ("scope", rule.scope),
        ("name", rule.name),
    ):
        if not column:
            continue
        if column not in declared:
            found.append(
                f"suppress: {role} column {column!r} is not a declared column of the table."
            )
        elif live is not None and column not in live:
            found.append(f"suppress: {role} column {column!r} does not exist in the table.")
    if rule.withdraw and live is not None and rule.withdraw in live:
        nullable, kind = live[rule.withdraw]
        if kind and kind not in date_fields:
            found.append(f"suppress: withdraw column {rule.withdraw!r} is a {kind}, not a date.")
        if not nullable:
            found.append(
                f"suppress: withdraw column {rule.withdraw!r} is NOT NULL: it must be empty "
                "while the consent stands."
            )
    return found
