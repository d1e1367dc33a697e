"""Documents built from the processing register: the Art. 15 register extract of one access
request, the receipt of an erasure, and the Art. 30 register itself, as PDFs.

Builders, not services: each `*_context()` takes the request or job, the data map and the
discovery, reads the register (and, for an extract, a bounded number of the customer's rows
through `connectors.iter_rows`), and returns the template context; `register_extract()` and
the `*_pdf()` functions render it with `dsar.pdf.render_pdf`. Nothing is written. Texts are
built inside `translation.override(language)`, so labels, sentences and dates come out in the
document's language; the register's own texts and the data map's labels are read in that
language too (`Text`), and one that exists only in English is printed marked as English and
listed in the context's `missing` for staff. Values from the data are plain strings that the
templates escape.

The extract groups the customer's data by the register activity each column serves (its
purpose, recipients, source and retention rule); how long each part is kept comes from
`dsar.retention`, the same function the erasure receipt and the retention run use.

Bounded work: an extract reads at most `annex_rows` rows per table for the values it prints.
Totals come from the discovery counts; a table longer than `inline_rows` prints its first
`annex_rows` rows in an annex that points to the full copy in the ZIP.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import phonenumbers
from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.html import conditional_escape, format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from dsar import connectors, erasure, exports, files, pdf, register
from dsar import retention as dsar_retention
from dsar.datamap import DataMap, Table, from_dict
from dsar.models import DataMapVersion, DataRequest, Job, ProcessingActivity
from dsar.retention import Held

# Long lists print their first rows only: the ZIP holds every record, the PDF explains them.
ANNEX_ROWS = 50
INLINE_ROWS = 20
# About this many characters of the tables' 8-point text fit across the page.
LINE_CHARS = 100
# A word longer than this may break: a column never claims more for one word.
WORD_CAP = 22
EXTRACT_TEMPLATE = "dsar/pdf/extract.html"
REGISTER_TEMPLATE = "dsar/pdf/register.html"
RECEIPT_TEMPLATE = "dsar/pdf/erasure_receipt.html"
Trigger = ProcessingActivity.RetentionTrigger

# The data map's categories (dsar.datamap.CATEGORIES) in words for the customer.
CATEGORIES = {
    "identity": (_("Identity"), _("Who you are: name, customer number, date of birth.")),
    "contact": (_("Contact details"), _("How to reach you: phone number, e-mail, address.")),
    "communication": (
        _("Communication"),
        _("What was said, when and on which channel: conversations, messages, calls."),
    ),
    "consent": (_("Consents"), _("Consents you gave or withdrew, and the evidence for them.")),
    "marketing": (_("Marketing"), _("The marketing lists you are on.")),
    "financial": (_("Financial data"), _("Payments, amounts and bank-account data.")),
    "recording": (_("Call recordings"), _("Recordings of your calls and where they are stored.")),
    "contract": (_("Contract"), _("Your customer relationship: contract dates.")),
    "technical": (
        _("Technical data"),
        _("Data about a record rather than about you: statuses, channels, agents."),
    ),
}


# --- texts in the customer's language --------------------------------------------------


class Text(str):
    """A text of the register or the data map in the document's language.

    `lang` is "en" when the text is an English fallback for a missing translation; then it
    renders (Django calls `__html__`) inside `<span lang="en">` with a note saying it is in
    English, so that the customer and a screen reader both know. Otherwise it is escaped text.
    """

    lang: str = ""

    def __new__(cls, text: str, lang: str = "") -> Text:
        obj = super().__new__(cls, text or "")
        obj.lang = lang
        return obj

    def __html__(self) -> str:
        if self.lang and str(self):
            return format_html(
                '<span lang="{}">{}</span> <span class="lang-note">({})</span>',
                self.lang,
                str(self),
                gettext("in English"),
            )
        return conditional_escape(str(self))


class _Texts:
    """Reads translated texts in one language and remembers what fell back to English."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.missing: list[str] = []

    def field(self, obj, name: str, where: str) -> Text:
        """A django-modeltranslation field of a register row."""
        own = getattr(obj, f"{name}_{self.language}", None)
        english = getattr(obj, f"{name}_en", None) or ""
        if own or self.language == "en" or not english:
            return Text(own or english)
        self.missing.append(f"{where}: {name}")
        return Text(english, "en")

    def label(
        self, pairs: tuple[tuple[str, str], ...], name: str, where: str, what: str = "label"
    ) -> Text:
        """A data-map text ({language: text}); the column name when there is none at all."""
        labels = dict(pairs)
        own, english = labels.get(self.language), labels.get("en")
        if own or (self.language == "en" and english):
            return Text(own or english)
        self.missing.append(f"data map {where}: {what}")
        return Text(english or _humanise(name), "en")


