"""The built docs as a reader sees them: every HTML page in headless Chromium at 1280 px.

The pages are served from 127.0.0.1 (``http.server`` in a thread) and opened in
Debian's ``chromium`` driven by Playwright (``executable_path``; Playwright's own
browsers are never downloaded). A page fails on:

- a code or summary block (``pre``) whose content is wider than its box;
- a table wider than the content column without a scrolling box of its own;
- an image that does not load, or is shown below 90% of its natural width;
- a Sphinx or Furo error or warning box (docutils' ``.system-message`` and
  ``.problematic``, ``.admonition.error``, Furo's red box for a ``.. contents::``);
- an empty bullet in a table cell (a lone ``-`` that reST reads as a list);
- horizontal page scroll.

With ``$SEQZOO_DOCS_SCREENSHOTS`` set, each page is also saved there as a full-page
screenshot for a human to look at (the test catches what can be measured, not what is
ugly); without it no screenshot is taken (they cost about half the test's time and no
one reads them in CI).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

WIDTH, HEIGHT = 1280, 900
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# What the build or the theme put on a page to report a problem: docutils' system
# messages and "problematic" markers (an unresolved reference in a build without -W),
# an error admonition, and Furo's red "ERROR: Adding a table of contents ..." box (a
# ``.. contents::``). An author's own ``.. warning::`` or ``.. caution::`` is content.
PROBLEM_BOXES = (
    ".system-message, .problematic, .admonition.error, "
    ".contents:not(.this-will-duplicate-information-and-it-is-still-useful-here)"
)

# Run in the page: everything measured, as a list of problems (strings).
CHECK_PAGE = """
(problemBoxes) => {
  const problems = [];
  const text = (el) => (el.innerText || el.textContent || "").trim().split("\\n")[0].slice(0, 80);
  const doc = document.scrollingElement || document.documentElement;
  if (doc.scrollWidth > doc.clientWidth + 1) {
    problems.push(`horizontal page scroll: ${doc.scrollWidth} px wide in a `
                  + `${doc.clientWidth} px window`);
  }
  for (const pre of document.querySelectorAll("pre")) {
    if (pre.offsetParent === null) continue;  // hidden
    if (pre.scrollWidth > pre.clientWidth + 1) {
      problems.push(`block wider than its box (${pre.scrollWidth} > ${pre.clientWidth} px): `
                    + text(pre));
    }
  }
  const article = document.querySelector("article") || document.body;
  const column = article.getBoundingClientRect();
  for (const table of article.querySelectorAll("table")) {
    const box = table.getBoundingClientRect();
    if (box.width <= column.width + 1) continue;
    let scrolls = false;
    for (let el = table.parentElement; el && el !== article; el = el.parentElement) {
      const overflow = getComputedStyle(el).overflowX;
      if ((overflow === "auto" || overflow === "scroll") && el.clientWidth <= column.width + 1) {
        scrolls = true;
        break;
      }
    }
    if (!scrolls) {
      problems.push(`table wider than the column (${Math.round(box.width)} > `
                    + `${Math.round(column.width)} px) without its own scroll: ${text(table)}`);
    }
  }
  for (const img of document.querySelectorAll("img")) {
    const src = img.getAttribute("src");
    if (!img.complete || img.naturalWidth === 0) {
      problems.push(`image does not load: ${src}`);
      continue;
    }
    if (img.offsetParent === null) continue;  // hidden (e.g. a theme's dark-mode logo)
    const shown = img.getBoundingClientRect().width;
    if (shown < 0.9 * img.naturalWidth) {
      const percent = Math.round(100 * shown / img.naturalWidth);
      problems.push(`image shown at ${Math.round(shown)} px, ${percent}% of its natural `
                    + `${img.naturalWidth} px: ${src}`);
    }
  }
  for (const item of article.querySelectorAll("td li, th li")) {
    if (!item.textContent.trim()) {
      problems.push(`empty bullet in a table cell (a lone "-" read as a list): `
                    + text(item.closest("tr")));
    }
  }
  for (const box of document.querySelectorAll(problemBoxes)) {
    problems.push(`error/warning box: ${text(box)}`);
  }
  return problems;
}
"""


def _chromium() -> str | None:
    for candidate in (os.environ.get("SEQZOO_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


@pytest.fixture(scope="module")
def html_dir(tmp_path_factory) -> Path:
    if _chromium() is None:
        pytest.skip("Chromium not found (/usr/bin/chromium, or set SEQZOO_CHROMIUM): "
                    "apt-get install -y chromium (.ci/run does)")
    pytest.importorskip("playwright", reason="playwright is in the [test] extra")
    from _docs_build import built_html

    return built_html(tmp_path_factory)


@pytest.fixture(scope="module")
def server(html_dir):
    """The built HTML served on 127.0.0.1 (a free port) from a thread."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep pytest's output readable
            pass

    handler = functools.partial(Quiet, directory=str(html_dir))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _pages(html_dir: Path) -> list[str]:
    return sorted(p.relative_to(html_dir).as_posix() for p in html_dir.rglob("*.html")
                  if not p.relative_to(html_dir).parts[0].startswith((".", "_sources")))


