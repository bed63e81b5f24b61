// Rendering cell outputs: streams, rich MIME bundles, images, errors (ANSI colours kept).

import { h } from "./dom";
import { fillMarkdown } from "./markdown_lazy";
import { sanitizedFragment } from "./sanitize";
import { renderTable, TABLE_MIME, type TablePage } from "./table";
import type { MimeBundle, Output } from "./protocol";

const ANSI = /\x1b\[([0-9;]*)m/g;
const COLORS = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"];

/** ANSI SGR sequences as spans with classes; everything else is plain text. */
export function ansiToNodes(text: string): DocumentFragment {
  const frag = document.createDocumentFragment();
  let fg: string | null = null;
  let bg: string | null = null;
  let bold = false;
  let last = 0;
  const push = (chunk: string) => {
    if (!chunk) return;
    const clean = chunk.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
    if (!fg && !bg && !bold) {
      frag.append(clean);
      return;
    }
    const classes = [fg && `ansi-${fg}`, bg && `ansi-bg-${bg}`, bold && "ansi-bold"].filter(Boolean);
    frag.append(h("span", { class: classes.join(" ") }, clean));
  };
  for (const m of text.matchAll(ANSI)) {
    push(text.slice(last, m.index));
    last = (m.index ?? 0) + m[0].length;
    const codes = m[1] === "" ? [0] : m[1].split(";").map(Number);
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i];
      if (c === 0) [fg, bg, bold] = [null, null, false];
      else if (c === 1) bold = true;
      else if (c === 22) bold = false;
      else if (c >= 30 && c <= 37) fg = COLORS[c - 30];
      else if (c >= 90 && c <= 97) fg = `bright-${COLORS[c - 90]}`;
      else if (c === 39) fg = null;
      else if (c >= 40 && c <= 47) bg = COLORS[c - 40];
      else if (c === 49) bg = null;
      else if (c === 38 || c === 48) i += codes[i + 1] === 5 ? 2 : 4; // 256/true colour: skipped
    }
  }
  push(text.slice(last));
  return frag;
}

/** Terminal-style text: a carriage return rewrites the current line. */
function terminalText(text: string): string {
  if (!text.includes("\r")) return text;
  return text
    .split("\n")
    .map((line) => {
      const parts = line.split("\r");
      return parts[parts.length - 1] || parts[parts.length - 2] || "";
    })
    .join("\n");
}

function text(value: unknown): string {
  return Array.isArray(value) ? value.join("") : String(value ?? "");
}

/** Renders one MIME type's data from a bundle as a DOM element. */
export type MimeRenderer = (data: unknown, bundle: MimeBundle, metadata: Record<string, unknown>) => HTMLElement;

/**
 * The MIME renderers, best first (JupyterLab's order). A bundle is shown by the
 * first renderer whose type it carries. Others add theirs with one line, e.g.
 * `registerMimeRenderer("application/vnd.jupyter.widget-view+json", render, 0)`.
 */
const renderers: { mime: string; render: MimeRenderer }[] = [];

/** Add (or replace) the renderer of `mime`, at `rank` in the order (0 = first). */
export function registerMimeRenderer(mime: string, render: MimeRenderer, rank = renderers.length): void {
  const at = renderers.findIndex((r) => r.mime === mime);
  if (at >= 0) renderers.splice(at, 1);
  renderers.splice(Math.max(0, Math.min(rank, renderers.length)), 0, { mime, render });
}

/** Remove the renderer of `mime` if it is still `render`. */
export function unregisterMimeRenderer(mime: string, render: MimeRenderer): void {
  const at = renderers.findIndex((r) => r.mime === mime && r.render === render);
  if (at >= 0) renderers.splice(at, 1);
}

/** The MIME types rendered, best first. */
export function mimeOrder(): string[] {
  return renderers.map((r) => r.mime);
}

function sanitizedBlock(cls: string, fragment: DocumentFragment): HTMLElement {
  const div = h("div", { class: cls });
  div.append(fragment);
  return div;
}

function image(mime: string): MimeRenderer {
  return (data, _bundle, metadata) => {
    const img = h("img", { class: "output-image", src: `data:${mime};base64,${text(data).replace(/\s/g, "")}`, alt: "" });
    const size = (metadata[mime] ?? {}) as { width?: number; height?: number };
    if (typeof size.width === "number") img.width = size.width;
    if (typeof size.height === "number") img.height = size.height;
    return img;
  };
}

