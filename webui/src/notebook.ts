// The notebook page: ties the model, the kernel client and the views together.
// Model changes are collected and applied to the DOM once per animation frame.

import type { Api } from "./api";
import { CellView, delegateCellEvents } from "./cells";
import { randomId, toast } from "./dom";
import { downloadHtml, exportHtml } from "./export";
import type { RunMode } from "./editor";
import { lineage, renderGraph, type Graph } from "./graph";
import { ReactiveClient } from "./kernel";
import { commandKeys } from "./keyboard";
import { type Change, NotebookModel } from "./model";
import { ModeControls, optionOp } from "./options";
import { Chrome } from "./panels";
import { attachWidgets } from "./widget_page";
import { perf } from "./perf";
import { shouldRunOnOpen } from "./run_policy";
import type { Cell, CellType, Op, Reply, Variable } from "./protocol";
import { setPageFetcher, type TablePage, type TableSort } from "./table";
import { VariablesPanel } from "./variables";

const EDIT_DEBOUNCE_MS = 400;

/** Run `work` when the browser is idle; `more()` says whether time is left. */
function idleTask(work: (more: () => boolean) => void): number {
  if (typeof requestIdleCallback === "function") {
    return requestIdleCallback((d) => work(() => d.timeRemaining() > 1), { timeout: 500 });
  }
  return window.setTimeout(() => {
    const end = performance.now() + 8;
    work(() => performance.now() < end);
  }, 16);
}
const FIRST_CHUNK = 40;
const LATER_CHUNK = 1000;
/** Cells built in full at once when a notebook opens; the others start light (CellView). */
const FULL_AT_OPEN = FIRST_CHUNK;
/** How far from the viewport a light cell gets its full DOM: a screen above and below. */
const NEAR = "100% 0px";
const RUN_ON_EDIT_KEY = "reactive.runOnEdit";

export class NotebookPage {
  readonly model = new NotebookModel();
  readonly client: ReactiveClient;
  private readonly chrome: Chrome;
  private readonly variables: VariablesPanel;
  private readonly views = new Map<string, CellView>();
  private readonly timers = new Map<string, number>();
  private readonly dirty = new Set<string>();
  private structureDirty = true;
  private cascadeDirty = false;
  private graphDirty = false;
  private frame = 0;
  private selected: string | null = null;
  private focusWhenShown: string | null = null;
  private runOnEdit: boolean;
  private graph: Graph | null = null;
  private pendingCells = new Set<string>();
  private readonly removeKeys: () => void;
  private readonly observer: IntersectionObserver;
  private renderedOnce = false;
  private healthDetail = "";
  private readonly detachWidgets: () => void;
  private readonly modes: ModeControls;
  private syncedOnce = false;
  private readonly toHighlight = new Set<string>();
  private highlightTask = 0;