@pytest.mark.slow
@pytest.mark.one_backend
def test_every_page_reads_at_1280_px(html_dir, server):
    from playwright.sync_api import sync_playwright

    shots = os.environ.get("SEQZOO_DOCS_SCREENSHOTS")
    if shots:
        shots = Path(shots)
        shots.mkdir(parents=True, exist_ok=True)
    pages = _pages(html_dir)
    assert len(pages) >= 20, pages  # every source page, the API pages and the module sources
    problems: dict[str, list[str]] = {}
    outside: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})

            def only_local(route):  # the docs must not need the network
                if route.request.url.startswith(server):
                    route.continue_()
                else:
                    outside.append(route.request.url)
                    route.abort()

            context.route("**/*", only_local)
            page = context.new_page()
            for name in pages:
                page.goto(f"{server}/{name}", wait_until="load")
                if page.evaluate("() => !!window.MathJax"):  # typeset before measuring
                    page.evaluate("() => window.MathJax.startup && window.MathJax.startup.promise")
                found = page.evaluate(CHECK_PAGE, PROBLEM_BOXES)
                if shots:
                    page.screenshot(path=str(shots / (name.replace("/", "__")[:-5] + ".png")),
                                    full_page=True)
                if found:
                    problems[name] = found
        finally:
            browser.close()
    if shots:
        print(f"\nscreenshots of {len(pages)} pages at {WIDTH} px: {shots}")
    report = "\n".join(f"{name}:\n  " + "\n  ".join(found) for name, found in problems.items())
    assert not problems, f"{len(problems)} of {len(pages)} pages fail at {WIDTH} px:\n{report}"
    assert not outside, f"pages asked for resources outside 127.0.0.1: {sorted(set(outside))}"


@pytest.mark.slow
@pytest.mark.one_backend
def test_maths_renders_offline(html_dir, server):
    """The LSTM page's equations are typeset by the local MathJax, not shown as raw TeX."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
            context.route("**/*", lambda route: route.continue_()
                          if route.request.url.startswith(server) else route.abort())
            page = context.new_page()
            page.goto(f"{server}/lstm.html", wait_until="networkidle")
            page.evaluate("() => window.MathJax.startup.promise")
            typeset = page.evaluate("() => document.querySelectorAll('mjx-container').length")
            raw = page.evaluate(
                "() => [...document.querySelectorAll('div.math, span.math')]"
                ".filter(el => !el.querySelector('mjx-container')).length"
            )
        finally:
            browser.close()
    assert typeset >= 5, f"only {typeset} formulas typeset on lstm.html"
    assert raw == 0, f"{raw} formulas left as raw TeX on lstm.html"


@pytest.mark.slow
@pytest.mark.one_backend
def test_c6_leaderboards_fit_the_column_without_scrolling(html_dir, server):
    """The C6 leaderboards and their chosen configurations are read side by side with the
    figures: none may hide a column behind its box's scroll bar at 1280 px."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
            page = context.new_page()
            page.goto(f"{server}/comparisons/c6.html", wait_until="load")
            widths = page.evaluate(
                "() => [...document.querySelectorAll("
                "'table.seqzoo-c6-leaderboard, table.seqzoo-c6-chosen')].map(t => "
                "[t.className, t.scrollWidth, document.querySelector('article')"
                ".getBoundingClientRect().width])")
        finally:
            browser.close()
    assert len(widths) == 10, widths  # five tasks, two tables each
    wide = [(name, width, column) for name, width, column in widths if width > column + 1]
    assert not wide, wide
