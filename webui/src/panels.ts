// The notebook page's fixed parts: header and toolbar, connection banner,
// cascade progress, database setting, and the graph panel's frame.

import { h } from "./dom";
import type { Health } from "./kernel";
import type { Cascade } from "./model";

export interface ChromeActions {
  addCell(type: "python" | "sql"): void;
  toggleRunOnEdit(on: boolean): void;
  toggleGraph(open: boolean): void;
  toggleVariables(open: boolean): void;
  setDatabase(url: string): void;
  restartKernel(): void;
  interrupt(): void;
  runAll(): void;
  restartAndRunAll(): void;
  exportHtml(): void;
}

const HEALTH_TEXT: Record<Health, string> = {
  connecting: "Connecting…",
  syncing: "Resyncing with the kernel…",
  live: "",
  offline: "Connection lost; reconnecting…",
  "kernel-dead": "The kernel died.",
  "kernel-restarting": "The kernel died and is restarting…",
  failed: "Disconnected",
};

export class Chrome {
  readonly el: HTMLElement;
  readonly main: HTMLElement;
  readonly cellsHost: HTMLElement;
  readonly graphHost: HTMLElement;
  private readonly banner: HTMLElement;
  private readonly bannerText: HTMLElement;
  private readonly restartBtn: HTMLButtonElement;
  private readonly dot: HTMLElement;
  private readonly progress: HTMLElement;
  private readonly progressBar: HTMLElement;
  private readonly progressText: HTMLElement;
  private readonly dbShown: HTMLElement;
  private readonly dbForm: HTMLFormElement;
  private readonly dbInput: HTMLInputElement;
  private readonly graphPanel: HTMLElement;
  private readonly graphToggle: HTMLInputElement;
  private readonly varsToggle: HTMLInputElement;
  readonly varsHost: HTMLElement;
  private readonly notice: HTMLElement;
  private hideProgress: number | undefined;

  constructor(path: string, runOnEdit: boolean, private readonly actions: ChromeActions) {
    this.dot = h("span", { class: "link-dot", "data-health": "connecting", title: "Connecting" });
    const runOnEditBox = h("input", { type: "checkbox", id: "run-on-edit", checked: runOnEdit });
    runOnEditBox.addEventListener("change", () => actions.toggleRunOnEdit(runOnEditBox.checked));
    this.graphToggle = h("input", { type: "checkbox", id: "graph-toggle" });
    this.graphToggle.addEventListener("change", () => this.setGraphOpen(this.graphToggle.checked));
    this.varsToggle = h("input", { type: "checkbox", id: "vars-toggle" });
    this.varsToggle.addEventListener("change", () => this.setVariablesOpen(this.varsToggle.checked));
    this.varsHost = h("div", { class: "vars-host" });
    this.dbShown = h("code", { class: "db-url", id: "db-url" }, "…");
    this.dbInput = h("input", {
      type: "password",
      id: "db-input",
      placeholder: "postgresql+psycopg://user:password@host/db",
      autocomplete: "off",
      spellcheck: "false",
      "aria-label": "Database URL",
    });
    this.dbForm = h(
      "form",
      { class: "db-form", hidden: true },
      this.dbInput,
      h("button", { type: "submit", class: "btn" }, "Apply"),
      h("button", { type: "button", class: "btn btn-quiet", onclick: () => (this.dbForm.hidden = true) }, "Cancel"),
    );
    this.dbForm.addEventListener("submit", (e) => {
      e.preventDefault();
      const url = this.dbInput.value.trim();
      this.dbInput.value = ""; // never kept on the page
      this.dbForm.hidden = true;
      if (url) actions.setDatabase(url);
    });
    const header = h(
      "header",
      { class: "topbar" },
      h("a", { href: "#", class: "home", title: "All notebooks" }, "◀ Notebooks"),
      h("h1", { class: "nb-path", title: path }, path),
      this.dot,
      h("span", { class: "toolbar-spacer" }),
      h("button", { type: "button", class: "btn", id: "add-python", onclick: () => actions.addCell("python") }, "+ Python"),
      h("button", { type: "button", class: "btn", id: "add-sql", onclick: () => actions.addCell("sql") }, "+ SQL"),
      h("button", { type: "button", class: "btn", id: "run-all", title: "Run every cell not yet up to date (Ctrl/Cmd-Shift-Enter)", onclick: () => actions.runAll() }, "▶▶ Run all"),
      h("button", { type: "button", class: "btn btn-quiet", id: "interrupt", "aria-label": "Interrupt", title: "Interrupt the running cell (I, I)", onclick: () => actions.interrupt() }, "■", h("span", { class: "btn-label" }, " Interrupt")),
      h("button", { type: "button", class: "btn btn-quiet", id: "restart", "aria-label": "Restart", title: "Restart the kernel: every cell becomes idle (0, 0)", onclick: () => actions.restartKernel() }, "↻", h("span", { class: "btn-label" }, " Restart")),
      h("button", { type: "button", class: "btn btn-quiet", id: "restart-run-all", "aria-label": "Restart and run all", title: "Restart the kernel, then run every cell", onclick: () => actions.restartAndRunAll() }, "↻▶▶", h("span", { class: "btn-label" }, " Restart & run all")),
      h("button", { type: "button", class: "btn btn-quiet", id: "export-html", "aria-label": "Export HTML", title: "Download the notebook as one offline HTML page", onclick: () => this.actions.exportHtml() }, "⤓", h("span", { class: "btn-label" }, " Export HTML")),
      h("label", { class: "toggle", title: "Run a cell shortly after each edit" }, runOnEditBox, " Run on edit"),
      h("label", { class: "toggle" }, this.graphToggle, " Graph"),
      h("label", { class: "toggle" }, this.varsToggle, " Variables"),
    );
    const dbBar = h(
      "div",
      { class: "dbbar" },
      h("span", { class: "label" }, "Database"),
      this.dbShown,
      h("button", { type: "button", class: "btn btn-quiet", id: "db-change", onclick: () => this.openDbForm() }, "Change…"),
      this.dbForm,
    );
    this.restartBtn = h("button", { type: "button", class: "btn", onclick: () => actions.restartKernel() }, "Restart kernel");
    this.bannerText = h("span", { class: "banner-text" });
    this.banner = h("div", { class: "banner", id: "banner", role: "alert", hidden: true }, this.bannerText, this.restartBtn);
    this.progressBar = h("div", { class: "progress-bar" });
    this.progressText = h("div", { class: "progress-text" });
    this.progress = h("div", { class: "progress", id: "progress", hidden: true }, h("div", { class: "progress-track" }, this.progressBar), this.progressText);
    this.notice = h("div", { class: "nb-notice", hidden: true });
    this.cellsHost = h("div", { class: "cells", id: "cells" });
    this.main = h("main", { class: "nb-main" }, this.notice, this.cellsHost, h("div", { class: "cells-end" }));
    this.graphHost = h("div", { class: "graph-host" });
    this.graphPanel = h(
      "aside",
      { class: "graph-panel", id: "graph", hidden: true },
      h("div", { class: "graph-head" }, h("strong", {}, "Dependencies"), h("span", { class: "graph-legend" }, h("i", { class: "lg-anc" }), "ancestors ", h("i", { class: "lg-desc" }), "descendants")),
      this.graphHost,
    );
    this.el = h(
      "div",
      { class: "notebook-page" },
      header,
      dbBar,
      this.banner,
      this.progress,
      h("div", { class: "nb-body" }, this.main, this.varsHost, this.graphPanel),
    );
  }

