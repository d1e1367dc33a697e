"""Staff sign-in records the portal keeps itself: authenticator enrolment links."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class EnrolmentLink(models.Model):
    """A one-time link that lets one member of staff set up an authenticator app.

    A manager or an administrator issues it (`portal.enrolment.issue_link`, the staff page
    or `manage.py create_staff`); it works once, for `ENROLMENT_LINK_HOURS` (24), together
    with the member's own password. Only a SHA-256 of its token is stored. Setting up an
    authenticator through it replaces any earlier one.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolment_links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    # None: issued by `manage.py create_staff`.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "enrolment link"

    def __str__(self) -> str:
        return f"EnrolmentLink #{self.pk}"

    def is_usable(self, now=None) -> bool:
        return self.used_at is None and (now or timezone.now()) < self.expires_at
