"""axe-core in the browser tests: inject the vendored axe.min.js into a page and run it.

The site's Content-Security-Policy allows only its own scripts, so pages checked with axe are
opened in a browser context made with ``bypass_csp=True`` (see ``axe_context`` in the tests).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

AXE_VERSION = "4.14.1"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
AXE_PATH = Path(__file__).parent / "vendor" / "axe.min.js"
BLOCKING = ("serious", "critical")


def axe_source() -> str:
    data = AXE_PATH.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != AXE_SHA256:
        raise RuntimeError(f"{AXE_PATH.name} is not axe-core {AXE_VERSION} (sha256 {digest})")
    return data.decode()


def run_axe(page) -> list[dict]:
    """The page's axe violations (WCAG 2.x A and AA rules plus best practices)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5), count: v.nodes.length,
            }));
        }"""
    )
    return result


def summarise(violations: list[dict]) -> Counter:
    return Counter(v["impact"] or "unknown" for v in violations)


def blocking(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in BLOCKING]
