/**
 * The reactive kernel's protocol as this extension uses it (docs/protocol.md),
 * and the pure computations over it: no JupyterLab objects, no I/O.
 */

/** Kernel spec name of the reactive kernel: the extension acts only there. */
export const KERNEL_NAME = 'reactive';
/** The kernel's comm: target and id both `reactive`, open from kernel start. */
export const COMM_ID = 'reactive';

export type CellStatus =
  | 'idle'
  | 'stale'
  | 'queued'
  | 'running'
  | 'success'
  | 'error'
  | 'blocked'
  | 'disabled';

export const STATUSES: ReadonlyArray<CellStatus> = [
  'idle',
  'stale',
  'queued',
  'running',
  'success',
  'error',
  'blocked',
  'disabled'
];

export interface ICellError {
  ename: string;
  evalue: string;
  traceback?: string[];
}

/** A static warning about a cell (PROTOCOL.md section 9), e.g. `mutates-foreign`. */
export interface IDiagnostic {
  code: string;
  message: string;
  names: string[];
}

/** What the kernel says about one cell's state (`statuses`, `cell_status`, and
 * each entry of the batched `cell_statuses`, which also carries `index`).
 * `diagnostics` come with cell objects and the `statuses` of cell events. */
export interface IStatusEntry {
  cell_id: string;
  status: CellStatus;
  execution_count?: number | null;
  error?: ICellError | null;
  diagnostics?: IDiagnostic[];
  /** Restored from the result cache (PROTOCOL.md section 8). */
  cached?: boolean;
  /** The disabled ancestor that keeps this cell from running. */
  disabled_by?: string | null;
}

/** A cell as `snapshot` and `cell_created`/`cell_updated` carry it. */
export interface IKernelCell {
  id: string;
  type: string;
  code: string;
  reads: string[];
  writes: string[];
  /** The cells this one reads from, as the kernel's graph has them. */
  parents?: string[];
  status: CellStatus;
  execution_count: number | null;
  error: ICellError | null;
  diagnostics?: IDiagnostic[];
  /** The outputs of its last run (nbformat outputs). */
  outputs?: unknown[];
}

export interface ISnapshot {
  cells: IKernelCell[];
  protocol: number;
  [key: string]: unknown;
}

/** A `reactive` comm event (IOPub `comm_msg`, `content.data`). */
export interface IEvent {
  event: string;
  [key: string]: unknown;
}

export interface IReply extends IEvent {
  event: 'reply';
  req: string | number;
  ok: boolean;
  error?: { code: string; message: string };
}

export interface ICascade {
  cascadeId: string;
  plan: string[];
  done: number;
  failed: number;
  current: string | null;
  finished: boolean;
  ran?: number;
  durationMs?: number;
}

/** Whether an output's metadata marks it as the kernel's cascade summary
 * (shown for clients without this extension; this extension hides it). */
export function isSummary(metadata: unknown): boolean {
  if (!metadata || typeof metadata !== 'object') {
    return false;
  }
  const reactive = (metadata as Record<string, unknown>)['reactive'];
  return (
    !!reactive &&
    typeof reactive === 'object' &&
    (reactive as Record<string, unknown>)['summary'] === true
  );
}

/** Whether a name links cells: `_private` names never do. */
export function isLinking(name: string): boolean {
  return !name.startsWith('_');
}

export interface IDependencies {
  ancestors: Set<string>;
  descendants: Set<string>;
}

/**
 * The cells `cellId` depends on (transitively) and the cells that depend on
 * it, from the `parents` the kernel publishes with every cell. The kernel is
 * the only owner of dependency logic (builtin shadowing, owners of names
 * defined twice, blocked cells): nothing here looks at reads or writes.
 */
export function dependencies(cells: IKernelCell[], cellId: string): IDependencies {
  const parents = new Map<string, string[]>();
  const children = new Map<string, string[]>();
  for (const cell of cells) {
    const mine = cell.parents ?? [];
    parents.set(cell.id, mine);
    for (const parent of mine) {
      const kids = children.get(parent) ?? [];
      kids.push(cell.id);
      children.set(parent, kids);
    }
  }
  const walk = (edges: Map<string, string[]>): Set<string> => {
    const seen = new Set<string>();
    const stack = [...(edges.get(cellId) ?? [])];
    while (stack.length) {
      const next = stack.pop()!;
      if (next !== cellId && !seen.has(next)) {
        seen.add(next);
        stack.push(...(edges.get(next) ?? []));
      }
    }
    return seen;
  };
  return { ancestors: walk(parents), descendants: walk(children) };
}

export interface IMove {
  cell_id: string;
  /** The cell to go after, or `"^"` for the top. */
  after: string;
}

/**
 * The fewest `move` ops that make the kernel's order of the notebook's cells
 * match the notebook: cells on a longest run already in order stay, every
 * other one goes right after its predecessor in the notebook (in notebook
 * order, so each predecessor is already in place). Cells the kernel has but
 * the notebook does not are left where they are.
 */
export function planMoves(kernelOrder: string[], notebookOrder: string[]): IMove[] {
  const position = new Map<string, number>();
  kernelOrder.forEach((id, i) => position.set(id, i));
  const cells = notebookOrder.filter(id => position.has(id));
  const keys = cells.map(id => position.get(id)!);
  // Longest increasing subsequence of kernel positions (patience sorting).
  const tails: number[] = [];
  const previous: number[] = new Array(keys.length).fill(-1);
  for (let i = 0; i < keys.length; i++) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (keys[tails[mid]] < keys[i]) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    previous[i] = lo > 0 ? tails[lo - 1] : -1;
    tails[lo] = i;
  }
  const keep = new Set<number>();
  for (let i = tails.length ? tails[tails.length - 1] : -1; i >= 0; i = previous[i]) {
    keep.add(i);
  }
  const moves: IMove[] = [];
  cells.forEach((id, i) => {
    if (!keep.has(i)) {
      moves.push({ cell_id: id, after: i === 0 ? '^' : cells[i - 1] });
    }
  });
  return moves;
}

/** A short text for a status badge's tooltip. */
export function describe(entry: IStatusEntry): string {
  const count =
    entry.execution_count !== null && entry.execution_count !== undefined
      ? ` [${entry.execution_count}]`
      : '';
  const error = entry.error ? `: ${entry.error.ename}: ${entry.error.evalue}` : '';
  return `reactive: ${entry.status}${count}${error}`;
}
