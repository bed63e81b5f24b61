"""Markdown cells and rich outputs in the web notebook, in Chromium.

Markdown cells render (markdown-it, KaTeX) with values interpolated by the
kernel, re-render when what they read changes, edit on double-click and render
on Shift-Enter, and are saved as jupytext ``[markdown]`` cells. Outputs of
every rich type render as in JupyterLab; SVG and HTML are sanitized.
"""

from __future__ import annotations

from typing import Any

from nbtools import add_cell, cell_by_id, cells, editor, expect, expect_status, run, set_code

PNG_1PX = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg"
    "=="
)
GIF_1PX = "R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="60" height="30" onload="window.__pwned=1">'
    '<script>window.__pwned = 2</script><circle cx="15" cy="15" r="12" fill="green"/></svg>'
)


def test_markdown_cell_renders_interpolates_and_edits(
    open_page: Any, shot: Any, notebook_name: str, gateway: Any
) -> None:
    page = open_page(notebook_name)
    source = add_cell(page, "val = 3.14159")
    run(source)
    expect_status(source, "success")
    md = add_cell(
        page,
        "# Results\n\nPi is about **{val:.2f}**; `{val}` stays code; $x^2 + y_i$ is math.\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |",
    )
    md.locator(".cell-type").select_option("markdown")
    expect(md).to_have_attribute("data-type", "markdown")
    run(md)
    rendered = md.locator(".cell-rendered")
    expect(rendered).to_be_visible()
    expect(rendered.locator("h1")).to_have_text("Results")
    expect(rendered.locator("strong")).to_have_text("3.14")
    expect(rendered.locator("code")).to_have_text("{val}")
    expect(rendered.locator(".katex")).to_have_count(1)
    expect(rendered.locator("table td")).to_have_count(2)
    expect(md.locator(".cell-code")).to_be_hidden()
    expect(md.locator(".cell-count")).to_have_text("")
    expect(md.locator(".cell-outputs")).to_be_hidden()
    shot(page, "md-1-rendered")

    # It reads `val`: a change upstream re-renders it.
    set_code(source, "val = 2.71828")
    run(source)
    expect(rendered.locator("strong")).to_have_text("2.72")

    # Double-click edits, Shift-Enter renders again.
    rendered.dblclick()
    expect(editor(md)).to_be_focused()
    expect(rendered).to_be_hidden()
    page.keyboard.press("Control+End")
    page.keyboard.insert_text("\n\nTwice: {val * 2:.1f}")
    page.keyboard.press("Shift+Enter")
    expect(rendered).to_be_visible()
    expect(rendered).to_contain_text("Twice: 5.4")

    # Enter in command mode edits too; the type switch goes back to code and back.
    md.click()
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")
    expect(editor(md)).to_be_focused()
    page.keyboard.press("Shift+Enter")
    expect(rendered).to_be_visible()

    # A field that fails fails the cell with a clear message.
    bad = add_cell(page, "Broken: {no_such_name}")
    bad.locator(".cell-type").select_option("markdown")
    expect(bad).to_have_attribute("data-type", "markdown")
    run(bad)
    expect_status(bad, "error")
    expect(bad.locator(".cell-outputs")).to_contain_text("no_such_name")

    # Saved as jupytext markdown; a later viewer sees it rendered.
    text = (gateway.root / notebook_name).read_text()
    assert "# %% [markdown]" in text and "# Pi is about **{val:.2f}**" in text
    later = open_page(notebook_name)
    again = cell_by_id(later, md.get_attribute("data-cell-id") or "")
    expect(again.locator(".cell-rendered strong")).to_have_text("2.72")
    shot(later, "md-2-reopened")


