/**
 * What the extension draws: a status badge and CSS classes on cells, and a
 * cascade progress item in the notebook toolbar. Pure DOM over public widget
 * nodes; the state it draws lives in {@link ReactiveNotebook}.
 */

import { Cell, ICodeCellModel, MarkdownCell } from '@jupyterlab/cells';
import { Notebook, NotebookPanel } from '@jupyterlab/notebook';
import { DisposableDelegate, IDisposable } from '@lumino/disposable';
import { Widget } from '@lumino/widgets';
import { disabledNote, statusLabel } from './options';
import { describe, ICascade, IDiagnostic, IStatusEntry, STATUSES } from './protocol';

export const NOTEBOOK_CLASS = 'jp-reactive-notebook';
export const CELL_CLASS = 'jp-reactive-cell';
export const PLANNED_CLASS = 'jp-reactive-planned';
export const DEP_CLASSES = {
  focus: 'jp-reactive-dep-focus',
  ancestor: 'jp-reactive-dep-ancestor',
  descendant: 'jp-reactive-dep-descendant'
} as const;
const BADGE_CLASS = 'jp-reactive-badge';
export const DIAGNOSTICS_CLASS = 'jp-reactive-diagnostics';
const STATUS_PREFIX = 'jp-reactive-status-';
/** On a markdown cell that shows the kernel's interpolated text. */
export const INTERPOLATED_CLASS = 'jp-reactive-interpolated';
/** The view of that text, beside the cell's own (hidden) rendering. */
export const INTERPOLATED_VIEW_CLASS = 'jp-reactive-markdown';

type Renderer = ReturnType<Notebook['rendermime']['createRenderer']>;
/** The interpolated view of each markdown cell node, and the text it shows. */
const interpolatedViews = new WeakMap<HTMLElement, { text: string; renderer: Renderer }>();

/**
 * Show `text`, a markdown cell's text as the kernel interpolated it, in place
 * of the cell's own rendering (CSS hides that one while this is shown, and
 * this one while the cell is edited); null removes it. The text is rendered
 * by the notebook's own markdown renderer, untrusted (sanitized), since the
 * values come from the kernel.
 */
export function renderInterpolated(
  cell: Cell,
  text: string | null,
  rendermime: Notebook['rendermime']
): void {
  const node = cell.node;
  const area = cell.inputArea?.node ?? null;
  const shown = interpolatedViews.get(node);
  if (text === null || !area) {
    node.classList.remove(INTERPOLATED_CLASS);
    if (shown) {
      interpolatedViews.delete(node);
      shown.renderer.node.remove();
      shown.renderer.dispose();
    }
    return;
  }
  node.classList.add(INTERPOLATED_CLASS);
  if (shown && shown.text === text && shown.renderer.node.parentElement === area) {
    return;
  }
  if (shown) {
    shown.renderer.node.remove();
    shown.renderer.dispose();
  }
  const renderer = rendermime.createRenderer('text/markdown');
  renderer.addClass('jp-MarkdownOutput');
  renderer.addClass(INTERPOLATED_VIEW_CLASS);
  const prompt = area.querySelector(':scope > .jp-InputArea-prompt');
  if (prompt) {
    prompt.after(renderer.node);
  } else {
    area.prepend(renderer.node);
  }
  interpolatedViews.set(node, { text, renderer });
  const model = {
    trusted: false,
    data: { 'text/markdown': text },
    metadata: {},
    setData: () => undefined
  };
  renderer.renderModel(model).catch(error => console.warn('reactive: markdown', error));
}

/** Show `entry` on a cell (or nothing, when the kernel does not know it). */
export function renderStatus(cell: Cell, entry: IStatusEntry | undefined): void {
  const node = cell.node;
  for (const status of STATUSES) {
    node.classList.toggle(STATUS_PREFIX + status, entry?.status === status);
  }
  node.classList.toggle(CELL_CLASS, !!entry);
  renderDiagnostics(cell, entry?.diagnostics ?? []);
  let badge = node.querySelector<HTMLElement>(`:scope > .${BADGE_CLASS}`);
  if (!entry) {
    badge?.remove();
    return;
  }
  if (!badge) {
    badge = document.createElement('div');
    badge.className = BADGE_CLASS;
    badge.appendChild(document.createElement('span'));
    node.appendChild(badge);
  }
  badge.firstElementChild!.textContent = statusLabel(entry);
  badge.dataset.status = entry.status;
  badge.dataset.cached = String(entry.status === 'success' && !!entry.cached);
  badge.title = describe(entry) + disabledNote(entry);
}

/** Show a cell's diagnostics: a warning badge and the message, between its input
 * and its outputs (or nothing when it has none). */