# --- the register extract (Art. 15) -----------------------------------------------------


def register_extract_context(
    *,
    data_request: DataRequest,
    datamap: DataMap,
    discovery: connectors.Discovery,
    language: str,
    retention: list[Held] | None = None,
    annex_rows: int = ANNEX_ROWS,
    inline_rows: int = INLINE_ROWS,
    connections=None,
    now: datetime | None = None,
    datamap_version: int | None = None,
) -> dict[str, Any]:
    """The context of the register extract for one access request, in `language`.

    `retention` is what `dsar.retention.for_subject()` found for this discovery (computed
    here when not given). `missing` in the result lists every register or data-map text
    that is not in `language` and fell back to English: staff see it before release.
    """
    if annex_rows < 1 or inline_rows < 0:
        raise ValueError("annex_rows must be at least 1 and inline_rows not negative.")
    now = now or timezone.now()
    today = timezone.localdate(now)
    if retention is None:
        retention = dsar_retention.for_subject(
            datamap,
            discovery,
            rules=dsar_retention.register_rules(),
            today=today,
            connections=connections,
        )
    groups = _hits_by_activity(datamap, discovery)
    known = ProcessingActivity.objects.filter(code__in=groups).prefetch_related("recipients")
    activities = {a.code: a for a in known}
    heads = _heads(datamap, discovery, annex_rows, connections)
    held = {(h.source, h.table, h.activity): h for h in retention}
    texts = _Texts(language)
    with translation.override(language):
        sections = [
            _section(
                activities.get(code),
                code,
                parts,
                heads=heads,
                held=held,
                texts=texts,
                inline_rows=inline_rows,
            )
            for code, parts in groups.items()
        ]
        annex = [t for s in sections for t in s["tables"] if t["in_annex"]]
        for number, table in enumerate(annex, 1):
            table["annex_id"] = f"A.{number}"
        people = list(activities.values()) or list(ProcessingActivity.objects.all()[:1])
        version = register.current_version()
        title = gettext("Your personal data: what we hold and why")
        return {
            "title": title,
            "reference": data_request.reference,
            "request_kind": data_request.get_kind_display(),
            "received_on": _fmt(data_request.received_on),
            "generated_at": _fmt(now),
            "controllers": _controllers(people, texts),
            "sections": sections,
            "annex": annex,
            "annex_rows": annex_rows,
            "total_records": discovery.total_rows,
            "withheld": discovery.withheld,
            "request_link": _request_link(data_request),
            "package_files": [exports.DATA_FILE, exports.CSV_FOLDER + "/"],
            "register_version": version,
            "datamap_sha256": datamap.sha256[:12],
            "datamap_version": datamap_version,
            "rights": _rights(_controllers(people, texts)),
            "missing": list(dict.fromkeys(texts.missing)),
            "past_rule": [h.to_dict() for h in dsar_retention.past_rule(retention)],
            **_furniture(people, _reference(data_request), now, version, texts, datamap_version),
        }


@dataclass(frozen=True)
class Extract:
    """A rendered register extract: the PDF and what staff must see before release."""

    pdf: bytes
    missing: list[str]
    past_rule: list[dict]


def register_extract(**kwargs) -> Extract:
    """The register extract (Art. 15(1)(a)-(h), 15(2)) of one access request, rendered.

    Takes the arguments of `register_extract_context()`. Reads the register and at most
    `annex_rows` rows per table of the customer's data. Raises what WeasyPrint or the
    database raise.
    """
    context = register_extract_context(**kwargs)
    data = pdf.render_pdf(
        EXTRACT_TEMPLATE, context, language=kwargs["language"], title=context["title"]
    )
    return Extract(pdf=data, missing=context["missing"], past_rule=context["past_rule"])


def register_extract_pdf(**kwargs) -> bytes:
    """The register extract as PDF bytes (see `register_extract()`)."""
    return register_extract(**kwargs).pdf


