"""Widgets as inputs, measured in the web notebook in a real browser (Chromium via Playwright).

Run:  .venv/bin/python benchmarks/bench_widgets.py [--changes 100] [--slow-ms 200]

Needs the built web UI (``webui/build.sh``), ``pip install playwright``, ipywidgets and
``/usr/bin/chromium`` (or ``REACTIVE_CHROMIUM``). A real gateway is started on
127.0.0.1 (free port, temporary root dir); every wait is bounded.

1. Latency: ``--changes`` slider changes, one at a time. Each change is made the way
   the slider's view makes it when dragged (``model.set("value", v)`` and
   ``save_changes()`` on the page's widget model); a MutationObserver waits for the
   dependent cell's output to show the new value, then the next animation frame
   (painted). Reported: p50/p95 of change -> painted, next to the baseline measured
   in the same run on the same page: the same dependent cell re-run with the ``run``
   op (one comm request and its cascade, output painted). The ratio is the cost of
   the widget path (widget comm, echo, coalescing task) over a plain cascade.
2. Coalescing: ``--changes`` changes spread over one second while the dependent
   takes ``--slow-ms`` per run. Reported: how many runs it made, and the time from the
   last change until its output showed the last value, in runs of the dependent
   (target: about two; without coalescing it would be ``--changes`` runs).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "gateway"))
sys.path.insert(0, str(ROOT / "tests"))

from browser import CHROMIUM_FLAGS as FLAGS  # noqa: E402
from gwtools import GatewayProcess  # noqa: E402

TIMEOUT_MS = 120_000

NOTEBOOK = """# %% id="x"
import ipywidgets as widgets
s = widgets.IntSlider(value=0, min=0, max=100000)
s

# %% id="fast"
print("v", s.value)

# %% id="slow_input"
import time
t = widgets.IntSlider(value=0, min=0, max=100000)
t

