"""HTML export: ``python -m reactive_kernel export`` and the kernel's ``export`` op.

The page is one offline file: no script, no stylesheet or image from elsewhere,
every piece of cell HTML sanitized; it shows code and the outputs of a fresh run.
"""

from __future__ import annotations

import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

from harness import KernelHarness

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "examples" / "demo_notebook.py"
TIMEOUT = 120

HOSTILE = '''# %% id="evil"
from IPython.display import HTML, SVG, display
display(HTML('<p id="kept">kept</p><script>alert(1)</script><img src=x onerror="alert(2)">'
             '<iframe src="https://example.org/"></iframe><img src="https://example.org/t.png">'))
display(SVG('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><script>alert(3)</script>'
            '<circle cx="4" cy="4" r="4"/></svg>'))

# %% [markdown] id="md"
# Raw <script>alert(4)</script> and <b onclick="alert(5)">bold</b>, math $x^2$.
'''


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reactive_kernel", *map(str, args)],
        capture_output=True, text=True, timeout=TIMEOUT,
    )  # fmt: skip


class _Elements(HTMLParser):
    """Every element of a page with its attributes (code text is not an element)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {k: v or "" for k, v in attrs}))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


def assert_offline(page: str) -> None:
    """No script, frame, stylesheet or resource from elsewhere, no handler."""
    parser = _Elements()
    parser.feed(page)
    tags = {tag for tag, _ in parser.found}
    assert not tags & {"script", "link", "iframe", "object", "embed", "base", "form"}, tags
    for tag, attrs in parser.found:
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        src = attrs.get("src")
        assert src is None or src.startswith("data:image/"), (tag, src)
    css = "".join(parser.styles)
    assert "url(" not in css and "@import" not in css
    assert len([t for t, _ in parser.found if t == "style"]) == 1


def test_export_demo_runs_it_and_writes_one_offline_page(tmp_path: Path) -> None:
    out = tmp_path / "demo.html"
    proc = cli("export", DEMO, "--to", "html", "-o", out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert_offline(page)
    assert "total: 10.50" in page  # a stream
    assert "<td>apple</td>" in page  # the SQL result table
    assert "10 items, total 10.50 + VAT 2.10 = 12.60" in page
    # markdown cells rendered, with the summary's values interpolated
    assert "<h1>A small reactive notebook</h1>" in page
    assert "With a minimum of <strong>2</strong> per fruit" in page
    assert "<strong>12.60</strong>" in page
    assert "[1] sql" in page and "success" in page
    assert "wrote" in proc.stderr


def test_export_no_run_shows_code_only_without_a_kernel(tmp_path: Path) -> None:
    nb = tmp_path / "nb.py"
    nb.write_text(DEMO.read_text(encoding="utf-8"), encoding="utf-8")
    proc = cli("export", nb, "--no-run")
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "nb.html").read_text(encoding="utf-8")
    assert_offline(page)
    assert "min_qty" in page and "total: 10.50" not in page
    assert "{min_qty}" in page  # not interpolated: never ran
    assert "code only (not run)" in page


def test_export_sanitizes_everything_a_cell_produced(tmp_path: Path) -> None:
    nb = tmp_path / "evil.py"
    nb.write_text(HOSTILE, encoding="utf-8")
    out = tmp_path / "evil.html"
    proc = cli("export", nb, "-o", out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    page = out.read_text(encoding="utf-8")
    assert_offline(page)
    assert "alert" not in page.split("<main>", 1)[1].split('<section class="cell markdown"')[1]
    assert "kept" in page and "<b>bold</b>" in page
    assert 'src="data:image/svg+xml;base64,' in page  # SVG only as an image: inert


def test_export_usage_errors(tmp_path: Path) -> None:
    assert cli("export", tmp_path / "missing.py").returncode == 2
    assert cli("export", DEMO, "--to", "pdf").returncode == 2
    nb = tmp_path / "nb.html"
    nb.write_text("# %%\nx = 1\n", encoding="utf-8")
    proc = cli("export", nb, "--no-run", "-o", nb)
    assert proc.returncode == 2 and "refusing" in proc.stderr


def test_export_op_renders_the_open_notebook(fresh_kernel: KernelHarness) -> None:
    k = fresh_kernel
    k.create("a", "a = 21\nprint('printed', a * 2)")
    k.create("m", "Twice a is **{a * 2}**.", cell_type="markdown")
    k.comm("run", cell_id="a")
    r = k.comm("export")
    assert r.reply and r.reply["ok"], r.reply
    assert r.reply["format"] == "html" and r.reply["filename"] == "notebook.html"
    page = r.reply["html"]
    assert_offline(page)
    assert "printed 42" in page and "Twice a is <strong>42</strong>." in page
    bad = k.comm("export", format="pdf")
    assert bad.reply and not bad.reply["ok"] and bad.reply["error"]["code"] == "bad_request"
