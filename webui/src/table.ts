// The paginated, sortable table view of a large table (a DataFrame or an SQL
// result bound to a name): the first page comes inline in the output
// (application/vnd.reactive.table+json); further pages and other sort orders
// are fetched from the kernel with the `table_page` op, never the whole table.

import { h } from "./dom";

export const TABLE_MIME = "application/vnd.reactive.table+json";

export interface TableSort {
  column: string;
  descending: boolean;
}

export interface TablePage {
  name: string;
  columns: string[];
  total_columns: number;
  rows: string[][];
  index: string[] | null;
  total: number;
  offset: number;
  sort: TableSort | null;
}

export type PageFetcher = (name: string, offset: number, limit: number, sort: TableSort | null) => Promise<TablePage>;

let fetcher: PageFetcher | null = null;

/** The page sets how further pages are fetched (through its kernel client). */
export function setPageFetcher(f: PageFetcher | null): void {
  fetcher = f;
}

const SIZES = [20, 50, 100, 500];

/** A table view showing `first`, fetching other pages on request. */
export function renderTable(first: TablePage): HTMLElement {
  let pageSize = Math.max(first.rows.length, SIZES[0]);
  if (!SIZES.includes(pageSize)) pageSize = SIZES[0];
  let current = first;
  let busy = false;
  const table = h("table", { class: "dataframe rt-table" });
  const status = h("span", { class: "rt-status" });
  const prev = h("button", { type: "button", class: "btn btn-quiet rt-prev", title: "Previous page" }, "‹ Prev");
  const next = h("button", { type: "button", class: "btn btn-quiet rt-next", title: "Next page" }, "Next ›");
  const size = h("select", { class: "rt-size", "aria-label": "Rows per page" }, ...SIZES.map((n) => h("option", { value: String(n), selected: n === pageSize }, `${n} / page`)));
  const error = h("span", { class: "rt-error", hidden: true });
  const root = h(
    "div",
    { class: "rt-view", "data-name": first.name },
    h("div", { class: "rt-scroll" }, table),
    h("div", { class: "rt-bar" }, prev, next, status, size, error),
  );

  const load = async (offset: number, sort: TableSort | null) => {
    if (!fetcher || busy) return;
    busy = true;
    root.classList.add("rt-loading");
    try {
      const page = await fetcher(first.name, Math.max(0, offset), pageSize, sort);
      current = page;
      error.hidden = true;
      draw();
    } catch (e) {
      error.hidden = false;
      error.textContent = (e as Error).message;
    } finally {
      busy = false;
      root.classList.remove("rt-loading");
    }
  };

  const draw = () => {
    const p = current;
    const sort = p.sort;
    const head = h("tr", {}, ...(p.index ? [h("th", { class: "rt-index" }, "")] : []));
    for (const col of p.columns) {
      const sorted = sort?.column === col;
      const arrow = sorted ? (sort?.descending ? " ▼" : " ▲") : "";
      const th = h("th", { class: "rt-sortable", title: `Sort by ${col}`, "data-column": col, "aria-sort": sorted ? (sort?.descending ? "descending" : "ascending") : "none" }, col + arrow);
      th.addEventListener("click", () => {
        // ascending, then descending, then the table's own order
        const nextSort = !sorted ? { column: col, descending: false } : !sort?.descending ? { column: col, descending: true } : null;
        void load(0, nextSort);
      });
      head.append(th);
    }
    const body = h("tbody");
    p.rows.forEach((row, i) => {
      const tr = h("tr", {}, ...(p.index ? [h("th", { class: "rt-index" }, p.index[i] ?? "")] : []));
      for (const v of row) tr.append(h("td", {}, v));
      body.append(tr);
    });
    table.replaceChildren(h("thead", {}, head), body);
    const last = p.offset + p.rows.length;
    const cols = p.total_columns > p.columns.length ? ` · first ${p.columns.length} of ${p.total_columns} columns` : "";
    status.textContent = p.total ? `rows ${(p.offset + 1).toLocaleString()}–${last.toLocaleString()} of ${p.total.toLocaleString()}${cols}` : `no rows${cols}`;
    prev.disabled = p.offset <= 0;
    next.disabled = last >= p.total;
  };

  prev.addEventListener("click", () => void load(current.offset - pageSize, current.sort));
  next.addEventListener("click", () => void load(current.offset + pageSize, current.sort));
  size.addEventListener("change", () => {
    pageSize = Number(size.value);
    void load(current.offset - (current.offset % pageSize), current.sort);
  });
  draw();
  return root;
}
