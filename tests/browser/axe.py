"""The axe-core accessibility audit, injected into a page under test (tests/browser/vendor).

Playwright evaluates the script through the DevTools protocol, so the page's own
Content-Security-Policy (`script-src 'self'`) stays as it is.
"""

from __future__ import annotations

from pathlib import Path

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
VERSION = "4.14.1"


def violations(page) -> list[str]:
    """Every violation axe finds on the page as it is now, one line each (empty: none)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE)
    assert page.evaluate("axe.version") == VERSION
    found = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ["violations"]});
            return r.violations.map(v => `${v.id} (${v.impact}): ${v.help} — ` +
                v.nodes.map(n => n.target.join(" ")).slice(0, 5).join(", "));
        }"""
    )
    return [f"{page.url}: {line}" for line in found]


class Audit:
    """Collects the violations of every page state a test visits; fails once at the end."""

    def __init__(self) -> None:
        self.pages: list[str] = []
        self.problems: list[str] = []

    def check(self, page, label: str) -> None:
        self.pages.append(label)
        self.problems += [f"[{label}] {line}" for line in violations(page)]

    def assert_clean(self) -> None:
        assert not self.problems, "axe-core found:\n" + "\n".join(self.problems)
