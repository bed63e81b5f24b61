"""Untrusted HTML outputs in a real browser: sanitized, contained, and still useful.

An HTML output is whatever a cell (or a notebook file someone sent) produced, and the
snapshot replays it to every later viewer. It must not act on the page: no refresh,
no page-wide styles, no live forms or frames, nothing covering the page. Tables, SVG
and images must still render.
"""

from __future__ import annotations

from typing import Any

from nbtools import add_cell, cells, expect, expect_output, expect_status, run

PNG_1PX = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg"
    "=="
)
HOSTILE = (
    '<meta http-equiv="refresh" content="0;url=about:blank">'
    "<style>body { background: rgb(255, 0, 0) !important }"
    " .cell { display: none !important }</style>"
    '<form id="evil-form" action="/api/kernels" method="post"><input name="q" id="evil-input">'
    "<button>go</button></form>"
    '<iframe id="evil-frame" srcdoc="<p>framed</p>"></iframe>'
    '<img id="evil-img" src="x" onerror="window.__pwned = 1">'
    '<a id="evil-link" href="javascript:window.__pwned = 2">click</a>'
    '<div id="overlay" style="position: fixed; top: 0; left: 0; width: 100vw; height: 100vh; '
    'background: rgba(0, 0, 255, 0.5)">cover</div>'
    "<p>hostile-marker</p>"
)
FRIENDLY = (
    '<table class="dataframe"><thead><tr><th>name</th><th>n</th></tr></thead>'
    "<tbody><tr><td>alpha</td><td>1</td></tr><tr><td>beta</td><td>2</td></tr></tbody></table>"
    '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
    '<circle cx="10" cy="10" r="8" fill="blue"/></svg>'
    f'<img class="ok-img" src="data:image/png;base64,{PNG_1PX}" width="8" height="8">'
    '<a class="ok-link" href="https://example.org/">docs</a>'
)
CODE = (
    "from IPython.display import HTML, display\n"
    f"display(HTML({HOSTILE!r}))\n"
    f"display(HTML({FRIENDLY!r}))\n"
)


def _assert_safe_and_rendered(page: Any) -> None:
    out = page.locator(".cell-outputs").first
    expect(out).to_contain_text("hostile-marker")
    for selector in ("meta", "style", "form", "input", "button", "iframe", "#evil-img[onerror]"):
        expect(out.locator(selector)).to_have_count(0)
    expect(out.locator("a[href^='javascript']")).to_have_count(0)
    assert page.evaluate("() => window.__pwned") is None
    body = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert body != "rgb(255, 0, 0)"
    expect(cells(page).first).to_be_visible()  # the page's own styles are untouched
    # a position: fixed element stays inside its output box, it cannot cover the page
    box = out.locator(".output-html").first.bounding_box()
    overlay = out.locator("#overlay").bounding_box()
    assert box and overlay
    assert overlay["y"] >= box["y"] - 1  # placed in the box, not at the page's top
    toolbar = page.locator("#add-python").bounding_box()
    assert toolbar
    below = (box["x"] + 5, box["y"] + box["height"] + 5)
    for x, y in ((toolbar["x"] + 2, toolbar["y"] + 2), below):
        hit = page.evaluate("([x, y]) => document.elementFromPoint(x, y)?.id ?? ''", [x, y])
        assert hit != "overlay", (x, y)  # clipped to the box: nothing above or below is covered
    # what is useful still renders
    table = out.locator("table.dataframe")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table).to_contain_text("beta")
    expect(out.locator("svg circle")).to_have_count(1)
    circle = out.locator("svg circle").bounding_box()
    assert circle and circle["width"] > 10
    expect(out.locator("img.ok-img")).to_be_visible()
    assert out.locator("img.ok-img").evaluate("img => img.complete && img.naturalWidth") == 1
    assert out.locator("a.ok-link").get_attribute("rel") == "noopener noreferrer"


def test_html_outputs_are_sanitized_for_every_viewer(
    open_page: Any, shot: Any, notebook_name: str
) -> None:
    page = open_page(notebook_name)
    url = page.url
    cell = add_cell(page, CODE)
    run(cell)
    expect_status(cell, "success")
    expect_output(cell, "hostile-marker")
    after = add_cell(page, "print('still here')")  # a round trip after the output arrived
    run(after)
    expect_output(after, "still here")
    assert page.url == url  # no refresh
    _assert_safe_and_rendered(page)
    shot(page, "11-sanitized-html")
    later = open_page(notebook_name)  # the snapshot replays the output to a later viewer
    expect(later.locator(".cell-outputs").first).to_contain_text("hostile-marker")
    expect(later.locator(".link-dot")).to_have_attribute("data-health", "live")
    _assert_safe_and_rendered(later)
    assert later.url.endswith(notebook_name)
