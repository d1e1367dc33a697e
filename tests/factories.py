"""factory_boy factories for the portal's own models."""

from __future__ import annotations

import factory
from django.utils import timezone

from dsar.models import DataRequest, Subject


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
