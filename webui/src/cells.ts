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

export class CellView {
  readonly el: HTMLElement;
  private editor: CellEditor | null = null;
  private readonly codeHost: HTMLElement;
  private readonly outputsEl: HTMLElement;
  private readonly statusEl: HTMLElement;
  private readonly planEl: HTMLElement;
  private readonly countEl: HTMLElement;
  private readonly typeSelect: HTMLSelectElement;
  private readonly nameInput: HTMLInputElement;
  private readonly depsEl: HTMLElement;
  private readonly problemEl: HTMLElement;
  private readonly diagnosticsEl: HTMLElement;
  private readonly markdown: MarkdownView;
  private readonly badgeEl: HTMLElement;
  private cell: Cell;
  private shownOutputs: readonly Output[] | null = null;
  private shownCode: string | null = null;
  private shown: Record<string, string | boolean> = {};
  private visible = false;
  private highlighted = false;

  constructor(
    readonly id: string,
    cell: Cell,
    private readonly actions: CellActions,
  ) {
    this.cell = cell;
    const el = cellTemplate();
    const part = <T extends HTMLElement>(cls: string) => el.querySelector(cls) as T;
    el.dataset.cellId = id;
    part(".cell-id").textContent = id;
    this.el = el;
    this.typeSelect = part<HTMLSelectElement>(".cell-type");
    this.nameInput = part<HTMLInputElement>(".cell-name");
    this.statusEl = part(".cell-status");
    this.planEl = part(".cell-plan");
    this.countEl = part(".cell-count");
    this.codeHost = part(".cell-code");
    this.outputsEl = part(".cell-outputs");
    this.depsEl = part(".cell-deps");
    this.problemEl = part(".cell-problem");
    this.diagnosticsEl = part(".cell-diagnostics");
    this.markdown = new MarkdownView(el, this.codeHost, part(".cell-rendered"));
    this.badgeEl = part(".cell-option-badge");
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
    const value = this.nameInput.value.trim();
    return value === "" ? null : value;
  }

  get hasEditor(): boolean {
    return this.editor !== null;
  }

  update(cell: Cell, extras: CellExtras): void {
    const typeChanged = cell.type !== this.cell.type;
    this.cell = cell;
    const el = this.el;
    this.put("status", cell.status, (v) => (el.dataset.status = v));
    this.put("type", cell.type, (v) => {
      el.dataset.type = v;
      this.typeSelect.value = v;
      this.nameInput.hidden = v !== "sql";
    });
    this.put("pending", extras.pending, (v) => el.classList.toggle("is-pending", v));
    if (document.activeElement !== this.nameInput) this.put("name", cell.name ?? "", (v) => (this.nameInput.value = v));
    this.put("label", cell.status, (v) => (this.statusEl.textContent = v));
    showOptions(el, this.badgeEl, cell);
    const inPlan = extras.plan && (cell.status === "queued" || cell.status === "running");
    this.put("plan", inPlan && extras.plan ? `${extras.plan.index + 1} of ${extras.plan.total}` : "", (v) => (this.planEl.textContent = v));
    const count = cell.type === "markdown" ? "" : cell.execution_count === null ? "[ ]" : `[${cell.execution_count}]`;
    this.put("count", count, (v) => (this.countEl.textContent = v));
    if (extras.acceptCode && (typeChanged || cell.code !== this.shownCode)) this.showCode(cell.code, typeChanged);
    else if (typeChanged) this.showCode(this.code, true);
    if (cell.outputs !== this.shownOutputs || typeChanged) {
      this.shownOutputs = cell.outputs;
      renderOutputs(this.outputsEl, this.markdown.outputs(cell));
    }
    this.markdown.update(cell, this.code);
    const showProblem =
      cell.error !== null &&
      (cell.status === "blocked" || cell.status === "error") &&
      !cell.outputs.some((o) => o.output_type === "error");
    const problem = showProblem && cell.error ? `${cell.error.ename}: ${cell.error.evalue}` : "";
    this.put("problem", problem, (v) => {
      this.problemEl.hidden = !v;
      this.problemEl.textContent = v;
    });
    const diagnostics = cell.diagnostics ?? [];
    this.put("diagnostics", JSON.stringify(diagnostics), () => {
      this.diagnosticsEl.hidden = diagnostics.length === 0;
      this.diagnosticsEl.replaceChildren(
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
    this.put("deps", deps, (v) => (this.depsEl.textContent = v));
  }

  /** Replace the shown code by the kernel's (never while the user has unsent edits). */
  private showCode(code: string, languageChanged: boolean): void {
    this.shownCode = code;
    if (this.editor) {
      if (languageChanged) this.editor.setLanguage(this.cell.type, this.actions.dialect());
      this.editor.setCode(code);
    } else {
      this.highlighted = this.visible;
      this.codeHost.replaceChildren(staticCode(code, this.cell.type, this.actions.dialect(), this.visible));
    }
  }

  /** The database changed: SQL code is highlighted for its dialect. */
  refreshLanguage(): void {
    if (this.cell.type !== "sql" || this.shownCode === null) return;
    if (this.editor) this.editor.setLanguage("sql", this.actions.dialect());
    else this.showCode(this.shownCode, false);
  }

  /** The cell came into view (or left it): highlight its static code once it shows. */
  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible && !this.editor && !this.highlighted && this.shownCode !== null) this.showCode(this.shownCode, false);
  }

  mountEditor(): CellEditor {
    if (this.editor) return this.editor;
    const id = this.id;
    const a = this.actions;
    const code = this.shownCode ?? this.cell.code;
    this.codeHost.replaceChildren();
    this.editor = new CellEditor(this.codeHost, code, this.cell.type, a.dialect(), {
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
    this.markdown.edit(true);
    const editor = this.mountEditor();
    const pos = point ? editor.view.posAtCoords(point) : null;
    if (pos !== null) editor.view.dispatch({ selection: { anchor: pos } });
    editor.focus(pos !== null ? null : at);
  }

  /** A markdown cell was run (Shift-Enter): show it rendered again. */
  renderMarkdown(): void {
    this.markdown.edit(false);
    this.markdown.update(this.cell, this.code);
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
    const name = this.name;
    const valid = name === null || isIdentifier(name);
    this.nameInput.classList.toggle("invalid", !valid);
    if (valid) this.actions.setName(this.id, name);
  }

  destroy(): void {
    this.editor?.destroy();
    this.el.remove();
  }
}
