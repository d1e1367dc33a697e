"""factory_boy factories for the portal's own models."""

from __future__ import annotations

import factory
from django.utils import timezone

from dsar.models import DataRequest, ProcessingActivity, Subject


class SubjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subject

    number = factory.Sequence(lambda n: f"+3162{n:07d}")
    language = "en"


class DataRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DataRequest

    subject = factory.SubFactory(SubjectFactory)
    kind = DataRequest.Kind.ACCESS
    received_at = factory.LazyFunction(timezone.now)
    received_on = factory.LazyAttribute(lambda o: timezone.localdate(o.received_at))
    due_on = factory.LazyAttribute(lambda o: o.received_on + timezone.timedelta(days=30))


class ProcessingActivityFactory(factory.django.DjangoModelFactory):
    """An activity of the register with a retention rule (English texts only)."""

    class Meta:
        model = ProcessingActivity
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"activity-{n}")
    name_en = factory.LazyAttribute(lambda o: o.code.replace("-", " ").capitalize())
    controller = "Voorbeeld Bank N.V."
    controller_contact_en = "privacy@voorbeeldbank.example"
    dpo_contact_en = "fg@voorbeeldbank.example"
    purposes_en = "Serving the customer."
    legal_basis = ProcessingActivity.LegalBasis.CONTRACT
    subject_categories_en = "Customers"
    retention_trigger = ProcessingActivity.RetentionTrigger.COLLECTION
    retention_months = 12
    retention_text_en = "12 months."
    security_measures_en = "Access by role."
    source_en = "The customer."
