"""Authenticator enrolment links: the only way a member of staff sets up a TOTP app.

A manager (`portal.add_enrolmentlink`) or an administrator issues a link for someone
else; the link works once, within `ENROLMENT_LINK_HOURS`, and only after that person's
own password. A password alone never adds an authenticator. Both steps are audited with
ids only.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from dsar import audit
from portal.models import EnrolmentLink


class EnrolmentRefused(Exception):
    """A link cannot be issued or used; `message` is translated and safe to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def may_issue(*, by, user) -> bool:
    """Whether `by` may issue a link for `user`: never for oneself (someone else vouches),
    only for active staff, and for an administrator only as an administrator."""
    if by.pk == user.pk or not (user.is_active and user.is_staff):
        return False
    if user.is_superuser and not by.is_superuser:
        return False
    return by.is_superuser or by.has_perm("portal.add_enrolmentlink")


def issue_link(*, user, by=None) -> tuple[EnrolmentLink, str]:
    """Issue a one-time enrolment link for `user`; returns the link and its URL, the only
    time the token exists in clear. `by` is the manager or administrator (None: the
    `create_staff` command). Earlier unused links of `user` stop working.

    Raises `EnrolmentRefused` when `by` may not issue it (`may_issue`). One transaction,
    audited as `portal.enrolment.issued`.
    """
    if by is not None and not may_issue(by=by, user=user):
        raise EnrolmentRefused(_("You cannot issue an enrolment link for this person."))
    if not (user.is_active and user.is_staff):
        raise EnrolmentRefused(_("Enrolment links are for active staff members only."))
    now = timezone.now()
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        EnrolmentLink.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now).update(
            expires_at=now
        )
        link = EnrolmentLink.objects.create(
            user=user,
            token_hash=_hash(token),
            created_by=by,
            created_at=now,
            expires_at=now + timedelta(hours=settings.ENROLMENT_LINK_HOURS),
        )
        audit.record(
            None,
            "portal.enrolment.issued",
            actor=by,
            data={"user": user.pk, "link": link.pk, "via": "page" if by else "command"},
        )
    return link, settings.SITE_URL + reverse("staff-enrol", args=[token])


def find_link(token: str) -> EnrolmentLink | None:
    """The usable link with this token (unused, unexpired, its user active staff), else None."""
    if not token or len(token) > 100:
        return None
    link = EnrolmentLink.objects.select_related("user").filter(token_hash=_hash(token)).first()
    if link is None or not link.is_usable() or not (link.user.is_active and link.user.is_staff):
        return None
    return link


def usable_link(*, link_id: int, user) -> EnrolmentLink | None:
    """The link `link_id` if it is still usable and belongs to `user`, else None."""
    link = EnrolmentLink.objects.filter(pk=link_id, user=user).first()
    return link if link is not None and link.is_usable() else None


def redeem_link(*, link_id: int, device: TOTPDevice) -> TOTPDevice:
    """Use link `link_id` to confirm `device` (whose code was just checked) as its user's
    only authenticator. No inverse: a new link replaces the authenticator again.

    The link is claimed with a conditional UPDATE, so it works once even when two tabs
    confirm at the same moment; raises `EnrolmentRefused` when it is used, expired or not
    the device user's. One transaction, audited as `portal.enrolment.used`.
    """
    now = timezone.now()
    with transaction.atomic():
        claimed = EnrolmentLink.objects.filter(
            pk=link_id, user_id=device.user_id, used_at__isnull=True, expires_at__gt=now
        ).update(used_at=now)
        if claimed != 1:
            raise EnrolmentRefused(
                _("This enrolment link was used already or has expired. Ask for a new one.")
            )
        TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit.record(
            None,
            "portal.enrolment.used",
            actor=device.user,
            data={"user": device.user_id, "link": link_id, "device": device.pk},
        )
    return device