def _hits_by_activity(dm: DataMap, discovery: connectors.Discovery) -> dict[str, list]:
    """{activity code: [(table, hit, its columns under that activity), ...]} for the tables
    with rows, in map order: a customer record whose number is kept for the bookkeeping
    appears under the bookkeeping with that column, under the administration with the rest."""
    groups: dict[str, list] = {}
    for hit in discovery.hits:
        table = dm.table(hit.source, hit.table)
        if table is None or not hit.count:
            continue
        for code, columns in table.columns_by_activity().items():
            groups.setdefault(code, []).append((table, hit, columns))
    return groups


def _heads(dm, discovery, annex_rows: int, connections) -> dict[tuple[str, str], list[dict]]:
    """The first `annex_rows` rows of every table with rows, read once."""
    heads = {}
    for hit in discovery.hits:
        table = dm.table(hit.source, hit.table)
        if table is not None and hit.count:
            rows = connectors.iter_rows(dm, table, hit.keys[:annex_rows], connections=connections)
            heads[hit.source, hit.table] = list(rows)
    return heads


def _section(activity, code, parts, *, heads, held, texts, inline_rows) -> dict[str, Any]:
    where = f"register activity {code!r}"
    tables = [
        _table_block(table, hit, columns, heads[hit.source, hit.table], inline_rows, texts)
        for table, hit, columns in parts
    ]
    section = {
        "code": code,
        "name": texts.field(activity, "name", where) if activity else Text(code),
        "activity": activity,
        "records": sum(hit.count for _t, hit, _c in parts),
        "categories": _categories(parts, texts),
        "tables": tables,
    }
    if activity is not None:
        section.update(_activity_facts(activity, texts))
        lines = [
            _retention_line(held.get((t.source, t.name, code)), block["label"])
            for (t, _h, _c), block in zip(parts, tables, strict=True)
        ]
        section["retention"] = {
            "lines": [line for line in lines if line],
            "period": _period(activity.retention_trigger, activity.retention_months),
            "text": texts.field(activity, "retention_text", where),
        }
    return section


def _table_block(table: Table, hit, columns, rows: list[dict], inline_rows: int, texts) -> dict:
    values = [[_cell(c, row[c.name]) for c in columns] for row in rows]
    heads = [
        {
            "label": texts.label(c.label, c.name, f"{table.name}.{c.name}"),
            "category": _category(c.category)[0],
        }
        for c in columns
    ]
    for column, width in zip(heads, _widths(heads, values), strict=True):
        column["width"] = width
    csv_name = exports.TableExport(hit.source, hit.table, "", (), ()).csv_name
    return {
        "label": texts.label(table.label, table.name, table.name),
        "count": hit.count,
        "shown": len(rows),
        "in_annex": hit.count > max(inline_rows, 1),
        "csv": csv_name,
        "columns": heads,
        "rows": values,
        # One record reads best as a list of fields.
        "fields": [{**col, "value": v} for col, v in zip(heads, values[0], strict=True)]
        if hit.count == 1 and values
        else [],
    }


def _cell(column, value) -> str:
    # A file reference names the file in the ZIP, where the customer finds it.
    if column.file and value:
        return files.package_name(column.file, str(value))
    return _fmt(value)


def _widths(columns: list[dict], values: list[list[str]]) -> list[int]:
    """Column widths in percent, for a fixed table layout (WeasyPrint's automatic layout
    measures every cell twice and costs most of the time).

    Each column gets at least the width of its longest word (up to WORD_CAP characters), so
    a phone number or "whatsapp" never breaks in the middle; the rest is shared by the
    longest value (capped), the label counting too.
    """
    floors, weights = [], []
    for i, column in enumerate(columns):
        cells = [row[i] for row in values] + [str(column["label"])]
        words = [w for cell in cells for w in cell.split()]
        floors.append(min(max((len(w) for w in words), default=4), WORD_CAP) + 2)
        longest = max((len(cell) for cell in cells), default=0)
        weights.append(min(max(longest, 4), 48) + 4)
    shares = [LINE_CHARS * w / sum(weights) for w in weights]
    # Lift the columns below their floor, taking the width from the others in proportion.
    for _round in range(len(columns)):
        short = [i for i, s in enumerate(shares) if s < floors[i]]
        if not short:
            break
        need = sum(floors[i] - shares[i] for i in short)
        spare = [i for i in range(len(columns)) if i not in short]
        room = sum(shares[i] - floors[i] for i in spare if shares[i] > floors[i])
        if room <= 0:
            break
        for i in short:
            shares[i] = floors[i]
        for i in spare:
            if shares[i] > floors[i]:
                shares[i] -= need * (shares[i] - floors[i]) / room
    total = sum(shares)
    return [max(1, int(100 * s / total)) for s in shares]


