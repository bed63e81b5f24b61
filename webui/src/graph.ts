// The dependency graph: edges are the `parents` the kernel publishes (the kernel
// is the only owner of dependency logic); laid out by dagre, drawn as SVG that
// fits the panel, zooms (wheel, buttons) and pans (drag); clicking a node jumps
// to its cell, hovering or selecting one lights its ancestors and descendants.

import dagre from "@dagrejs/dagre";
import type { Cell } from "./protocol";

const SVG = "http://www.w3.org/2000/svg";
const NODE_W = 132;
const NODE_H = 30;
const MIN_FIT = 0.3;
const MAX_ZOOM = 3;

export interface Graph {
  nodes: string[];
  parents: Map<string, string[]>;
  children: Map<string, string[]>;
}

/** The graph as the kernel has it: each cell's `parents`, nothing derived from reads/writes. */
export function buildGraph(cells: readonly Cell[]): Graph {
  const ids = new Set(cells.map((c) => c.id));
  const parents = new Map<string, string[]>();
  const children = new Map<string, string[]>(cells.map((c) => [c.id, []]));
  for (const cell of cells) {
    const ps = (cell.parents ?? []).filter((p) => p !== cell.id && ids.has(p));
    parents.set(cell.id, ps);
    for (const p of ps) children.get(p)?.push(cell.id);
  }
  return { nodes: cells.map((c) => c.id), parents, children };
}