def test_rich_outputs_render_like_jupyterlab(
    open_page: Any, shot: Any, notebook_name: str
) -> None:
    page = open_page(notebook_name)
    jpeg = page.evaluate(
        "() => { const c = document.createElement('canvas'); c.width = 4; c.height = 3;"
        " const g = c.getContext('2d'); g.fillStyle = 'red'; g.fillRect(0, 0, 4, 3);"
        " return c.toDataURL('image/jpeg').split(',')[1]; }"
    )
    code = (
        "from IPython.display import display, Markdown, Latex, JSON, SVG, HTML\n"
        f"display({{'image/png': {PNG_1PX!r}, 'text/plain': 'png'}}, raw=True)\n"
        f"display({{'image/jpeg': {jpeg!r}, 'text/plain': 'jpeg'}}, raw=True)\n"
        f"display({{'image/gif': {GIF_1PX!r}, 'text/plain': 'gif'}}, raw=True)\n"
        f"display(SVG({SVG!r}))\n"
        "display(HTML('<b class=\"html-bold\">html</b><img src=x onerror=\"window.__pwned=3\">'))\n"
        "display(Markdown('## md heading\\n\\n- item *one*'))\n"
        "display(Latex(r'$$\\frac{a}{b} + \\sqrt{2}$$'))\n"
        "display(JSON({'name': 'x', 'values': [1, 2, 3], 'nested': {'deep': {'deeper': None}}}))\n"
    )
    cell = add_cell(page, code)
    run(cell)
    expect_status(cell, "success")
    out = cell.locator(".cell-outputs")
    images = out.locator("img.output-image")
    expect(images).to_have_count(4)  # png, jpeg, gif and the SVG, as an image (never inlined)
    for i in range(4):
        expect(images.nth(i)).to_have_js_property("complete", True)
        assert images.nth(i).evaluate("img => img.naturalWidth") > 0
    assert out.locator("img.output-svg").evaluate("img => img.naturalWidth") == 60
    expect(out.locator("svg circle")).to_have_count(0)  # (KaTeX draws \sqrt with an inline svg)
    expect(out.locator("script")).to_have_count(0)
    expect(out.locator(".output-html b.html-bold")).to_have_text("html")
    expect(out.locator(".output-markdown h2")).to_have_text("md heading")
    expect(out.locator(".output-markdown em")).to_have_text("one")
    expect(out.locator(".output-latex .katex-display")).to_have_count(1)
    expect(out.locator(".output-latex .katex .mfrac")).to_have_count(1)
    tree = out.locator(".output-json")
    expect(tree.locator("details")).to_have_count(4)
    expect(tree).to_contain_text('"values"')
    deep = tree.locator("details details details")
    assert deep.evaluate("d => d.open") is False  # folded below two levels
    tree.locator("details details details > summary").click()
    assert deep.evaluate("d => d.open") is True
    assert page.evaluate("() => window.__pwned") is None
    # Widget views have a hook: a renderer registered for their MIME type.
    order = page.evaluate("() => window.__reactiveOutputs.mimeOrder()")
    assert order.index("text/html") < order.index("image/png") < order.index("text/plain")
    shot(page, "md-3-rich-outputs")
    assert cells(page).count() == 1


def test_download_the_open_notebook_as_html(
    open_page: Any, shot: Any, notebook_name: str, tmp_path: Any
) -> None:
    page = open_page(notebook_name)
    cell = add_cell(page, "answer = 6 * 7\nprint(f'exported-{answer}')")
    run(cell)
    expect_status(cell, "success")
    md = add_cell(page, "The answer is **{answer}**.")
    md.locator(".cell-type").select_option("markdown")
    expect(md).to_have_attribute("data-type", "markdown")
    run(md)
    expect(md.locator(".cell-rendered strong")).to_have_text("42")
    with page.expect_download() as info:
        page.evaluate("() => window.__reactive.exportHtml()")
    download = info.value
    assert download.suggested_filename == notebook_name.replace(".py", ".html")
    saved = tmp_path / "export.html"
    download.save_as(saved)
    text = saved.read_text(encoding="utf-8")
    assert "exported-42" in text and "<script" not in text.lower()
    # The file works offline on its own.
    viewer = page.context.new_page()
    viewer.goto(saved.as_uri())
    expect(viewer.locator(".cell.markdown strong")).to_have_text("42")
    expect(viewer.locator("pre.output-stream")).to_have_text("exported-42\n")
    shot(viewer, "md-4-exported-page")
    viewer.close()


def test_progress_line_names_the_running_cell(open_page: Any, notebook_name: str) -> None:
    page = open_page(notebook_name)
    cell = add_cell(page, "import threading\nslow_value = 1\nthreading.Event().wait(3)")
    cell_id = cell.get_attribute("data-cell-id")
    run(cell)
    progress = page.locator("#progress .progress-text")
    expect(progress).to_contain_text(f"running {cell_id}")
    assert "slow_value" not in progress.inner_text()
    expect_status(cell, "success")
