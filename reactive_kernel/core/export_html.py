"""A notebook as one self-contained, offline HTML page: code and outputs.

The page needs nothing from elsewhere and runs no script: styles are inline in
one ``<style>`` element, code is highlighted with inline colours (Pygments),
images are ``data:`` URIs (SVG too, as an image, so its scripts never run),
markdown is rendered with markdown-it (math stays as its TeX source in a
``math`` span), and every piece of HTML that comes from a cell (``text/html``
outputs, raw HTML inside markdown) is sanitized with nh3 (the Ammonia
sanitizer): no scripts, handlers, forms, frames or external resources.

Cells come as the protocol's cell dicts (``snapshot.cells``: ``id``, ``type``,
``code``, ``status``, ``execution_count``, ``outputs``...), so the headless
exporter and the kernel's ``export`` op render the same page.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["notebook_html", "render_markdown", "sanitize_html"]

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
_ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "data"}

STYLE = """
:root { --ink: #1d2330; --muted: #6b7385; --line: #dde1e8; --code-bg: #f7f8fa; }
body { margin: 0; background: #f6f7f9; color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Roboto, sans-serif; }
main { max-width: 980px; margin: 24px auto; padding: 0 16px; }
header.nb { color: var(--muted); font-size: 13px; margin-bottom: 12px; }
.cell { background: #fff; border: 1px solid var(--line); border-radius: 8px;
  margin: 10px 0; padding: 8px 12px; }
.cell.markdown { background: transparent; border-color: transparent; }
.meta { color: var(--muted); font: 12px ui-monospace, "DejaVu Sans Mono", monospace; }
.meta .status-error, .meta .status-blocked { color: #d64545; }
pre, code { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, monospace; }
pre { margin: 4px 0; white-space: pre-wrap; word-break: break-word; font-size: 13px; }
pre.code { background: var(--code-bg); border: 1px solid var(--line); border-radius: 6px;
  padding: 8px 10px; }
.outputs { margin-top: 6px; }
.output-error { color: #b42318; background: #fff4f2; border-radius: 6px; padding: 6px 8px; }
.output-stderr { background: #fff8e6; }
.output img { max-width: 100%; }
.output table, .markdown table { border-collapse: collapse; font-size: 13px; margin: 4px 0; }
.output th, .output td, .markdown th, .markdown td { border: 1px solid var(--line);
  padding: 3px 10px; }
.output th, .markdown th { background: #eef1f6; }
.markdown code { background: #eef1f6; padding: 1px 4px; border-radius: 4px; font-size: 0.92em; }
.markdown pre code { background: none; padding: 0; }
.markdown pre { background: var(--code-bg); border: 1px solid var(--line); border-radius: 6px;
  padding: 8px 10px; }
.math { font-family: "Latin Modern Math", "STIX Two Math", "Cambria Math", serif;
  font-style: italic; }
div.math { text-align: center; margin: 8px 0; }
"""


def sanitize_html(fragment: str) -> str:
    """Untrusted HTML made inert: tags and attributes from a safe list only,
    no scripts or handlers, links that open elsewhere without access to the page."""
    import nh3

    tags = set(nh3.ALLOWED_TAGS) | {"span", "div", "figure", "figcaption", "caption"}
    attributes: dict[str, set[str]] = {
        tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()
    }
    for tag in tags:
        attributes.setdefault(tag, set()).update({"class", "title", "align"})
    attributes["img"] = attributes.get("img", set()) | {"src", "alt", "width", "height"}
    return str(
        nh3.clean(
            fragment,
            tags=tags,
            attributes=attributes,
            url_schemes=_ALLOWED_URL_SCHEMES,
            link_rel="noopener noreferrer",
            attribute_filter=_offline_only,
        )
    )


def _offline_only(tag: str, attribute: str, value: str) -> str | None:
    """Resources come from the page itself: an image from elsewhere is dropped
    (links stay: following one is the reader's choice, not a page load)."""
    if attribute == "src" and not value.strip().lower().startswith("data:image/"):
        return None
    return value


def render_markdown(text: str) -> str:
    """Markdown as sanitized HTML (CommonMark plus tables and strikethrough;
    ``$…$``/``$$…$$`` kept as TeX source in ``math`` elements)."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    md.use(dollarmath_plugin, double_inline=True)
    return sanitize_html(md.render(text))


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return "" if value is None else str(value)


def _pre(text: str, cls: str) -> str:
    return f'<pre class="{cls}">{html.escape(ANSI.sub("", text))}</pre>'


def _image(mime: str, data: str) -> str:
    payload = re.sub(r"\s", "", data)
    return f'<img src="data:{mime};base64,{payload}" alt="">'


def render_bundle(data: Mapping[str, Any]) -> str:
    """The best representation of a MIME bundle, as JupyterLab would choose it."""
    if "text/html" in data:
        return f'<div class="html">{sanitize_html(_text(data["text/html"]))}</div>'
    if "text/markdown" in data:
        return f'<div class="markdown">{render_markdown(_text(data["text/markdown"]))}</div>'
    if "text/latex" in data:
        return f'<div class="math">{html.escape(_text(data["text/latex"]))}</div>'
    if "image/svg+xml" in data:
        svg = _text(data["image/svg+xml"]).encode()
        return _image("image/svg+xml", base64.b64encode(svg).decode())
    for mime in IMAGE_TYPES:
        if mime in data:
            return _image(mime, _text(data[mime]))
    if "application/json" in data:
        return _pre(json.dumps(data["application/json"], indent=2, default=str), "json")
    return _pre(_text(data.get("text/plain", "")), "text")


def render_output(out: Mapping[str, Any]) -> str:
    kind = out.get("output_type")
    if kind == "stream":
        name = "stderr" if out.get("name") == "stderr" else "stdout"
        return _pre(_text(out.get("text")), f"output-stream output-{name}")
    if kind == "error":
        lines = out.get("traceback") or [f"{out.get('ename')}: {out.get('evalue')}"]
        return _pre("\n".join(_text(line) for line in lines), "output-error")
    if kind in ("display_data", "execute_result"):
        return render_bundle(out.get("data") or {})
    return ""


def highlight(code: str, cell_type: str) -> str:
    """Code with inline colours (no classes, no external stylesheet)."""
    from pygments import highlight as pyg_highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer, SqlLexer

    lexer = SqlLexer() if cell_type == "sql" else PythonLexer()
    formatter = HtmlFormatter(noclasses=True, nowrap=True, style="friendly")
    body = str(pyg_highlight(code, lexer, formatter))
    return f'<pre class="code">{body}</pre>'


def _markdown_text(cell: Mapping[str, Any]) -> str:
    """A markdown cell's interpolated text if it ran, else its own."""
    if cell.get("status") == "success":
        for out in cell.get("outputs") or ():
            data = out.get("data") or {}
            if "text/markdown" in data:
                return _text(data["text/markdown"])
    return _text(cell.get("code"))


def render_cell(cell: Mapping[str, Any]) -> str:
    cell_id = html.escape(str(cell.get("id", "")))
    cell_type = str(cell.get("type", "python"))
    if cell_type == "markdown":
        errors = [o for o in cell.get("outputs") or () if o.get("output_type") == "error"]
        body = render_markdown(_markdown_text(cell)) + "".join(map(render_output, errors))
        return (
            f'<section class="cell markdown" id="cell-{cell_id}">'
            f'<div class="markdown">{body}</div></section>'
        )
    count = cell.get("execution_count")
    status = html.escape(str(cell.get("status", "idle")))
    label = f"[{count}]" if count is not None else "[ ]"
    name = ""
    if cell_type == "sql" and cell.get("name"):
        name = f" → {html.escape(str(cell['name']))}"
    meta = (
        f'<div class="meta">{label} {html.escape(cell_type)}{name} · {cell_id} · '
        f'<span class="status-{status}">{status}</span></div>'
    )
    outputs = "".join(
        f'<div class="output">{render_output(o)}</div>' for o in cell.get("outputs") or ()
    )
    error = cell.get("error")
    if not outputs and error and status in ("error", "blocked"):
        outputs = _pre(f"{error.get('ename')}: {error.get('evalue')}", "output-error")
    return (
        f'<section class="cell code" id="cell-{cell_id}">{meta}'
        f"{highlight(_text(cell.get('code')), cell_type)}"
        f'<div class="outputs">{outputs}</div></section>'
    )


def notebook_html(title: str, cells: Iterable[Mapping[str, Any]], note: str = "") -> str:
    """The whole page for ``cells`` (protocol cell dicts, in notebook order)."""
    body = "\n".join(render_cell(c) for c in cells)
    heading = html.escape(title)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{heading}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
        f'<header class="nb">{heading}{" · " + html.escape(note) if note else ""}</header>\n'
        f"{body}\n</main>\n</body>\n</html>\n"
    )
