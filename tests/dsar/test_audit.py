"""The audit trail: hash-chained, append-only, and its verification finds the first break."""

import pytest
from django.db import connection

from dsar import audit
from dsar.models import AuditEvent
from tests.factories import DataRequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail():
    dr = DataRequestFactory()
    return [audit.record(dr, "dsar.test.step", data={"n": i}) for i in range(5)]


def test_it_chains_events(trail):
    assert trail[0].prev_hash == audit.GENESIS
    for before, after in zip(trail, trail[1:], strict=False):
        assert after.prev_hash == before.hash and after.seq == before.seq + 1
    assert audit.verify_chain().ok


def test_it_refuses_changes_through_the_orm(trail):
    event = trail[0]
    event.action = "forged"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


def _raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.skipif(connection.vendor == "postgresql", reason="PostgreSQL refuses the edit itself")
def test_it_finds_the_first_edited_event(trail):
    _raw("UPDATE dsar_auditevent SET data = %s WHERE seq = %s", ['{"n": 99}', 3])
    report = audit.verify_chain()
    assert report.first_broken_seq == 3 and report.reason == "the event was changed"


@pytest.mark.skipif(
    connection.vendor == "postgresql", reason="PostgreSQL refuses the delete itself"
)
def test_it_finds_a_removed_event(trail):
    _raw("DELETE FROM dsar_auditevent WHERE seq = %s", [2])
    report = audit.verify_chain()
    assert report.first_broken_seq == 2 and report.reason == "an event is missing"


def test_the_database_refuses_edits_on_postgresql(trail):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError), transaction.atomic():
        _raw("UPDATE dsar_auditevent SET action = %s WHERE seq = %s", ["forged", 1])
    with pytest.raises(DatabaseError), transaction.atomic():
        _raw("DELETE FROM dsar_auditevent WHERE seq = %s", [1])
    assert audit.verify_chain().ok


def test_the_verify_audit_command_reports(trail, capsys):
    from django.core.management import call_command

    call_command("verify_audit")
    assert "5 events, chain intact" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_take_turns_on_postgresql():
    # Appends lock with an advisory lock, not SELECT … FOR UPDATE (the application's role
    # may not UPDATE the trail): eight connections appending at once still make one chain.
    if connection.vendor != "postgresql":
        pytest.skip("several connections writing at once: PostgreSQL (.ci/run)")
    import threading

    from django.db import connections, transaction

    errors = []

    def append(n: int) -> None:
        try:
            for i in range(10):
                with transaction.atomic():
                    audit.record(None, "dsar.test.concurrent", data={"n": n, "i": i})
        except Exception as e:
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    report = audit.verify_chain()
    assert report.ok and report.checked == 80
