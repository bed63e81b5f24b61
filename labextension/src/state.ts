/**
 * What the kernel has told this client about its cells: statuses, which cells
 * it has and in what order, and the cascade in progress. Pure state, fed with
 * the `reactive` comm's events; each event returns what changed, for the
 * caller to draw.
 */

import {
  CellStatus,
  ICascade,
  IEvent,
  IKernelCell,
  IMove,
  ISnapshot,
  IStatusEntry
} from './protocol';

const FINAL: ReadonlySet<CellStatus> = new Set(['success', 'error', 'stale', 'blocked', 'idle']);

/** Whether a status ends a cell's part in a cascade. */
export function isFinal(status: CellStatus): boolean {
  return FINAL.has(status);
}

export interface IChange {
  /** Cells whose status or plan membership changed (to redraw). */
  cells: Set<string>;
  /** Final execution counts the kernel reported, to show in the cells. */
  counts: Map<string, number>;
  /** Cells the kernel deleted. */
  deleted: string[];
  /** The cascade progress changed. */
  progress: boolean;
  /** Reads or writes changed: a dependency view is out of date. */
  graph: boolean;
  /** The kernel gained a cell (its order may differ from the notebook's). */
  created: boolean;
}

function emptyChange(): IChange {
  return {
    cells: new Set(),
    counts: new Map(),
    deleted: [],
    progress: false,
    graph: false,
    created: false
  };
}

export class KernelState {
  /** Cells the kernel has, in its order. */
  get order(): ReadonlyArray<string> {
    return this._order;
  }

  get cascade(): ICascade | null {
    return this._cascade;
  }

  has(cellId: string): boolean {
    return this._known.has(cellId);
  }

  status(cellId: string): IStatusEntry | undefined {
    return this._statuses.get(cellId);
  }

  planned(cellId: string): boolean {
    return this._planned.has(cellId);
  }

  /** Start over from a snapshot. */
  load(snapshot: ISnapshot): void {
    this.reset();
    this._order = snapshot.cells.map(c => c.id);
    this._known = new Set(this._order);
    for (const cell of snapshot.cells) {
      this._statuses.set(cell.id, entryOf(cell));
    }
  }

  /** Forget everything (the kernel restarted, or is not reactive). */
  reset(): void {
    this._known.clear();
    this._order = [];
    this._statuses.clear();
    this._planned.clear();
    this._cascade = null;
  }

  /** A `delete` was sent: the cell is as good as gone. */
  forget(cellId: string): void {
    this._known.delete(cellId);
  }

  /** A `move` was sent: apply it now, so the order is not sent twice. */
  move(move: IMove): void {
    const order = this._order.filter(id => id !== move.cell_id);
    order.splice(move.after === '^' ? 0 : order.indexOf(move.after) + 1, 0, move.cell_id);
    this._order = order;
  }

  /** Apply one comm event (not `reply`). */
  apply(data: IEvent): IChange {
    const change = emptyChange();
    switch (data.event) {
      case 'cascade_started':
        this._cascadeStarted(data, change);
        break;
      case 'cell_status':
        this._cellStatus(data as unknown as IStatusEntry & Record<string, unknown>, change);
        break;
      case 'cell_statuses': {
        // The batched form: a few milliseconds of a cascade's changes, in order.
        const entries = Array.isArray(data.statuses) ? (data.statuses as IStatusEntry[]) : [];
        for (const entry of entries) {
          this._cellStatus({ ...entry, cascade_id: data.cascade_id }, change);
        }
        break;
      }
      case 'cascade_finished':
        this._cascadeFinished(data, change);
        break;
      case 'cell_created': {
        const cell = data.cell as IKernelCell;
        this._known.add(cell.id);
        this._order = this._order.filter(id => id !== cell.id);
        this._order.splice(Number(data.index ?? this._order.length), 0, cell.id);
        this._setStatus(entryOf(cell), change);
        this._statusesOf(data, change);
        change.graph = change.created = true;
        break;
      }
      case 'cell_updated':
        this._setStatus(entryOf(data.cell as IKernelCell), change);
        this._statusesOf(data, change);
        change.graph = true;
        break;
      case 'cell_deleted': {
        const id = String(data.cell_id);
        this._known.delete(id);
        this._order = this._order.filter(k => k !== id);
        this._statuses.delete(id);
        this._planned.delete(id);
        change.cells.add(id);
        change.deleted.push(id);
        this._statusesOf(data, change);
        change.graph = true;
        break;
      }
      case 'cell_moved': {
        const id = String(data.cell_id);
        this._order = this._order.filter(k => k !== id);
        this._order.splice(Number(data.index), 0, id);
        break;
      }
      default:
        break;
    }
    return change;
  }

