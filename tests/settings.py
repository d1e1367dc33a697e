"""Test settings: portal.settings with only what tests need changed."""

import atexit
import os
import shutil
import tempfile

# The test suite runs the development defaults unless the environment says otherwise
# (.ci/run points DATABASE_URL at PostgreSQL and CELERY_BROKER_URL at Redis).
os.environ.setdefault("DEBUG", "true")
if "VAR_DIR" not in os.environ:
    os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="dsar-test-")
    atexit.register(shutil.rmtree, os.environ["VAR_DIR"], ignore_errors=True)
# pytest-xdist workers inherit the controller's VAR_DIR: each gets its own folder inside it,
# or one worker's demo seed clears the recordings (and packages) another is reading.
_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker and os.path.basename(os.environ["VAR_DIR"]) != _worker:
    os.environ["VAR_DIR"] = os.path.join(os.environ["VAR_DIR"], _worker)
    os.makedirs(os.environ["VAR_DIR"], exist_ok=True)

from portal.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MESSAGING_GATEWAY = os.environ.get("TEST_MESSAGING_GATEWAY", "locmem")
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# Eager Celery; the worker tests (CELERY_WORKER_TESTS=1) switch a real worker on themselves.
CELERY_TASK_ALWAYS_EAGER = True
LOGGING = {"version": 1, "disable_existing_loggers": False}
MIGRATE_DATABASE_URL = ""  # a developer's owner role never reaches the test databases
