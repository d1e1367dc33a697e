"""Documents built from the processing register: the Art. 15 register extract of one access
request, the receipt of an erasure, and the Art. 30 register itself, as PDFs.

Builders, not services: each `*_context()` takes the request or job, the data map and the
discovery, reads the register (and, for an extract, a bounded number of the customer's rows
through `connectors.iter_rows`), and returns the template context; each `*_pdf()` renders
that context with `dsar.pdf.render_pdf` and returns the bytes. Nothing is written. Texts are
built inside `translation.override(language)`, so labels, sentences and dates come out in the
document's language; values from the data are plain strings that the templates escape.

Bounded work: an extract reads at most `annex_rows` rows per table for the values it prints.
Totals come from the discovery counts; a table longer than `inline_rows` prints its first
`annex_rows` rows in an annex that points to the full copy in the ZIP. For the retention
date of a long table it reads, from the newest `annex_rows` keys, only the date columns
(the sources number their rows in time order).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import phonenumbers
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from dsar import connectors, erasure, exports, pdf, register
from dsar.datamap import DataMap, Table, from_dict
from dsar.models import DataMapVersion, DataRequest, Job, ProcessingActivity

ANNEX_ROWS = 200
INLINE_ROWS = 20
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


# --- the register extract (Art. 15) -----------------------------------------------------


def register_extract_context(
    *,
    data_request: DataRequest,
    datamap: DataMap,
    discovery: connectors.Discovery,
    language: str,
    annex_rows: int = ANNEX_ROWS,
    inline_rows: int = INLINE_ROWS,
    connections=None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The context of the register extract for one access request, in `language`."""
    if annex_rows < 1 or inline_rows < 0:
        raise ValueError("annex_rows must be at least 1 and inline_rows not negative.")
    now = now or timezone.now()
    groups = _hits_by_activity(datamap, discovery)
    known = ProcessingActivity.objects.filter(code__in=groups).prefetch_related("recipients")
    activities = {a.code: a for a in known}
    with translation.override(language):
        sections = [
            _section(
                datamap,
                activities.get(code),
                code,
                pairs,
                limits=(annex_rows, inline_rows),
                connections=connections,
            )
            for code, pairs in groups.items()
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
            "controllers": _controllers(people),
            "sections": sections,
            "annex": annex,
            "annex_rows": annex_rows,
            "total_records": sum(s["records"] for s in sections),
            "excluded_shared": sum(h.excluded_shared for h in discovery.hits),
            "package_files": [exports.DATA_FILE, exports.CSV_FOLDER + "/"],
            "register_version": version,
            "datamap_sha256": datamap.sha256[:12],
            "rights": _rights(),
            **_furniture(people, _reference(data_request), now, version),
        }


def register_extract_pdf(
    *,
    data_request: DataRequest,
    datamap: DataMap,
    discovery: connectors.Discovery,
    language: str,
    annex_rows: int = ANNEX_ROWS,
    inline_rows: int = INLINE_ROWS,
    connections=None,
) -> bytes:
    """The register extract (Art. 15(1)(a)-(h), 15(2)) of one access request as PDF bytes.

    Reads the register and at most `annex_rows` rows per table of the customer's data (see
    the module docstring). Raises what WeasyPrint or the database raise.
    """
    context = register_extract_context(
        data_request=data_request,
        datamap=datamap,
        discovery=discovery,
        language=language,
        annex_rows=annex_rows,
        inline_rows=inline_rows,
        connections=connections,
    )
    return pdf.render_pdf(EXTRACT_TEMPLATE, context, language=language, title=context["title"])


def _hits_by_activity(dm: DataMap, discovery: connectors.Discovery) -> dict[str, list]:
    """{activity code: [(table, hit), ...]} for the tables with rows, in map order."""
    groups: dict[str, list] = {}
    for hit in discovery.hits:
        table = dm.table(hit.source, hit.table)
        if table is not None and hit.count:
            groups.setdefault(table.activity or "", []).append((table, hit))
    return groups