  private _cascadeStarted(data: IEvent, change: IChange): void {
    const plan = Array.isArray(data.plan) ? (data.plan as string[]) : [];
    for (const id of this._planned) {
      change.cells.add(id);
    }
    this._planned = new Set(plan);
    this._cascade = {
      cascadeId: String(data.cascade_id),
      plan,
      done: 0,
      failed: 0,
      current: null,
      finished: false
    };
    for (const id of plan) {
      // The plan is the set of queued cells: no event says so per cell.
      this._statuses.set(id, { ...this._statuses.get(id), cell_id: id, status: 'queued' });
      change.cells.add(id);
    }
    change.progress = true;
  }

  private _cellStatus(entry: IStatusEntry & Record<string, unknown>, change: IChange): void {
    this._setStatus(entry, change);
    const cascade = this._cascade;
    if (cascade && cascade.cascadeId === entry.cascade_id) {
      if (entry.status === 'running') {
        cascade.current = entry.cell_id;
      } else if (isFinal(entry.status)) {
        cascade.done = Math.max(cascade.done, Number(entry.index) + 1);
        cascade.failed += entry.status === 'error' ? 1 : 0;
        this._planned.delete(entry.cell_id);
      }
      change.progress = true;
    }
  }

  private _cascadeFinished(data: IEvent, change: IChange): void {
    const cascade = this._cascade;
    if (!cascade || cascade.cascadeId !== data.cascade_id) {
      return;
    }
    cascade.finished = true;
    cascade.current = null;
    cascade.ran = Number(data.ran ?? cascade.done);
    cascade.failed = Number(data.failed ?? cascade.failed);
    cascade.durationMs = Number(data.duration_ms ?? 0);
    for (const id of this._planned) {
      change.cells.add(id);
    }
    this._planned.clear();
    change.progress = true;
  }

  private _statusesOf(data: IEvent, change: IChange): void {
    const statuses = Array.isArray(data.statuses) ? (data.statuses as IStatusEntry[]) : [];
    for (const entry of statuses) {
      this._setStatus(entry, change);
    }
  }

  private _setStatus(entry: IStatusEntry, change: IChange): void {
    const id = entry.cell_id;
    const old = this._statuses.get(id);
    this._statuses.set(id, {
      cell_id: id,
      status: entry.status,
      execution_count:
        entry.execution_count !== undefined ? entry.execution_count : old?.execution_count,
      error: entry.error !== undefined ? entry.error : old?.error,
      diagnostics: entry.diagnostics !== undefined ? entry.diagnostics : old?.diagnostics,
      cached: entry.cached === true,
      disabled_by: entry.disabled_by ?? null
    });
    change.cells.add(id);
    if (isFinal(entry.status) && typeof entry.execution_count === 'number') {
      change.counts.set(id, entry.execution_count);
    }
  }

  private _known = new Set<string>();
  private _order: string[] = [];
  private _statuses = new Map<string, IStatusEntry>();
  private _planned = new Set<string>();
  private _cascade: ICascade | null = null;
}

function entryOf(cell: IKernelCell): IStatusEntry {
  return {
    cell_id: cell.id,
    status: cell.status,
    execution_count: cell.execution_count,
    error: cell.error,
    diagnostics: cell.diagnostics ?? [],
    cached: (cell as { cached?: boolean }).cached === true,
    disabled_by: (cell as { disabled_by?: string | null }).disabled_by ?? null
  };
}
