// The dependency graph: edges from what cells read and write, layered
// topologically, drawn as SVG; a selected cell's ancestors and descendants lit.

import type { Cell } from "./protocol";

const SVG = "http://www.w3.org/2000/svg";
const NODE_W = 132;
const NODE_H = 34;
const GAP_X = 20;
const GAP_Y = 36;
const PAD = 12;

export interface Graph {
  nodes: string[];
  parents: Map<string, string[]>;
  children: Map<string, string[]>;
  layers: string[][];
}

/** Edges writer -> reader for every public name (private `_names` never link cells). */
export function buildGraph(cells: readonly Cell[]): Graph {
  const writers = new Map<string, string[]>();
  for (const cell of cells) {
    for (const name of cell.writes) {
      if (name.startsWith("_")) continue;
      writers.set(name, [...(writers.get(name) ?? []), cell.id]);
    }
  }
  const parents = new Map<string, string[]>();
  const children = new Map<string, string[]>(cells.map((c) => [c.id, []]));
  for (const cell of cells) {
    const ps = new Set<string>();
    for (const name of cell.reads) {
      for (const w of writers.get(name) ?? []) if (w !== cell.id) ps.add(w);
    }
    parents.set(cell.id, [...ps]);
    for (const p of ps) children.get(p)?.push(cell.id);
  }
  return { nodes: cells.map((c) => c.id), parents, children, layers: layer(cells.map((c) => c.id), parents, children) };
}

/** Longest-path layers (Kahn); cells on a cycle go in one last layer. */
function layer(nodes: string[], parents: Map<string, string[]>, children: Map<string, string[]>): string[][] {
  const depth = new Map<string, number>();
  const indegree = new Map(nodes.map((n) => [n, parents.get(n)?.length ?? 0]));
  const queue = nodes.filter((n) => indegree.get(n) === 0);
  for (const n of queue) depth.set(n, 0);
  for (let i = 0; i < queue.length; i++) {
    const n = queue[i];
    for (const c of children.get(n) ?? []) {
      depth.set(c, Math.max(depth.get(c) ?? 0, (depth.get(n) ?? 0) + 1));
      const left = (indegree.get(c) ?? 0) - 1;
      indegree.set(c, left);
      if (left === 0) queue.push(c);
    }
  }
  const layers: string[][] = [];
  const cyclic: string[] = [];
  for (const n of nodes) {
    if (queue.length < nodes.length && (indegree.get(n) ?? 0) > 0) {
      cyclic.push(n);
      continue;
    }
    const d = depth.get(n) ?? 0;
    (layers[d] ??= []).push(n);
  }
  if (cyclic.length) layers.push(cyclic);
  return layers.filter(Boolean);
}

function walk(start: string, next: Map<string, string[]>): Set<string> {
  const seen = new Set<string>();
  const stack = [...(next.get(start) ?? [])];
  while (stack.length) {
    const n = stack.pop() as string;
    if (seen.has(n)) continue;
    seen.add(n);
    stack.push(...(next.get(n) ?? []));
  }
  return seen;
}

export function lineage(graph: Graph, id: string): { ancestors: Set<string>; descendants: Set<string> } {
  return { ancestors: walk(id, graph.parents), descendants: walk(id, graph.children) };
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

function label(cell: Cell): string {
  const writes = cell.writes.filter((n) => !n.startsWith("_") && !n.startsWith("table:"));
  const tables = cell.writes.filter((n) => n.startsWith("table:")).map((n) => n.slice(6));
  const text = [...writes, ...tables.map((t) => `⊞${t}`)].join(", ") || cell.id;
  return text.length > 18 ? text.slice(0, 17) + "…" : text;
}

/** Draw the graph; `onPick` is called with a node's cell id when it is clicked. */
export function renderGraph(
  host: HTMLElement,
  cells: readonly Cell[],
  selected: string | null,
  onPick: (id: string) => void,
): Graph {
  const graph = buildGraph(cells);
  const byId = new Map(cells.map((c) => [c.id, c]));
  const width = Math.max(1, ...graph.layers.map((l) => l.length)) * (NODE_W + GAP_X) - GAP_X + 2 * PAD;
  const height = graph.layers.length * (NODE_H + GAP_Y) - GAP_Y + 2 * PAD;
  const pos = new Map<string, { x: number; y: number }>();
  graph.layers.forEach((ids, row) => {
    const rowWidth = ids.length * (NODE_W + GAP_X) - GAP_X;
    ids.forEach((id, col) => {
      pos.set(id, { x: (width - rowWidth) / 2 + col * (NODE_W + GAP_X), y: PAD + row * (NODE_H + GAP_Y) });
    });
  });
  const lit = selected && byId.has(selected) ? lineage(graph, selected) : null;
  const root = svg("svg", { width: Math.max(width, 0), height: Math.max(height, 0), class: "graph-svg", role: "img", "aria-label": "Dependency graph" });
  const defs = svg("defs", {});
  const marker = svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
  marker.append(svg("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "graph-arrow" }));
  defs.append(marker);
  root.append(defs);
  for (const [child, ps] of graph.parents) {
    const b = pos.get(child);
    if (!b) continue;
    for (const parent of ps) {
      const a = pos.get(parent);
      if (!a) continue;
      const x1 = a.x + NODE_W / 2, y1 = a.y + NODE_H, x2 = b.x + NODE_W / 2, y2 = b.y;
      const back = y2 <= y1;
      const mid = (y1 + y2) / 2;
      const d = back
        ? `M ${x1} ${y1} C ${x1 + 60} ${y1 + 40}, ${x2 + 60} ${y2 - 40}, ${x2} ${y2}`
        : `M ${x1} ${y1} C ${x1} ${mid}, ${x2} ${mid}, ${x2} ${y2}`;
      let cls = "graph-edge";
      if (lit && (parent === selected || lit.ancestors.has(parent)) && (child === selected || lit.ancestors.has(child))) cls += " edge-ancestor";
      if (lit && (parent === selected || lit.descendants.has(parent)) && lit.descendants.has(child)) cls += " edge-descendant";
      root.append(svg("path", { d, class: cls, "marker-end": "url(#arrow)" }));
    }
  }
  for (const [id, p] of pos) {
    const cell = byId.get(id) as Cell;
    let cls = `graph-node status-${cell.status}`;
    if (id === selected) cls += " node-selected";
    else if (lit?.ancestors.has(id)) cls += " node-ancestor";
    else if (lit?.descendants.has(id)) cls += " node-descendant";
    const g = svg("g", { class: cls, transform: `translate(${p.x},${p.y})`, "data-node": id, tabindex: 0 });
    const title = svg("title", {});
    title.textContent = `${id} (${cell.type}, ${cell.status})\nreads: ${cell.reads.join(", ") || "—"}\nwrites: ${cell.writes.join(", ") || "—"}`;
    g.append(title, svg("rect", { width: NODE_W, height: NODE_H, rx: 6 }));
    const text = svg("text", { x: NODE_W / 2, y: NODE_H / 2 + 4, "text-anchor": "middle" });
    text.textContent = label(cell);
    g.append(text);
    g.addEventListener("click", () => onPick(id));
    root.append(g);
  }
  host.replaceChildren(root);
  return graph;
}
