import pytest


@pytest.fixture
def demo_db(django_db_blocker):
    """A small demo customer-service database (30 subjects, 600 messages), the demo register
    and the data map, as `make run` loads them."""
    from dsar.demo import seed
    from dsar.demo.register import seed_register

    with django_db_blocker.unblock():
        counts = seed("customer_service", subjects=30, messages=600, seed=7)
    seed_register()
    load_demo_map()
    return counts


def load_demo_map():
    """Load datamap.toml as `manage.py load_datamap` does."""
    from django.conf import settings

    from dsar import datamap, services

    services.store_datamap(datamap=datamap.load(settings.DSAR_DATAMAP_PATH))
