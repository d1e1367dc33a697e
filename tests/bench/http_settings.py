"""Production settings (portal.settings, DEBUG=false from the environment) for the HTTP
bench's gunicorn, with the bare view's URL conf added. Static files are served from the
source folders (no `collectstatic` in a bench run), as tests.settings does."""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "tests.bench.bare_urls"
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