function walk(start: string, next: Map<string, string[]>): Set<string> {
  const seen = new Set<string>();
  const stack = [...(next.get(start) ?? [])];
  while (stack.length) {
    const n = stack.pop() as string;
    if (seen.has(n) || n === start) continue;
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

/** A node's text: what the cell defines (tables as ⊞name), else its id. */
export function nodeLabel(cell: Cell): string {
  const writes = cell.writes.filter((n) => !n.startsWith("_") && !n.startsWith("table:"));
  const tables = cell.writes.filter((n) => n.startsWith("table:")).map((n) => n.slice(6));
  const text = [...writes, ...tables.map((t) => `⊞${t}`)].join(", ") || (cell.name ?? "") || cell.id;
  return text.length > 18 ? text.slice(0, 17) + "…" : text;
}

interface Layout {
  key: string;
  width: number;
  height: number;
  pos: Map<string, { x: number; y: number }>;
  edges: { from: string; to: string; d: string }[];
  rankdir: "TB" | "LR";
}

/**
 * dagre's layered layout, top to bottom; a graph much wider than the panel
 * (many cells on one level) is laid out left to right instead when that
 * shows it bigger in the panel.
 */
function layout(graph: Graph, labels: Map<string, string>, key: string, panel: { width: number; height: number }): Layout {
  const tb = layoutOnce(graph, labels, key, "TB");
  const fitOf = (l: Layout) => Math.min(panel.width / Math.max(l.width, 1), panel.height / Math.max(l.height, 1));
  if (tb.width / Math.max(tb.height, 1) <= 2 * (panel.width / Math.max(panel.height, 1))) return tb;
  const lr = layoutOnce(graph, labels, key, "LR");
  return fitOf(lr) > fitOf(tb) ? lr : tb;
}

function layoutOnce(graph: Graph, labels: Map<string, string>, key: string, rankdir: "TB" | "LR"): Layout {
  const g = new dagre.graphlib.Graph({ multigraph: false });
  g.setGraph({ rankdir, nodesep: rankdir === "TB" ? 18 : 10, ranksep: rankdir === "TB" ? 34 : 40, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const id of graph.nodes) g.setNode(id, { width: NODE_W, height: NODE_H, label: labels.get(id) });
  for (const [child, ps] of graph.parents) for (const p of ps) g.setEdge(p, child);
  dagre.layout(g);
  const pos = new Map<string, { x: number; y: number }>();
  for (const id of graph.nodes) {
    const n = g.node(id);
    pos.set(id, { x: n.x - NODE_W / 2, y: n.y - NODE_H / 2 });
  }
  const edges = g.edges().map((e) => {
    const points = g.edge(e).points ?? [];
    const d = points.map((p, i) => `${i ? "L" : "M"} ${p.x.toFixed(1)} ${p.y.toFixed(1)}`).join(" ");
    return { from: e.v, to: e.w, d };
  });
  const size = g.graph();
  return { key, width: size.width ?? 0, height: size.height ?? 0, pos, edges, rankdir };
}

/** One panel's drawing: the layout is redone only when nodes, edges or labels change. */
class GraphView {
  private layout: Layout | null = null;
  private readonly root: SVGSVGElement;
  private readonly scene: SVGGElement;
  private nodes = new Map<string, SVGGElement>();
  private edges: { from: string; to: string; el: SVGPathElement }[] = [];
  private graph: Graph = { nodes: [], parents: new Map(), children: new Map() };
  private selected: string | null = null;
  private hovered: string | null = null;
  private zoom = 1;
  private tx = 0;
  private ty = 0;
  private fitted = false;
  /** The user zoomed or panned: a new layout keeps their view instead of refitting. */
  private userMoved = false;
  onPick: (id: string) => void = () => {};

  constructor(readonly host: HTMLElement) {
    this.root = svg("svg", { class: "graph-svg", role: "img", "aria-label": "Dependency graph" });
    const defs = svg("defs", {});
    const marker = svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
    marker.append(svg("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "graph-arrow" }));
    defs.append(marker);
    this.scene = svg("g", { class: "graph-scene" });
    this.root.append(defs, this.scene);
    const tools = document.createElement("div");
    tools.className = "graph-tools";
    for (const [label, title, act] of [
      ["+", "Zoom in", () => this.userZoom(1.25)],
      ["−", "Zoom out", () => this.userZoom(0.8)],
      ["Fit", "Fit the graph to the panel", () => ((this.userMoved = false), this.fit())],
    ] as const) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "btn btn-quiet graph-tool";
      b.textContent = label;
      b.title = title;
      b.dataset.tool = label === "Fit" ? "fit" : label === "+" ? "zoom-in" : "zoom-out";
      b.addEventListener("click", act);
      tools.append(b);
    }
    host.replaceChildren(tools, this.root);
    this.wire();
  }

  private wire(): void {
    this.root.addEventListener(
      "wheel",
      (e) => {
        e.preventDefault();
        this.userMoved = true;
        const r = this.root.getBoundingClientRect();
        this.zoomBy(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
      },
      { passive: false },
    );
    let drag: { x: number; y: number; tx: number; ty: number; moved: boolean } | null = null;
    this.root.addEventListener("pointerdown", (e) => {
      if (e.button !== 0) return;
      drag = { x: e.clientX, y: e.clientY, tx: this.tx, ty: this.ty, moved: false };
    });
    window.addEventListener("pointermove", (e) => {
      if (!drag) return;
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) < 4) return;
      drag.moved = true;
      this.userMoved = true;
      this.root.classList.add("panning");
      this.tx = drag.tx + dx;
      this.ty = drag.ty + dy;
      this.apply();
    });
    window.addEventListener("pointerup", () => {
      if (drag?.moved) {
        // the click that ends a drag is not a pick
        const swallow = (ev: Event) => ev.stopPropagation();
        this.root.addEventListener("click", swallow, { capture: true, once: true });
        setTimeout(() => this.root.removeEventListener("click", swallow, { capture: true }), 0);
      }
      drag = null;
      this.root.classList.remove("panning");
    });
    this.root.addEventListener("click", (e) => {
      const node = (e.target as Element).closest?.("[data-node]") as SVGGElement | null;
      if (node?.dataset.node) this.onPick(node.dataset.node);
    });
    this.root.addEventListener("pointerover", (e) => {
      const node = (e.target as Element).closest?.("[data-node]") as SVGGElement | null;
      const id = node?.dataset.node ?? null;
      if (id !== this.hovered) {
        this.hovered = id;
        this.light();
      }
    });
    this.root.addEventListener("pointerleave", () => {
      this.hovered = null;
      this.light();
    });
  }

  get size(): { width: number; height: number } {
    const r = this.root.getBoundingClientRect();
    return { width: r.width || this.host.clientWidth || 400, height: r.height || 400 };
  }

  get scale(): number {
    return this.zoom;
  }

  private apply(): void {
    this.scene.setAttribute("transform", `translate(${this.tx.toFixed(1)},${this.ty.toFixed(1)}) scale(${this.zoom.toFixed(4)})`);
  }

  private userZoom(factor: number): void {
    this.userMoved = true;
    this.zoomBy(factor);
  }

  zoomBy(factor: number, cx?: number, cy?: number): void {
    const { width, height } = this.size;
    const x = cx ?? width / 2;
    const y = cy ?? height / 2;
    const next = Math.max(0.05, Math.min(MAX_ZOOM, this.zoom * factor));
    this.tx = x - ((x - this.tx) * next) / this.zoom;
    this.ty = y - ((y - this.ty) * next) / this.zoom;
    this.zoom = next;
    this.apply();
  }

  /** Fit the whole graph in the panel, but never smaller than readable: a big
   * graph is shown from its top, to be panned. */
  fit(): void {
    const l = this.layout;
    if (!l) return;
    const { width, height } = this.size;
    const whole = Math.min(width / Math.max(l.width, 1), height / Math.max(l.height, 1), 1.25);
    this.zoom = Math.max(MIN_FIT, whole);
    this.tx = l.width * this.zoom <= width ? (width - l.width * this.zoom) / 2 : 0;
    this.ty = l.height * this.zoom <= height ? (height - l.height * this.zoom) / 2 : 0;
    this.apply();
  }

  /** Bring a node into view (when the selection moves in the notebook). */
  reveal(id: string): void {
    const p = this.layout?.pos.get(id);
    if (!p) return;
    const { width, height } = this.size;
    const x = this.tx + (p.x + NODE_W / 2) * this.zoom;
    const y = this.ty + (p.y + NODE_H / 2) * this.zoom;
    if (x >= 0 && x <= width && y >= 0 && y <= height) return;
    this.tx += width / 2 - x;
    this.ty += height / 2 - y;
    this.apply();
  }

  draw(cells: readonly Cell[], selected: string | null): Graph {
    const graph = buildGraph(cells);
    const labels = new Map(cells.map((c) => [c.id, nodeLabel(c)]));
    const key = cells.map((c) => `${c.id}:${labels.get(c.id)}:${graph.parents.get(c.id)?.join(",")}`).join(";");
    this.graph = graph;
    let relaid = false;
    if (this.layout?.key !== key) {
      this.layout = layout(graph, labels, key, this.size);
      this.build(cells, labels);
      relaid = true;
    }
    const moved = selected !== this.selected;
    this.selected = selected;
    for (const cell of cells) {
      const g = this.nodes.get(cell.id);
      if (g && g.dataset.status !== cell.status) {
        g.dataset.status = cell.status;
        g.setAttribute("class", `graph-node status-${cell.status}`);
        (g.firstChild as SVGTitleElement).textContent = this.title(cell);
      }
    }
    this.light();
    if ((!this.fitted || (relaid && !this.userMoved)) && this.root.getBoundingClientRect().width > 0) {
      this.fitted = true;
      this.fit();
    } else if (moved && selected) this.reveal(selected);
    return graph;
  }

  private title(cell: Cell): string {
    const parents = this.graph.parents.get(cell.id) ?? [];
    return `${cell.id} (${cell.type}, ${cell.status})\ndefines: ${cell.writes.join(", ") || "—"}\nparents: ${parents.join(", ") || "—"}\nclick to jump to the cell`;
  }

  private build(cells: readonly Cell[], labels: Map<string, string>): void {
    const l = this.layout as Layout;
    this.root.setAttribute("data-width", String(Math.round(l.width)));
    this.root.setAttribute("data-height", String(Math.round(l.height)));
    this.root.setAttribute("data-rankdir", l.rankdir);
    const edgeLayer = svg("g", { class: "graph-edges" });
    this.edges = l.edges.map((e) => {
      const el = svg("path", { d: e.d, class: "graph-edge", "marker-end": "url(#arrow)", "data-from": e.from, "data-to": e.to });
      edgeLayer.append(el);
      return { from: e.from, to: e.to, el };
    });
    const nodeLayer = svg("g", { class: "graph-nodes" });
    this.nodes.clear();
    for (const cell of cells) {
      const p = l.pos.get(cell.id);
      if (!p) continue;
      const g = svg("g", { class: `graph-node status-${cell.status}`, transform: `translate(${p.x.toFixed(1)},${p.y.toFixed(1)})`, "data-node": cell.id, "data-status": cell.status, tabindex: 0 });
      const title = svg("title", {});
      title.textContent = this.title(cell);
      const text = svg("text", { x: NODE_W / 2, y: NODE_H / 2 + 4, "text-anchor": "middle" });
      text.textContent = labels.get(cell.id) ?? cell.id;
      g.append(title, svg("rect", { width: NODE_W, height: NODE_H, rx: 6 }), text);
      g.addEventListener("keydown", (e) => {
        if (e.key === "Enter") this.onPick(cell.id);
      });
      nodeLayer.append(g);
      this.nodes.set(cell.id, g);
    }
    this.scene.replaceChildren(edgeLayer, nodeLayer);
  }

  /** Light the hovered node's lineage, else the selected one's. */
  private light(): void {
    const focus = this.hovered ?? this.selected;
    const lit = focus && this.graph.parents.has(focus) ? lineage(this.graph, focus) : null;
    for (const [id, g] of this.nodes) {
      g.classList.toggle("node-selected", id === this.selected);
      g.classList.toggle("node-focus", id === focus);
      g.classList.toggle("node-ancestor", !!lit?.ancestors.has(id));
      g.classList.toggle("node-descendant", !!lit?.descendants.has(id));
    }
    for (const e of this.edges) {
      const anc = !!lit && (e.to === focus || lit.ancestors.has(e.to)) && lit.ancestors.has(e.from);
      const desc = !!lit && (e.from === focus || lit.descendants.has(e.from)) && lit.descendants.has(e.to);
      e.el.classList.toggle("edge-ancestor", anc);
      e.el.classList.toggle("edge-descendant", desc);
    }
    this.root.classList.toggle("has-focus", !!lit);
  }
}

const views = new WeakMap<HTMLElement, GraphView>();

/** Draw the graph; `onPick` is called with a node's cell id when it is clicked. */
export function renderGraph(
  host: HTMLElement,
  cells: readonly Cell[],
  selected: string | null,
  onPick: (id: string) => void,
): Graph {
  let view = views.get(host);
  if (!view) {
    view = new GraphView(host);
    views.set(host, view);
  }
  view.onPick = onPick;
  return view.draw(cells, selected);
}
