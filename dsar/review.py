"""What an approver sees before a release (four-eyes with eyes): the exact package or plan.

Read-only. For an access or export package it opens the very ZIP file whose SHA-256 the
approval covers: its file list, rows per table, a few rows of each table and the register
extract inside it. For an erasure it shows the plan the approval covers: rows per table,
what each strategy does to which columns, and what is kept, on which basis and until when
(the dates `dsar.retention` computed when the plan was made).
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from dsar import datamap as dsar_datamap
from dsar import exports, extracts
from dsar.models import AccessPackage, Approval, DataRequest, Job, Notification, Rectification
from dsar.retention import Held
from dsar.services import preview_notice

SAMPLE_ROWS = 5
# A sample cell longer than this is cut: the page shows what kind of data goes, not all of it.
SAMPLE_WIDTH = 120


@dataclass
class TablePreview:
    name: str
    rows: int
    columns: list[str] = field(default_factory=list)
    sample: list[list[str]] = field(default_factory=list)


def notice_preview(approval: Approval) -> str:
    """The message the customer receives on their channel once `approval` is carried out,
    as they will read it (their language, the decided dates and reasons)."""
    dr, p = approval.data_request, approval.payload or {}
    about = Approval.Subject
    if approval.about == about.RECTIFICATION:
        return preview_notice(dr, Notification.Kind.DATA_CORRECTED)
    if approval.about == about.RESTRICTION:
        return preview_notice(dr, Notification.Kind.RESTRICTED)
    if approval.about == about.LIFT_RESTRICTION:
        return preview_notice(dr, Notification.Kind.RESTRICTION_LIFTED)
    if approval.about in (about.PACKAGE, about.DECISION):
        return preview_notice(dr, Notification.Kind.READY)
    if approval.about == about.ERASURE_PLAN:
        hours = settings.DSAR_ERASURE_COOLING_OFF_HOURS
        if not hours:
            return preview_notice(dr, Notification.Kind.READY)
        when = timezone.localtime(timezone.now() + timedelta(hours=hours))
        return preview_notice(dr, Notification.Kind.ERASURE_SCHEDULED, erase_after=when)
    if approval.about == about.REFUSAL:
        kind = Notification.Kind.PARTLY_REFUSED if p.get("partial") else Notification.Kind.REFUSED
        ground = DataRequest.RefusalGround(p["ground"]).label
        return preview_notice(dr, kind, refusal_ground=ground)
    if approval.about == about.EXTENSION:
        reason = DataRequest.ExtensionReason(p["reason"]).label
        return preview_notice(
            dr,
            Notification.Kind.EXTENDED,
            due_on=date.fromisoformat(p["to"]),
            extension_reason=reason,
        )
    if approval.about == about.POLICY:
        return preview_notice(
            dr,
            Notification.Kind.POLICY_CHANGED,
            due_on=date.fromisoformat(p["due_on"]),
            policy=DataRequest.Policy(p["policy"]).label,
            policy_reason=DataRequest.PolicyReason(p["reason"]).label,
        )
    return ""


def approval_preview(approval: Approval) -> dict[str, Any]:
    """What the pending `approval` covers, for the approver: a package, an erasure plan or a
    decision, and the message the customer then receives."""
    return {**_preview(approval), "notice": notice_preview(approval)}


def _preview(approval: Approval) -> dict[str, Any]:
    dr = approval.data_request
    if approval.package_id:
        package = approval.package
        preview = package_preview(package, package.job.summary or {})
        warnings = {**preview["warnings"], "corrected_since": corrected_since(package)}
        return {"package": preview, "warnings": warnings}
    if approval.about == Approval.Subject.RECTIFICATION:
        from dsar import rectification

        return {"rectification": rectification.preview(dr)}
    if approval.about == Approval.Subject.ERASURE_PLAN:
        discoveries = dr.jobs.filter(kind=Job.Kind.DISCOVER, state=Job.State.DONE).order_by("-pk")
        for job in discoveries:
            if (job.summary or {}).get("fingerprint") == approval.sha256:
                preview = erasure_preview(job)
                warnings = {**preview["warnings"], "other_open": other_open_requests(dr)}
                return {"erasure": preview, "warnings": warnings}
    return {}


def corrected_since(package) -> list:
    """Corrections of the customer's data applied after `package` was built: the package
    still holds the old values and contradicts what the customer was told."""
    return list(
        Rectification.objects.filter(
            data_request__subject_id=package.data_request.subject_id,
            applied_at__gt=package.created_at,
        ).select_related("data_request")
    )


def other_open_requests(dr) -> list:
    """The same customer's other open requests: an erasure carried out first would leave
    an access or export request with nothing to answer from."""
    return list(
        DataRequest.objects.filter(subject_id=dr.subject_id, status__in=DataRequest.OPEN_STATUSES)
        .exclude(pk=dr.pk)
        .order_by("due_on")
    )


def package_preview(package: AccessPackage, summary: dict[str, Any]) -> dict[str, Any]:
    """The package file's contents, read from the file itself (bounded: SAMPLE_ROWS a table)."""
    path = settings.PRIVATE_MEDIA_ROOT / package.path
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        names = {info.filename for info in infos}
        tables = [
            _csv_preview(zf, name, rows)
            for key, rows in (summary.get("counts") or {}).items()
            if (name := _csv_name(key)) in names
        ]
    return {
        "sha256": package.sha256,
        "size": package.size,
        "files": [{"name": i.filename, "size": i.file_size} for i in infos],
        "tables": tables,
        "has_extract": exports.REGISTER_EXTRACT in names,
        "warnings": _warnings(summary),
    }