/** JSON as a collapsible tree (objects and arrays fold, as in JupyterLab). */
export function jsonTree(value: unknown, key: string | null = null, depth = 0): HTMLElement {
  const label = key === null ? [] : [h("span", { class: "json-key" }, JSON.stringify(key)), ": "];
  if (value !== null && typeof value === "object") {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    const [open, close] = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
    const details = h("details", { class: "json-node" });
    details.open = depth < 2;
    const summary = h("summary", {}, ...label, `${open}${details.open ? "" : ` ${entries.length} items `}`);
    details.addEventListener("toggle", () => {
      summary.lastChild!.textContent = details.open ? open : `${open} ${entries.length} items ${close}`;
    });
    details.append(summary);
    const body = h("div", { class: "json-children" });
    for (const [k, v] of entries) body.append(jsonTree(v, Array.isArray(value) ? null : k, depth + 1));
    details.append(body, h("span", { class: "json-close" }, close));
    return details;
  }
  const kind = value === null ? "null" : typeof value;
  return h("div", { class: "json-leaf" }, ...label, h("span", { class: `json-${kind}` }, JSON.stringify(value) ?? String(value)));
}

registerMimeRenderer("text/html", (data) => {
  const div = sanitizedBlock("output-html", sanitizedFragment(text(data))); // untrusted: see sanitize.ts
  if (div.querySelector("table")) div.classList.add("output-table");
  return div;
});
// The kernel's paged table (named SQL results, DataFrames): first page inline, more on request.
registerMimeRenderer(TABLE_MIME, (data) => {
  if (!data || typeof data !== "object") throw new Error("not a table page");
  return renderTable(data as TablePage);
}, 0); // before text/html, which the same bundle carries for other clients
registerMimeRenderer("text/markdown", (data) =>
  fillMarkdown(h("div", { class: "output-markdown rendered-markdown" }), text(data), (m) => m.renderMarkdown(text(data))),
);
registerMimeRenderer("text/latex", (data) => fillMarkdown(h("div", { class: "output-latex" }), text(data), (m) => m.renderLatex(text(data))));
// SVG is shown as an image, never inlined: its scripts and styles cannot reach the page (docs/security.md).
registerMimeRenderer("image/svg+xml", (data) => {
  const blob = new Blob([text(data)], { type: "image/svg+xml" });
  return h("img", { class: "output-image output-svg", src: URL.createObjectURL(blob), alt: "" });
});
for (const mime of ["image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"]) registerMimeRenderer(mime, image(mime));
registerMimeRenderer("application/json", (data) => h("div", { class: "output-json" }, jsonTree(data)));
registerMimeRenderer("text/plain", (data) => {
  const pre = h("pre", { class: "output-text" });
  pre.append(ansiToNodes(text(data)));
  return pre;
});

function renderBundle(data: MimeBundle, metadata: Record<string, unknown> = {}): HTMLElement {
  for (const { mime, render } of renderers) {
    if (data[mime] === undefined) continue;
    try {
      return render(data[mime], data, metadata);
    } catch (e) {
      if (mime === "text/plain") break;
      // a renderer that fails falls back to the next type the bundle carries
    }
  }
  const pre = h("pre", { class: "output-text" });
  pre.append(ansiToNodes(text(data["text/plain"])));
  return pre;
}

function renderOne(out: Output): HTMLElement {
  switch (out.output_type) {
    case "stream": {
      const pre = h("pre", { class: `output-stream output-${out.name}` });
      pre.append(ansiToNodes(terminalText(out.text)));
      return pre;
    }
    case "error": {
      const pre = h("pre", { class: "output-error" });
      const body = out.traceback.length ? out.traceback.join("\n") : `${out.ename}: ${out.evalue}`;
      pre.append(ansiToNodes(body));
      return pre;
    }
    default:
      return renderBundle(out.data ?? {}, (out.metadata ?? {}) as Record<string, unknown>);
  }
}

/** Replace the container's content with the outputs. */
export function renderOutputs(container: HTMLElement, outputs: readonly Output[]): void {
  const nodes = outputs.map((out) => h("div", { class: "output", "data-output-type": out.output_type }, renderOne(out)));
  container.replaceChildren(...nodes);
  container.hidden = nodes.length === 0;
}

/** For tests and extensions loaded later: the registry, on the page. */
(window as any).__reactiveOutputs = { registerMimeRenderer, mimeOrder };
