"""The register's texts per language (django-modeltranslation).

Every text of an activity or a recipient that reaches a customer (the register extract) or
a regulator (the register PDF) has a column per language: `purposes_en`, `purposes_nl`, …
Reading `activity.purposes` gives the active language's text, or English when it is empty;
`dsar.documents` asks which language it got, so that an English fallback in a Dutch extract
is marked as English and shown to staff before release.
"""

from modeltranslation.translator import TranslationOptions, register

from dsar.models import ProcessingActivity, Recipient


@register(ProcessingActivity)
class ProcessingActivityTranslation(TranslationOptions):
    fields = (
        "name",
        "controller_contact",
        "dpo_contact",
        "purposes",
        "legal_basis_detail",
        "subject_categories",
        "special_categories",
        "retention_text",
        "security_measures",
        "source",
        "automated_logic",
        "systems",
    )


@register(Recipient)
class RecipientTranslation(TranslationOptions):
    fields = ("name", "purpose", "safeguard_detail")