def _section(dm, activity, code, pairs, *, limits, connections) -> dict[str, Any]:
    annex_rows, inline_rows = limits
    heads = [
        list(connectors.iter_rows(dm, t, h.keys[:annex_rows], connections=connections))
        for t, h in pairs
    ]
    tables = [
        _table_block(t, h, rows, inline_rows) for (t, h), rows in zip(pairs, heads, strict=True)
    ]
    section = {
        "code": code,
        "name": activity.name if activity else (code or gettext("Other records")),
        "activity": activity,
        "records": sum(h.count for _t, h in pairs),
        "categories": _categories(pairs),
        "tables": tables,
    }
    if activity is not None:
        anchor, running = _anchor(
            dm, pairs, heads, activity.retention_trigger, annex_rows, connections
        )
        section.update(_activity_facts(activity))
        section["retention"] = _retention(activity, anchor, running)
    return section


def _table_block(table: Table, hit, rows: list[dict], inline_rows: int) -> dict[str, Any]:
    values = [[_fmt(row[c.name]) for c in table.columns] for row in rows]
    columns = [
        {"label": _label(c.name), "category": _category(c.category)[0]} for c in table.columns
    ]
    for column, width in zip(columns, _widths(columns, values), strict=True):
        column["width"] = width
    csv_name = exports.TableExport(hit.source, hit.table, "", (), ()).csv_name
    return {
        "label": _label(table.name),
        "count": hit.count,
        "shown": len(rows),
        "in_annex": hit.count > max(inline_rows, 1),
        "csv": csv_name,
        "columns": columns,
        "rows": values,
        # One record reads best as a list of fields.
        "fields": [{**col, "value": v} for col, v in zip(columns, values[0], strict=True)]
        if hit.count == 1 and values
        else [],
    }