def _categories(parts, texts) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for table, hit, columns in parts:
        for column in columns:
            entry = found.setdefault(
                column.category or "", {"records": 0, "fields": [], "seen": set()}
            )
            if table.name not in entry["seen"]:
                entry["seen"].add(table.name)
                entry["records"] += hit.count
            label = texts.label(column.label, column.name, f"{table.name}.{column.name}")
            entry["fields"].append(label)
    order = list(CATEGORIES)
    codes = sorted(found, key=lambda c: order.index(c) if c in order else len(order))
    return [
        {
            "label": _category(code)[0],
            "description": _category(code)[1],
            "records": found[code]["records"],
            "fields": list(dict.fromkeys(found[code]["fields"])),
        }
        for code in codes
    ]


def _retention_line(held: Held | None, label: Text) -> dict[str, Any] | None:
    """One table's retention under one activity's rule, said for this customer."""
    if held is None:
        return None
    return {"label": label, "text": retention_statement(held), "expired": held.expired}


def retention_statement(held: Held) -> str:
    """What `held` means for the customer, in the active language. A date that has passed is
    said to have passed: never "we keep this until" a day before today."""
    last = held.last
    if held.rule is None:
        return gettext("Our register states no retention period for this data yet.")
    if held.whose == "row":
        return _row_statement(held)
    when = {"since": _fmt(last.since), "until": _fmt(last.until)}
    if last.state == dsar_retention.RUNNING:
        if held.trigger == Trigger.CONSENT_WITHDRAWN:
            return gettext("Your consent still stands: the period starts when you withdraw it.")
        return gettext("Your contract is still running: the period starts when it ends.")
    if last.state == dsar_retention.UNKNOWN:
        return gettext(
            "We found no date that this period counts from; we keep this data no longer than "
            "the period below allows."
        )
    if last.state == dsar_retention.EXPIRED:
        return (
            gettext(
                "The period for this data ended on %(until)s: we delete it without you having "
                "to ask."
            )
            % when
        )
    statement = _SUBJECT_STATEMENTS.get(held.trigger) or _SUBJECT_STATEMENTS[None]
    return str(statement) % when


_SUBJECT_STATEMENTS = {
    Trigger.LAST_CONTACT: _(
        "Your most recent contact with us was on %(since)s: we keep this data until "
        "%(until)s, unless you contact us again."
    ),
    Trigger.LAST_PAYMENT: _(
        "Your most recent payment was on %(since)s: we keep this data until %(until)s."
    ),
    Trigger.CONTRACT_END: _("Your contract ended on %(since)s: we keep this data until %(until)s."),
    Trigger.CONSENT_WITHDRAWN: _(
        "You withdrew your consent on %(since)s: we keep this data until %(until)s."
    ),
    None: _("We keep this data until %(until)s."),
}


def _row_statement(held: Held) -> str:
    first, last = held.first, held.last
    parts = []
    dated = held.rows - held.running
    if dated and last.state == dsar_retention.EXPIRED:
        parts.append(
            ngettext(
                "The period for this record ended on %(until)s: we delete it without you "
                "having to ask.",
                "The period for all %(count)s records ended, the last on %(until)s: we delete "
                "them without you having to ask.",
                dated,
            )
            % {"count": dated, "until": _fmt(last.until)}
        )
    elif dated and first.state == dsar_retention.EXPIRED:
        parts.append(
            ngettext(
                "The period for %(count)s of these records has ended (the oldest on "
                "%(first)s): we delete it without you having to ask. We keep the others until "
                "%(last)s at the latest.",
                "The period for %(count)s of these records has ended (the oldest on "
                "%(first)s): we delete them without you having to ask. We keep the others "
                "until %(last)s at the latest.",
                held.expired,
            )
            % {"count": held.expired, "first": _fmt(first.until), "last": _fmt(last.until)}
        )
    elif dated == 1 and last.until:
        parts.append(gettext("We keep this record until %(until)s.") % {"until": _fmt(last.until)})
    elif dated and last.until:
        parts.append(
            gettext(
                "We keep each record for %(period)s: your oldest until %(first)s, your newest "
                "until %(last)s."
            )
            % {
                "period": _period(held.trigger, held.months),
                "first": _fmt(first.until),
                "last": _fmt(last.until),
            }
        )
    if held.running:
        if held.trigger == Trigger.CONSENT_WITHDRAWN:
            text = ngettext(
                "%(count)s record stays as long as your consent stands.",
                "%(count)s records stay as long as your consent stands.",
                held.running,
            )
        else:
            text = ngettext(
                "For %(count)s record the period has not started yet.",
                "For %(count)s records the period has not started yet.",
                held.running,
            )
        parts.append(text % {"count": held.running})
    return " ".join(parts)


