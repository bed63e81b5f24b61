// The variables panel: every user name in the kernel's namespace with its type,
// a short value or shape and its defining cell (click to jump). Live: the page
// subscribes (`variables {subscribe: true}`) and the kernel publishes a
// `variables` event after every cascade.

import { h } from "./dom";
import type { Variable } from "./protocol";

export class VariablesPanel {
  readonly el: HTMLElement;
  private readonly body: HTMLElement;
  private readonly filter: HTMLInputElement;
  private readonly count: HTMLElement;
  private list: Variable[] = [];

  constructor(
    private readonly onPick: (cellId: string) => void,
    private readonly cellLabel: (cellId: string) => string,
  ) {
    this.filter = h("input", { type: "search", class: "vars-filter", placeholder: "Filter", "aria-label": "Filter variables" });
    this.filter.addEventListener("input", () => this.draw());
    this.count = h("span", { class: "vars-count" });
    this.body = h("tbody");
    this.el = h(
      "aside",
      { class: "vars-panel", id: "variables", hidden: true },
      h("div", { class: "graph-head" }, h("strong", {}, "Variables"), this.count, this.filter),
      h(
        "div",
        { class: "vars-scroll" },
        h("table", { class: "vars-table" }, h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Type"), h("th", {}, "Value"), h("th", {}, "Cell"))), this.body),
      ),
    );
  }

  get open(): boolean {
    return !this.el.hidden;
  }

  set(list: Variable[]): void {
    this.list = list;
    if (this.open) this.draw();
  }

  draw(): void {
    const q = this.filter.value.trim().toLowerCase();
    const shown = q ? this.list.filter((v) => v.name.toLowerCase().includes(q) || v.type.toLowerCase().includes(q)) : this.list;
    this.count.textContent = `${this.list.length}`;
    this.body.replaceChildren(
      ...shown.map((v) => {
        const cell = v.cell_id
          ? h("button", { type: "button", class: "vars-cell", title: "Jump to the defining cell", onclick: () => this.onPick(v.cell_id as string) }, this.cellLabel(v.cell_id))
          : h("span", { class: "vars-none", title: "Not defined by a cell (console input, or a cell since changed)" }, "—");
        return h("tr", { "data-name": v.name }, h("td", { class: "vars-name" }, v.name), h("td", { class: "vars-type", title: v.type }, v.type), h("td", { class: "vars-value", title: v.summary }, v.summary), h("td", {}, cell));
      }),
    );
    if (!shown.length) this.body.append(h("tr", {}, h("td", { colspan: "4", class: "vars-empty" }, this.list.length ? "No variable matches." : "No variables yet: run a cell.")));
  }
}
