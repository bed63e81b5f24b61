// One cell on the page: toolbar, editor (static until it comes into view), status, outputs.

import { h, isIdentifier } from "./dom";
import { CellEditor, type RunMode, staticCode } from "./editor";
import { MarkdownView } from "./markdown_cell";
import { renderOutputs } from "./outputs";
import { isOptionAction, optionBadge, optionButtons, showOptions, type OptionAction } from "./options";
import type { Cell, CellType, Output } from "./protocol";

export interface CellActions {
  select(id: string, edit: boolean): void;
  edited(id: string, code: string): void;
  run(id: string, mode: RunMode): void;
  escape(id: string): void;
  leave(id: string, direction: -1 | 1): boolean;
  insert(id: string, where: "above" | "below"): void;
  remove(id: string): void;
  move(id: string, delta: -1 | 1): void;
  setType(id: string, type: CellType): void;
  setName(id: string, name: string | null): void;
  dialect(): string | null;
  option(id: string, action: OptionAction): void;
}

export interface CellExtras {
  /** Position in the running cascade's plan, if the cell is in it. */
  plan: { index: number; total: number } | null;
  /** An operation on the cell is not yet acknowledged by the kernel. */
  pending: boolean;
  /** Whether the editor text may be replaced by the kernel's code. */
  acceptCode: boolean;
}


/** The DOM of one cell, built once and cloned: much cheaper than building each. */
let template: HTMLElement | null = null;

function cellTemplate(): HTMLElement {
  if (!template) {
    const button = (action: string, label: string, title: string) =>
      h("button", { type: "button", class: `cell-btn btn-${action}`, "data-action": action, title, "aria-label": title }, label);
    template = h(
      "section",
      { class: "cell", tabindex: "-1" },
      h("div", { class: "cell-gutter" }, h("span", { class: "cell-count" }), h("span", { class: "cell-status" }), optionBadge(), h("span", { class: "cell-plan", title: "Position in the running cascade" })),
      h(
        "div",
        { class: "cell-main" },
        h(
          "div",
          { class: "cell-toolbar" },
          button("run", "▶", "Run (Shift-Enter)"),
          ...optionButtons(button),
          h(
            "select",
            { class: "cell-type", title: "Cell type", "aria-label": "Cell type" },
            h("option", { value: "python" }, "Python"),
            h("option", { value: "sql" }, "SQL"),
            h("option", { value: "markdown" }, "Markdown"),
          ),
          h("input", {
            class: "cell-name",
            type: "text",
            placeholder: "result name",
            title: "Python variable the SQL result is bound to",
            spellcheck: "false",
            autocomplete: "off",
            hidden: true,
          }),
          h("span", { class: "cell-id", title: "Cell id" }),
          h("span", { class: "cell-unsent", title: "Changes not yet acknowledged by the kernel" }, "● unsent"),
          h("span", { class: "toolbar-spacer" }),
          button("up", "↑", "Move up"),
          button("down", "↓", "Move down"),
          button("add-above", "+↑", "Add a cell above (A)"),
          button("add-below", "+↓", "Add a cell below (B)"),
          button("delete", "✕", "Delete (D D)"),
        ),
        h("div", { class: "cell-code" }),
        h("div", { class: "cell-rendered rendered-markdown", hidden: true, title: "Double-click or Enter to edit" }),
        h("div", { class: "cell-diagnostics", hidden: true }),
        h("div", { class: "cell-problem", hidden: true }),
        h("div", { class: "cell-outputs", hidden: true }),
        h("div", { class: "cell-deps" }),
      ),
    );
  }
  return template.cloneNode(true) as HTMLElement;
}

/** A light cell: the section with the code as plain text (see `CellView`). */
let light: HTMLElement | null = null;

function lightTemplate(): HTMLElement {
  light ??= h("section", { class: "cell cell-light", tabindex: "-1" }, h("pre", { class: "code-static cell-light-code" }));
  return light.cloneNode(true) as HTMLElement;
}

/**
 * One listener per kind of event for all cells (not one per cell and button):
 * `view(id)` finds the cell a DOM event happened in.
 */
