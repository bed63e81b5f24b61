"""The wheel ships every built file of the web notebook, loaded-on-use chunks and fonts included."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "webui"))

import hatch_build  # noqa: E402


def test_chunks_and_fonts_go_into_the_wheel(tmp_path: Path) -> None:
    static = tmp_path / "static"
    built = ("app.js", "app.css", "index.html", "chunks/markdown-X.js", "fonts/KaTeX_Main.woff2")
    for rel in built:
        (static / rel).parent.mkdir(parents=True, exist_ok=True)
        (static / rel).write_text("x")
    hook = hatch_build.WebUIBuildHook.__new__(hatch_build.WebUIBuildHook)
    build_data: dict[str, dict[str, str]] = {"force_include": {}}
    hook._include(static, build_data)
    shipped = set(build_data["force_include"].values())
    assert {
        "gateway/static/app.js",
        "gateway/static/chunks/markdown-X.js",
        "gateway/static/fonts/KaTeX_Main.woff2",
    } <= shipped
