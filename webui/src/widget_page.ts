// Hooks Jupyter widgets (widgets.ts, a bundle of its own: gateway/static/widgets.js)
// into a notebook page. The bundle is loaded when the page first meets a widget:
// a widget comm opening, or a widget-view output to draw. Until it is there,
// widget comm messages are kept and handed over in order once it is.

import type { ReactiveClient } from "./kernel";
import { type MimeRenderer, registerMimeRenderer, unregisterMimeRenderer } from "./outputs";
import type { JupyterMessage } from "./protocol";
import type { WidgetBridge } from "./widgets";

export const WIDGET_MIME = "application/vnd.jupyter.widget-view+json";
const TARGET = "jupyter.widget";
const MAX_KEPT = 20_000;

type Bridge = InstanceType<typeof WidgetBridge>;

function widgetsUrl(): string {
  const here = new URL(import.meta.url);
  return new URL(`widgets.js${here.search}`, here).href;
}

/** Widgets for the page of `client`; returns what undoes it. */
export function attachWidgets(client: ReactiveClient): () => void {
  let bridge: Bridge | null = null;
  let loading: Promise<Bridge> | null = null;
  let kept: JupyterMessage[] = [];
  let seen = false;

  const load = (): Promise<Bridge> => {
    loading ??= import(/* @vite-ignore */ widgetsUrl()).then((mod) => {
      const made: Bridge = new mod.WidgetBridge((m: JupyterMessage) => client.channel.send(m), client.channel.session);
      for (const m of kept) made.handle(m);
      kept = [];
      bridge = made;
      (window as any).reactiveWidgets = made; // for tests and benchmarks
      return made;
    });
    return loading;
  };

  const listen = (msg: JupyterMessage) => {
    if (bridge) return bridge.handle(msg);
    const type = msg.header.msg_type;
    const content = msg.content as Record<string, unknown>;
    if (msg.channel !== "iopub" || !type.startsWith("comm_") || content.comm_id === "reactive") return;
    if (type === "comm_open" && content.target_name === TARGET) seen = true;
    if (!seen) return;
    if (kept.length < MAX_KEPT) kept.push(msg);
    void load();
  };
  client.listeners.push(listen);

  const render: MimeRenderer = (_view, data): HTMLElement => {
    const el = document.createElement("div");
    el.className = "output-widget";
    el.textContent = typeof data["text/plain"] === "string" ? data["text/plain"] : "";
    load()
      .then((b) => el.replaceWith(b.render(data)))
      .catch((e) => (el.textContent = `Could not load the widget manager: ${e instanceof Error ? e.message : String(e)}`));
    return el;
  };
  registerMimeRenderer(WIDGET_MIME, render, 0);

  return () => {
    client.listeners.splice(client.listeners.indexOf(listen), 1);
    unregisterMimeRenderer(WIDGET_MIME, render);
  };
}
