"""Presentation filters for dsar templates."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def staff_name(user) -> str:
    """A staff member's full name, else the username, else a dash."""
    if user is None:
        return "—"
    return user.get_full_name() or user.username


@register.filter
def css_string(value) -> str:
    """Text for a CSS string literal ("…"), as used for PDF page headers: no way out of it."""
    text = str(value)
    out = []
    for ch in text:
        if ch in '"\\' or ord(ch) < 32 or ch in "<>&'":
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return "".join(out)


@register.filter
def strategy_label(code: str) -> str:
    """An erasure strategy in words for staff."""
    from django.utils.translation import gettext

    labels = {
        "delete": gettext("Deleted (whole row)"),
        "null": gettext("Emptied"),
        "mask": gettext("Overwritten with a mask"),
        "hash": gettext("Replaced by an irreversible code"),
        "retain": gettext("Kept on a legal ground (below)"),
    }
    return labels.get(code, code)


@register.filter
def retained_until(report_item: dict) -> str:
    """When a column kept by an erasure goes, from its report entry (dsar.erasure.Retained)."""
    from dsar import erasure, extracts

    return extracts.kept_until_text(erasure.Retained.from_dict(report_item))


@register.filter
def decision_text(approval) -> str:
    """What a pending decision decides, in words for the approver and the case page."""
    from datetime import date

    from django.utils import formats
    from django.utils.translation import gettext

    from dsar.models import Approval, DataRequest

    p = approval.payload or {}
    day = lambda iso: formats.date_format(date.fromisoformat(iso), "DATE_FORMAT")  # noqa: E731
    if approval.about == Approval.Subject.REFUSAL:
        ground = DataRequest.RefusalGround(p["ground"]).label
        if p.get("partial"):
            return gettext("Refuse part of the request: %(ground)s") % {"ground": ground}
        return gettext("Refuse the request: %(ground)s") % {"ground": ground}
    if approval.about == Approval.Subject.EXTENSION:
        return gettext("Extend the deadline from %(old)s to %(new)s: %(reason)s") % {
            "old": day(p["from"]),
            "new": day(p["to"]),
            "reason": DataRequest.ExtensionReason(p["reason"]).label,
        }
    if approval.about == Approval.Subject.POLICY:
        return gettext("Answer under %(policy)s, due %(due)s instead: %(reason)s") % {
            "policy": DataRequest.Policy(p["policy"]).label,
            "due": day(p["due_on"]),
            "reason": DataRequest.PolicyReason(p["reason"]).label,
        }
    if approval.about == Approval.Subject.RECTIFICATION:
        return gettext("Correct %(column)s of record %(row)s in %(table)s") % {
            "column": p["column"],
            "row": p["row"],
            "table": p["table"],
        }
    if approval.about == Approval.Subject.RESTRICTION:
        from dsar.models import Restriction

        return gettext("Restrict processing: %(reason)s") % {
            "reason": Restriction.Reason(p["reason"]).label
        }
    if approval.about == Approval.Subject.LIFT_RESTRICTION:
        return gettext("Lift the restriction of processing; the customer is told.")
    if approval.about == Approval.Subject.DECISION and p.get("kind"):
        return gettext("Confirm to the customer that we did it: %(kind)s (%(channel)s)") % {
            "kind": DataRequest.Kind(p["kind"]).label,
            "channel": DataRequest.Channel(p["channel"]).label,
        }
    return ""


@register.filter
def audit_lines(events) -> list:
    """A case's audit events as sentences with names (dsar.audit_text), for the case page."""
    from dsar import audit_text

    return audit_text.lines(events)
