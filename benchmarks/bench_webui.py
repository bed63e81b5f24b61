"""Web notebook benchmark, measured inside a real browser (Debian's Chromium via Playwright).

Run:  .venv/bin/python benchmarks/bench_webui.py [--cells 500] [--chain 200] [--repeat 5]

Needs the built web UI (``webui/build.sh``), ``pip install playwright`` and
``/usr/bin/chromium`` (or ``REACTIVE_CHROMIUM``). A real gateway is started on
127.0.0.1 (free port, temporary root dir); every wait is bounded.

1. Opening a notebook of ``--cells`` cells (each ``v_i = v_{i-1} + 1`` and a
   printed line; all run once before, so every cell has an output in the
   snapshot). A fresh page is loaded ``--repeat`` times; the page's own marks
   (``performance.now()``, ms since navigation start, read back with
   ``page.evaluate``) give:
   - ``snapshot``: the kernel's snapshot reply has arrived and the model is built;
   - ``first render`` / ``first painted``: the first cells are in the DOM / the
     frame holding them has been painted (the next animation frame ran);
   - ``all rendered`` / ``all painted``: the same for every cell (code, status,
     outputs; syntax colours are added to cells as they scroll into view);
   reported from navigation start and from the snapshot's arrival.
2. A cascade over ``--chain`` chained cells: the first cell is re-registered
   with ``run: true`` from inside the page; a MutationObserver records when the
   first and the last cell's status attribute change, and when the last cell
   shows ``success``. Reported: time from sending to the last status update
   painted, next to the kernel's own ``duration_ms`` for the cascade (so the
   difference is transport + browser), and next to the same cascade seen by
   a plain Python WebSocket client (tests/gateway/gwtools.py), which renders
   nothing: the browser's own cost is the difference between the two.
3. Scrolling the opened notebook from top to bottom, one step per animation
   frame: frame-interval median, p95 and max, and frames over 50 ms.

Issue 13's targets: ``--cells 5000`` first cells painted < 1 s, every cell
painted < 2 s, smooth scrolling; ``--chain 1000``: the last status painted within
50 ms of the kernel's last event ("cascade_finished received -> last status
painted").
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "gateway"))
sys.path.insert(0, str(ROOT / "tests"))

from browser import CHROMIUM_FLAGS as FLAGS  # noqa: E402
from gwtools import GatewayProcess, WSClient, rest  # noqa: E402

TIMEOUT_MS = 120_000


def chain_notebook(path: Path, n: int, prefix: str, output: bool) -> None:
    cells = [f'# %% id="{prefix}0"\n{prefix}0 = 0\n']
    for i in range(1, n):
        body = f"{prefix}{i} = {prefix}{i - 1} + 1"
        if output:
            body += f"\nprint('{prefix}{i} =', {prefix}{i})"
        cells.append(f'# %% id="{prefix}{i}"\n{body}\n')
    path.write_text("\n".join(cells))


def open_notebook(browser: Any, gw: GatewayProcess, name: str) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{gw.url}/?token={gw.token}#nb={name}")
    page.wait_for_function(
        "() => window.__reactive && window.__reactive.perf.first['all-painted'] !== undefined",
        timeout=TIMEOUT_MS,
    )
    return context, page


SCROLL_JS = """
async ([steps, px]) => {
  // scroll by `px` per frame (0: the whole page in `steps` jumps, as dragging the
  // scrollbar does), recording frame intervals
  const frames = [];
  window.scrollTo(0, 0);
  await new Promise((r) => requestAnimationFrame(() => r()));
  let last = performance.now();
  const whole = Math.floor((document.scrollingElement.scrollHeight - innerHeight) / steps);
  const step = Math.max(1, px || whole);
  for (let i = 0; i < steps; i++) {
    window.scrollBy(0, step);
    await new Promise((r) => requestAnimationFrame(() => r()));
    const now = performance.now();
    frames.push(now - last);
    last = now;
  }
  frames.sort((a, b) => a - b);
  const at = (q) => frames[Math.min(frames.length - 1, Math.floor(q * frames.length))];
  return { median: at(0.5), p95: at(0.95), max: frames[frames.length - 1], long: frames.filter((f) => f > 50).length, n: frames.length };
}
"""


def run_all(page: Any, last: str) -> None:
    """Run the last cell of a chain (which runs all its ancestors) and wait for it."""
    page.evaluate(f"() => window.__reactive.client.send({{op: 'run', cell_id: '{last}'}})")
    page.wait_for_selector(
        f'section.cell[data-cell-id="{last}"][data-status="success"]', timeout=TIMEOUT_MS
    )


CASCADE_JS = """
async ([first, last, code]) => {
  const r = window.__reactive;
  const firstEl = document.querySelector(`section.cell[data-cell-id="${first}"]`);
  const lastEl = document.querySelector(`section.cell[data-cell-id="${last}"]`);
  const t = {};
  let finished = null;
  const done = new Promise((resolve) => {
    const seen = new MutationObserver(() => {
      const now = performance.now();
      if (t.firstUpdate === undefined) t.firstUpdate = now;  // the cascade's first status change shown
      if (lastEl.dataset.status === "queued" && t.lastQueued === undefined) t.lastQueued = now;
      if (t.lastQueued !== undefined && lastEl.dataset.status === "success") {
        t.lastSuccess = now;
        seen.disconnect();
        resolve();
      }
    });
    seen.observe(firstEl, { attributes: true, attributeFilter: ["data-status"] });
    seen.observe(lastEl, { attributes: true, attributeFilter: ["data-status"] });
  });
  const apply = r.model.apply;
  r.model.apply = function (e) {
    if (e.event === "cascade_started") t.started = performance.now();
    if (e.event === "cascade_finished") t.finished = performance.now();
    return apply.call(this, e);
  };
  t.sent = performance.now();
  const reply = await r.client.send({ op: "register", cell_id: first, code, run: true });
  t.reply = performance.now();
  await done;
  r.model.apply = apply;
  const c = r.model.cascade;
  finished = c && c.finished ? c.finished.duration_ms : null;
  return { ...t, kernel_ms: finished, ok: reply.ok, ran: c && c.finished ? c.finished.ran : null };
}
"""


async def python_client_cascades(
    gw: GatewayProcess, path: str, first: str, last: str, repeat: int
) -> list[float]:
    """Baseline: the same cascade seen by a plain Python WebSocket client (no rendering)."""
    status, session = await rest(
        gw, "POST", "/api/sessions", {"path": path, "kernel": {"name": "reactive"}}
    )
    assert status == 201, session
    client = await WSClient.connect(gw, session["kernel"]["id"])
    times = []
    try:
        for i in range(repeat):
            req = uuid.uuid4().hex
            started = time.perf_counter()
            await client.send(
                "shell",
                "comm_msg",
                {
                    "comm_id": "reactive",
                    "data": {
                        "op": "register",
                        "req": req,
                        "cell_id": first,
                        "code": f"{first} = {100 + i}",
                        "run": True,
                    },
                },
            )

            def last_success(m: dict[str, Any]) -> bool:
                data = m["content"].get("data") or {}
                return m["header"]["msg_type"] == "comm_msg" and any(
                    s.get("cell_id") == last and s.get("status") == "success"
                    for s in (data.get("statuses") or [data])
                    if data.get("event") in ("cell_status", "cell_statuses")
                )

            await client.next(last_success, timeout=TIMEOUT_MS / 1000)
            times.append(1000 * (time.perf_counter() - started))
            await client.next(
                lambda m, req=req: (m["content"].get("data") or {}).get("req") == req, timeout=60
            )
            client.backlog.clear()
    finally:
        await client.close()
    return times


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=500)
    parser.add_argument("--chain", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise SystemExit("playwright is not installed: .venv/bin/pip install playwright") from None
    chromium = os.environ.get("REACTIVE_CHROMIUM", "/usr/bin/chromium")
    if not os.access(chromium, os.X_OK):
        raise SystemExit(f"no Chromium at {chromium} (apt-get install chromium)")
    if not (ROOT / "gateway" / "static" / "app.js").is_file():
        raise SystemExit("the web UI is not built: run webui/build.sh")

    with tempfile.TemporaryDirectory(prefix="bench-webui-") as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        chain_notebook(root / "big.py", args.cells, "v", output=True)
        chain_notebook(root / "chain.py", args.chain, "k", output=False)
        gw = GatewayProcess(root, Path(tmp) / "gateway.log")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium, args=FLAGS)
                try:
                    report(browser, gw, args)
                finally:
                    browser.close()
        finally:
            gw.stop()


def report(browser: Any, gw: GatewayProcess, args: Any) -> None:
    print(
        f"bench_webui: Chromium {browser.version}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {args.repeat} repeats (medians)\n"
    )
    # -- 1. open a big notebook -------------------------------------------------------
    context, page = open_notebook(browser, gw, "big.py")
    run_all(page, f"v{args.cells - 1}")  # every cell now has an output in the snapshot
    context.close()
    marks = ("snapshot", "first-render", "first-painted", "all-rendered", "all-painted")
    rows: dict[str, list[float]] = {k: [] for k in marks}
    counts: list[int] = []
    scrolls: list[dict[str, float]] = []
    jumps: list[dict[str, float]] = []
    for _ in range(args.repeat):
        context, page = open_notebook(browser, gw, "big.py")
        first = page.evaluate("() => window.__reactive.perf.first")
        for k in marks:
            rows[k].append(first[k])
        counts.append(page.locator("section.cell").count())
        scrolls.append(page.evaluate(SCROLL_JS, [300, 120]))
        jumps.append(page.evaluate(SCROLL_JS, [100, 0]))
        context.close()
    snap = median(rows["snapshot"])
    print(
        f"1. open a {args.cells}-cell notebook (each cell with code and an output); {min(counts)} cells shown"
    )
    print("   | mark | ms since navigation | ms since the snapshot arrived |")
    print("   |---|---|---|")
    labels = {
        "snapshot": "snapshot reply received, model built",
        "first-render": "first cells in the DOM",
        "first-painted": "first cells painted",
        "all-rendered": f"all {args.cells} cells in the DOM",
        "all-painted": f"all {args.cells} cells painted",
    }
    for k in marks:
        print(f"   | {labels[k]} | {median(rows[k]):.0f} | {median(rows[k]) - snap:.0f} |")
    for what, runs in (("120 px per frame, 300 frames", scrolls), ("whole page in 100 jumps", jumps)):
        frame = {k: median([s[k] for s in runs]) for k in ("median", "p95", "max", "long")}
        print(
            f"   scrolling {what}: frame median {frame['median']:.1f} ms, "
            f"p95 {frame['p95']:.1f} ms, max {frame['max']:.0f} ms, "
            f"{frame['long']:.0f} frames over 50 ms"
        )

    # -- 2. cascade over a chain --------------------------------------------------------
    context, page = open_notebook(browser, gw, "chain.py")
    last = f"k{args.chain - 1}"
    run_all(page, last)
    totals: list[float] = []
    firsts: list[float] = []
    kernels: list[float] = []
    started: list[float] = []
    events: list[float] = []
    lag: list[float] = []
    for i in range(args.repeat):
        result = page.evaluate(CASCADE_JS, ["k0", last, f"k0 = {i + 1}"])
        assert result["ok"] and result["ran"] == args.chain, result
        totals.append(result["lastSuccess"] - result["sent"])
        started.append(result["started"] - result["sent"])
        events.append(result["finished"] - result["started"])
        lag.append(result["lastSuccess"] - result["finished"])
        firsts.append(result["firstUpdate"] - result["sent"])
        kernels.append(result["kernel_ms"])
    context.close()
    total, kernel = median(totals), median(kernels)
    print(f"\n2. cascade over {args.chain} chained cells (edit the first, run: true)")
    print("   | measure | ms |")
    print("   |---|---|")
    print(f"   | send -> first status update in the DOM | {median(firsts):.0f} |")
    print(f"   | send -> last cell shows success in the DOM | {total:.0f} |")
    print(f"   | kernel's own cascade duration_ms | {kernel:.0f} |")
    print(f"   | transport + browser (difference) | {total - kernel:.0f} |")
    with ThreadPoolExecutor(
        1
    ) as pool:  # asyncio in its own thread: Playwright's loop runs in this one
        baseline = pool.submit(
            asyncio.run, python_client_cascades(gw, "chain.py", "k0", last, args.repeat)
        ).result()
    print(
        f"   | same cascade, plain Python WebSocket client: send -> last success received | {median(baseline):.0f} |"
    )
    print(f"   | send -> cascade_started received (register, file saved) | {median(started):.0f} |")
    print(f"   | cascade_started -> cascade_finished received | {median(events):.0f} |")
    print(f"   | cascade_finished received -> last status painted | {median(lag):.0f} |")


if __name__ == "__main__":
    main()