def _activity_facts(activity: ProcessingActivity, texts: _Texts) -> dict[str, Any]:
    where = f"register activity {activity.code!r}"
    recipients = [_recipient(r, texts, where) for r in activity.recipients.all()]
    return {
        "purposes": texts.field(activity, "purposes", where),
        "legal_basis": str(activity.get_legal_basis_display()),
        "legal_basis_detail": texts.field(activity, "legal_basis_detail", where),
        "recipients": recipients,
        "transfers": [r for r in recipients if r["outside_eea"]],
        "source": texts.field(activity, "source", where),
        "automated": activity.automated_decisions,
        "automated_logic": texts.field(activity, "automated_logic", where),
    }


def _recipient(r, texts: _Texts, where: str) -> dict[str, Any]:
    if r.safeguard:
        safeguard = str(r.get_safeguard_display())
    else:
        safeguard = gettext("None recorded") if r.outside_eea else gettext("Within the EEA")
    where = f"{where}, recipient {r.name_en or r.pk}"
    return {
        "name": texts.field(r, "name", where),
        "kind": str(r.get_kind_display()),
        "purpose": texts.field(r, "purpose", where),
        "country": _country(r.country),
        "outside_eea": r.outside_eea,
        "safeguard": safeguard,
        "safeguard_detail": texts.field(r, "safeguard_detail", where),
    }


def _request_link(data_request: DataRequest) -> str:
    from django.urls import reverse

    return settings.SITE_URL + reverse("dsar:request-detail", args=[data_request.reference])


# --- the erasure receipt (Art. 17, 12(3)) ------------------------------------------------


def erasure_receipt_context(*, job: Job, language: str, now: datetime | None = None) -> dict:
    """The receipt of a finished erasure job: per activity and table, what was deleted,
    anonymised and kept (legal basis, purge date). Raises ValueError for another job.

    The purge dates are those `dsar.retention` computed from the customer's rows before the
    erasure began, recorded in the job's report: the same the extract stated."""
    if job.kind != Job.Kind.ERASE or job.state != Job.State.DONE:
        raise ValueError("Only a finished erasure job has a receipt.")
    dm = job_datamap(job)
    now = now or timezone.now()
    data_request = job.data_request
    order = [t.activity or "" for t in dm.tables] if dm else []
    groups: dict[str, list] = {}
    texts = _Texts(language)
    with translation.override(language):
        for jt in job.tables.order_by("position"):
            report = erasure.TableReport.from_dict(jt.report) if jt.report else None
            if report is None or not (jt.rows or report.deleted or report.anonymised):
                continue
            table = dm.table(jt.source, jt.table) if dm else None
            code = (table.activity or "") if table else ""
            groups.setdefault(code, []).append(_receipt_table(jt, table, report, texts))
        codes = sorted(groups, key=lambda c: order.index(c) if c in order else len(order))
        activities = {a.code: a for a in ProcessingActivity.objects.filter(code__in=codes)}
        people = list(activities.values())[:1] or list(ProcessingActivity.objects.all()[:1])
        version = register.current_version()
        sections = [
            {
                "name": texts.field(activities[c], "name", f"register activity {c!r}")
                if c in activities
                else Text(c or gettext("Other records")),
                "tables": groups[c],
            }
            for c in codes
        ]
        tables = [t for s in sections for t in s["tables"]]
        withheld, ask = _withheld_from_erasure(job, dm, texts)
        return {
            "title": gettext("Receipt of the erasure of your data"),
            "reference": data_request.reference,
            "received_on": _fmt(data_request.received_on),
            "finished_at": _fmt(job.finished_at),
            "generated_at": _fmt(now),
            "sections": sections,
            "deleted": sum(t["deleted"] for t in tables),
            "anonymised": sum(t["anonymised"] for t in tables),
            "kept": [k for t in tables for k in t["kept"]],
            "withheld": withheld,
            "ask": ask or _controllers(people, texts),
            "controllers": _controllers(people, texts),
            "rights": _rights(_controllers(people, texts)),
            **_furniture(people, _reference(data_request), now, version, texts),
        }


