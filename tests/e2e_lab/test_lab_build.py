"""The prebuilt extension shipped in the wheel matches its sources.

``reactive_kernel/labextension`` is the output of ``npm run build`` in
``labextension/``; the build stamps it with a digest of the sources
(``labextension/scripts/stamp.js``). Editing the sources without rebuilding
fails here, before any browser test could run an old build.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from labdriver import BUILT_EXTENSION, EXTENSION_NAME, REPO, REQUIRE

SOURCE = REPO / "labextension"
STAMPED = ("package.json", "tsconfig.json", "install.json", "schema", "src", "style")


def source_digest(root: Path) -> tuple[str, list[str]]:
    """The digest stamp.js computes: path, NUL, bytes, NUL, for each file in order."""
    files: list[str] = []
    for entry in STAMPED:
        path = root / entry
        if path.is_dir():
            files += [p.relative_to(root).as_posix() for p in path.rglob("*") if p.is_file()]
        elif path.is_file():
            files.append(entry)
    files.sort()
    digest = hashlib.sha256()
    for rel in files:
        digest.update(rel.encode() + b"\0")
        digest.update((root / rel).read_bytes())
        digest.update(b"\0")
    return digest.hexdigest(), files


@pytest.fixture
def built() -> Path:
    if not (BUILT_EXTENSION / "package.json").exists():
        reason = f"no built extension in {BUILT_EXTENSION} (cd labextension && npm run build)"
        if REQUIRE:
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return BUILT_EXTENSION


def test_built_extension_is_a_federated_jupyterlab_extension(built: Path) -> None:
    meta = json.loads((built / "package.json").read_text())
    assert meta["name"] == EXTENSION_NAME
    load = meta["jupyterlab"]["_build"]["load"]
    assert (built / load).is_file(), load
    schema = built / "schemas" / EXTENSION_NAME / "plugin.json"
    shortcuts = json.loads(schema.read_text())["jupyter.lab.shortcuts"]
    assert [s["command"] for s in shortcuts] == ["reactive:show-dependencies"]


def test_built_extension_is_up_to_date_with_its_sources(built: Path) -> None:
    stamp = json.loads((built / "build-stamp.json").read_text())
    digest, files = source_digest(SOURCE)
    assert stamp["files"] == files, "the set of extension sources changed since the build"
    assert stamp["sources_sha256"] == digest, (
        "labextension/ changed since reactive_kernel/labextension was built: "
        "run `cd labextension && npm run build`"
    )


def test_extension_unit_tests() -> None:
    """The extension's pure TypeScript (dependency walk, move planner, state
    reducer) under node's test runner, when its npm dependencies are installed."""
    npm = shutil.which("npm")
    if npm is None or not (SOURCE / "node_modules" / "typescript").is_dir():
        pytest.skip("needs node and `npm ci` in labextension/")
    result = subprocess.run(
        [npm, "test"], cwd=SOURCE, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout, result.stdout[-4000:]