# %% id="slow"
import builtins
builtins.slow_runs = getattr(builtins, "slow_runs", 0) + 1  # counts runs, outside the graph
time.sleep({slow})
print("t", t.value)
print("runs", builtins.slow_runs)
"""

# In the page: helpers that change a widget and wait for a cell's output to show a text.
HELPERS = """
window.benchWidgets = {
  async model(cellId) {
    const el = document.querySelector(`section.cell[data-cell-id="${cellId}"] .output-widget`);
    const bridge = window.reactiveWidgets;
    for (const id of Object.keys(bridge.manager._models)) {
      const m = await bridge.manager.get_model(id);
      if (m.get('_model_name') === 'IntSliderModel' && el && el.querySelector('.widget-slider')) {
        if (Object.values(m.views).length) {
          for (const vp of Object.values(m.views)) {
            const v = await vp;
            if (el.contains(v.el)) return m;
          }
        }
      }
    }
    throw new Error('no slider model in cell ' + cellId);
  },
  shows(cellId, text, timeout) {
    const out = document.querySelector(`section.cell[data-cell-id="${cellId}"] .cell-outputs`);
    return new Promise((resolve, reject) => {
      const check = () => out.textContent.includes(text);
      if (check()) return requestAnimationFrame(() => resolve(performance.now()));
      const timer = setTimeout(() => { obs.disconnect(); reject(new Error('timeout: ' + text)); }, timeout);
      const obs = new MutationObserver(() => {
        if (!check()) return;
        obs.disconnect(); clearTimeout(timer);
        requestAnimationFrame(() => resolve(performance.now()));
      });
      obs.observe(out, { childList: true, subtree: true, characterData: true });
    });
  },
};
"""

LATENCY = """async ([changes]) => {
  const b = window.benchWidgets;
  const m = await b.model('x');
  const widget = [], run = [];
  for (let i = 1; i <= changes; i++) {
    const t0 = performance.now();
    m.set('value', i); m.save_changes();
    widget.push(await b.shows('fast', `v ${i}\\n`, 10000) - t0);
  }
  for (let i = 0; i < changes; i++) {
    const before = document.querySelector('section.cell[data-cell-id="fast"] .cell-outputs').textContent;
    const t0 = performance.now();
    const painted = new Promise((resolve) => {
      const out = document.querySelector('section.cell[data-cell-id="fast"] .cell-outputs');
      const obs = new MutationObserver(() => { obs.disconnect(); requestAnimationFrame(() => resolve(performance.now())); });
      obs.observe(out, { childList: true, subtree: true, characterData: true });
    });
    window.__reactive.client.send({ op: 'run', cell_id: 'fast' });
    run.push(await painted - t0);
  }
  return { widget, run };
}"""

COALESCE = """async ([changes, spreadMs, timeout]) => {
  const b = window.benchWidgets;
  const m = await b.model('slow_input');
  const gap = spreadMs / changes;
  let last = 0;
  const start = performance.now();
  const seen = [];
  const out = document.querySelector('section.cell[data-cell-id="slow"] .cell-outputs');
  const obs = new MutationObserver(() => {
    const m = out.textContent.match(/t (\\d+)/);
    if (m) seen.push([Math.round(performance.now() - start), Number(m[1])]);
  });
  obs.observe(out, { childList: true, subtree: true, characterData: true });
  for (let i = 1; i <= changes; i++) {
    m.set('value', i); m.save_changes();
    last = performance.now();
    if (i < changes) await new Promise((r) => setTimeout(r, gap));
  }
  const done = await b.shows('slow', `t ${changes}\\n`, timeout);
  obs.disconnect();
  return { after: done - last, last: Math.round(last - start), seen };
}"""


# JupyterLab: keyboard steps on the slider's handle (noUiSlider moves one step per key,
# as a drag does per pixel), timed until the dependent cell shows the new value, painted.
LAB_LATENCY = """async ([changes]) => {
  const cells = document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell');
  const handle = cells[0].querySelector('.noUi-handle');
  const out = cells[1].querySelector('.jp-OutputArea');
  const times = [];
  for (let i = 1; i <= changes; i++) {
    const want = `v ${i}`;
    const t0 = performance.now();
    const painted = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timeout: ' + want)), 20000);
      const obs = new MutationObserver(() => {
        if (!out.textContent.includes(want)) return;
        obs.disconnect(); clearTimeout(timer);
        requestAnimationFrame(() => resolve(performance.now()));
      });
      obs.observe(out, { childList: true, subtree: true, characterData: true });
    });
    handle.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }));
    times.push(await painted - t0);
  }
  return times;
}"""


def lab_report(browser: Any, changes: int) -> None:
    """The same latency in JupyterLab (jupyterlab_widgets and the extension)."""
    sys.path.insert(0, str(ROOT / "tests" / "e2e_lab"))
    from labdriver import LabServer, NotebookPage, write_notebook

    with tempfile.TemporaryDirectory(prefix="bench-widgets-lab-") as tmp:
        lab = LabServer(Path(tmp), extension=True)
        lab.start()
        try:
            write_notebook(
                lab.root / "w.ipynb",
                [
                    (
                        "x",
                        "import ipywidgets as widgets\ns = widgets.IntSlider(value=0, max=100000)\ns",
                    ),
                    ("fast", "print('v', s.value)"),
                ],
            )
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            nb = NotebookPage(context.new_page(), lab)
            nb.open("w.ipynb", 2)
            nb.run(0)
            nb.output(0).locator(".noUi-handle").wait_for(timeout=TIMEOUT_MS)
            nb.run(1)
            nb.output(1).get_by_text("v 0").wait_for(timeout=TIMEOUT_MS)
            nb.wait_kernel_idle()
            times = nb.page.evaluate(LAB_LATENCY, [changes])
            print(f"\nJupyterLab, slider step -> dependent output painted ({changes} changes)")
            print(
                f"  widget change   p50 {statistics.median(times):6.1f} ms"
                f"   p95 {pct(times, 0.95):6.1f} ms"
            )
            context.close()
        finally:
            lab.stop()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def kernel_runs(page: Any, cell_id: str) -> int:
    """Runs of a cell so far (the slow cell prints its own count)."""
    text = page.inner_text(f'section.cell[data-cell-id="{cell_id}"] .cell-outputs')
    return int(text.split("runs")[-1].split()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--slow-ms", type=int, default=200)
    parser.add_argument("--verbose", action="store_true", help="print when each value showed")
    parser.add_argument("--lab", action="store_true", help="also measure JupyterLab (slow start)")
    args = parser.parse_args()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise SystemExit("playwright is not installed: .venv/bin/pip install playwright") from None
    chromium = os.environ.get("REACTIVE_CHROMIUM", "/usr/bin/chromium")
    if not os.access(chromium, os.X_OK):
        raise SystemExit(f"no Chromium at {chromium} (apt-get install chromium)")
    if not (ROOT / "gateway" / "static" / "widgets.js").is_file():
        raise SystemExit("the web UI is not built: run webui/build.sh")

    with tempfile.TemporaryDirectory(prefix="bench-widgets-") as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        (root / "w.py").write_text(NOTEBOOK.replace("{slow}", str(args.slow_ms / 1000)))
        gw = GatewayProcess(root, Path(tmp) / "gateway.log")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium, args=FLAGS)
                try:
                    report(browser, gw, args)
                    if args.lab:
                        lab_report(browser, args.changes)
                finally:
                    browser.close()
        finally:
            gw.stop()


def report(browser: Any, gw: GatewayProcess, args: Any) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{gw.url}/?token={gw.token}#nb=w.py")
    page.wait_for_selector('.link-dot[data-health="live"]', timeout=TIMEOUT_MS)
    page.evaluate("() => window.__reactive.client.send({op: 'run_all'})")
    page.wait_for_selector('section.cell[data-cell-id="slow"][data-status="success"]')
    page.wait_for_selector('section.cell[data-cell-id="x"] .widget-slider')
    page.wait_for_selector('section.cell[data-cell-id="slow_input"] .widget-slider')
    page.evaluate(HELPERS)
    page.evaluate(LATENCY, [10])  # warm-up: the kernel's and the page's first runs
    lat = page.evaluate(LATENCY, [args.changes])
    widget, run = lat["widget"], lat["run"]
    w50, w95 = statistics.median(widget), pct(widget, 0.95)
    r50, r95 = statistics.median(run), pct(run, 0.95)
    print(f"web notebook, slider change -> dependent output painted ({args.changes} changes)")
    print(f"  widget change   p50 {w50:6.1f} ms   p95 {w95:6.1f} ms   (target p50 < 50, p95 < 100)")
    print(f"  `run` op (base) p50 {r50:6.1f} ms   p95 {r95:6.1f} ms")
    print(f"  ratio widget/run: p50 {w50 / r50:.2f}x   p95 {w95 / r95:.2f}x")

    before = kernel_runs(page, "slow")
    co = page.evaluate(COALESCE, [args.changes, 1000, TIMEOUT_MS])
    runs = kernel_runs(page, "slow") - before
    if args.verbose:
        print("last change at", co["last"], "ms; outputs (ms, value):", co["seen"])
    slow = args.slow_ms
    print(f"\ncoalescing: {args.changes} changes in 1 s, dependent takes {slow} ms per run")
    print(f"  runs of the dependent: {runs} (without coalescing: {args.changes})")
    print(
        f"  last change -> last value painted: {co['after']:.0f} ms"
        f" = {co['after'] / slow:.2f} runs (target: about 2)"
    )
    context.close()


if __name__ == "__main__":
    main()
