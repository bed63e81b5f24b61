// The `reactive` comm over the gateway WebSocket: an outbox of operations that
// survives disconnections and kernel restarts, and resync from `snapshot`.
//
// Every operation goes into the outbox first and leaves it only when its
// `reply` event arrives. When the link drops or the kernel dies, operations
// sent but not answered are marked unsent; once the page is connected again it
// asks for a snapshot, resets the model from it, and sends the outbox again in
// order. Resending is safe: `register` and `move` are idempotent, and a resent
// `create`/`delete` that had already been applied answers `duplicate_id` /
// `unknown_cell`, which is taken as success.
//
// A run is never repeated behind the user's back: when the kernel dies, a run
// that was in flight (sent, unanswered) is dropped - an edit that asked to run
// is resent as an edit only - because the cell may be what killed the kernel
// (`os._exit(1)` would otherwise kill every restarted kernel in turn). The page
// says which cell was running and marks it. When the gateway has given up
// restarting (too many deaths in a row), the next operation the user makes
// restarts the kernel explicitly, which resets the gateway's restart limit.

import type { Api } from "./api";
import { HttpError } from "./api";
import { FatalError, KernelChannel, message } from "./channel";
import type { LinkState } from "./channel";
import { randomId } from "./dom";
import { type NotebookModel, toOutput } from "./model";
import type { JupyterMessage, KernelEvent, Op, Reply, Snapshot } from "./protocol";

export type Health = "connecting" | "syncing" | "live" | "offline" | "kernel-dead" | "kernel-restarting" | "failed";

export interface ClientHooks {
  health(health: Health, detail: string): void;
  error(op: Op, error: { code: string; message: string }): void;
  synced(): void;
  outbox(count: number): void;
}

interface Pending {
  req: string;
  op: Op;
  sent: boolean;
  settle: ((reply: Reply) => void)[];
}

const SYNC_TIMEOUT_MS = 70_000;

function benign(op: Op, code: string): boolean {
  return (op.op === "create" && code === "duplicate_id") || (op.op === "delete" && code === "unknown_cell");
}

export class ReactiveClient {
  readonly channel: KernelChannel;
  kernelId: string | null = null;
  health: Health = "connecting";
  kernelBusy = false;
  /** How often the gateway restarted this kernel after a death (0: never died). */
  kernelRestarts = 0;
  private outbox: Pending[] = [];
  private syncReq: string | null = null;
  private syncTimer: number | undefined;
  private kernelDown = false;
  private givenUp = false;
  private reviving = false;
  private crashed: { id: string; label: string }[] = [];
  private readonly prefix = randomId("r") + "-";
  private seq = 0;

  constructor(
    private readonly api: Api,
    readonly path: string,
    private readonly model: NotebookModel,
    private readonly hooks: ClientHooks,
  ) {
    this.channel = new KernelChannel({
      resolve: () => this.resolve(),
      onMessage: (m) => this.receive(m),
      onState: (s, d) => this.linkState(s, d),
    });
  }

  start(): void {
    this.channel.start();
  }

  stop(): void {
    clearTimeout(this.syncTimer);
    this.channel.stop();
  }

  // -- operations --------------------------------------------------------------------

  send(op: Op): Promise<Reply> {
    if (this.givenUp) this.revive();
    if (op.op === "register") {
      const merged = this.mergeRegister(op);
      if (merged) return new Promise((resolve) => merged.settle.push(resolve));
    }
    const pending: Pending = { req: this.prefix + ++this.seq, op, sent: false, settle: [] };
    this.outbox.push(pending);
    this.outboxChanged();
    this.flush();
    return new Promise((resolve) => pending.settle.push(resolve));
  }

  /** Whether an edit of the cell is waiting to be sent or answered. */
  hasPendingEdit(cellId: string): boolean {
    return this.outbox.some((p) => p.op.op === "register" && p.op.cell_id === cellId);
  }

  /** Whether an operation on the cell is waiting to be sent (offline, or resyncing). */
  hasUnsent(cellId: string): boolean {
    return this.outbox.some((p) => !p.sent && "cell_id" in p.op && p.op.cell_id === cellId);
  }

  unsentCount(): number {
    return this.outbox.filter((p) => !p.sent).length;
  }

  async restartKernel(): Promise<void> {
    this.givenUp = false;
    if (this.kernelId) await this.api.restartKernel(this.kernelId);
    this.beginSync();
  }