  constructor(
    private readonly root: HTMLElement,
    api: Api,
    readonly path: string,
  ) {
    this.runOnEdit = localStorage.getItem(RUN_ON_EDIT_KEY) === "1";
    this.client = new ReactiveClient(api, path, this.model, {
      health: (health, detail) => {
        this.healthDetail = detail;
        this.chrome.setHealth(health, detail, this.client.unsentCount());
        if (health === "live") perf.mark("live");
      },
      error: (op, error) => this.opFailed(op, error),
      synced: () => {
        perf.mark("snapshot");
        this.selectFallback();
        this.afterSync();
      },
      outbox: (count) => {
        this.chrome.setHealth(this.client.health, this.healthDetail, count);
        this.refreshPending();
      },
    });
    this.detachWidgets = attachWidgets(this.client);
    this.chrome = new Chrome(path, this.runOnEdit, {
      addCell: (type) => this.insertAt(this.selected, "below", type),
      toggleRunOnEdit: (on) => {
        this.runOnEdit = on;
        localStorage.setItem(RUN_ON_EDIT_KEY, on ? "1" : "0");
      },
      toggleGraph: (open) => {
        this.graphDirty = open;
        if (!open) this.highlightLineage(null);
        this.schedule();
      },
      setDatabase: (url) => void this.setDatabase(url),
      restartKernel: () => void this.client.restartKernel().catch((e) => toast(`Restart failed: ${e.message}`, "error")),
      interrupt: () => void this.client.interruptKernel().catch((e) => toast(`Interrupt failed: ${e.message}`, "error")),
      toggleVariables: (open) => this.toggleVariables(open),
      runAll: () => this.runAll(),
      exportHtml: () => void exportHtml(this.client),
      restartAndRunAll: () => void this.client.restartKernel().then(() => this.runAll(), (e) => toast(`Restart failed: ${e.message}`, "error")),
    });
    this.modes = new ModeControls({ send: (op) => this.send(op), staleCount: () => this.staleCount() }).attach(this.chrome.el);
    this.variables = new VariablesPanel((id) => this.jumpTo(id), (id) => this.cellName(id));
    this.chrome.varsHost.append(this.variables.el);
    setPageFetcher((name, offset, limit, sort) => this.tablePage(name, offset, limit, sort));
    delegateCellEvents(this.chrome.cellsHost, (id) => this.views.get(id), this.actions);
    this.observer = new IntersectionObserver((entries) => this.visible(entries), { rootMargin: NEAR });
    this.model.listen((change) => this.changed(change));
    this.removeKeys = commandKeys(document.body, {
      step: (d) => this.step(d),
      edit: () => this.selected && this.views.get(this.selected)?.focusEditor(null),
      insert: (where) => this.insertAt(this.selected, where, "python"),
      remove: () => this.selected && this.remove(this.selected),
      run: (mode) => this.selected && this.run(this.selected, mode),
      move: (d) => this.selected && this.move(this.selected, d),
      toType: (type) => this.selected && this.setType(this.selected, type),
      command: () => this.selected && this.escape(this.selected),
      runAll: () => this.runAll(),
      restart: () => void this.client.restartKernel().catch((e) => toast(`Restart failed: ${e.message}`, "error")),
      interrupt: () => void this.client.interruptKernel().catch((e) => toast(`Interrupt failed: ${e.message}`, "error")),
    });
    root.replaceChildren(this.chrome.el);
    document.title = `${path.split("/").pop()} · reactive`;
    (window as any).__reactive = { page: this, model: this.model, client: this.client, perf };
    (window as any).__reactive.exportHtml = () => downloadHtml(this.client);
    this.client.start();
  }

  destroy(): void {
    this.detachWidgets();
    this.client.stop();
    setPageFetcher(null);
    this.removeKeys();
    this.observer.disconnect();
    cancelAnimationFrame(this.frame);
    for (const t of this.timers.values()) clearTimeout(t);
    for (const v of this.views.values()) v.destroy();
    this.root.replaceChildren();
  }

  // -- model -> DOM -------------------------------------------------------------------

  private changed(change: Change): void {
    switch (change.kind) {
      case "reset":
        this.structureDirty = true;
        for (const id of this.views.keys()) this.dirty.add(id);
        this.cascadeDirty = true;
        this.chrome.setDatabase(this.model.database);
        this.modes.showMode(this.model.mode);
        this.chrome.setNotice(this.model.notebookError ? `The notebook file could not be loaded or saved: ${this.model.notebookError}` : null);
        break;
      case "structure":
        this.structureDirty = true;
        break;
      case "cell":
        this.dirty.add(change.id);
        break;
      case "cascade":
        this.cascadeDirty = true;
        break;
      case "variables":
        this.variables.set(this.model.variables);
        return;
      case "meta":
        this.chrome.setDatabase(this.model.database);
        for (const view of this.views.values()) view.refreshLanguage();
        break;
    }
    this.graphDirty = this.graphDirty || (this.chrome.graphOpen && change.kind !== "cascade");
    this.schedule();
  }

