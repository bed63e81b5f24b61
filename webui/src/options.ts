// Expensive notebooks in the web notebook (PROTOCOL.md section 8): the cell
// toolbar's disable and cache toggles, the cell's option badge, and the
// notebook's lazy-mode toggle with a "Run stale" button. Hooked into cells.ts
// and notebook.ts with a few lines; the kernel owns every rule, this only
// shows the state and sends `configure_cell`, `configure` and `run_all`.

import { h } from "./dom";
import type { Cell, Op } from "./protocol";

export type OptionAction = "disable" | "cache";

type Button = (action: string, label: string, title: string) => HTMLElement;

/** The two toggles of a cell's toolbar (built once into the cell template). */
export function optionButtons(button: Button): HTMLElement[] {
  return [
    button("disable", "⊘", "Disable: this cell and the cells that depend on it do not run"),
    button("cache", "⛁", "Cache: keep this cell's results across kernel restarts"),
  ];
}

/** The badge beside the cell's status, built once into the template. */
export function optionBadge(): HTMLElement {
  return h("span", { class: "cell-option-badge", hidden: true });
}

export function isOptionAction(action: string | undefined): action is OptionAction {
  return action === "disable" || action === "cache";
}

/** The request a toggle sends: the option flipped from what the kernel says. */
export function optionOp(cell: Cell | undefined, action: OptionAction): Op | null {
  if (!cell) return null;
  return action === "disable"
    ? { op: "configure_cell", cell_id: cell.id, disabled: !cell.disabled }
    : { op: "configure_cell", cell_id: cell.id, cache: !cell.cache };
}

/** What the badge says: disabled (and by which cell), from the cache, cache on. */
export function badgeText(cell: Cell): string {
  if (cell.status === "disabled" || cell.disabled) {
    return cell.disabled_by ? `disabled by ${cell.disabled_by}` : "disabled";
  }
  if (cell.cached && cell.status === "success") return "cached";
  return cell.cache ? "cache on" : "";
}

/** Show a cell's options: data attributes for the style sheet, pressed toggles, the badge. */
export function showOptions(el: HTMLElement, badge: HTMLElement, cell: Cell): void {
  const flags: [string, boolean][] = [
    ["disabled", !!cell.disabled],
    ["cache", !!cell.cache],
    ["cached", !!cell.cached && cell.status === "success"],
  ];
  for (const [name, on] of flags) {
    if ((el.dataset[name] === "true") !== on) el.dataset[name] = String(on);
  }
  for (const [action, on] of [["disable", !!cell.disabled], ["cache", !!cell.cache]] as const) {
    const b = el.querySelector<HTMLElement>(`.btn-${action}`);
    if (b && b.getAttribute("aria-pressed") !== String(on)) b.setAttribute("aria-pressed", String(on));
  }
  const text = badgeText(cell);
  if (badge.textContent !== text) {
    badge.textContent = text;
    badge.hidden = !text;
    badge.dataset.kind = text.split(" ")[0] || "";
  }
}

export interface ModeActions {
  send(op: Op): Promise<{ ok: boolean; [field: string]: unknown }>;
  staleCount(): number;
}

/** The notebook toolbar's lazy toggle and "Run stale" button. */
export class ModeControls {
  readonly el: HTMLElement;
  private readonly lazyBox: HTMLInputElement;
  private readonly runStale: HTMLButtonElement;

  constructor(private readonly actions: ModeActions) {
    this.lazyBox = h("input", { type: "checkbox", id: "lazy-mode" });
    this.lazyBox.addEventListener("change", () => void this.setLazy(this.lazyBox.checked));
    this.runStale = h(
      "button",
      { type: "button", class: "btn", id: "run-stale", title: "Bring every stale or never-run cell up to date (run all)" },
      "▶ Run stale",
    );
    this.runStale.addEventListener("click", () => void actions.send({ op: "run_all" }));
    this.el = h(
      "span",
      { class: "mode-controls" },
      h("label", { class: "toggle", title: "Lazy: edits and runs mark dependent cells stale instead of running them" }, this.lazyBox, " Lazy"),
      this.runStale,
    );
  }

  /** Attach to the page's toolbar (before its spacer, so it sits with the other toggles). */
  attach(page: HTMLElement): this {
    const bar = page.querySelector(".topbar");
    bar?.appendChild(this.el);
    return this;
  }

  /** The kernel's mode (from a snapshot or a `configure` reply). */
  showMode(mode: unknown): void {
    this.lazyBox.checked = mode === "lazy";
    this.el.dataset.mode = mode === "lazy" ? "lazy" : "auto";
  }

  /** Called after each render: the button says how many cells are out of date. */
  refresh(): void {
    const n = this.actions.staleCount();
    const label = n ? `▶ Run stale (${n})` : "▶ Run stale";
    if (this.runStale.textContent !== label) this.runStale.textContent = label;
  }

  private async setLazy(on: boolean): Promise<void> {
    const reply = await this.actions.send({ op: "configure", mode: on ? "lazy" : "auto" });
    this.showMode(reply.ok ? reply.mode : on ? "auto" : "lazy");
  }
}