def _widths(columns: list[dict], values: list[list[str]]) -> list[int]:
    """Column widths in percent from the longest value (capped), for a fixed table layout:
    WeasyPrint's automatic layout measures every cell twice and costs most of the time."""
    weights = []
    for i, column in enumerate(columns):
        longest = max((len(row[i]) for row in values), default=0)
        # Four characters more for the cell's padding.
        weights.append(min(max(longest, len(column["label"]), 4), 48) + 4)
    total = sum(weights)
    return [100 * w // total for w in weights]


def _categories(pairs) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for table, hit in pairs:
        for column in table.columns:
            entry = found.setdefault(
                column.category or "", {"records": 0, "fields": [], "seen": set()}
            )
            if table.name not in entry["seen"]:
                entry["seen"].add(table.name)
                entry["records"] += hit.count
            entry["fields"].append(_label(column.name).lower())
    order = list(CATEGORIES)
    codes = sorted(found, key=lambda c: order.index(c) if c in order else len(order))
    return [
        {
            "label": _category(code)[0],
            "description": _category(code)[1],
            "records": found[code]["records"],
            "fields": ", ".join(dict.fromkeys(found[code]["fields"])),
        }
        for code in codes
    ]


def _anchor(dm, pairs, heads, trigger, limit, connections) -> tuple[date | None, bool]:
    """The customer's date the retention period runs from, and whether a contract runs on."""
    dates, running = [], False
    for (table, hit), head in zip(pairs, heads, strict=True):
        columns = _anchor_columns(table, trigger)
        if not columns:
            continue
        rows = head
        if hit.count > len(head):
            tail = hit.keys[-limit:]
            rows = head + list(
                connectors.iter_rows(dm, table, tail, columns=columns, connections=connections)
            )
        for row in rows:
            for name in columns:
                value = row[name]
                if value is None and trigger == Trigger.CONTRACT_END:
                    running = True
                elif isinstance(value, date):
                    dates.append(_local_date(value))
    return (max(dates) if dates else None), running


def _anchor_columns(table: Table, trigger: str) -> list[str]:
    if trigger == Trigger.LAST_CONTACT:
        # The data map names no "last contact" column: the latest communication date is it.
        return [c.name for c in table.columns if c.category == "communication"]
    if trigger in (Trigger.CONTRACT_END, Trigger.PAYMENT):
        declared = {c.name for c in table.columns}
        return sorted({c.retention_from for c in table.columns if c.retention_from in declared})
    return []


def _retention(activity: ProcessingActivity, anchor: date | None, running: bool) -> dict:
    trigger, months = activity.retention_trigger, activity.retention_months
    until = _fmt(anchor + relativedelta(months=months)) if anchor else ""
    when = {"date": _fmt(anchor), "until": until}
    statement = ""
    if trigger == Trigger.CONTRACT_END and running:
        statement = gettext("Your contract is still running: the period starts when it ends.")
    elif trigger == Trigger.CONTRACT_END and anchor:
        statement = gettext("Your contract ended on %(date)s: we keep this data until %(until)s.")
    elif trigger == Trigger.PAYMENT and anchor:
        statement = gettext(
            "Your most recent payment was on %(date)s: we keep your payment records until "
            "%(until)s at the latest."
        )
    elif trigger == Trigger.LAST_CONTACT and anchor:
        statement = gettext(
            "Your most recent contact with us was on %(date)s: we keep this data until "
            "%(until)s, unless you contact us again."
        )
    return {
        "statement": statement % when if statement else "",
        "period": _period(activity),
        "text": activity.retention_text,
    }


def _activity_facts(activity: ProcessingActivity) -> dict[str, Any]:
    recipients = [_recipient(r) for r in activity.recipients.all()]
    return {
        "purposes": activity.purposes,
        "legal_basis": str(activity.get_legal_basis_display()),
        "legal_basis_detail": activity.legal_basis_detail,
        "recipients": recipients,
        "transfers": [r for r in recipients if r["outside_eea"]],
        "source": activity.source,
        "automated": activity.automated_decisions,
        "automated_logic": activity.automated_logic,
    }


def _recipient(r) -> dict[str, Any]:
    if r.safeguard:
        safeguard = str(r.get_safeguard_display())
    else:
        safeguard = gettext("None recorded") if r.outside_eea else gettext("Within the EEA")
    return {
        "name": r.name,
        "kind": str(r.get_kind_display()),
        "purpose": r.purpose,
        "country": _country(r.country),
        "outside_eea": r.outside_eea,
        "safeguard": safeguard,
        "safeguard_detail": r.safeguard_detail,
    }


# --- the erasure receipt (Art. 17, 12(3)) ------------------------------------------------


def erasure_receipt_context(*, job: Job, language: str, now: datetime | None = None) -> dict:
    """The receipt of a finished erasure job: per activity and table, what was deleted,
    anonymised and kept (legal basis, purge date). Raises ValueError for another job."""
    if job.kind != Job.Kind.ERASE or job.state != Job.State.DONE:
        raise ValueError("Only a finished erasure job has a receipt.")
    dm = _job_datamap(job)
    now = now or timezone.now()
    data_request = job.data_request
    order = [t.activity or "" for t in dm.tables] if dm else []
    groups: dict[str, list] = {}
    with translation.override(language):
        for jt in job.tables.order_by("position"):
            report = erasure.TableReport.from_dict(jt.report) if jt.report else None
            if report is None or not (jt.rows or report.deleted or report.anonymised):
                continue
            table = dm.table(jt.source, jt.table) if dm else None
            code = (table.activity or "") if table else ""
            groups.setdefault(code, []).append(_receipt_table(jt, report))
        codes = sorted(groups, key=lambda c: order.index(c) if c in order else len(order))
        names = dict(ProcessingActivity.objects.filter(code__in=codes).values_list("code", "name"))
        people = list(ProcessingActivity.objects.filter(code__in=codes)[:1]) or list(
            ProcessingActivity.objects.all()[:1]
        )
        version = register.current_version()
        sections = [
            {"name": names.get(c) or c or gettext("Other records"), "tables": groups[c]}
            for c in codes
        ]
        tables = [t for s in sections for t in s["tables"]]
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
            "controllers": _controllers(people),
            "rights": _rights(),
            **_furniture(people, _reference(data_request), now, version),
        }


def erasure_receipt_pdf(*, job: Job, language: str) -> bytes:
    """The erasure receipt of a finished ERASE job as PDF bytes (see the context builder)."""
    context = erasure_receipt_context(job=job, language=language)
    return pdf.render_pdf(RECEIPT_TEMPLATE, context, language=language, title=context["title"])


