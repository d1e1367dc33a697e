"""Static files in production (portal/storage.py): hashed names from collectstatic's
manifest, and never a 500 because a name is missing from it."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.portal.outage import run_portal

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def production_storage(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "portal.storage.StaticFilesStorage"},
    }
    return settings


def test_it_serves_pages_when_collectstatic_was_not_run(client, production_storage, caplog):
    with caplog.at_level(logging.ERROR, logger="portal.storage"):
        r = client.get("/")
        client.get("/")
    assert r.status_code == 200
    assert 'href="/static/css/portal.css"' in r.content.decode()
    # Said once, with what to do.
    assert [rec.getMessage() for rec in caplog.records].count(
        "Static file css/portal.css is not in STATIC_ROOT's manifest: run "
        "`manage.py collectstatic --noinput` (served unhashed meanwhile)."
    ) == 1


def test_it_links_hashed_names_after_collectstatic(client, production_storage, tmp_path):
    source = tmp_path / "source"
    (source / "css").mkdir(parents=True)
    shutil.copy(ROOT / "static/css/portal.css", source / "css/portal.css")
    production_storage.STATICFILES_DIRS = [source]
    call_command("collectstatic", interactive=False, verbosity=0)
    r = client.get("/")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'href="/static/css/portal.' in html and 'href="/static/css/portal.css"' not in html
    assert (production_storage.STATIC_ROOT / "staticfiles.json").exists()


def test_the_deploy_check_warns_of_a_missing_manifest(tmp_path):
    r = run_portal(
        "from django.core.management import call_command\ncall_command('check', '--deploy')",
        VAR_DIR=str(tmp_path),
        STATIC_ROOT=str(tmp_path / "staticfiles"),
    )
    assert "portal.W001" in r.stderr + r.stdout
    assert "collectstatic" in r.stderr + r.stdout
