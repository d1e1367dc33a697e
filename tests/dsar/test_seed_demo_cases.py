"""The demo cases read as a real history: each filed, told and audited on its own day."""

import io

import pytest
from django.core.management import call_command

from dsar.models import AuditEvent, DataRequest

pytestmark = pytest.mark.django_db


def test_each_demo_case_is_audited_on_the_day_it_was_received(settings):
    settings.DEBUG = True
    call_command("seed_demo_cases", cases=12, stdout=io.StringIO())
    requests = list(DataRequest.objects.all())
    assert len(requests) == 16  # 12 random, 3 named customers, the prospect who objected
    for dr in requests:
        received = dr.events.get(action="dsar.request.received")
        assert received.created_at == dr.received_at
        assert all(e.created_at == dr.received_at for e in dr.events.all())
    # Oldest first: the chain's order is the order of receipt.
    events = list(AuditEvent.objects.filter(action="dsar.request.received").order_by("seq"))
    assert [e.created_at for e in events] == sorted(e.created_at for e in events)
    # Seeded cases did not come through the portal's forms: not part of the funnel.
    assert not DataRequest.objects.exclude(idempotency_key="").exists()