  /** The user acted on a notebook whose kernel the gateway gave up on: restart it. */
  private revive(): void {
    if (this.reviving) return;
    this.reviving = true;
    this.givenUp = false;
    this.setHealth("kernel-restarting", "Restarting it for your change.");
    this.restartKernel()
      .catch((e) => {
        this.givenUp = true;
        this.setHealth("kernel-dead", `It could not be restarted: ${e instanceof Error ? e.message : String(e)}`);
      })
      .finally(() => (this.reviving = false));
  }

  /**
   * The kernel died (once per death, whatever announced it first): note the
   * cells that were running, and drop the runs in flight so they are not
   * repeated on the next kernel.
   */
  private kernelDied(): string {
    if (!this.kernelDown) {
      this.kernelDown = true;
      const order = this.model.viewOrder();
      let running = order.filter((id) => this.model.cell(id)?.status === "running");
      if (!running.length) {
        // no "running" status seen yet: the cells whose run was in flight
        running = this.outbox
          .filter((p) => p.sent && (p.op.op === "run" || (p.op.op === "register" && p.op.run)))
          .map((p) => (p.op as { cell_id: string }).cell_id);
      }
      this.crashed = [...new Set(running)].map((id) => ({
        id,
        label: cellLabel(order.indexOf(id), this.model.cell(id)?.code ?? ""),
      }));
      const dropped: Pending[] = [];
      for (const p of this.outbox) {
        if (!p.sent) continue;
        if (p.op.op === "register" && p.op.run) p.op = { ...p.op, run: false };
        else if (p.op.op === "run") dropped.push(p);
      }
      for (const p of dropped) {
        this.outbox.splice(this.outbox.indexOf(p), 1);
        const error = { code: "kernel_died", message: "the kernel died during this run; it is not repeated" };
        for (const settle of p.settle) settle({ event: "reply", req: p.req, ok: false, error });
      }
      if (dropped.length) this.outboxChanged();
    }
    this.unsendAll();
    if (!this.crashed.length) return "";
    const names = this.crashed.map((c) => c.label).join(", ");
    return `It was running ${names}; that run is not repeated.`;
  }

  async interruptKernel(): Promise<void> {
    if (this.kernelId) await this.api.interruptKernel(this.kernelId);
  }

  /** An unsent register for the same cell, with nothing about that cell after it, absorbs this one. */
  private mergeRegister(op: Extract<Op, { op: "register" }>): Pending | null {
    for (let i = this.outbox.length - 1; i >= 0; i--) {
      const p = this.outbox[i];
      if (!("cell_id" in p.op) || p.op.cell_id !== op.cell_id) continue;
      if (p.sent || p.op.op !== "register") return null;
      p.op = { ...op, run: op.run || p.op.run, name: op.name !== undefined ? op.name : p.op.name, cell_type: op.cell_type ?? p.op.cell_type };
      return p;
    }
    return null;
  }

  // -- link and sync -----------------------------------------------------------------

  private async resolve(): Promise<string> {
    let session;
    try {
      session = await this.api.openSession(this.path);
    } catch (e) {
      if (e instanceof HttpError && (e.status === 401 || (e.status === 403 && /token/i.test(e.message)))) {
        throw new FatalError(`the gateway refused this page (${e.message}); open the address it printed, with its token`);
      }
      if (e instanceof HttpError && e.status >= 400 && e.status < 500) {
        throw new FatalError(`this notebook cannot be opened: ${e.message}`);
      }
      throw e;
    }
    if (!session.kernel) throw new Error("the session has no kernel");
    this.kernelId = session.kernel.id;
    this.kernelRestarts = session.kernel.restarts ?? 0;
    return this.api.channelsUrl(session.kernel.id, this.channel.session);
  }

  private linkState(state: LinkState, detail: string): void {
    if (state === "open") {
      this.beginSync();
    } else if (state === "closed") {
      this.unsendAll();
      this.setHealth("offline", detail);
    } else if (state === "failed") {
      this.unsendAll();
      this.setHealth("failed", detail);
    } else if (this.health !== "offline") {
      this.setHealth("connecting", detail);
    }
  }

  private beginSync(): void {
    this.unsendAll();
    clearTimeout(this.syncTimer);
    this.syncReq = `${this.prefix}sync-${++this.seq}`;
    if (!this.kernelDown) this.setHealth("syncing", "");
    const msg = message("comm_msg", { comm_id: "reactive", data: { op: "snapshot", req: this.syncReq } }, this.channel.session);
    if (this.channel.send(msg)) {
      this.syncTimer = window.setTimeout(() => this.beginSync(), SYNC_TIMEOUT_MS);
    }
  }

