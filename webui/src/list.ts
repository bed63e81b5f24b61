// The start page: the notebooks under the gateway's root, and a form to create one.

import type { Api, NotebookEntry } from "./api";
import { HttpError } from "./api";
import { h, toast } from "./dom";

function when(seconds: number): string {
  return new Date(seconds * 1000).toLocaleString();
}

export class ListPage {
  constructor(
    private readonly root: HTMLElement,
    private readonly api: Api,
  ) {
    document.title = "Notebooks · reactive";
    void this.render();
  }

  destroy(): void {
    this.root.replaceChildren();
  }

  private async render(): Promise<void> {
    const input = h("input", { type: "text", id: "new-name", placeholder: "analysis.py", spellcheck: "false", autocomplete: "off", "aria-label": "New notebook name" });
    const form = h("form", { class: "new-form" }, input, h("button", { type: "submit", class: "btn", id: "new-create" }, "Create notebook"));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.create(input.value.trim());
    });
    const table = h("tbody");
    this.root.replaceChildren(
      h(
        "div",
        { class: "list-page" },
        h("header", { class: "topbar" }, h("h1", {}, "Notebooks"), h("span", { class: "toolbar-spacer" }), form),
        h("table", { class: "nb-list", id: "notebooks" }, h("thead", {}, h("tr", {}, h("th", {}, "Notebook"), h("th", {}, "Modified"), h("th", {}, "Size"))), table),
      ),
    );
    try {
      const { root, notebooks } = await this.api.notebooks();
      document.title = `${root} · reactive`;
      table.replaceChildren(...notebooks.map((nb) => this.row(nb)));
      if (!notebooks.length) table.append(h("tr", {}, h("td", { colspan: "3", class: "empty" }, "No percent-format notebooks (.py with # %% cells) here yet: create one.")));
    } catch (e) {
      table.replaceChildren(h("tr", {}, h("td", { colspan: "3", class: "empty" }, `Could not list notebooks: ${(e as Error).message}`)));
    }
  }

  private row(nb: NotebookEntry): HTMLElement {
    return h(
      "tr",
      {},
      h("td", {}, h("a", { href: `#nb=${encodeURIComponent(nb.path)}`, class: "nb-link", "data-path": nb.path }, nb.path)),
      h("td", {}, when(nb.modified)),
      h("td", {}, `${(nb.size / 1024).toFixed(1)} KiB`),
    );
  }

  private async create(name: string): Promise<void> {
    if (!name) return;
    const path = name.endsWith(".py") ? name : `${name}.py`;
    try {
      await this.api.createNotebook(path);
    } catch (e) {
      if (!(e instanceof HttpError && e.status === 409)) {
        toast(`Could not create ${path}: ${(e as Error).message}`, "error");
        return;
      }
    }
    location.hash = `nb=${encodeURIComponent(path)}`;
  }
}