  private schedule(): void {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.flush());
  }

  private flushNow(): void {
    cancelAnimationFrame(this.frame);
    this.flush();
  }

  private flush(): void {
    this.frame = 0;
    const started = performance.now();
    let complete = true;
    if (this.structureDirty) complete = this.reconcile();
    for (const id of this.dirty) this.updateView(id);
    if (this.dirty.size) this.modes.refresh();
    this.dirty.clear();
    if (this.cascadeDirty) {
      this.cascadeDirty = false;
      this.chrome.setCascade(this.model.cascade, (id) => this.label(id));
    }
    if (this.graphDirty && this.chrome.graphOpen) {
      this.graphDirty = false;
      this.drawGraph();
    }
    if (!complete) {
      this.schedule();
    } else if (this.model.loaded && !this.renderedOnce) {
      this.renderedOnce = true;
      perf.mark("all-rendered");
      requestAnimationFrame(() => perf.mark("all-painted")); // runs once the frame above is painted
    }
    if (this.focusWhenShown && this.views.has(this.focusWhenShown)) {
      const id = this.focusWhenShown;
      this.focusWhenShown = null;
      this.select(id, true);
      this.views.get(id)?.focusEditor("end");
    }
    perf.mark("flush");
    perf.add("flush", performance.now() - started);
  }

  /** Create, remove and order cell views; returns false if views are still to be created. */
  private reconcile(): boolean {
    const order = this.model.viewOrder();
    const wanted = new Set(order);
    for (const [id, view] of this.views) {
      if (!wanted.has(id)) {
        this.observer.unobserve(view.el);
        view.destroy();
        this.views.delete(id);
        this.dirty.delete(id);
      }
    }
    let budget = this.views.size === 0 ? FIRST_CHUNK : LATER_CHUNK;
    let complete = true;
    let previous: Element | null = null;
    const host = this.chrome.cellsHost;
    for (const id of order) {
      let view = this.views.get(id);
      if (!view) {
        if (budget <= 0) {
          complete = false;
          continue;
        }
        const cell = this.model.cell(id);
        if (!cell) continue;
        budget--;
        view = new CellView(id, cell, this.actions, this.renderedOnce || this.views.size < FULL_AT_OPEN);
        this.views.set(id, view);
        this.updateView(id);
        this.observer.observe(view.el);
      }
      const want: Element | null = previous ? previous.nextElementSibling : host.firstElementChild;
      if (want !== view.el) host.insertBefore(view.el, want);
      previous = view.el;
    }
    if (complete) this.structureDirty = false;
    if (this.model.loaded && !perf.has("first-render") && this.views.size > 0) {
      perf.mark("first-render");
      requestAnimationFrame(() => perf.mark("first-painted"));
    }
    if (this.model.loaded && order.length === 0) this.chrome.setNotice("This notebook is empty: add a Python or SQL cell (or press B).");
    else if (!this.model.notebookError) this.chrome.setNotice(null);
    return complete;
  }

  private updateView(id: string): void {
    const view = this.views.get(id);
    const cell = this.model.cell(id);
    if (!view || !cell) return;
    const c = this.model.cascade;
    const index = c && !c.finished ? c.position.get(id) : undefined;
    const typing = this.timers.has(id);
    view.update(cell, {
      plan: index === undefined || !c ? null : { index, total: c.plan.length },
      pending: typing || this.client.hasUnsent(id) || this.model.isLocal(id),
      acceptCode: !typing && !this.client.hasPendingEdit(id),
    });
  }

  private refreshPending(): void {
    const now = new Set<string>();
    for (const id of this.views.keys()) if (this.client.hasUnsent(id) || this.model.isLocal(id) || this.timers.has(id)) now.add(id);
    for (const id of now) if (!this.pendingCells.has(id)) this.dirty.add(id);
    for (const id of this.pendingCells) if (!now.has(id)) this.dirty.add(id);
    this.pendingCells = now;
    this.schedule();
  }

  private visible(entries: IntersectionObserverEntry[]): void {
    for (const entry of entries) {
      const id = (entry.target as HTMLElement).dataset.cellId ?? "";
      if (entry.isIntersecting) {
        this.views.get(id)?.hydrate(); // near the viewport: the full cell, before it is painted
        this.toHighlight.add(id);
      } else {
        this.toHighlight.delete(id);
        this.views.get(id)?.setVisible(false);
      }
    }
    if (this.toHighlight.size && !this.highlightTask) this.highlightTask = idleTask((more) => this.highlightSome(more));
  }

  /** Syntax colours for cells that came into view, in idle time: scrolling frames stay short. */
  private highlightSome(more: () => boolean): void {
    this.highlightTask = 0;
    for (const id of this.toHighlight) {
      if (!more()) break;
      this.toHighlight.delete(id);
      this.views.get(id)?.setVisible(true);
    }
    if (this.toHighlight.size) this.highlightTask = idleTask((m) => this.highlightSome(m));
  }

  /** How the progress line names a cell: by its id, as its toolbar shows it (not by a name it defines). */
  private label(id: string): string {
    return id;
  }

  private drawGraph(): void {
    const cells = this.model.viewOrder().map((id) => this.model.cell(id)).filter((c): c is Cell => !!c);
    this.graph = renderGraph(this.chrome.graphHost, cells, this.selected, (id) => this.jumpTo(id));
    this.highlightLineage(this.selected);
  }

  private highlightLineage(id: string | null): void {
    const lit = id && this.graph && this.chrome.graphOpen ? lineage(this.graph, id) : null;
    for (const [vid, view] of this.views) {
      view.setHighlight(lit?.ancestors.has(vid) ? "ancestor" : lit?.descendants.has(vid) ? "descendant" : null);
    }
  }

  // -- actions -------------------------------------------------------------------------

  private readonly actions = {
    select: (id: string, edit: boolean) => this.select(id, edit),
    edited: (id: string, _code: string) => this.edited(id),
    run: (id: string, mode: RunMode) => this.run(id, mode),
    escape: (id: string) => this.escape(id),
    leave: (id: string, direction: -1 | 1) => this.leave(id, direction),
    insert: (id: string, where: "above" | "below") => this.insertAt(id, where, "python"),
    remove: (id: string) => this.remove(id),
    move: (id: string, delta: -1 | 1) => this.move(id, delta),
    setType: (id: string, type: CellType) => this.setType(id, type),
    setName: (id: string, _name: string | null) => this.sendEdit(id, this.runOnEdit),
    dialect: () => this.model.dialect,
    option: (id: string, action: "disable" | "cache") => {
      const op = optionOp(this.model.cell(id), action);
      if (op) void this.send(op);
    },
  };

  private staleCount(): number {
    return this.model.viewOrder().filter((id) => this.model.cell(id)?.status === "stale").length;
  }

  private select(id: string, edit: boolean): void {
    const changed = id !== this.selected;
    if (this.selected && changed) this.views.get(this.selected)?.setSelected(false, false);
    this.selected = id;
    this.views.get(id)?.setSelected(true, edit);
    if (changed && this.chrome.graphOpen) {
      this.graphDirty = true;
      this.schedule();
    }
  }

  /** Run every cell that is not up to date (the `run_all` op). */
  private runAll(): void {
    void this.send({ op: "run_all" });
  }

  /** Select a cell and scroll it to the middle (graph nodes, variables' cells). */
  private jumpTo(id: string): void {
    this.select(id, false);
    const view = this.views.get(id);
    view?.hydrate();
    view?.el.scrollIntoView({ block: "center" });
    view?.el.focus({ preventScroll: true });
  }

  /** "cell 3 · total": where a cell is and what it defines first. */
  private cellName(id: string): string {
    const at = this.model.viewOrder().indexOf(id);
    return at < 0 ? id : `cell ${at + 1}`;
  }

  private toggleVariables(open: boolean): void {
    this.variables.el.hidden = !open;
    if (open) {
      this.variables.draw();
      void this.subscribeVariables();
    }
  }

  /** Ask for the variables and for a `variables` event after every cascade. */
  private async subscribeVariables(): Promise<void> {
    const reply = await this.client.send({ op: "variables", subscribe: true });
    if (reply.ok && Array.isArray(reply.variables)) {
      this.model.variables = reply.variables as Variable[];
      this.variables.set(this.model.variables);
    }
  }

  private async tablePage(name: string, offset: number, limit: number, sort: TableSort | null): Promise<TablePage> {
    const reply = await this.client.send({ op: "table_page", name, offset, limit, sort });
    if (!reply.ok) throw new Error(reply.error?.message ?? "the page could not be fetched");
    return reply.page as TablePage;
  }

  /** The first sync of this page may run the notebook (see run_policy.ts). */
  private afterSync(): void {
    const first = !this.syncedOnce;
    this.syncedOnce = true;
    const cells = this.model.order.map((id) => this.model.cells.get(id)).filter((c): c is Cell => !!c);
    if (shouldRunOnOpen(cells, first, this.client.kernelRestarts)) this.runAll();
    if (this.variables.open) void this.subscribeVariables(); // a restarted kernel forgot it
  }

  private selectFallback(): void {
    const order = this.model.viewOrder();
    if (!this.selected || !order.includes(this.selected)) {
      if (order.length) this.select(order[0], false);
      else this.selected = null;
    }
  }

  private step(delta: -1 | 1): void {
    const order = this.model.viewOrder();
    if (!order.length) return;
    const at = this.selected ? order.indexOf(this.selected) : -1;
    const next = order[Math.max(0, Math.min(order.length - 1, at + delta))];
    this.select(next, false);
    const view = this.views.get(next);
    view?.el.focus({ preventScroll: true });
    view?.el.scrollIntoView({ block: "nearest" });
  }

  private escape(id: string): void {
    const view = this.views.get(id);
    view?.blurEditor();
    this.select(id, false);
    view?.el.focus({ preventScroll: true });
  }

  private leave(id: string, direction: -1 | 1): boolean {
    const order = this.model.viewOrder();
    const next = order[order.indexOf(id) + direction];
    if (!next) return false;
    this.select(next, true);
    this.views.get(next)?.focusEditor(direction < 0 ? "end" : "start");
    return true;
  }

  private edited(id: string): void {
    clearTimeout(this.timers.get(id));
    this.timers.set(id, window.setTimeout(() => this.sendEdit(id, this.runOnEdit), EDIT_DEBOUNCE_MS));
    if (!this.pendingCells.has(id)) this.refreshPending();
  }

  /** Register the cell's current text (and SQL name) with the kernel. */
  private sendEdit(id: string, run: boolean): void {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    const view = this.views.get(id);
    const cell = this.model.cell(id);
    if (!view || !cell) return;
    const op: Op = { op: "register", cell_id: id, code: view.code, run };
    if (cell.type === "sql") op.name = view.name;
    void this.send(op);
  }

  /**
   * Send an operation after every edit still waiting for its debounce, so the
   * kernel sees changes in the order they were made (running a cell right
   * after typing in its parent must see the parent's new code).
   */
  private send(op: Op): Promise<Reply> {
    for (const id of [...this.timers.keys()]) {
      if (op.op !== "register" || op.cell_id !== id) this.sendEdit(id, this.runOnEdit);
    }
    return this.client.send(op);
  }

  private run(id: string, mode: RunMode): void {
    this.sendEdit(id, true);
    if (this.model.cell(id)?.type === "markdown") this.views.get(id)?.renderMarkdown();
    const order = this.model.viewOrder();
    const next = order[order.indexOf(id) + 1];
    if (mode === "insert" || (mode === "advance" && !next)) this.insertAt(id, "below", "python");
    else if (mode === "advance" && next) {
      this.views.get(id)?.blurEditor();
      this.select(next, false);
      const view = this.views.get(next);
      view?.el.focus({ preventScroll: true });
      view?.el.scrollIntoView({ block: "nearest" });
    }
  }

  private insertAt(id: string | null, where: "above" | "below", type: CellType): void {
    const order = this.model.viewOrder();
    let after: string | null;
    if (id === null || !order.includes(id)) after = null;
    else if (where === "below") after = id;
    else after = order[order.indexOf(id) - 1] ?? "^";
    const cellId = randomId("c");
    void this.send({ op: "create", cell_id: cellId, cell_type: type, after, code: "", name: null });
    this.focusWhenShown = cellId;
    this.flushNow(); // the new cell takes the keyboard at once, before the next key
  }

  private remove(id: string): void {
    const order = this.model.viewOrder();
    const at = order.indexOf(id);
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    void this.send({ op: "delete", cell_id: id });
    const next = order[at + 1] ?? order[at - 1];
    if (next) {
      this.select(next, false);
      this.views.get(next)?.el.focus({ preventScroll: true });
    } else this.selected = null;
  }

  private move(id: string, delta: -1 | 1): void {
    const order = this.model.viewOrder();
    const at = order.indexOf(id);
    if (at < 0 || at + delta < 0 || at + delta >= order.length) return;
    const after = delta < 0 ? (order[at - 2] ?? "^") : order[at + 1];
    void this.send({ op: "move", cell_id: id, after });
  }

  /** A new type for the cell, same id and text (`register` with `cell_type`). */
  private setType(id: string, type: CellType): void {
    const cell = this.model.cell(id);
    const view = this.views.get(id);
    if (!cell || !view || cell.type === type) return;
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    void this.send({ op: "register", cell_id: id, code: view.code, run: false, cell_type: type });
  }

  private async setDatabase(url: string): Promise<void> {
    const reply = await this.send({ op: "set_database", url });
    if (reply.ok) toast(`Database: ${String(reply.database)}`);
  }

  private opFailed(op: Op, error: { code: string; message: string }): void {
    toast(`${op.op} failed: ${error.message}`, "error");
    if ("cell_id" in op && op.cell_id) this.dirty.add(op.cell_id);
    this.schedule();
  }
}

