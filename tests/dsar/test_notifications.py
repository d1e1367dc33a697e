"""Notices to the subject: sent once, retried on temporary failures, no personal data."""

from unittest import mock

import pytest

from dsar import services
from dsar.models import AuditEvent, Notification
from tests.conftest import ALICE, committed
from verification import gateways

pytestmark = pytest.mark.django_db


@pytest.fixture
def notification():
    with committed():
        dr = services.open_request(number=ALICE, kind="access")
    return dr.notifications.get()


def test_it_sends_once(notification, outbox):
    assert notification.state == "sent" and len(outbox) == 1
    Notification.objects.filter(pk=notification.pk).update(state="queued")
    # A duplicate delivery of the task finds the row claimed or sent and does nothing.
    Notification.objects.filter(pk=notification.pk).update(state="sending")
    assert services.send_notification(notification_id=notification.pk) is False
    assert len(outbox) == 1


def test_it_requeues_on_a_temporary_failure(notification, outbox):
    Notification.objects.filter(pk=notification.pk).update(state="queued")
    with (
        mock.patch.object(
            gateways.LocmemGateway,
            "send",
            autospec=True,
            side_effect=gateways.TemporaryFailure("503"),
        ),
        pytest.raises(gateways.TemporaryFailure),
    ):
        services.send_notification(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.state == "queued"


def test_it_marks_a_permanent_failure_and_audits_it(notification):
    Notification.objects.filter(pk=notification.pk).update(state="queued")
    with mock.patch.object(
        gateways.LocmemGateway, "send", autospec=True, side_effect=gateways.PermanentFailure("400")
    ):
        assert services.send_notification(notification_id=notification.pk) is False
    notification.refresh_from_db()
    assert notification.state == "failed"
    assert AuditEvent.objects.filter(action="dsar.notification.failed").exists()


def test_it_writes_the_notice_in_the_customers_language(outbox):
    with committed():
        services.open_request(number=ALICE, kind="access", language="nl")
    assert "Wij hebben uw privacyverzoek" in outbox[-1].text
