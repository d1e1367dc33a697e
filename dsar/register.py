"""The processing register: every change versioned and audited."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.forms.models import model_to_dict

from dsar import audit
from dsar.models import ProcessingActivity, RegisterVersion


def snapshot(activity: ProcessingActivity) -> dict:
    """The activity with its recipients as plain JSON-safe data."""
    data = model_to_dict(activity, exclude=["id"])
    data["recipients"] = [
        model_to_dict(r, exclude=["id", "activity"]) for r in activity.recipients.order_by("name")
    ]
    return data


@transaction.atomic
def record_change(*, activity: ProcessingActivity, by, action: str = "changed") -> RegisterVersion:
    """Record a change of an activity (after it and its recipients were saved).

    Bumps the activity's own version and the register's version number, stores the
    snapshot and writes an audit event. Call it in the transaction of the change.
    No inverse: versions are history.
    """
    # Serialise version numbers: lock the newest version row while numbering.
    last = RegisterVersion.objects.select_for_update().order_by("-number").first()
    number = (last.number + 1) if last else 1
    if action != "created":
        ProcessingActivity.objects.filter(pk=activity.pk).update(version=activity.version + 1)
        activity.refresh_from_db(fields=["version"])
    version = RegisterVersion.objects.create(
        number=number,
        activity=activity,
        activity_code=activity.code,
        action=action,
        snapshot=snapshot(activity),
        changed_by=by,
    )
    audit.record(
        None,
        "dsar.register.changed",
        actor=by,
        data={"activity": activity.code, "register_version": number, "action": action},
    )
    return version


def current_version() -> int:
    return RegisterVersion.objects.aggregate(n=Max("number"))["n"] or 0
