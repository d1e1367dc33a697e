"""The processing register (GDPR Art. 30(1)): activities, their recipients, their versions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# EU/EEA countries (ISO 3166-1 alpha-2): a recipient elsewhere is a transfer (Art. 44 ff.).
EEA = {
    "AT",
    "BE",
    "BG",
    "CY",
    "CZ",
    "DE",
    "DK",
    "EE",
    "ES",
    "FI",
    "FR",
    "GR",
    "HR",
    "HU",
    "IE",
    "IS",
    "IT",
    "LI",
    "LT",
    "LU",
    "LV",
    "MT",
    "NL",
    "NO",
    "PL",
    "PT",
    "RO",
    "SE",
    "SI",
    "SK",
}


class ProcessingActivity(models.Model):
    """One activity of the register, with every Art. 30(1) field.

    `code` is what the data map's tables name (`activity = "customer-service"`), which is
    how a customer's rows lead to the purposes, recipients and retention of an access
    answer. Changed only through `dsar.register.save_activity()`, which versions it.
    """

    class LegalBasis(models.TextChoices):
        CONSENT = "6_1_a", _("Consent (Art. 6(1)(a))")
        CONTRACT = "6_1_b", _("Performance of a contract (Art. 6(1)(b))")
        LEGAL_OBLIGATION = "6_1_c", _("Legal obligation (Art. 6(1)(c))")
        VITAL_INTERESTS = "6_1_d", _("Vital interests (Art. 6(1)(d))")
        PUBLIC_TASK = "6_1_e", _("Public task (Art. 6(1)(e))")
        LEGITIMATE_INTERESTS = "6_1_f", _("Legitimate interests (Art. 6(1)(f))")

    class RetentionTrigger(models.TextChoices):
        """When the retention period starts (`dsar.retention` knows which date that is)."""

        COLLECTION = "collection", _("after collection")
        LAST_CONTACT = "last_contact", _("after the last contact")
        CONTRACT_END = "contract_end", _("after the contract ends")
        PAYMENT = "payment", _("after the payment")
        LAST_PAYMENT = "last_payment", _("after the last payment")
        CONSENT_WITHDRAWN = "consent_withdrawn", _("after consent is withdrawn")
        FIXED = "fixed", _("fixed period")

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    # (a) controller, joint controller, representative, DPO and their contacts
    controller = models.CharField(_("controller"), max_length=200)
    controller_contact = models.CharField(_("controller contact"), max_length=200)
    joint_controller = models.CharField(_("joint controller"), max_length=200, blank=True)
    representative = models.CharField(_("representative"), max_length=200, blank=True)
    dpo_contact = models.CharField(_("data protection officer"), max_length=200)
    # (b) purposes and the legal basis
    purposes = models.TextField(_("purposes"))
    legal_basis = models.CharField(_("legal basis"), max_length=8, choices=LegalBasis)
    legal_basis_detail = models.TextField(_("legal basis, explained"), blank=True)
    # (c) categories of data subjects and of personal data
    subject_categories = models.TextField(_("categories of data subjects"))
    data_categories = models.JSONField(_("categories of personal data"), default=list)
    special_categories = models.TextField(
        _("special categories (Art. 9) or criminal data (Art. 10)"), blank=True
    )
    # (f) time limits for erasure
    retention_trigger = models.CharField(
        _("retention starts"), max_length=20, choices=RetentionTrigger
    )
    retention_months = models.PositiveIntegerField(_("retention in months"))
    retention_text = models.TextField(_("retention, explained"))
    # (g) security measures; plus what Art. 15(1)(g) and (h) need per customer
    security_measures = models.TextField(_("security measures"))
    source = models.TextField(_("source of the data"))
    automated_decisions = models.BooleanField(_("automated decision-making"), default=False)
    automated_logic = models.TextField(
        _("logic and consequences of automated decisions"), blank=True
    )
    systems = models.TextField(_("systems and who has access"), blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("processing activity")
        verbose_name_plural = _("processing activities")

    def __str__(self) -> str:
        return self.name


class Recipient(models.Model):
    """A named recipient or processor of an activity (C-154/21: names, not only categories)."""

    class Kind(models.TextChoices):
        PROCESSOR = "processor", _("Processor")
        CONTROLLER = "controller", _("Other controller")
        AUTHORITY = "authority", _("Public authority")

    class Safeguard(models.TextChoices):
        NONE_NEEDED = "", _("Within the EEA")
        ADEQUACY = "adequacy", _("Adequacy decision (Art. 45)")
        SCC = "scc", _("Standard contractual clauses (Art. 46(2)(c))")
        BCR = "bcr", _("Binding corporate rules (Art. 47)")
        DEROGATION = "derogation", _("Derogation (Art. 49)")

    activity = models.ForeignKey(
        ProcessingActivity, on_delete=models.CASCADE, related_name="recipients"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind)
    purpose = models.CharField(_("what they do with it"), max_length=300)
    country = models.CharField(_("country (ISO code)"), max_length=2)
    safeguard = models.CharField(
        _("transfer safeguard"), max_length=12, choices=Safeguard, blank=True
    )
    safeguard_detail = models.CharField(_("safeguard, explained"), max_length=300, blank=True)
    # Where we tell them of an erasure, rectification or restriction (Art. 19).
    contact_email = models.EmailField(_("contact e-mail (Art. 19 notices)"), blank=True)

    class Meta:
        ordering = ["activity", "name"]
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")

    def __str__(self) -> str:
        return self.name

    @property
    def outside_eea(self) -> bool:
        return self.country.upper() not in EEA


class RegisterVersion(models.Model):
    """One change of the register: a numbered snapshot of the activity after the change.

    `number` counts every change of the whole register, so an extract can say "register
    version 17" and an auditor can see exactly what it said then.
    """

    number = models.PositiveIntegerField(unique=True)
    activity = models.ForeignKey(
        ProcessingActivity,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="versions",
    )
    activity_code = models.CharField(max_length=64)
    action = models.CharField(max_length=10)
    snapshot = models.JSONField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"Register version {self.number}"
