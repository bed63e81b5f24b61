// Jupyter widgets in the web notebook: the standard widget manager
// (@jupyter-widgets/html-manager with the controls) wired to the kernel's comms
// over the page's WebSocket.
//
// The manager talks to the kernel through `IClassicComm` objects; here each is a
// thin wrapper that sends `comm_open` / `comm_msg` / `comm_close` on the shell
// channel and receives the kernel's comm messages from IOPub. Callbacks (status,
// shell reply) are routed by the request's msg_id: the widget models need the
// `idle` status of their own updates to send the next one (this is what keeps a
// dragged slider from flooding the kernel). A page that opens a notebook whose
// widgets already exist learns their state the way JupyterLab and Voila do:
// `comm_info_request` for the widget target, then `request_state` per model
// (base-manager's `_loadFromKernel`). Widget state changes the kernel echoes
// (`echo_update`) reach every page, so two pages on one notebook stay in sync.
//
// anywidget: its front end is bundled; a widget's ES module arrives as text in
// the model state and is imported from a blob: URL (see docs/security.md for the
// page's CSP). Module URLs (http...) are refused by that CSP on purpose.

import type * as base from "@jupyter-widgets/base";
import { HTMLManager } from "@jupyter-widgets/html-manager/lib/htmlmanager";
import { randomId } from "./dom";
import { message } from "./channel";
import type { JupyterMessage } from "./protocol";

const WIDGET_MIME = "application/vnd.jupyter.widget-view+json";
const TARGET = "jupyter.widget";

type Send = (msg: JupyterMessage) => boolean;
type Handler = (msg: any) => void;

interface Pending {
  callbacks: base.ICallbacks;
  replied: boolean;
  idle: boolean;
}

/** One comm, as the widget manager sees it. */
class ShellComm implements base.IClassicComm {
  private onMsg: Handler | null = null;
  private onClose: Handler | null = null;

  constructor(
    readonly comm_id: string,
    readonly target_name: string,
    private readonly bridge: WidgetBridge,
  ) {}

  open(data: any, callbacks?: base.ICallbacks, metadata?: any): string {
    return this.bridge.send("comm_open", { comm_id: this.comm_id, target_name: this.target_name, data }, callbacks, metadata);
  }

  send(data: any, callbacks?: base.ICallbacks, metadata?: any): string {
    return this.bridge.send("comm_msg", { comm_id: this.comm_id, data }, callbacks, metadata);
  }

  close(data?: any, callbacks?: base.ICallbacks, metadata?: any): string {
    this.bridge.forget(this.comm_id);
    return this.bridge.send("comm_close", { comm_id: this.comm_id, data: data ?? {} }, callbacks, metadata);
  }

  on_msg(callback: Handler): void {
    this.onMsg = callback;
  }

  on_close(callback: Handler): void {
    this.onClose = callback;
  }

  deliver(msg: JupyterMessage): void {
    this.onMsg?.(msg);
  }

  closed(msg: JupyterMessage): void {
    this.onClose?.(msg);
  }
}

/** Built-in modules come from html-manager; anywidget from the bundle. */
async function loader(moduleName: string): Promise<any> {
  if (moduleName === "anywidget") return anywidgetModule();
  throw new Error(`widget module ${moduleName} is not bundled with this notebook (only the standard controls and anywidget are)`);
}

let anywidgetPromise: Promise<any> | null = null;

/** anywidget's front end ships as an AMD module (`define([...], factory)`): run it with its one dependency. */
function anywidgetModule(): Promise<any> {
  anywidgetPromise ??= (async () => {
    const baseModule = await import("@jupyter-widgets/base");
    const g = globalThis as any;
    const previous = g.define;
    let made: any = null;
    g.define = (_deps: string[], factory: (b: any) => any) => (made = factory(baseModule));
    try {
      await import("anywidget");
    } finally {
      g.define = previous;
    }
    if (!made) throw new Error("anywidget's front end did not load");
    return made;
  })();
  return anywidgetPromise;
}

class PageManager extends HTMLManager {
  constructor(private readonly bridge: WidgetBridge) {
    super({ loader });
  }

  override _get_comm_info(): Promise<{}> {
    return this.bridge.commInfo();
  }

  override async _create_comm(target: string, modelId?: string, data?: any, metadata?: any): Promise<any> {
    const comm = this.bridge.comm(modelId ?? randomId(), target);
    if (data !== undefined) comm.open(data, undefined, metadata);
    return comm;
  }

  load(): Promise<void> {
    return this._loadFromKernel();
  }
}

export class WidgetBridge {
  readonly manager: PageManager;
  private readonly comms = new Map<string, ShellComm>();
  private readonly pending = new Map<string, Pending>();
  private loading: Promise<void> | null = null;