def _withheld_from_erasure(job: Job, dm: DataMap | None, texts: _Texts) -> tuple[int, list]:
    """How many records of a shared number the erasure left alone (they may be someone
    else's), and whom the customer asks about them: the controller contacts of the register
    activities those records serve."""
    plan = (job.summary or {}).get("plan") or {}
    withheld = plan.get("withheld", 0)
    if not withheld or dm is None:
        return withheld, []
    codes = {
        table.activity
        for row in plan.get("tables", [])
        if row.get("excluded_shared") and (table := dm.table(row["source"], row["table"]))
    }
    activities = ProcessingActivity.objects.filter(code__in=codes).order_by("code")
    return withheld, _controllers(activities, texts)


def erasure_receipt_pdf(*, job: Job, language: str) -> bytes:
    """The erasure receipt of a finished ERASE job as PDF bytes (see the context builder)."""
    context = erasure_receipt_context(job=job, language=language)
    return pdf.render_pdf(RECEIPT_TEMPLATE, context, language=language, title=context["title"])


def kept_until_text(item: erasure.Retained) -> str:
    """When a kept column goes, in the active language (receipt and staff report)."""
    text = _until_text(item.kept, item.kept_first, item.trigger)
    if item.running and item.kept.state != dsar_retention.RUNNING:
        # Some rows are dated, others wait for their trigger (a consent that still stands).
        text += "; " + _running_text(item.running, item.trigger)
    return text


def _running_text(count: int, trigger: str | None) -> str:
    if trigger == Trigger.CONSENT_WITHDRAWN:
        return ngettext(
            "for %(count)s record not fixed yet: its period starts when consent is withdrawn",
            "for %(count)s records not fixed yet: their period starts when consent is withdrawn",
            count,
        ) % {"count": count}
    return ngettext(
        "for %(count)s record not fixed yet: its period has not started",
        "for %(count)s records not fixed yet: their period has not started",
        count,
    ) % {"count": count}


def kept_until_text_for(held: Held) -> str:
    """When the rows of `held` go, in the active language (the approver's plan review)."""
    return _until_text(held.last, held.first if held.whose == "row" else None, held.trigger)


def _until_text(kept, first, trigger) -> str:
    if kept.state == dsar_retention.RUNNING:
        if trigger == Trigger.CONSENT_WITHDRAWN:
            return gettext("Not fixed yet: the period starts when consent is withdrawn")
        return gettext("Not fixed yet: the period starts when the contract ends")
    if kept.state == dsar_retention.UNKNOWN or kept.until is None:
        return gettext("Not fixed yet: no date found for the period")
    if kept.state == dsar_retention.EXPIRED:
        return gettext("Due now: the period ended on %(until)s") % {"until": _fmt(kept.until)}
    if first is not None and first.until and first.until != kept.until:
        if first.state == dsar_retention.EXPIRED:
            return gettext("Due now for the oldest; the last on %(until)s") % {
                "until": _fmt(kept.until)
            }
        return gettext("From %(first)s to %(last)s") % {
            "first": _fmt(first.until),
            "last": _fmt(kept.until),
        }
    return _fmt(kept.until)


