// The notebook as the kernel last said it is, plus the page's own pending
// structural operations laid over it (so a cell added offline shows at once).

import type {
  Cell,
  JupyterMessage,
  KernelEvent,
  Op,
  Output,
  ParentsMap,
  Snapshot,
  Status,
  StatusEntry,
  Variable,
} from "./protocol";
import { FINAL } from "./protocol";

export interface Cascade {
  id: string;
  trigger: { op: string; cell_id: string | null };
  plan: string[];
  position: Map<string, number>;
  done: number;
  running: string | null;
  finished: { ran: number; succeeded: number; failed: number; skipped: number; duration_ms: number } | null;
}

export type Change =
  | { kind: "reset" }
  | { kind: "structure" }
  | { kind: "cell"; id: string }
  | { kind: "cascade" }
  | { kind: "meta" }
  | { kind: "variables" };

const MAX_STREAM_CHARS = 200_000;

export function insertAfter(order: string[], id: string, after: string | null): void {
  if (after === "^") order.unshift(id);
  else if (after === null) order.push(id);
  else {
    const at = order.indexOf(after);
    order.splice(at < 0 ? order.length : at + 1, 0, id);
  }
}

/** The confirmed order with pending create/delete/move applied in sequence. */
export function rebase(order: readonly string[], ops: readonly Op[]): string[] {
  const out = order.slice();
  for (const op of ops) {
    if (op.op === "create") {
      if (!out.includes(op.cell_id)) insertAfter(out, op.cell_id, op.after);
    } else if (op.op === "delete") {
      const at = out.indexOf(op.cell_id);
      if (at >= 0) out.splice(at, 1);
    } else if (op.op === "move") {
      const at = out.indexOf(op.cell_id);
      if (at >= 0 && op.after !== op.cell_id) {
        out.splice(at, 1);
        insertAfter(out, op.cell_id, op.after);
      }
    }
  }
  return out;
}

/** An IOPub message as an nbformat output, or null if it is not one. */
export function toOutput(msg: JupyterMessage): Output | "clear" | null {
  const c = msg.content as Record<string, any>;
  switch (msg.header.msg_type) {
    case "stream":
      return { output_type: "stream", name: c.name, text: c.text };
    case "display_data":
    case "update_display_data":
      return { output_type: "display_data", data: c.data, metadata: c.metadata };
    case "execute_result":
      return { output_type: "execute_result", data: c.data, metadata: c.metadata, execution_count: c.execution_count };
    case "error":
      return { output_type: "error", ename: c.ename, evalue: c.evalue, traceback: c.traceback ?? [] };
    case "clear_output":
      return "clear";
    default:
      return null;
  }
}

export class NotebookModel {
  readonly cells = new Map<string, Cell>();
  order: string[] = [];
  database: string | null = null;
  dialect: string | null = null;
  notebookPath: string | null = null;
  notebookError: string | null = null;
  /** `auto` or `lazy` (PROTOCOL.md section 8), from the last snapshot. */
  mode = "auto";
  cascade: Cascade | null = null;
  /** The kernel's user names, once the variables panel subscribed. */
  variables: Variable[] = [];
  /** Set once the first snapshot arrived. */
  loaded = false;

  /** Per cell, the header msg_id its shown outputs came from; null: adopt the next one. */
  private runIds = new Map<string, string | null>();
  private ops: Op[] = [];
  private view: string[] | null = null;
  private local = new Map<string, Cell>();
  private listener: (change: Change) => void = () => {};

  listen(listener: (change: Change) => void): void {
    this.listener = listener;
  }

  /** Cells in the order the page shows them. */
  viewOrder(): string[] {
    if (this.view === null) {
      this.view = rebase(this.order, this.ops);
      this.local.clear();
      const deleted = new Set<string>();
      for (const op of this.ops) {
        if (op.op === "delete") deleted.add(op.cell_id);
        if (op.op === "create" && (deleted.has(op.cell_id) || !this.cells.has(op.cell_id))) {
          this.local.set(op.cell_id, {
            id: op.cell_id,
            type: op.cell_type,
            code: op.code,
            name: op.name,
            reads: [],
            writes: [],
            status: "idle",
            execution_count: null,
            error: null,
            outputs: [],
          });
        }
      }
    }
    return this.view;
  }