  constructor(
    private readonly transmit: Send,
    private readonly session: string,
  ) {
    this.manager = new PageManager(this);
  }

  // -- to the kernel ---------------------------------------------------------------

  send(msgType: string, content: Record<string, unknown>, callbacks?: base.ICallbacks, metadata?: any): string {
    const msg = message(msgType, content, this.session);
    if (metadata) msg.metadata = metadata;
    if (callbacks) this.pending.set(msg.header.msg_id, { callbacks, replied: false, idle: false });
    if (!this.transmit(msg)) {
      // offline: say the request is over, so a model does not wait forever to send again
      this.pending.delete(msg.header.msg_id);
      callbacks?.iopub?.status?.({ content: { execution_state: "idle" }, parent_header: msg.header } as any);
    }
    return msg.header.msg_id;
  }

  comm(commId: string, target: string): ShellComm {
    let comm = this.comms.get(commId);
    if (!comm) {
      comm = new ShellComm(commId, target, this);
      this.comms.set(commId, comm);
    }
    return comm;
  }

  forget(commId: string): void {
    this.comms.delete(commId);
  }

  commInfo(): Promise<{}> {
    return new Promise((resolve) => {
      this.send("comm_info_request", { target_name: TARGET }, {
        shell: { reply: (reply: any) => resolve(reply.content?.comms ?? {}) },
      });
    });
  }

  /** Learn the widgets the kernel already has (once per kernel). */
  load(): Promise<void> {
    this.loading ??= this.manager.load().catch((e) => {
      this.loading = null;
      throw e;
    });
    return this.loading;
  }

  // -- from the kernel -------------------------------------------------------------

  /** Every message the page receives passes here first. */
  handle(msg: JupyterMessage): void {
    const type = msg.header.msg_type;
    const content = msg.content as Record<string, any>;
    if (msg.channel === "iopub") {
      if (type === "comm_open" && content.target_name === TARGET) {
        const comm = this.comm(String(content.comm_id), TARGET);
        void this.manager.handle_comm_open(comm, msg as any).catch((e) => console.warn("widget comm_open", e));
      } else if (type === "comm_msg" && content.comm_id !== "reactive") {
        this.comms.get(String(content.comm_id))?.deliver(msg);
      } else if (type === "comm_close") {
        const comm = this.comms.get(String(content.comm_id));
        this.comms.delete(String(content.comm_id));
        comm?.closed(msg);
      } else if (type === "status" && content.execution_state === "restarting") {
        this.loading = null; // a new kernel: its widgets are new
      }
    }
    const parent = msg.parent_header?.msg_id;
    const p = parent ? this.pending.get(parent) : undefined;
    if (!p) return;
    if (msg.channel === "shell") {
      p.replied = true;
      p.callbacks.shell?.reply?.(msg as any);
    } else if (msg.channel === "iopub") {
      if (type === "status") {
        if (content.execution_state === "idle") p.idle = true;
        p.callbacks.iopub?.status?.(msg as any);
      } else if (type === "clear_output") {
        p.callbacks.iopub?.clear_output?.(msg as any);
      } else if (["stream", "display_data", "execute_result", "error"].includes(type)) {
        p.callbacks.iopub?.output?.(msg as any);
      }
    }
    if (p.idle && (p.replied || !p.callbacks.shell?.reply)) this.pending.delete(parent!);
  }

  // -- views -----------------------------------------------------------------------

  /** A widget view for an output bundle (drawn when its model is known). */
  render(data: Record<string, unknown>): HTMLElement {
    const el = document.createElement("div");
    el.className = "output-widget";
    const spec = data[WIDGET_MIME] as { model_id?: string } | undefined;
    const modelId = spec?.model_id;
    const fallback = typeof data["text/plain"] === "string" ? (data["text/plain"] as string) : "";
    if (!modelId) {
      el.textContent = fallback;
      return el;
    }
    void this.show(modelId, el, fallback);
    return el;
  }

  private async show(modelId: string, el: HTMLElement, fallback: string): Promise<void> {
    try {
      if (!this.manager.has_model(modelId)) await this.load();
      if (!this.manager.has_model(modelId)) {
        el.textContent = fallback || "(this widget is closed)";
        el.classList.add("output-widget-gone");
        return;
      }
      const model = await this.manager.get_model(modelId);
      const view = await this.manager.create_view(model, {});
      await this.manager.display_view(view, el);
    } catch (e) {
      el.textContent = `Could not show the widget: ${e instanceof Error ? e.message : String(e)}`;
      el.classList.add("output-widget-error");
    }
  }
}