def _receipt_table(jt, table: Table | None, report: erasure.TableReport, texts) -> dict:
    label = texts.label(table.label, jt.table, jt.table) if table else Text(_humanise(jt.table))
    # Columns kept for the same reason until the same day read as one line.
    kept: dict[tuple, dict[str, Any]] = {}
    for r in report.retained:
        until = kept_until_text(r)
        key = (r.legal_basis, r.trigger, r.months, until, r.rows)
        basis = r.legal_basis_label or ({"en": r.legal_basis} if r.legal_basis else {})
        item = kept.setdefault(
            key,
            {
                "table": label,
                "fields": [],
                "categories": [],
                "rows": r.rows,
                "legal_basis": texts.label(
                    tuple(basis.items()), "", f"{jt.table}.{r.column}", "legal_basis"
                )
                if basis
                else "",
                "retention": _period(r.trigger, r.months),
                "until": until,
            },
        )
        column = table.column(r.column) if table else None
        name = texts.label(column.label, r.column, f"{jt.table}.{r.column}") if column else r.column
        item["fields"].append(name)
        item["categories"].append(_category(r.category)[0])
    for item in kept.values():
        item["categories"] = list(dict.fromkeys(item["categories"]))
    return {
        "label": label,
        "found": jt.rows,
        "deleted": report.deleted,
        "anonymised": report.anonymised,
        "kept_rows": max(jt.rows - report.deleted, 0),
        "kept": list(kept.values()),
    }


def job_datamap(job: Job) -> DataMap | None:
    # The map the erasure ran with, else the newest: a table's activity comes from it.
    versions = DataMapVersion.objects.all()
    version = versions.filter(sha256=job.datamap_sha256).first() or versions.first()
    if version is None:
        return None
    return from_dict(version.content, origin=version.origin, sha256=version.sha256)


# --- the register (Art. 30) -------------------------------------------------------------


def register_context(
    *, activities: Iterable[ProcessingActivity], language: str, now: datetime | None = None
) -> dict:
    """The context of the register PDF: every Art. 30(1) field of each activity."""
    activities = list(activities)
    now = now or timezone.now()
    version = register.current_version()
    texts = _Texts(language)
    with translation.override(language):
        if len(activities) == 1:
            title = gettext("Processing activity: %(name)s") % {"name": activities[0].name}
        else:
            title = gettext("Register of processing activities")
        return {
            "title": title,
            "generated_at": _fmt(now),
            "register_version": version,
            "controllers": _controllers(activities, texts),
            "activities": [_register_item(a, texts) for a in activities],
            **_furniture(
                activities, gettext("Register version %(n)s") % {"n": version}, now, version, texts
            ),
        }


def register_pdf(*, activities: Iterable[ProcessingActivity], language: str) -> bytes:
    """The register, or part of it, as PDF bytes for a regulator or an auditor (Art. 30(4))."""
    context = register_context(activities=activities, language=language)
    return pdf.render_pdf(REGISTER_TEMPLATE, context, language=language, title=context["title"])


def _register_item(activity: ProcessingActivity, texts: _Texts) -> dict[str, Any]:
    return {
        "a": activity,
        **_activity_facts(activity, texts),
        "categories": [
            {"label": _category(c)[0], "description": _category(c)[1]}
            for c in activity.data_categories
        ],
        "period": _period(activity.retention_trigger, activity.retention_months),
        "trigger": str(activity.get_retention_trigger_display()),
        "updated_at": _fmt(activity.updated_at),
    }


# --- shared pieces ------------------------------------------------------------------------


def _controllers(activities, texts: _Texts) -> list[dict[str, str]]:
    seen: dict[tuple, dict[str, str]] = {}
    for a in activities:
        where = f"register activity {a.code!r}"
        contact = texts.field(a, "controller_contact", where)
        dpo = texts.field(a, "dpo_contact", where)
        seen.setdefault(
            (a.controller, str(contact), str(dpo)),
            {
                "name": a.controller,
                "contact": contact,
                "joint": a.joint_controller,
                "representative": a.representative,
                "dpo": dpo,
            },
        )
    return list(seen.values())


def _furniture(
    activities,
    header_right: str,
    now: datetime,
    version: int,
    texts: _Texts,
    datamap_version: int | None = None,
) -> dict[str, str]:
    """Page header and footer texts (dsar/pdf/base.html), in the active language."""
    first = next(iter(activities), None)
    values = {"when": _fmt(now), "version": version, "map": datamap_version}
    if datamap_version:
        footer = gettext("Generated %(when)s · register version %(version)s · data map %(map)s")
    else:
        footer = gettext("Generated %(when)s · register version %(version)s")
    return {
        "header_left": first.controller if first else gettext("Privacy portal"),
        "header_right": header_right,
        "footer_left": footer % values,
    }