def _receipt_table(jt, report: erasure.TableReport) -> dict[str, Any]:
    # Columns kept for the same reason until the same day read as one line.
    kept: dict[tuple, dict[str, Any]] = {}
    for r in report.retained:
        key = (r.legal_basis, r.retention, r.until, r.rows)
        item = kept.setdefault(
            key,
            {
                "table": _label(jt.table),
                "fields": [],
                "categories": [],
                "rows": r.rows,
                "legal_basis": r.legal_basis or "",
                "retention": r.retention or "",
                "until": _fmt(r.until)
                if r.until
                else gettext("Not fixed yet: the period has not started"),
            },
        )
        item["fields"].append(_label(r.column))
        item["categories"].append(_category(r.category)[0])
    for item in kept.values():
        item["fields"] = ", ".join(item["fields"])
        item["categories"] = ", ".join(dict.fromkeys(item["categories"]))
    return {
        "label": _label(jt.table),
        "found": jt.rows,
        "deleted": report.deleted,
        "anonymised": report.anonymised,
        "kept_rows": max(jt.rows - report.deleted, 0),
        "kept": list(kept.values()),
    }


def _job_datamap(job: Job) -> DataMap | None:
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
    with translation.override(language):
        if len(activities) == 1:
            title = gettext("Processing activity: %(name)s") % {"name": activities[0].name}
        else:
            title = gettext("Register of processing activities")
        return {
            "title": title,
            "generated_at": _fmt(now),
            "register_version": version,
            "controllers": _controllers(activities),
            "activities": [_register_item(a) for a in activities],
            **_furniture(
                activities, gettext("Register version %(n)s") % {"n": version}, now, version
            ),
        }


def register_pdf(*, activities: Iterable[ProcessingActivity], language: str) -> bytes:
    """The register, or part of it, as PDF bytes for a regulator or an auditor (Art. 30(4))."""
    context = register_context(activities=activities, language=language)
    return pdf.render_pdf(REGISTER_TEMPLATE, context, language=language, title=context["title"])


def _register_item(activity: ProcessingActivity) -> dict[str, Any]:
    return {
        "a": activity,
        **_activity_facts(activity),
        "categories": [
            {"label": _category(c)[0], "description": _category(c)[1]}
            for c in activity.data_categories
        ],
        "period": _period(activity),
        "trigger": str(activity.get_retention_trigger_display()),
        "updated_at": _fmt(activity.updated_at),
    }


# --- shared pieces ------------------------------------------------------------------------


def _controllers(activities) -> list[dict[str, str]]:
    seen: dict[tuple, dict[str, str]] = {}
    for a in activities:
        key = (a.controller, a.controller_contact, a.dpo_contact)
        seen.setdefault(
            key,
            {
                "name": a.controller,
                "contact": a.controller_contact,
                "joint": a.joint_controller,
                "representative": a.representative,
                "dpo": a.dpo_contact,
            },
        )
    return list(seen.values())


def _furniture(activities, header_right: str, now: datetime, version: int) -> dict[str, str]:
    """Page header and footer texts (dsar/pdf/base.html), in the active language."""
    first = next(iter(activities), None)
    footer = gettext("Generated %(when)s · register version %(version)s")
    return {
        "header_left": first.controller if first else gettext("Privacy portal"),
        "header_right": header_right,
        "footer_left": footer % {"when": _fmt(now), "version": version},
    }


def _reference(data_request: DataRequest) -> str:
    return gettext("Reference %(reference)s") % {"reference": data_request.reference}


def _rights() -> list[dict[str, str]]:
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
            "text": gettext("Make a request in our privacy portal, free of charge: %(url)s")
            % portal,
        },
    ]


def _period(activity: ProcessingActivity) -> str:
    months = activity.retention_months
    if not months:
        return ""
    if months % 12 == 0:
        years = months // 12
        period = ngettext("%(count)d year", "%(count)d years", years) % {"count": years}
    else:
        period = ngettext("%(count)d month", "%(count)d months", months) % {"count": months}
    if activity.retention_trigger == Trigger.FIXED:
        return period
    trigger = activity.get_retention_trigger_display()
    return gettext("%(period)s %(trigger)s") % {"period": period, "trigger": trigger}


def _category(code: str | None) -> tuple[str, str]:
    label, description = CATEGORIES.get(code or "", (code or "—", ""))
    return str(label), str(description)


def _label(name: str) -> str:
    """A column or table name for people: "full_name" → "Full name"."""
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


def _local_date(value: date) -> date:
    if isinstance(value, datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value


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