export function delegateCellEvents(host: HTMLElement, view: (id: string) => CellView | undefined, actions: CellActions): void {
  const cellOf = (target: EventTarget | null): CellView | undefined => {
    const el = target instanceof Element ? target.closest<HTMLElement>("section.cell") : null;
    return el?.dataset.cellId ? view(el.dataset.cellId) : undefined;
  };
  host.addEventListener("mousedown", (e) => {
    const v = cellOf(e.target);
    if (v) actions.select(v.id, false);
  });
  host.addEventListener("click", (e) => {
    const v = cellOf(e.target);
    if (!v) return;
    const button = (e.target as Element).closest<HTMLElement>("[data-action]");
    if (button) {
      e.stopPropagation();
      const id = v.id;
      switch (button.dataset.action) {
        case "run": return actions.run(id, "stay");
        case "up": return actions.move(id, -1);
        case "down": return actions.move(id, 1);
        case "add-above": return actions.insert(id, "above");
        case "add-below": return actions.insert(id, "below");
        case "delete": return actions.remove(id);
      }
      if (isOptionAction(button.dataset.action)) actions.option(id, button.dataset.action);
    } else if ((e.target as Element).closest(".cell-code") && !v.hasEditor) {
      v.focusEditor(null, { x: (e as MouseEvent).clientX, y: (e as MouseEvent).clientY });
    }
  });
  host.addEventListener("dblclick", (e) => {
    const v = cellOf(e.target);
    if (v && (e.target as Element).closest(".cell-rendered")) {
      e.preventDefault();
      actions.select(v.id, true);
      v.focusEditor("end");
    }
  });
  host.addEventListener("change", (e) => {
    const v = cellOf(e.target);
    const target = e.target as HTMLElement;
    if (!v) return;
    if (target.classList.contains("cell-type")) actions.setType(v.id, (target as HTMLSelectElement).value as CellType);
    else if (target.classList.contains("cell-name")) v.nameChanged();
  });
  host.addEventListener("keydown", (e) => {
    const target = e.target as HTMLElement;
    if (target.classList.contains("cell-name") && e.key === "Enter") target.blur();
  });
}

/** The parts of a cell's full DOM, found once when it is built. */
interface Parts {
  readonly codeHost: HTMLElement;
  readonly outputsEl: HTMLElement;
  readonly statusEl: HTMLElement;
  readonly planEl: HTMLElement;
  readonly countEl: HTMLElement;
  readonly typeSelect: HTMLSelectElement;
  readonly nameInput: HTMLInputElement;
  readonly depsEl: HTMLElement;
  readonly problemEl: HTMLElement;
  readonly diagnosticsEl: HTMLElement;
  readonly markdown: MarkdownView;
  readonly badgeEl: HTMLElement;
}

/** Pixel heights of a cell's parts (style.css), to size a cell not yet laid out. */
const LINE_CODE = 19.5;
const LINE_OUTPUT = 18.2;
const CELL_BASE = 40 + 4 + 12; // toolbar and paddings, the code box's margin, padding and border

