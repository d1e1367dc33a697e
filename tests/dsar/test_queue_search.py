"""The queue's search by number reads indexes only: the ids first, then their page (issue 11)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dsar import selectors
from dsar.models import DataRequest
from tests.factories import DataRequestFactory, SubjectFactory

pytestmark = pytest.mark.django_db


def _plans(queries) -> list[str]:
    lines = []
    with connection.cursor() as cursor:
        for sql in queries:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            lines += [row[-1] for row in cursor.fetchall()]
    return lines


def test_a_search_by_number_finds_that_numbers_open_cases_and_the_reference(bob):
    subject = SubjectFactory(number="+31612345678")
    mine = DataRequestFactory.create_batch(2, subject=subject)
    DataRequestFactory.create_batch(3)
    DataRequestFactory(subject=subject, status=DataRequest.Status.COMPLETED)
    found = selectors.case_queue(user=bob, filters=selectors.QueueFilters(q="06 12345678"))
    assert sorted(dr.pk for dr in found) == sorted(dr.pk for dr in mine)
    other = DataRequestFactory()
    found = selectors.case_queue(
        user=bob, filters=selectors.QueueFilters(q=other.reference.lower())
    )
    assert [dr.pk for dr in found] == [other.pk]


def test_a_search_by_number_never_reads_every_case(bob):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's plans (PostgreSQL plans small test tables with sequential scans)")
    subject = SubjectFactory(number="+31612345678")
    DataRequestFactory.create_batch(3, subject=subject)
    DataRequestFactory.create_batch(20)
    with CaptureQueriesContext(connection) as ctx:
        qs = selectors.case_queue(user=bob, filters=selectors.QueueFilters(q="+31612345678"))
        assert len(list(qs)) == 3
        assert qs.count() == 3
    plans = _plans(q["sql"] for q in ctx.captured_queries)
    # The ids: the reference's unique index OR the number's subject and its cases.
    assert "MULTI-INDEX OR" in plans
    # Nothing scans the cases; the page and its count look them up by id.
    assert not [p for p in plans if p.startswith("SCAN") and "dsar_datarequest" in p], plans
    assert any("dsar_datarequest USING INTEGER PRIMARY KEY" in p for p in plans), plans
