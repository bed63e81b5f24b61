"""Hatch build hook: builds the web notebook into ``gateway/static/`` and ships it.

Wire it in ``pyproject.toml``::

    [tool.hatch.build.hooks.custom]
    path = "webui/hatch_build.py"

Every wheel (and editable install) then runs ``webui/build.sh`` (``npm ci`` +
esbuild) unless the built files are newer than every source file, and
force-includes the built files (they are not committed: gateway/static/ has
its own .gitignore). Without npm the build goes on with a warning and the
gateway serves a page saying the web UI is not built, unless
``REACTIVE_REQUIRE_WEBUI=1`` (release builds, CI), which makes it an error.
``REACTIVE_SKIP_WEBUI=1`` skips the step entirely.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

BUILT = ("index.html", "app.js", "app.css", "widgets.js", "THIRD_PARTY_LICENSES.txt")
BUILT_DIRS = ("chunks", "fonts")
"""Built too: code loaded on first use (the markdown renderer) and KaTeX's fonts."""


def up_to_date(webui: Path, static: Path) -> bool:
    try:
        built = min((static / name).stat().st_mtime for name in BUILT)
    except OSError:
        return False
    sources = [webui / "package-lock.json", webui / "index.html", webui / "build.mjs"]
    sources += list((webui / "src").rglob("*"))
    return all(p.stat().st_mtime <= built for p in sources if p.is_file())


class WebUIBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "webui"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if os.environ.get("REACTIVE_SKIP_WEBUI") == "1":
            return
        root = Path(self.root)
        webui, static = root / "webui", root / "gateway" / "static"
        if not (webui / "package.json").is_file():  # building from an sdist without webui/
            self._include(static, build_data)
            return
        if not up_to_date(webui, static):
            if shutil.which("npm") is None:
                message = "npm not found: the web notebook (gateway/static/) is not built"
                if os.environ.get("REACTIVE_REQUIRE_WEBUI") == "1":
                    raise RuntimeError(message)
                print(f"WARNING: {message}", file=sys.stderr)
                return
            subprocess.run(["bash", str(webui / "build.sh")], check=True)
        self._include(static, build_data)

    def _include(self, static: Path, build_data: dict[str, Any]) -> None:
        for name in BUILT:
            if (static / name).is_file():
                build_data["force_include"][str(static / name)] = f"gateway/static/{name}"
        for folder in BUILT_DIRS:
            for path in sorted((static / folder).glob("*")):
                if path.is_file():
                    build_data["force_include"][str(path)] = f"gateway/static/{folder}/{path.name}"