function renderDiagnostics(cell: Cell, diagnostics: readonly IDiagnostic[]): void {
  const node = cell.node;
  let box = node.querySelector<HTMLElement>(`:scope .${DIAGNOSTICS_CLASS}`);
  const key = JSON.stringify(diagnostics);
  if (!diagnostics.length) {
    box?.remove();
    return;
  }
  if (box && box.dataset.key === key) {
    return;
  }
  if (!box) {
    box = document.createElement('div');
    box.className = DIAGNOSTICS_CLASS;
    const input = node.querySelector(':scope > .jp-Cell-inputWrapper');
    if (input) {
      input.after(box);
    } else {
      node.appendChild(box);
    }
  }
  box.dataset.key = key;
  box.replaceChildren(
    ...diagnostics.map(d => {
      const row = document.createElement('div');
      row.className = 'jp-reactive-diagnostic';
      row.dataset.code = d.code;
      row.title = d.code;
      const badge = document.createElement('span');
      badge.className = 'jp-reactive-diagnostic-badge';
      badge.textContent = '⚠ warning';
      row.append(badge, ` ${d.message}`);
      return row;
    })
  );
}

/** Remove everything this extension added to a cell. */
export function clearCell(cell: Cell): void {
  renderStatus(cell, undefined);
  cell.node.classList.remove(PLANNED_CLASS, ...Object.values(DEP_CLASSES));
}

/** Mark a cell as part of the running cascade's plan. */
export function renderPlanned(cell: Cell, planned: boolean): void {
  cell.node.classList.toggle(PLANNED_CLASS, planned);
}

/** Mark a cell's place in the "Show dependencies" view. */
export function renderDependency(cell: Cell, role: DependencyRole | null): void {
  for (const [key, cls] of Object.entries(DEP_CLASSES)) {
    cell.node.classList.toggle(cls, key === role);
  }
}

/** The toolbar item: a cascade's progress, then its result; and what
 * "Show dependencies" found. */
export class ProgressItem extends Widget {
  constructor() {
    super();
    this.addClass('jp-reactive-progress');
    this._bar = document.createElement('div');
    this._bar.className = 'jp-reactive-progress-bar';
    this._fill = document.createElement('div');
    this._fill.className = 'jp-reactive-progress-fill';
    this._bar.appendChild(this._fill);
    this._label = document.createElement('span');
    this._label.className = 'jp-reactive-progress-label';
    this.node.append(this._bar, this._label);
    this.node.title = 'Reactive kernel: cascades';
    this.showCascade(null);
  }

  showCascade(cascade: ICascade | null): void {
    const total = cascade ? cascade.plan.length : 0;
    const done = cascade ? cascade.done : 0;
    this._fill.style.width = total ? `${Math.round((100 * done) / total)}%` : '0%';
    let state = 'idle';
    let text = 'reactive';
    if (cascade && !cascade.finished) {
      state = 'running';
      text = `↻ ${done}/${total}`;
    } else if (cascade) {
      state = cascade.failed ? 'failed' : 'done';
      const ran = cascade.ran ?? done;
      text = cascade.failed
        ? `✗ ${cascade.failed} failed · ${ran} ran`
        : `✓ ${ran} ran`;
    }
    this.node.dataset.state = state;
    this._label.textContent = this._deps ? `${text} · ${this._deps}` : text;
    this.node.title = cascade
      ? `Reactive cascade ${cascade.cascadeId}: ${done} of ${total} cells done` +
        (cascade.durationMs !== undefined ? ` in ${Math.round(cascade.durationMs)} ms` : '')
      : 'Reactive kernel: no cascade yet';
    this._last = cascade;
  }

  /** Say what "Show dependencies" highlights (null: nothing). */
  showDependencies(ancestors: number | null, descendants = 0): void {
    this._deps =
      ancestors === null ? '' : `deps ↑${ancestors} ↓${descendants}`;
    this.showCascade(this._last);
  }

  private _bar: HTMLElement;
  private _fill: HTMLElement;
  private _label: HTMLElement;
  private _deps = '';
  private _last: ICascade | null = null;
}

export type DependencyRole = keyof typeof DEP_CLASSES;

/** What {@link NotebookViews} draws, as the notebook's state says it. */
export interface IViewState {
  /** Whether the notebook's kernel is `reactive` (else nothing is drawn). */
  reactive(): boolean;
  cascade(): ICascade | null;
  status(cellId: string): IStatusEntry | undefined;
  planned(cellId: string): boolean;
  role(cellId: string): DependencyRole | null;
  /** The cell's index in the notebook model, or -1. */
  indexOf(cellId: string): number;
  /** The interpolated text a markdown cell shows, or null (its own). */
  markdown(cellId: string): string | null;
  /** The user rendered a markdown cell (Shift-Enter: "run" it). */
  markdownRendered(cellId: string): void;
}