  /** What to show for a cell: its pending local version, else the kernel's. */
  cell(id: string): Cell | undefined {
    this.viewOrder();
    return this.local.get(id) ?? this.cells.get(id);
  }

  isLocal(id: string): boolean {
    this.viewOrder();
    return this.local.has(id);
  }

  setPending(ops: readonly Op[]): void {
    const structural = ops.filter((o) => o.op === "create" || o.op === "delete" || o.op === "move");
    if (structural.length === 0 && this.ops.length === 0) return;
    this.ops = structural;
    this.view = null;
    this.listener({ kind: "structure" });
  }

  reset(snapshot: Snapshot): void {
    this.cells.clear();
    for (const cell of snapshot.cells) this.cells.set(cell.id, { ...cell, outputs: cell.outputs ?? [] });
    this.order = snapshot.cells.map((c) => c.id);
    this.runIds.clear();
    for (const cell of snapshot.cells) this.runIds.set(cell.id, cell.status === "running" ? null : "snapshot");
    this.database = snapshot.database;
    this.dialect = snapshot.dialect ?? dialectOf(snapshot.database);
    this.notebookPath = snapshot.notebook_path;
    this.notebookError = snapshot.notebook_error;
    this.mode = snapshot.mode ?? "auto";
    this.cascade = null;
    this.loaded = true;
    this.view = null;
    this.listener({ kind: "reset" });
  }

  apply(e: KernelEvent): void {
    switch (e.event) {
      case "cell_created": {
        this.cells.set(e.cell.id, { ...e.cell, outputs: e.cell.outputs ?? [] });
        this.order = this.order.filter((id) => id !== e.cell.id);
        this.order.splice(Math.min(e.index, this.order.length), 0, e.cell.id);
        this.structureChanged();
        this.changed(e.cell.id);
        this.statuses(e.statuses);
        this.parents(e.parents);
        break;
      }
      case "cell_updated": {
        const old = this.cells.get(e.cell.id);
        this.cells.set(e.cell.id, { ...old, ...e.cell, outputs: e.cell.outputs ?? old?.outputs ?? [] });
        this.changed(e.cell.id);
        this.statuses(e.statuses);
        this.parents(e.parents);
        break;
      }
      case "cell_deleted":
        this.cells.delete(e.cell_id);
        this.order = this.order.filter((id) => id !== e.cell_id);
        this.structureChanged();
        this.statuses(e.statuses);
        this.parents(e.parents);
        break;
      case "cell_moved": {
        this.order = this.order.filter((id) => id !== e.cell_id);
        this.order.splice(Math.min(e.index, this.order.length), 0, e.cell_id);
        this.structureChanged();
        break;
      }
      case "cascade_started": {
        this.cascade = {
          id: e.cascade_id,
          trigger: e.trigger,
          plan: e.plan,
          position: new Map(e.plan.map((id, i) => [id, i])),
          done: 0,
          running: null,
          finished: null,
        };
        for (const id of e.plan) this.setStatus(id, "queued");
        this.listener({ kind: "cascade" });
        break;
      }
      case "cell_status":
        if (this.cellStatus(e.cascade_id, e)) this.listener({ kind: "cascade" });
        break;
      case "cell_statuses": {
        // The batched form: a few milliseconds of changes, in order.
        let progressed = false;
        for (const entry of e.statuses) progressed = this.cellStatus(e.cascade_id, entry) || progressed;
        if (progressed) this.listener({ kind: "cascade" });
        break;
      }
      case "cascade_finished": {
        if (this.cascade && this.cascade.id === e.cascade_id) {
          this.cascade.finished = e;
          this.cascade.running = null;
          this.listener({ kind: "cascade" });
        }
        break;
      }
      case "variables":
        this.variables = e.variables;
        this.listener({ kind: "variables" });
        break;
      case "database_changed":
        this.database = e.url;
        this.dialect = e.dialect;
        this.listener({ kind: "meta" });
        break;
      default:
        break;
    }
  }

