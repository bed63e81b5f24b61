"""Expensive notebooks in the web notebook (webui/src/options.ts): the disable and
cache toggles of a cell, their badges, the lazy toggle, stale marking and "Run stale"."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from gwtools import GatewayProcess
from nbtools import add_cell, expect, expect_output, expect_status, run, set_code

from reactive_kernel.core.nbformat_percent import loads


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayProcess]:
    """This module's gateway; its kernels keep the cache key in a temporary data dir."""
    base = tmp_path_factory.mktemp("e2e-options")
    root = base / "root"
    root.mkdir()
    gw = GatewayProcess(root, base / "gateway.log", env={"JUPYTER_DATA_DIR": str(base / "data")})
    yield gw
    gw.stop()


def badge(cell: Any) -> Any:
    return cell.locator(".cell-option-badge")


def test_disable_cache_and_lazy_mode(
    open_page: Any, gateway: GatewayProcess, shot: Any, notebook_name: str
) -> None:
    page = open_page(notebook_name)
    a = add_cell(page, "a = 2")
    b = add_cell(page, "b = a * 10\nprint('b is', b)")
    c = add_cell(page, "c = b + 1\nc")
    run(c)
    for cell in (a, b, c):
        expect_status(cell, "success")

    # disable b: b and c stop, c names b; enabling runs them again (auto mode)
    b.locator('[data-action="disable"]').click()
    expect_status(b, "disabled")
    expect_status(c, "disabled")
    expect(badge(b)).to_have_text("disabled")
    expect(badge(c)).to_have_text(f"disabled by {b.get_attribute('data-cell-id')}")
    expect(b.locator('[data-action="disable"]')).to_have_attribute("aria-pressed", "true")
    shot(page, "options-01-disabled")
    b.locator('[data-action="disable"]').click()
    expect_status(c, "success")
    expect(badge(c)).to_be_hidden()

    # cache a: the current result is kept; running it again restores it
    a.locator('[data-action="cache"]').click()
    expect(badge(a)).to_have_text("cache on")
    run(a)
    expect(badge(a)).to_have_text("cached")
    expect(a).to_have_attribute("data-cached", "true")

    # lazy: a change marks what is below stale; "Run stale" brings it up to date
    page.check("#lazy-mode")
    expect(page.locator(".mode-controls")).to_have_attribute("data-mode", "lazy")
    set_code(a, "a = 3")
    run(a)
    expect_status(a, "success")
    expect_status(b, "stale")
    expect_status(c, "stale")
    expect(page.locator("#run-stale")).to_have_text("▶ Run stale (2)")
    shot(page, "options-02-lazy-stale")
    page.click("#run-stale")
    expect_status(c, "success")
    expect_output(b, "b is 30")
    expect_output(c, "31")
    expect(page.locator("#run-stale")).to_have_text("▶ Run stale")
    saved = loads((gateway.root / notebook_name).read_text(encoding="utf-8"))
    assert saved.metadata.get("mode") == "lazy"
    assert [cell.cache for cell in saved.cells] == [True, False, False]
    page.reload()  # the mode comes back from the kernel
    expect(page.locator("#lazy-mode")).to_be_checked()