function lines(text: string): number {
  let n = 1;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/** About how tall a cell will be: code lines, output lines, the dependency line. */
export function estimateHeight(cell: Cell): number {
  let height = CELL_BASE + LINE_CODE * lines(cell.code.replace(/\n$/, ""));
  if (cell.outputs.length) height += 6;
  for (const out of cell.outputs) {
    if (out.output_type === "stream") height += LINE_OUTPUT * lines(String(out.text).replace(/\n$/, ""));
    else height += 3 * LINE_OUTPUT;
  }
  if (cell.reads.length || cell.writes.length) height += 20;
  return Math.round(height);
}

/**
 * One cell on the page. A cell far from the viewport starts light: its
 * `section.cell` element (id, status, type) with the code as plain text, sized
 * by an estimate; `hydrate()` builds the full DOM (toolbar, editor host,
 * outputs) in the same element when it comes near the viewport or is used.
 * The model stays the source of truth: `update()` on a light cell keeps the
 * cell and writes only what the light element shows.
 */
export class CellView {
  readonly el: HTMLElement;
  private editor: CellEditor | null = null;
  private parts: Parts | null = null;
  private cell: Cell;
  private extras: CellExtras = { plan: null, pending: false, acceptCode: true };
  private shownOutputs: readonly Output[] | null = null;
  private shownCode: string | null = null;
  private shown: Record<string, string | boolean> = {};
  private visible = false;
  private highlighted = false;

  constructor(
    readonly id: string,
    cell: Cell,
    private readonly actions: CellActions,
    full = true,
  ) {
    this.cell = cell;
    const el = full ? cellTemplate() : lightTemplate();
    el.dataset.cellId = id;
    this.el = el;
    if (full) this.build();
  }

  /** Whether the full DOM is built (false: a light placeholder). */
  get hydrated(): boolean {
    return this.parts !== null;
  }

  /** Build the full DOM in place (same element: observers and selection stay). */
  hydrate(): void {
    if (this.parts) return;
    const full = cellTemplate();
    this.el.classList.remove("cell-light");
    this.el.style.removeProperty("height");
    this.el.replaceChildren(...full.childNodes);
    this.shown = { status: this.shown.status ?? "", dtype: this.shown.dtype ?? "" };
    this.build();
    this.update(this.cell, this.extras);
  }

  private build(): void {
    const el = this.el;
    const part = <T extends HTMLElement>(cls: string) => el.querySelector(cls) as T;
    part(".cell-id").textContent = this.id;
    const codeHost = part(".cell-code");
    this.parts = {
      typeSelect: part<HTMLSelectElement>(".cell-type"),
      nameInput: part<HTMLInputElement>(".cell-name"),
      statusEl: part(".cell-status"),
      planEl: part(".cell-plan"),
      countEl: part(".cell-count"),
      codeHost,
      outputsEl: part(".cell-outputs"),
      depsEl: part(".cell-deps"),
      problemEl: part(".cell-problem"),
      diagnosticsEl: part(".cell-diagnostics"),
      markdown: new MarkdownView(el, codeHost, part(".cell-rendered")),
      badgeEl: part(".cell-option-badge"),
    };
  }

  /** Set a DOM property only when it changes: unchanged writes still cost style and layout. */
  private put(key: string, value: string | boolean, write: (value: any) => void): void {
    if (this.shown[key] === value) return;
    this.shown[key] = value;
    write(value);
  }

  get code(): string {
    return this.editor ? this.editor.code : this.cell.code;
  }

  get name(): string | null {
    if (!this.parts) return this.cell.name ?? null;
    const value = this.parts.nameInput.value.trim();
    return value === "" ? null : value;
  }

  get hasEditor(): boolean {
    return this.editor !== null;
  }

  update(cell: Cell, extras: CellExtras): void {
    const typeChanged = cell.type !== this.cell.type;
    this.cell = cell;
    this.extras = extras;
    const el = this.el;
    this.put("status", cell.status, (v) => (el.dataset.status = v));
    this.put("dtype", cell.type, (v) => (el.dataset.type = v));
    const p = this.parts;
    if (!p) {
      this.put("light", cell.code, (v) => ((el.firstElementChild as HTMLElement).textContent = v));
      this.put("height", `${estimateHeight(cell)}px`, (v) => (el.style.height = v));
      return;
    }
    this.put("type", cell.type, (v) => {
      p.typeSelect.value = v;
      p.nameInput.hidden = v !== "sql";
    });
    this.put("pending", extras.pending, (v) => el.classList.toggle("is-pending", v));
    if (document.activeElement !== p.nameInput) this.put("name", cell.name ?? "", (v) => (p.nameInput.value = v));
    this.put("label", cell.status, (v) => (p.statusEl.textContent = v));
    showOptions(el, p.badgeEl, cell);
    const inPlan = extras.plan && (cell.status === "queued" || cell.status === "running");
    this.put("plan", inPlan && extras.plan ? `${extras.plan.index + 1} of ${extras.plan.total}` : "", (v) => (p.planEl.textContent = v));
    const count = cell.type === "markdown" ? "" : cell.execution_count === null ? "[ ]" : `[${cell.execution_count}]`;
    this.put("count", count, (v) => (p.countEl.textContent = v));
    if ((extras.acceptCode || this.shownCode === null) && (typeChanged || cell.code !== this.shownCode)) this.showCode(cell.code, typeChanged);
    else if (typeChanged) this.showCode(this.code, true);
    if (cell.outputs !== this.shownOutputs || typeChanged) {
      this.shownOutputs = cell.outputs;
      renderOutputs(p.outputsEl, p.markdown.outputs(cell));
    }
    p.markdown.update(cell, this.code);
    const showProblem =
      cell.error !== null &&
      (cell.status === "blocked" || cell.status === "error") &&
      !cell.outputs.some((o) => o.output_type === "error");
    const problem = showProblem && cell.error ? `${cell.error.ename}: ${cell.error.evalue}` : "";
    this.put("problem", problem, (v) => {
      p.problemEl.hidden = !v;
      p.problemEl.textContent = v;
    });
    const diagnostics = cell.diagnostics ?? [];
    this.put("diagnostics", JSON.stringify(diagnostics), () => {
      p.diagnosticsEl.hidden = diagnostics.length === 0;
      p.diagnosticsEl.replaceChildren(
        ...diagnostics.map((d) =>
          h("span", { class: "diagnostic", "data-code": d.code, title: d.code }, h("span", { class: "diagnostic-badge" }, "⚠ warning"), ` ${d.message}`),
        ),
      );
    });
    const reads = cell.reads.filter((n) => !n.startsWith("_"));
    const writes = cell.writes.filter((n) => !n.startsWith("_"));
    const deps = [writes.length ? `defines ${writes.join(", ")}` : "", reads.length ? `reads ${reads.join(", ")}` : ""]
      .filter(Boolean)
      .join(" · ");
    this.put("deps", deps, (v) => (p.depsEl.textContent = v));
  }

  /** Replace the shown code by the kernel's (never while the user has unsent edits). */
  private showCode(code: string, languageChanged: boolean): void {
    this.shownCode = code;
    const p = this.parts;
    if (!p) return;
    if (this.editor) {
      if (languageChanged) this.editor.setLanguage(this.cell.type, this.actions.dialect());
      this.editor.setCode(code);
    } else {
      this.highlighted = this.visible;
      p.codeHost.replaceChildren(staticCode(code, this.cell.type, this.actions.dialect(), this.visible));
    }
  }

  /** The database changed: SQL code is highlighted for its dialect. */
  refreshLanguage(): void {
    if (this.cell.type !== "sql" || this.shownCode === null || !this.parts) return;
    if (this.editor) this.editor.setLanguage("sql", this.actions.dialect());
    else this.showCode(this.shownCode, false);
  }

  /** The cell came into view (or left it): highlight its static code once it shows. */
  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible) this.hydrate();
    if (visible && !this.editor && !this.highlighted && this.shownCode !== null) this.showCode(this.shownCode, false);
  }

  mountEditor(): CellEditor {
    if (this.editor) return this.editor;
    this.hydrate();
    const p = this.parts as Parts;
    const id = this.id;
    const a = this.actions;
    const code = this.shownCode ?? this.cell.code;
    p.codeHost.replaceChildren();
    this.editor = new CellEditor(p.codeHost, code, this.cell.type, a.dialect(), {
      change: (text) => a.edited(id, text),
      run: (mode) => a.run(id, mode),
      escape: () => a.escape(id),
      focus: () => a.select(id, true),
      leave: (direction) => a.leave(id, direction),
    });
    return this.editor;
  }

  /** Mount the editor if needed and focus it (at a clicked point, or the start or end). */
  focusEditor(at: "start" | "end" | null, point?: { x: number; y: number }): void {
    this.hydrate();
    this.parts?.markdown.edit(true);
    const editor = this.mountEditor();
    const pos = point ? editor.view.posAtCoords(point) : null;
    if (pos !== null) editor.view.dispatch({ selection: { anchor: pos } });
    editor.focus(pos !== null ? null : at);
  }

  /** A markdown cell was run (Shift-Enter): show it rendered again. */
  renderMarkdown(): void {
    if (!this.parts) return; // a light cell shows its rendering once built
    this.parts.markdown.edit(false);
    this.parts.markdown.update(this.cell, this.code);
  }

  blurEditor(): void {
    this.editor?.view.contentDOM.blur();
  }

  setSelected(selected: boolean, editing: boolean): void {
    this.el.classList.toggle("selected", selected);
    this.el.classList.toggle("editing", selected && editing);
  }

  setHighlight(kind: "ancestor" | "descendant" | null): void {
    this.el.classList.toggle("hl-ancestor", kind === "ancestor");
    this.el.classList.toggle("hl-descendant", kind === "descendant");
  }

  nameChanged(): void {
    if (!this.parts) return;
    const name = this.name;
    const valid = name === null || isIdentifier(name);
    this.parts.nameInput.classList.toggle("invalid", !valid);
    if (valid) this.actions.setName(this.id, name);
  }

  destroy(): void {
    this.editor?.destroy();
    this.el.remove();
  }
}