def _reference(data_request: DataRequest) -> str:
    return gettext("Reference %(reference)s") % {"reference": data_request.reference}


def _rights(controllers: list[dict[str, str]]) -> list[dict[str, str]]:
    contact = str(controllers[0]["contact"]) if controllers else ""
    authority = {
        "authority": settings.DSAR_SUPERVISORY_AUTHORITY,
        "url": settings.DSAR_SUPERVISORY_AUTHORITY_URL,
    }
    portal = {"url": getattr(settings, "SITE_URL", "")}
    return [
        {
            "title": gettext("Rectification (Art. 16)"),
            "text": gettext(
                "If any of your data is wrong or incomplete, you can have it corrected."
            ),
        },
        {
            "title": gettext("Erasure (Art. 17)"),
            "text": gettext(
                "You can ask us to erase your data. We erase all that no law requires us to "
                "keep, and tell you what we keep, why and until when."
            ),
        },
        {
            "title": gettext("Restriction (Art. 18)"),
            "text": gettext(
                "You can ask us to only store your data and not otherwise use it, for example "
                "while its accuracy or our use of it is in dispute."
            ),
        },
        {
            "title": gettext("Objection (Art. 21)"),
            "text": gettext(
                "You can object to our use of your data for our legitimate interests. An "
                "objection to direct marketing always stops it, at once."
            ),
        },
        {
            "title": gettext("Portability (Art. 20)"),
            "text": gettext(
                "You can receive the data you gave us in a machine-readable form, to take it "
                "to another service."
            ),
        },
        {
            "title": gettext("Withdrawing consent (Art. 7(3))"),
            "text": gettext(
                "Where we use your data with your consent, you can withdraw it at any time, as "
                "easily as you gave it."
            ),
        },
        {
            "title": gettext("Complaint to the supervisory authority (Art. 77)"),
            "text": gettext(
                "If you think we handle your data wrongly, you can complain to %(authority)s: "
                "%(url)s"
            )
            % authority,
        },
        {
            "title": gettext("Going to court (Art. 79)"),
            "text": gettext(
                "You can also go to court, in the country where we are established or in the "
                "country where you live."
            ),
        },
        {
            "title": gettext("How to use these rights"),
            # Only what the portal takes is sent there; the other rights go to the team.
            "text": gettext(
                "Access, a copy of your data, correction, restriction, erasure, stopping "
                "direct marketing and withdrawing consent: make a request in our privacy "
                "portal, free of charge: %(url)s. For your other rights, write to our privacy "
                "team: %(contact)s."
            )
            % {**portal, "contact": contact},
        },
    ]


def _period(trigger: str | None, months: int | None) -> str:
    """A rule in words: "2 years after the last contact"; "" without a rule."""
    if trigger is None or months is None:
        return ""
    if months == 0:
        return gettext("ends %(trigger)s") % {
            "trigger": dict(Trigger.choices).get(trigger, trigger)
        }
    if months % 12 == 0:
        years = months // 12
        period = ngettext("%(count)d year", "%(count)d years", years) % {"count": years}
    else:
        period = ngettext("%(count)d month", "%(count)d months", months) % {"count": months}
    if trigger == Trigger.FIXED:
        return period
    label = dict(Trigger.choices).get(trigger, trigger)
    return gettext("%(period)s %(trigger)s") % {"period": period, "trigger": label}


def _category(code: str | None) -> tuple[str, str]:
    label, description = CATEGORIES.get(code or "", (code or "—", ""))
    return str(label), str(description)


def _humanise(name: str) -> str:
    """A column or table name for people when the map gives no label: "full_name" → "Full name"."""
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _country(code: str) -> str:
    """ "United States (US)" in the active language; the code alone when unknown."""
    # Imported here: the geocoder loads ~100 MB of place names, which only PDFs need.
    from phonenumbers import geocoder

    code = (code or "").upper()
    example = phonenumbers.example_number(code)
    name = geocoder.country_name_for_number(example, translation.get_language()) if example else ""
    return f"{name} ({code})" if name else code


def _fmt(value: Any) -> str:
    """One value as text in the active language: dates localised, None a dash."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return formats.date_format(value, "DATETIME_FORMAT")
    if isinstance(value, date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, int | float | Decimal):
        return formats.number_format(value)
    return str(value)
