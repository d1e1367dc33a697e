"""Static files in production: hashed and compressed by WhiteNoise, never a failing page."""

from __future__ import annotations

import logging

from whitenoise.storage import CompressedManifestStaticFilesStorage

logger = logging.getLogger(__name__)


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's manifest storage that turns a missing file into a log line, not a 500.

    `{% static %}` asks the manifest that `manage.py collectstatic` writes for a file's
    hashed name. Django's storage raises when collectstatic was not run, or was run before
    a template named a new file, and every page that links a stylesheet fails. Here the
    page keeps its unhashed URL (served if the file is in STATIC_ROOT, a 404 for that one
    file otherwise) and the error is logged once per name; `manage.py check --deploy`
    warns of a missing manifest before the portal starts (portal/checks.py).
    """

    manifest_strict = False

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._reported: set[str] = set()

    def stored_name(self, name: str) -> str:
        try:
            return super().stored_name(name)
        except ValueError:
            if name not in self._reported:
                self._reported.add(name)
                logger.error(
                    "Static file %s is not in STATIC_ROOT's manifest: run "
                    "`manage.py collectstatic --noinput` (served unhashed meanwhile).",
                    name,
                )
            return name
