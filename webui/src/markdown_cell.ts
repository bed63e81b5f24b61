// How a markdown cell shows: rendered (the kernel's interpolated text/markdown
// output, or its own text when it has no output yet), or its editor while being
// edited (double-click or Enter; Shift-Enter renders it again), as in JupyterLab.

import { fillMarkdown } from "./markdown_lazy";
import type { Cell, Output } from "./protocol";

function text(value: unknown): string {
  return Array.isArray(value) ? value.join("") : String(value ?? "");
}

/** The text a markdown cell shows: the kernel's rendering, or else its own source. */
export function markdownSource(cell: Cell, code: string): string {
  if (cell.status === "success" && code === cell.code) {
    for (const out of cell.outputs) {
      if ((out.output_type === "display_data" || out.output_type === "execute_result") && out.data["text/markdown"] !== undefined) {
        return text(out.data["text/markdown"]);
      }
    }
  }
  return code;
}

export class MarkdownView {
  private editing = false;
  private shown: string | null = null;

  constructor(
    private readonly cellEl: HTMLElement,
    private readonly codeHost: HTMLElement,
    private readonly rendered: HTMLElement,
  ) {}

  /** Outputs shown under the cell: for markdown only errors (the rendering is the cell itself). */
  outputs(cell: Cell): readonly Output[] {
    return cell.type === "markdown" ? cell.outputs.filter((o) => o.output_type === "error" || o.output_type === "stream") : cell.outputs;
  }

  edit(on: boolean): void {
    if (on === this.editing) return;
    this.editing = on;
    this.cellEl.classList.toggle("md-editing", on);
    if (on && this.isMarkdown) this.show(false);
  }

  private isMarkdown = false;
  private plain = false;
  private rendering = false; // as the template starts: code shown, rendering hidden

  /** Show the rendering (true) or the code (false); DOM writes only on a change. */
  private show(rendering: boolean): void {
    if (rendering === this.rendering) return;
    this.rendering = rendering;
    this.rendered.hidden = !rendering;
    this.codeHost.hidden = rendering;
  }

  update(cell: Cell, code: string): void {
    this.isMarkdown = cell.type === "markdown";
    // Text without fields needs no kernel: no status shown, as in JupyterLab.
    const plain = this.isMarkdown && cell.reads.length === 0;
    if (plain !== this.plain) {
      this.plain = plain;
      this.cellEl.classList.toggle("md-plain", plain);
    }
    const show = this.isMarkdown && !this.editing && code.trim() !== "";
    this.show(show);
    if (!show) return;
    const source = markdownSource(cell, code);
    if (source === this.shown) return;
    this.shown = source;
    fillMarkdown(this.rendered, source, (m) => m.renderMarkdown(source));
  }
}
