"""`manage.py check --deploy` warnings for a deployment step that was left out."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.staticfiles, deploy=True)
def static_manifest_check(app_configs, **kwargs) -> list[Warning]:
    # Without the manifest every stylesheet is served unhashed, or not at all.
    backend = settings.STORAGES["staticfiles"]["BACKEND"]
    if backend != "portal.storage.StaticFilesStorage":
        return []
    if (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        return []
    return [
        Warning(
            f"STATIC_ROOT ({settings.STATIC_ROOT}) has no staticfiles manifest.",
            hint="Run `manage.py collectstatic --noinput` as part of every deployment.",
            id="portal.W001",
        )
    ]