  /**
   * An output published under a cell's header. Outputs under a new header
   * belong to a new run and replace the old ones (a cell failing with
   * UpstreamError publishes its error without a `running` status first).
   */
  output(cellId: string, runId: string, out: Output | "clear"): void {
    const cell = this.cells.get(cellId);
    if (!cell) return;
    const previous = this.runIds.get(cellId);
    if (previous === undefined || (previous !== null && previous !== runId)) cell.outputs = [];
    this.runIds.set(cellId, runId);
    if (out === "clear") {
      cell.outputs = [];
    } else {
      const last = cell.outputs[cell.outputs.length - 1];
      if (out.output_type === "stream" && last?.output_type === "stream" && last.name === out.name) {
        const text = last.text + out.text;
        const merged = { ...last, text: text.length > MAX_STREAM_CHARS ? "…" + text.slice(-MAX_STREAM_CHARS) : text };
        cell.outputs = [...cell.outputs.slice(0, -1), merged];
      } else {
        cell.outputs = [...cell.outputs, out];
      }
    }
    this.changed(cellId);
  }

  /** The kernel died while the cell ran: shown as the cell's error until it runs again. */
  markCrashed(id: string, message: string): void {
    const cell = this.cells.get(id);
    if (!cell) return;
    cell.status = "error";
    cell.error = { ename: "KernelDied", evalue: message, traceback: [] };
    cell.outputs = [{ output_type: "error", ename: "KernelDied", evalue: message, traceback: [] }];
    this.changed(id);
  }

  /** One status change of a cascade; true when the cascade's progress moved. */
  private cellStatus(cascadeId: string | null, e: StatusEntry & { index: number }): boolean {
    const cell = this.cells.get(e.cell_id);
    if (cell) {
      if (e.status === "running") {
        cell.outputs = [];
        this.runIds.set(e.cell_id, null);
      }
      cell.status = e.status;
      cell.execution_count = e.execution_count;
      cell.error = e.error;
      cell.cached = e.cached === true; // restored from the result cache (section 8)
      this.changed(e.cell_id);
    }
    const cascade = this.cascade;
    if (!cascade || cascade.id !== cascadeId) return false;
    if (e.status === "running") cascade.running = e.cell_id;
    else if (FINAL.has(e.status)) {
      cascade.done = Math.max(cascade.done, e.index + 1);
      if (cascade.running === e.cell_id) cascade.running = null;
    }
    return true;
  }

  private setStatus(id: string, status: Status): void {
    const cell = this.cells.get(id);
    if (cell && cell.status !== status) {
      cell.status = status;
      this.changed(id);
    }
  }

  private statuses(entries: StatusEntry[] | undefined): void {
    for (const s of entries ?? []) {
      const cell = this.cells.get(s.cell_id);
      if (!cell) continue;
      cell.status = s.status;
      cell.execution_count = s.execution_count;
      cell.error = s.error;
      if (s.diagnostics) cell.diagnostics = s.diagnostics;
      cell.disabled_by = s.disabled_by ?? null;
      this.changed(s.cell_id);
    }
  }

  /** New edges of other cells (the kernel owns the graph; nothing is derived here). */
  private parents(map: ParentsMap | undefined): void {
    for (const [id, parents] of Object.entries(map ?? {})) {
      const cell = this.cells.get(id);
      if (!cell) continue;
      cell.parents = parents;
      this.changed(id);
    }
  }

  private structureChanged(): void {
    this.view = null;
    this.listener({ kind: "structure" });
  }

  private changed(id: string): void {
    this.listener({ kind: "cell", id });
  }
}

export function dialectOf(url: string | null): string | null {
  if (!url) return null;
  const scheme = url.split(":", 1)[0];
  return scheme.split("+", 1)[0] || null;
}
