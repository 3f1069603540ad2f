"""What the browser tests check on a page: axe-core's WCAG rules, visible focus, reflow."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "web" / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
# The docs' screenshots are refreshed only when asked (KB_UPDATE_SCREENSHOTS=1), so a test run
# leaves the checkout as it found it; otherwise they go to a temporary folder.
SCREENSHOTS = (
    ROOT / "docs" / "screenshots"
    if os.environ.get("KB_UPDATE_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "kb-screenshots"
)
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
MAX_SCREENSHOT_HEIGHT = 3600
# A palette this size keeps text and GOV.UK colours crisp and the files a third the size.
SCREENSHOT_COLOURS = 64

_RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return {
    passes: results.passes.length,
    violations: results.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary})),
    })),
  };
}"""

# The look of an element, and of what draws its focus ring for it (GOV.UK checkboxes and
# radios draw it on the label's ::before, next to an input that is itself invisible).
_LOOK = """(el) => {
  const props = ['outline-style', 'outline-width', 'outline-color', 'box-shadow',
                 'background-color', 'color', 'text-decoration-line', 'border-color'];
  const look = (node, pseudo) => {
    if (!node) return '';
    const style = getComputedStyle(node, pseudo);
    return props.map(p => style.getPropertyValue(p)).join('|');
  };
  const label = el.labels && el.labels.length ? el.labels[0] : el.nextElementSibling;
  return [look(el), look(el, '::before'), look(el, '::after'),
          look(label), look(label, '::before'), look(label, '::after')].join('\\n');
}"""


def axe_violations(page: Page) -> list[dict[str, Any]]:
    if not AXE.is_file():
        pytest.fail(f"axe-core not found at {AXE}: run `npm ci --prefix web/frontend`")
    # Run through the DevTools protocol, which the page's Content-Security-Policy does not
    # govern: a <script> tag added to the page would be refused, as it should be.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;void 0")
    results = page.evaluate(_RUN_AXE, WCAG_TAGS)
    # A run that passed nothing did not really run (no rules for these tags, say).
    assert results["passes"] > 10, f"axe ran too few rules: {results}"
    violations: list[dict[str, Any]] = results["violations"]
    return violations


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} — {v['helpUrl']}")
        for node in v["nodes"]:
            summary = " ".join(str(node["summary"]).split())
            lines.append(f"    at {node['target']}: {summary}")
    return "\n".join(lines)


def focused_description(page: Page) -> str:
    description: str = page.evaluate(
        """() => {
          const el = document.activeElement;
          if (!el || el === document.body) return 'nothing';
          const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim();
          return `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${text.slice(0, 40)}"`;
        }"""
    )
    return description


def has_visible_focus(page: Page) -> bool:
    """Whether the focused element looks different from when it is not focused."""
    handle = page.evaluate_handle("() => document.activeElement")
    element = handle.as_element()
    assert element is not None, "nothing has focus"
    focused = element.evaluate(_LOOK)
    element.evaluate("(el) => el.blur()")
    unfocused = element.evaluate(_LOOK)
    element.evaluate("(el) => el.focus()")
    return bool(focused != unfocused)


def save_screenshot(page: Page, name: str) -> Path:
    """A PNG of the page from the top, cut off at a height that keeps the file small."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_SCREENSHOT_HEIGHT)
    width = page.viewport_size["width"] if page.viewport_size else 1100
    png = page.screenshot(
        full_page=True,
        clip={"x": 0, "y": 0, "width": width, "height": height},
        animations="disabled",
        caret="hide",
    )
    with Image.open(io.BytesIO(png)) as image:
        small = image.convert("RGB").quantize(SCREENSHOT_COLOURS, dither=Image.Dither.NONE)
        small.save(path, optimize=True)
    return path