/** Draws one notebook's reactive state into all its views (panels). */
export class NotebookViews {
  constructor(state: IViewState) {
    this._state = state;
  }

  add(panel: NotebookPanel): IDisposable {
    this._panels.add(panel);
    this._renderPanel(panel);
    const remove = () => {
      this._panels.delete(panel);
      for (const cell of panel.content.widgets) {
        renderInterpolated(cell, null, panel.content.rendermime);
      }
      this._progress.get(panel)?.dispose();
      this._progress.delete(panel);
    };
    panel.disposed.connect(remove);
    return new DisposableDelegate(remove);
  }

  /** Redraw one cell in every view. */
  render(cellId: string): void {
    for (const panel of this._panels) {
      const cell = this._widget(panel, cellId);
      if (cell) {
        this._renderCell(cell, panel);
      }
    }
  }

  renderAll(): void {
    for (const panel of this._panels) {
      this._renderPanel(panel);
    }
  }

  renderProgress(): void {
    for (const item of this._progress.values()) {
      item.showCascade(this._state.cascade());
    }
  }

  showDependencies(ancestors: number | null, descendants = 0): void {
    for (const item of this._progress.values()) {
      item.showDependencies(ancestors, descendants);
    }
  }

  dispose(): void {
    for (const item of this._progress.values()) {
      item.dispose();
    }
    this._progress.clear();
    this._panels.clear();
  }

  private _widget(panel: NotebookPanel, cellId: string): Cell | null {
    const widgets = panel.content.widgets;
    const i = this._state.indexOf(cellId);
    if (i >= 0 && widgets[i]?.model.id === cellId) {
      return widgets[i];
    }
    return widgets.find(w => w.model.id === cellId) ?? null;
  }

  private _renderCell(cell: Cell, panel: NotebookPanel): void {
    const id = cell.model.id;
    const state = this._state;
    if (state.reactive() && cell.model.type === 'markdown') {
      // No badge for markdown (most have no fields), except to say a field failed.
      const entry = state.status(id);
      clearCell(cell);
      renderStatus(cell, entry?.status === 'error' ? entry : undefined);
      renderInterpolated(cell, state.markdown(id), panel.content.rendermime);
      this._watch(cell);
      return;
    }
    renderInterpolated(cell, null, panel.content.rendermime);
    if (!state.reactive() || cell.model.type !== 'code') {
      clearCell(cell);
      return;
    }
    const entry = state.status(id);
    renderStatus(cell, entry);
    renderPlanned(cell, state.planned(id));
    renderDependency(cell, state.role(id));
    // Like JupyterLab's own runs: [*] while queued or running, then the count.
    const busy = !!entry && (entry.status === 'queued' || entry.status === 'running');
    if (busy) {
      cell.setPrompt('*');
      this._busy.add(id);
    } else if (this._busy.delete(id)) {
      const count = (cell.model as ICodeCellModel).executionCount;
      cell.setPrompt(count === null || count === undefined ? ' ' : String(count));
    }
  }

  /** Tell the state when the user renders a markdown cell (once per widget). */
  private _watch(cell: Cell): void {
    if (!(cell instanceof MarkdownCell) || this._watched.has(cell)) {
      return;
    }
    this._watched.add(cell);
    cell.renderedChanged.connect((_, rendered) => {
      if (rendered && this._state.reactive()) {
        this._state.markdownRendered(cell.model.id);
      }
    });
  }

  private _renderPanel(panel: NotebookPanel): void {
    const reactive = this._state.reactive();
    panel.content.node.classList.toggle(NOTEBOOK_CLASS, reactive);
    for (const cell of panel.content.widgets) {
      this._renderCell(cell, panel);
    }
    let item = this._progress.get(panel);
    if (reactive && !item) {
      item = new ProgressItem();
      this._progress.set(panel, item);
      if (!panel.toolbar.insertBefore('kernelName', 'reactive-progress', item)) {
        panel.toolbar.addItem('reactive-progress', item);
      }
    }
    if (item) {
      item.setHidden(!reactive);
      item.showCascade(this._state.cascade());
    }
  }

  private _state: IViewState;
  private _panels = new Set<NotebookPanel>();
  private _progress = new Map<NotebookPanel, ProgressItem>();
  /** Cells whose prompt this shows as [*]. */
  private _busy = new Set<string>();
  private _watched = new WeakSet<MarkdownCell>();
}
