import pytest


@pytest.fixture
def demo_db(django_db_blocker):
    """A small demo customer-service database (30 subjects, 600 messages)."""
    from dsar.demo import seed

    with django_db_blocker.unblock():
        return seed("customer_service", subjects=30, messages=600, seed=7)
