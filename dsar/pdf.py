"""PDF rendering with WeasyPrint: our templates, our fonts, no network.

`render_pdf()` renders a template from `templates/dsar/pdf/` in a language and returns the
PDF bytes. WeasyPrint may load only our own static files: `StaticOnlyFetcher` maps
`https://pdf.invalid/static/…` to the files Django's static finders know and refuses every
other URL (http, https elsewhere, file://, data:), so a value from the data that smuggles
in an image or stylesheet reference cannot make a request or read a local file. Templates
escape values (Django autoescaping); nothing from the data is marked safe.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation

BASE_URL = "https://pdf.invalid/"
STATIC_PREFIX = BASE_URL + "static/"


class RefusedURL(ValueError):
    """WeasyPrint asked for something other than one of our static files."""


def _static_fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """Serve only our static files; refuse (and record) every other URL."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=())
            self.refused: list[str] = []

        def fetch(self, url, headers=None):  # noqa: ARG002 - WeasyPrint's signature
            if url.startswith(STATIC_PREFIX):
                relative = url[len(STATIC_PREFIX) :].split("?")[0].split("#")[0]
                # SECURITY: no way out of the static folders.
                if ".." not in Path(relative).parts:
                    found = finders.find(relative)
                    if found:
                        mime, _ = mimetypes.guess_type(found)
                        body = Path(found).read_bytes()
                        return URLFetcherResponse(
                            url, body, {"Content-Type": mime or "application/octet-stream"}
                        )
            self.refused.append(url[:200])
            raise RefusedURL(f"refused to fetch {url[:80]!r}")

    return StaticOnlyFetcher


def render_pdf(template: str, context: dict, *, language: str, title: str) -> bytes:
    """Render `template` to PDF bytes in `language`.

    The document gets its language and title in the metadata and is tagged (PDF/UA-1), so
    screen readers find headings and reading order. Raises whatever WeasyPrint raises on a
    broken template; refused URLs are not errors, they are simply not loaded.
    """
    from weasyprint import HTML

    with translation.override(language):
        html = render_to_string(template, {**context, "language": language, "title": title})
    fetcher = _static_fetcher_class()()
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render()
    document.metadata.title = title
    document.metadata.lang = language
    return document.write_pdf(pdf_variant="pdf/ua-1")
