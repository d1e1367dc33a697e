"""The Art. 19 ledger: after an erasure, rectification or restriction is carried out, every
recipient of the register activities the customer's data went through is told, by e-mail to
the contact the register gives, through the staff-mail outbox (which retries).

Which activities: those of the data-map tables (and columns) in which the customer's rows
were found and changed. One entry per recipient and change, however many of those
activities name it. Entries hold the recipient's name and contact as they were; the mail
names the customer (their messaging number, the corrected value) because the recipient must
find them, and the outbox empties its body once it is sent or given up. The audit trail
holds ids and counts only.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dsar import audit, datamap, staff_mail
from dsar.models import DataMapVersion, DataRequest, Job, Recipient, RecipientNotice
from dsar.services import NotAllowed

Action = RecipientNotice.Action

SUBJECTS = {
    Action.ERASURE: "Art. 19 GDPR: a customer's personal data was erased (%(ref)s)",
    Action.RECTIFICATION: "Art. 19 GDPR: a customer's personal data was corrected (%(ref)s)",
    Action.RESTRICTION: "Art. 19 GDPR: processing of a customer's data is restricted (%(ref)s)",
    Action.RESTRICTION_LIFTED: "Art. 19 GDPR: a restriction of processing is lifted (%(ref)s)",
}


def map_of(job: Job) -> datamap.DataMap | None:
    """The data map the job ran with (the loaded version whose SHA-256 it recorded)."""
    version = (
        DataMapVersion.objects.filter(sha256=job.datamap_sha256).first()
        if job.datamap_sha256
        else None
    )
    if version is None:
        return None
    return datamap.from_dict(version.content, origin=version.origin, sha256=version.sha256)


def erased_activities(job: Job) -> list[str]:
    """The activities whose data an erasure job changed: of each planned table with rows,
    the activities of its columns that were not retained."""
    dm = map_of(job)
    if dm is None:
        return []
    codes: list[str] = []
    for t in ((job.summary or {}).get("plan") or {}).get("tables", []):
        table = dm.table(t.get("source", ""), t.get("table", ""))
        if table is None or not t.get("rows"):
            continue
        for code, columns in table.columns_by_activity().items():
            if any(c.erasure != "retain" for c in columns):
                codes.append(code)
    return list(dict.fromkeys(codes))


def record(
    *,
    data_request: DataRequest,
    action: str,
    activities: Iterable[str],
    details: list[str] | None = None,
    by=None,
) -> list[RecipientNotice]:
    """Write one ledger entry per recipient of `activities` and queue its e-mail. Call it in
    the transaction that carries the change out; the mails go after commit. Safe to call
    twice: an entry exists once per case, change and recipient. `details` are lines for the
    recipient (what was corrected), never stored outside the mail. No inverse."""
    codes = list(dict.fromkeys(activities))
    grouped: dict[str, tuple[Recipient, list[str]]] = {}
    for r in Recipient.objects.filter(activity__code__in=codes).select_related("activity"):
        name = r.name_en or r.name
        grouped.setdefault(name, (r, []))[1].append(r.activity.code)
    made = []
    for name, (recipient, via) in sorted(grouped.items()):
        notice, created = RecipientNotice.objects.get_or_create(
            data_request=data_request,
            action=action,
            recipient_name=name,
            defaults={
                "recipient": recipient,
                "contact_email": recipient.contact_email,
                "activities": sorted(set(via)),
            },
        )
        if not created:
            continue
        if notice.contact_email:
            notice.mail = staff_mail.queue(
                key=f"art19:{notice.pk}",
                subject=SUBJECTS[action] % {"ref": data_request.reference},
                body=_body(data_request, notice, details or []),
                recipients=[notice.contact_email],
                data_request=data_request,
                scrub_body=True,
            )
            notice.save(update_fields=["mail"])
        made.append(notice)
    if made:
        audit.record(
            data_request,
            "dsar.recipients.notified",
            actor=by,
            data={
                "action": action,
                "notices": [n.pk for n in made],
                "by_email": sum(1 for n in made if n.mail_id),
                "no_contact": sum(1 for n in made if not n.mail_id),
            },
        )
    return made


def _body(dr: DataRequest, notice: RecipientNotice, details: list[str]) -> str:
    # Recipients are businesses: the notice is in English, whatever the customer's language.
    from dsar.models import ProcessingActivity

    with translation.override("en"):
        names = list(ProcessingActivity.objects.filter(code__in=notice.activities).order_by("name"))
        return render_to_string(
            "dsar/staff/recipient_notice_email.txt",
            {
                "dr": dr,
                "notice": notice,
                "activities": [a.name_en or a.name for a in names],
                "number": dr.subject.number,
                "details": details,
                "controller": names[0].controller if names else "",
                "contact": names[0].controller_contact if names else "",
            },
        )


@transaction.atomic
def acknowledge(*, notice: RecipientNotice, by) -> RecipientNotice:
    """Staff record that the recipient confirmed it acted on the notice. Raises NotAllowed
    without the role or when it is already marked. No inverse."""
    if not by.has_perm("dsar.work_datarequest"):
        raise NotAllowed(_("You do not have the role for this."))
    notice = RecipientNotice.objects.select_for_update().get(pk=notice.pk)
    if notice.acknowledged_at:
        raise NotAllowed(_("This recipient's reply is already recorded."))
    notice.acknowledged_at, notice.acknowledged_by = timezone.now(), by
    notice.save(update_fields=["acknowledged_at", "acknowledged_by"])
    audit.record(
        notice.data_request,
        "dsar.recipients.acknowledged",
        actor=by,
        data={"notice": notice.pk, "action": notice.action},
    )
    return notice


def for_case(dr: DataRequest) -> list[RecipientNotice]:
    """The case's ledger, oldest first, with each entry's mail."""
    return list(dr.recipient_notices.select_related("mail", "acknowledged_by"))
