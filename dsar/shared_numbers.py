"""Shared numbers: what privacy staff see to decide who, among the contacts behind one
number (a household), the customer is.

Read-only. Discovery (`dsar.connectors`) withholds every row that may be another person's
until staff decide; `evidence()` gives them, for each shared link, each contact behind the
number with:

- its reference (the customer number a customer can quote) in full, and its name as
  initials only, from the data map's `identify` on the linked table;
- its rows per table, and its first and last contact date (the tables' `contact` dates);

and the rows matched by the number alone (calls), which go to the chosen contact and stay
withheld when it cannot be told. That is what a privacy officer needs to tell the contacts
apart and to match what the customer says about themselves ("my customer number is...",
"the calls since March were mine"). Nothing else is read: no e-mail, address or date of
birth, and never a message body or a recording; counts and dates only.

Viewing it is an audited act (`casework.view_requester_evidence`); deciding is
`casework.decide_requester`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dsar import connectors, jobs, retention
from dsar.datamap import DataMap, Table
from dsar.models import DataRequest, RequesterDecision


@dataclass(frozen=True)
class TableCount:
    table: str
    rows: int


@dataclass(frozen=True)
class Contact:
    """One contact behind the number. `value` is what a decision stores (the link value)."""

    value: str
    reference: str
    initials: str
    tables: tuple[TableCount, ...]
    first_contact: date | None
    last_contact: date | None

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


@dataclass(frozen=True)
class Evidence:
    """One shared link: its contacts, the rows of the number alone, staff's decision."""

    link: connectors.SharedNumber
    contacts: tuple[Contact, ...]
    # Matched by the number alone and withheld until a contact is chosen (calls).
    number_only: tuple[TableCount, ...]
    first_contact: date | None
    last_contact: date | None
    decision: RequesterDecision | None

    @property
    def form_value(self) -> str:
        """The link as the decision form posts it (`parse_link()` reads it back)."""
        return "|".join(self.link.key)


def parse_link(text: str) -> tuple[str, str, str] | None:
    """(source, number table, linked table) from `Evidence.form_value`, or None.

    Table names are plain SQL identifiers, so the source name is what is left of the last
    two bars, whatever it holds."""
    parts = text.rsplit("|", 2)
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 and all(parts) else None


def current_links(data_request: DataRequest, *, connections=None) -> list[connectors.SharedNumber]:
    """The shared links the request's number has now, whatever staff decided before."""
    _version, dm = jobs.loaded_map()
    return list(_discover(dm, data_request, {}, connections).shared)


def evidence(*, data_request: DataRequest, connections=None) -> list[Evidence]:
    """What staff decide on, per shared link of the request's number (see the module
    docstring). An empty list when the number is not shared. One discovery, plus one per
    contact behind the number, and bounded reads of the linked rows' `identify` columns.
    Raises jobs.JobFailed when no usable data map is loaded."""
    _version, dm = jobs.loaded_map()
    undecided = _discover(dm, data_request, {}, connections)
    decisions = {d.link: d for d in data_request.requester_decisions.select_related("decided_by")}
    result = []
    for link in undecided.shared:
        behind = _behind(dm, link)
        chosen = {
            v: _discover(dm, data_request, {link.key: str(v)}, connections) for v in link.values
        }
        contacts = tuple(
            _contact(dm, link, behind, str(v), found, connections) for v, found in chosen.items()
        )
        # The rows of the number alone that a decision gives the chosen contact: the same
        # whoever is chosen, so any contact's discovery has their keys.
        some = next(iter(chosen.values()))
        number_only = [
            some.hit(h.source, h.table)
            for h in undecided.hits
            if h.excluded_shared and (h.source, h.table) not in behind
        ]
        first, last = _span(dm, number_only, connections)
        result.append(
            Evidence(
                link=link,
                contacts=contacts,
                number_only=tuple(TableCount(h.table, h.count) for h in number_only),
                first_contact=first,
                last_contact=last,
                decision=decisions.get(link.key),
            )
        )
    return result


def initials(name: str) -> str:
    """ "Anna de Vries" → "A. d. V.": enough to tell a household apart, no more."""
    return " ".join(f"{part[0]}." for part in str(name or "").split() if part[0].isalnum())


def _discover(dm: DataMap, dr: DataRequest, requester, connections) -> connectors.Discovery:
    return connectors.discover(dm, dr.subject.number, connections=connections, requester=requester)


def _behind(dm: DataMap, link: connectors.SharedNumber) -> set[tuple[str, str]]:
    """The tables whose rows belong to a contact through `link`: the number table itself
    and every table whose link chain reaches it through the linked table."""
    tables = {(link.source, link.number_table)}
    for table in dm.tables_in(link.source):
        chain = [t.name for t in dm.chain(table)]
        if chain[-1] == link.number_table and link.linked_table in chain:
            tables.add((table.source, table.name))
    return tables


def _contact(dm, link, behind, value: str, found, connections) -> Contact:
    hits = [h for h in found.hits if (h.source, h.table) in behind and h.count]
    first, last = _span(dm, hits, connections)
    linked = dm.table(link.source, link.linked_table)
    reference, name = _identity(
        dm, linked, found.hit(link.source, link.linked_table).keys, connections
    )
    return Contact(
        value=value,
        reference=reference,
        initials=initials(name),
        tables=tuple(TableCount(h.table, h.count) for h in hits),
        first_contact=first,
        last_contact=last,
    )


def _span(dm: DataMap, hits, connections) -> tuple[date | None, date | None]:
    """The first and the last contact date over the rows of `hits`."""
    spans = [
        retention.date_span(
            dm, dm.table(h.source, h.table), h.keys, "contact", connections=connections
        )
        for h in hits
    ]
    firsts = [f for f, _l in spans if f]
    lasts = [la for _f, la in spans if la]
    return (min(firsts) if firsts else None, max(lasts) if lasts else None)


def _identity(dm: DataMap, table: Table, keys, connections) -> tuple[str, str]:
    """The reference and the name of the linked rows (their `identify` columns only)."""
    wanted = dict(table.identify)
    columns = [c for c in (wanted.get("reference"), wanted.get("name")) if c]
    if not columns or not keys:
        return "", ""
    rows = list(connectors.iter_rows(dm, table, keys, columns=columns, connections=connections))
    references = [str(r[wanted["reference"]]) for r in rows if r.get(wanted.get("reference"))]
    names = [str(r[wanted["name"]]) for r in rows if r.get(wanted.get("name"))]
    return ", ".join(dict.fromkeys(references)), " / ".join(dict.fromkeys(names))
