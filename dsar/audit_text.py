"""The audit trail in words: each event as a sentence with names, for the case page.

The trail stores codes and ids (`dsar.audit`); this turns them into what a person reads,
in the reader's language, at the time of reading. An action it does not know is shown
with its code and data, never hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dsar.models import Approval, AuditEvent, Clarification, DataRequest, Job, Notification


@dataclass(frozen=True)
class Line:
    """One event as the page shows it."""

    seq: int
    at: datetime
    who: str
    text: str
    sha256: str = ""


def _name(user) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


def _label(choices, value, default: str = "") -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return default or str(value)


def _day(value) -> str:
    if not value:
        return ""
    return formats.date_format(date.fromisoformat(str(value)[:10]), "DATE_FORMAT")


def _job(d: dict) -> str:
    kind = _label(Job.Kind, d.get("kind", ""), _("Job"))
    return _("%(kind)s (job %(job)s)") % {"kind": kind, "job": d.get("job", "?")}


class _Context:
    """What a sentence needs beyond the event: the actor's name, other people's names."""

    def __init__(self, event: AuditEvent, users: dict[int, object]) -> None:
        self.event = event
        self.data = event.data or {}
        self.users = users
        if event.actor_id:
            self.actor = _name(event.actor)
        elif event.actor_kind == AuditEvent.ActorKind.SUBJECT:
            self.actor = _("The customer")
        else:
            self.actor = _("The portal")

    def user(self, key: str) -> str:
        user = self.users.get(self.data.get(key))
        return (
            _name(user)
            if user is not None
            else _("staff member %(id)s") % {"id": self.data.get(key)}
        )


def _received(c: _Context) -> str:
    d = c.data
    kind = _label(DataRequest.Kind, d.get("kind", ""))
    if d.get("kind") in (DataRequest.Kind.OBJECTION, DataRequest.Kind.WITHDRAW_CONSENT):
        kind = f"{kind} ({_label(DataRequest.Channel, d.get('channel', ''))})"
    return _("The customer filed the request “%(kind)s” via %(via)s; due %(due)s.") % {
        "kind": kind,
        "via": _label(DataRequest.Via, d.get("via", "portal")),
        "due": _day(d.get("due_on")),
    }


def _status(c: _Context) -> str:
    values = {
        "who": c.actor,
        "old": _label(DataRequest.Status, c.data.get("from", "")),
        "new": _label(DataRequest.Status, c.data.get("to", "")),
    }
    if c.event.actor_id or c.event.actor_kind == AuditEvent.ActorKind.SUBJECT:
        return _("%(who)s moved the case from “%(old)s” to “%(new)s”.") % values
    return _("The case moved from “%(old)s” to “%(new)s”.") % values


def _assigned(c: _Context) -> str:
    if c.event.actor_id and c.data.get("assignee") == c.event.actor_id:
        return _("%(who)s took the case on.") % {"who": c.actor}
    return _("%(who)s assigned the case to %(assignee)s.") % {
        "who": c.actor,
        "assignee": c.user("assignee"),
    }


def _flagged(c: _Context) -> str:
    n = int(c.data.get("earlier_in_12_months", 0))
    return ngettext(
        "Flagged for assessment: the customer filed %(n)s other request in the last 12 months.",
        "Flagged for assessment: the customer filed %(n)s other requests in the last 12 months.",
        n,
    ) % {"n": n}


def _job_queued(c: _Context) -> str:
    if c.event.actor_id:
        return _("%(who)s started %(job)s.") % {"who": c.actor, "job": _job(c.data)}
    return _("%(job)s was queued.") % {"job": _job(c.data)}


def _package_built(c: _Context) -> str:
    size = formats.number_format(int(c.data.get("size", 0)))
    return _("The package was built (job %(job)s, %(size)s bytes).") % {
        "job": c.data.get("job", "?"),
        "size": size,
    }


def _notified(c: _Context) -> str:
    return _("The customer was told on their channel: %(kind)s.") % {
        "kind": _label(Notification.Kind, c.data.get("kind", ""))
    }


def _notice_failed(c: _Context) -> str:
    return _("A message to the customer could not be sent: %(kind)s.") % {
        "kind": _label(Notification.Kind, c.data.get("kind", ""))
    }


def _asked(c: _Context) -> str:
    return _("%(who)s asked the customer: “%(question)s”") % {
        "who": c.actor,
        "question": _label(Clarification.Question, c.data.get("question", "")),
    }


def _answered(c: _Context) -> str:
    answers = {k: v for pairs in Clarification.ANSWERS.values() for k, v in pairs}
    answer = c.data.get("answer", "")
    return _("The customer answered: “%(answer)s”.") % {"answer": answers.get(answer, answer)}


def _decided(c: _Context) -> str:
    if c.data.get("outcome") == "contact":
        return _("%(who)s decided that contact %(contact)s is the customer.") % {
            "who": c.actor,
            "contact": c.data.get("contact"),
        }
    return _("%(who)s decided that it cannot be told who behind the number is the customer.") % {
        "who": c.actor
    }


def _about(c: _Context) -> str:
    return _label(Approval.Subject, c.data.get("about", ""))


def _refused(c: _Context) -> str:
    ground = _label(DataRequest.RefusalGround, c.data.get("ground", ""))
    if c.data.get("partial"):
        return _("%(who)s approved refusing part of the request: %(ground)s.") % {
            "who": c.actor,
            "ground": ground,
        }
    return _("%(who)s approved refusing the request: %(ground)s.") % {
        "who": c.actor,
        "ground": ground,
    }


def _extended(c: _Context) -> str:
    return _("%(who)s approved the extension from %(old)s to %(new)s: %(reason)s.") % {
        "who": c.actor,
        "old": _day(c.data.get("from")),
        "new": _day(c.data.get("to")),
        "reason": _label(DataRequest.ExtensionReason, c.data.get("reason", "")),
    }


def _policy(c: _Context) -> str:
    return _("%(who)s approved answering under %(new)s instead of %(old)s, due %(due)s.") % {
        "who": c.actor,
        "old": _label(DataRequest.Policy, c.data.get("from", "")),
        "new": _label(DataRequest.Policy, c.data.get("to", "")),
        "due": _day(c.data.get("due_on")),
    }


def _reminder(c: _Context) -> str:
    if c.data.get("threshold") == "overdue":
        return _("The managers were warned that the case is overdue.")
    return _("The assignee was reminded that the case is due soon.")


def _mail(c: _Context) -> str:
    n = int(c.data.get("recipients", 0))
    key = str(c.data.get("key", ""))
    if key.startswith("art19:"):
        # To a recipient named in the register (Art. 19), not to a member of staff.
        return _("A recipient of the data was told by e-mail (Art. 19).")
    if key.startswith("weekly-summary:"):
        return _("The weekly summary went to the managers.")
    return ngettext(
        "A reminder e-mail went to %(n)s member of staff.",
        "A reminder e-mail went to %(n)s members of staff.",
        n,
    ) % {"n": n}


def _recipients(c: _Context) -> str:
    n = len(c.data.get("notices") or [])
    return ngettext(
        "%(n)s recipient of the data is told (Art. 19).",
        "%(n)s recipients of the data are told (Art. 19).",
        n,
    ) % {"n": n}


_SENTENCES: dict[str, Callable[[_Context], str]] = {
    "dsar.request.received": _received,
    "dsar.request.flagged_repeat": _flagged,
    "dsar.request.status_changed": _status,
    "dsar.request.assigned": _assigned,
    "dsar.request.access_refused": lambda c: _(
        "Someone verified with another number tried to open this request; it was refused."
    ),
    "dsar.request.refused": _refused,
    "dsar.request.extended": _extended,
    "dsar.request.policy_changed": _policy,
    "dsar.job.queued": _job_queued,
    "dsar.job.done": lambda c: _("%(job)s finished.") % {"job": _job(c.data)},
    "dsar.job.failed": lambda c: _("%(job)s failed.") % {"job": _job(c.data)},
    "dsar.job.taken_over": lambda c: (
        _("Job %(job)s was taken over after its worker stopped.") % {"job": c.data.get("job", "?")}
    ),
    "dsar.job.requeued": lambda c: (
        _("Job %(job)s was handed to a worker again.") % {"job": c.data.get("job", "?")}
    ),
    "dsar.package.built": _package_built,
    "dsar.package.downloaded": lambda c: _("The customer downloaded the package."),
    "dsar.package.file_viewed": lambda c: (
        _("%(who)s opened %(file)s in the package.")
        % {"who": c.actor, "file": c.data.get("file", "")}
    ),
    "dsar.notification.sent": _notified,
    "dsar.notification.failed": _notice_failed,
    "dsar.clarification.asked": _asked,
    "dsar.clarification.answered": _answered,
    "dsar.shared_number.evidence_viewed": lambda c: (
        _("%(who)s looked at who is behind the shared number.") % {"who": c.actor}
    ),
    "dsar.shared_number.decided": _decided,
    "dsar.approval.requested": lambda c: (
        _("%(who)s asked for approval: %(about)s.") % {"who": c.actor, "about": _about(c)}
    ),
    "dsar.approval.reviewed": lambda c: _("%(who)s reviewed what goes out.") % {"who": c.actor},
    "dsar.approval.approved": lambda c: (
        _("%(who)s approved: %(about)s.") % {"who": c.actor, "about": _about(c)}
    ),
    "dsar.approval.voided": lambda c: _(
        "The approval was voided: what was approved changed, or its time ran out."
    ),
    "dsar.approval.sent_back": lambda c: (
        _("%(who)s sent the case back to its preparer.") % {"who": c.actor}
    ),
    "dsar.erasure.cancelled": lambda c: _("The customer cancelled the erasure."),
    "dsar.rectification.requested": lambda c: (
        _("The customer asked to correct %(column)s in %(table)s.")
        % {"column": c.data.get("column", ""), "table": c.data.get("table", "")}
    ),
    "dsar.rectification.applied": lambda c: (
        _("The correction of %(column)s in %(table)s was made in the source.")
        % {"column": c.data.get("column", ""), "table": c.data.get("table", "")}
    ),
    "dsar.restriction.requested": lambda c: _("The customer asked to restrict the processing."),
    "dsar.restriction.placed": lambda c: _("The restriction of processing is in force."),
    "dsar.restriction.lifted": lambda c: _("The restriction of processing was lifted."),
    "dsar.recipients.notified": _recipients,
    "dsar.request.clock_resumed": lambda c: (
        _("The customer answered: the paused clock runs again, now due %(due)s.")
        % {"due": _day(c.data.get("to"))}
    ),
    "dsar.suppression.applied": lambda c: _("The marketing was stopped in the source systems."),
    "dsar.suppression.listed": lambda c: _("The number was put on the do-not-market list."),
    "dsar.recipients.acknowledged": lambda c: (
        _("%(who)s recorded that a recipient confirmed the notice.") % {"who": c.actor}
    ),
    "dsar.reminder.queued": _reminder,
    "dsar.staff_mail.sent": _mail,
}


def _fallback(c: _Context) -> str:
    details = "; ".join(f"{k}: {v}" for k, v in c.data.items() if k != "sha256")
    return f"{c.event.action}{' (' + details + ')' if details else ''}"


def lines(events: Iterable[AuditEvent]) -> list[Line]:
    """The events as sentences, oldest first as given; one query for the names they mention."""
    events = list(events)
    ids = {
        e.data.get(key)
        for e in events
        for key in ("assignee",)
        if isinstance(e.data, dict) and isinstance(e.data.get(key), int)
    }
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=ids)} if ids else {}
    result = []
    for event in events:
        c = _Context(event, users)
        text = _SENTENCES.get(event.action, _fallback)(c)
        result.append(
            Line(
                seq=event.seq,
                at=event.created_at,
                who=c.actor,
                text=text,
                sha256=str(c.data.get("sha256", "")),
            )
        )
    return result
