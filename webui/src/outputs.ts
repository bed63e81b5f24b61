// Rendering cell outputs: streams, rich MIME bundles, images, errors (ANSI colours kept).

import { h } from "./dom";
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

function renderBundle(data: MimeBundle): HTMLElement {
  if (data[TABLE_MIME] && typeof data[TABLE_MIME] === "object") return renderTable(data[TABLE_MIME] as TablePage);
  if (data["text/html"] !== undefined) {
    const div = h("div", { class: "output-html" });
    div.append(sanitizedFragment(text(data["text/html"]))); // untrusted: see sanitize.ts
    if (div.querySelector("table")) div.classList.add("output-table");
    return div;
  }
  for (const mime of ["image/png", "image/jpeg", "image/gif"]) {
    if (data[mime] !== undefined) {
      return h("img", { class: "output-image", src: `data:${mime};base64,${text(data[mime]).replace(/\s/g, "")}`, alt: "" });
    }
  }
  if (data["image/svg+xml"] !== undefined) {
    const blob = new Blob([text(data["image/svg+xml"])], { type: "image/svg+xml" });
    return h("img", { class: "output-image", src: URL.createObjectURL(blob), alt: "" });
  }
  if (data["text/markdown"] !== undefined && data["text/plain"] === undefined) {
    return h("pre", { class: "output-text" }, text(data["text/markdown"]));
  }
  if (data["application/json"] !== undefined && data["text/plain"] === undefined) {
    return h("pre", { class: "output-text" }, JSON.stringify(data["application/json"], null, 2));
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
      return renderBundle(out.data ?? {});
  }
}

/** Replace the container's content with the outputs. */
export function renderOutputs(container: HTMLElement, outputs: readonly Output[]): void {
  const nodes = outputs.map((out) => h("div", { class: "output", "data-output-type": out.output_type }, renderOne(out)));
  container.replaceChildren(...nodes);
  container.hidden = nodes.length === 0;
}