  private synced(snapshot: Snapshot): void {
    clearTimeout(this.syncTimer);
    this.syncReq = null;
    this.kernelDown = false;
    this.givenUp = false;
    this.model.reset(snapshot);
    for (const c of this.crashed) {
      this.model.markCrashed(c.id, `The kernel died while this cell was running (${c.label}). It was not run again: run it yourself if you mean to.`);
    }
    this.crashed = [];
    this.model.setPending(this.outbox.map((p) => p.op));
    this.setHealth("live", "");
    this.hooks.synced();
    this.flush();
  }

  private unsendAll(): void {
    for (const p of this.outbox) p.sent = false;
  }

  private flush(): void {
    if (this.health !== "live") return;
    for (const p of this.outbox) {
      if (p.sent) continue;
      const msg = message("comm_msg", { comm_id: "reactive", data: { ...p.op, req: p.req } }, this.channel.session);
      if (!this.channel.send(msg)) return;
      p.sent = true;
    }
    this.hooks.outbox(this.unsentCount());
  }

  private setHealth(health: Health, detail: string): void {
    this.health = health;
    this.hooks.health(health, detail);
  }

  private outboxChanged(): void {
    this.model.setPending(this.outbox.map((p) => p.op));
    this.hooks.outbox(this.unsentCount());
  }

  // -- incoming --------------------------------------------------------------------------

  /** Called with every message before the page handles it (widget comms: widget_page.ts). */
  readonly listeners: ((msg: JupyterMessage) => void)[] = [];

  private receive(msg: JupyterMessage): void {
    for (const listen of this.listeners) listen(msg);
    if (msg.channel !== "iopub") return;
    const type = msg.header.msg_type;
    const content = msg.content as Record<string, any>;
    if (type === "comm_msg") {
      if (content.comm_id !== "reactive") return;
      const event = content.data as KernelEvent;
      if (event.event === "reply") this.reply(event);
      else this.model.apply(event);
      return;
    }
    if (type === "status") {
      this.kernelStatus(String(content.execution_state));
      return;
    }
    if (type === "gateway_error") {
      this.gatewayError(String(content.code), String(content.message));
      return;
    }
    const cellId = msg.parent_header.cellId;
    if (cellId) {
      const out = toOutput(msg);
      if (out) this.model.output(cellId, msg.parent_header.msg_id ?? "", out);
    }
  }

  private kernelStatus(state: string): void {
    if (state === "dead") {
      const detail = this.kernelDied();
      this.givenUp = true; // until "restarting" says the gateway restarts it
      this.setHealth("kernel-dead", detail);
    } else if (state === "restarting") {
      const detail = this.kernelDied();
      this.givenUp = false;
      this.setHealth("kernel-restarting", detail);
      this.beginSync(); // the gateway holds the request until the new kernel is ready
    } else if (state === "busy" || state === "idle") {
      this.kernelBusy = state === "busy";
    }
  }

  private gatewayError(code: string, text: string): void {
    if (code === "kernel_dead") {
      const detail = this.kernelDied();
      this.givenUp = true;
      this.setHealth("kernel-dead", [detail, text].filter(Boolean).join(" "));
    } else if (code === "kernel_unavailable" || code === "kernel_busy") {
      this.unsendAll();
      window.setTimeout(() => this.beginSync(), 1000);
    } else {
      console.warn("gateway_error", code, text);
    }
  }

  private reply(r: Reply): void {
    if (r.req !== null && r.req === this.syncReq) {
      if (r.ok) this.synced(r.snapshot as Snapshot);
      else window.setTimeout(() => this.beginSync(), 1000);
      return;
    }
    const at = this.outbox.findIndex((p) => p.req === r.req);
    if (at < 0) return; // another page's request, or an answer already taken
    const [p] = this.outbox.splice(at, 1);
    this.outboxChanged();
    if (!r.ok && r.error && !benign(p.op, r.error.code)) this.hooks.error(p.op, r.error);
    for (const settle of p.settle) settle(r);
  }
}

/** "cell 3 (import os; os._exit(1))": where the cell is and how it starts. */
function cellLabel(index: number, code: string): string {
  const first = code.trim().split("\n", 1)[0] ?? "";
  const shown = first.length > 40 ? first.slice(0, 39) + "…" : first;
  return `cell ${index + 1}${shown ? ` (${shown})` : ""}`;
}