def read_package_file(package: AccessPackage, name: str) -> bytes | None:
    """One file of the package (the register extract, for the approver), or None."""
    path = settings.PRIVATE_MEDIA_ROOT / package.path
    with zipfile.ZipFile(path) as zf:
        if name not in zf.namelist():
            return None
        return zf.read(name)


def erasure_preview(discovery: Job) -> dict[str, Any]:
    """The erasure plan a discovery made: per table the rows and what happens to them."""
    summary = discovery.summary or {}
    dm = extracts.job_datamap(discovery)
    held = [Held.from_dict(h) for h in summary.get("retention", [])]
    tables = []
    for row in summary.get("tables", []):
        table = dm.table(row["source"], row["table"]) if dm else None
        if table is None or not row["rows"]:
            continue
        strategies: dict[str, list[str]] = {}
        for column in table.columns:
            strategies.setdefault(column.erasure or "", []).append(column.name)
        kept = [
            {
                "columns": [c for c in h.columns if c in strategies.get("retain", [])],
                "legal_basis": _legal_bases(table, h),
                "until": extracts.kept_until_text_for(h),
                "activity": h.activity,
            }
            for h in held
            if (h.source, h.table) == (table.source, table.name)
        ]
        tables.append(
            {
                "name": f"{table.source}.{table.name}",
                "rows": row["rows"],
                "deletes_rows": table.deletes_rows,
                "strategies": sorted(strategies.items()),
                "kept": [k for k in kept if k["columns"]],
            }
        )
    return {
        "sha256": summary.get("fingerprint", ""),
        "tables": tables,
        "warnings": _warnings(summary),
    }


def _legal_bases(table: dsar_datamap.Table, held: Held) -> list[str]:
    bases = (table.column(c).legal_basis for c in held.columns if table.column(c))
    return list(dict.fromkeys(b for b in bases if b))


def _warnings(summary: dict[str, Any]) -> dict[str, Any]:
    return {
        "past_rule": [Held.from_dict(h) for h in summary.get("past_rule", [])],
        "missing_translations": summary.get("missing_translations", []),
        "withheld": summary.get("withheld", 0),
        "shared": summary.get("shared", []),
        # Who the preparer decided the customer is, behind a shared number.
        "requester": summary.get("requester", []),
    }


def _csv_name(key: str) -> str:
    source, _, table = key.partition("/")
    return exports.TableExport(source, table, "", (), ()).csv_name


def _csv_preview(zf: zipfile.ZipFile, name: str, rows: int) -> TablePreview:
    with zf.open(name) as raw:
        reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""))
        header = next(reader, [])
        sample = []
        for row in reader:
            sample.append([_cut(cell) for cell in row])
            if len(sample) >= SAMPLE_ROWS:
                break
    return TablePreview(name=name, rows=rows, columns=header, sample=sample)


def _cut(cell: str) -> str:
    return cell if len(cell) <= SAMPLE_WIDTH else cell[: SAMPLE_WIDTH - 1] + "…"