  get graphOpen(): boolean {
    return !this.graphPanel.hidden;
  }

  setGraphOpen(open: boolean): void {
    this.graphToggle.checked = open;
    this.graphPanel.hidden = !open;
    this.el.classList.toggle("with-graph", open);
    this.actions.toggleGraph(open);
  }

  setVariablesOpen(open: boolean): void {
    this.varsToggle.checked = open;
    this.el.classList.toggle("with-vars", open);
    this.actions.toggleVariables(open);
  }

  setHealth(health: Health, detail: string, unsent: number): void {
    this.dot.dataset.health = health;
    this.dot.title = health;
    const show = health !== "live" && health !== "connecting";
    this.banner.hidden = !show;
    this.banner.dataset.health = health;
    this.restartBtn.hidden = health !== "kernel-dead";
    if (show) {
      const why = !detail
        ? ""
        : health === "offline"
          ? ` (${detail}).`
          : health === "failed"
            ? `: ${detail}.`
            : health === "kernel-dead" || health === "kernel-restarting"
              ? ` ${detail}`
              : "";
      const kept = unsent ? ` ${unsent} unsent change${unsent === 1 ? " is" : "s are"} kept and will be sent on reconnection.` : "";
      this.bannerText.textContent = HEALTH_TEXT[health] + why + kept;
    }
  }

  setDatabase(masked: string | null): void {
    this.dbShown.textContent = masked ?? "(none)";
  }

  setNotice(text: string | null): void {
    this.notice.hidden = !text;
    this.notice.textContent = text ?? "";
  }

  setCascade(c: Cascade | null, name: (id: string) => string): void {
    clearTimeout(this.hideProgress);
    if (!c) {
      this.progress.hidden = true;
      return;
    }
    const total = c.plan.length;
    this.progress.hidden = false;
    this.progress.dataset.state = c.finished ? (c.finished.failed ? "failed" : "done") : "running";
    this.progressBar.style.width = total ? `${(100 * c.done) / total}%` : "100%";
    if (c.finished) {
      const f = c.finished;
      const parts = [`${f.ran} ran`, `${f.succeeded} succeeded`, `${f.failed} failed`];
      if (f.skipped) parts.push(`${f.skipped} not run`);
      this.progressText.textContent = `Cascade done: ${parts.join(" · ")} · ${Math.round(f.duration_ms)} ms`;
      this.hideProgress = window.setTimeout(() => (this.progress.hidden = true), 4000);
    } else {
      const plan = c.plan.slice(0, 12).map(name).join(" → ") + (total > 12 ? ` → … (${total - 12} more)` : "");
      const now = c.running ? `running ${name(c.running)} · ` : "";
      this.progressText.textContent = `${now}${c.done}/${total} · plan: ${plan}`;
    }
  }

  private openDbForm(): void {
    this.dbForm.hidden = false;
    this.dbInput.focus();
  }
}
