/**
 * Registering the notebook's code and markdown cells in the kernel, so the
 * kernel's graph is the notebook's before anything runs: running a cell then
 * pulls its idle or stale ancestors (PROTOCOL §2), cells whose inputs changed
 * are marked `stale` as the user types, and a markdown cell that interpolates
 * `{total}` is re-rendered when `total` changes (PROTOCOL §2b).
 *
 * {@link planRegistrations} is pure: from the notebook's code cells and the
 * code the kernel has, the `create` and `register` (never `run`) requests to
 * send. {@link Registrar} keeps what the kernel has (from the snapshot and
 * cell events) and sends the plan, at once after a kernel (re)start and
 * debounced while the user types. Drafts that do not parse are safe to send:
 * the kernel keeps their last analysis (PROTOCOL §2a).
 */

import { IEvent, IKernelCell } from './protocol';

/** Edits are registered this long after the last keystroke. */
export const REGISTER_DELAY_MS = 400;

const SQL_MAGIC = /^(?:[ \t]*\r?\n)*%%sql(?:[ \t]+([^\r\n]*?))?[ \t]*(?:\r?\n|$)/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A code or markdown cell of the notebook, in notebook order. */
export interface INotebookCell {
  id: string;
  source: string;
  /** The notebook's cell type (absent: `code`). */
  type?: 'code' | 'markdown';
}

/** What the kernel has for a cell. */
export interface IKernelCode {
  type: string;
  code: string;
  name: string | null;
}

/** What a cell's source is for the kernel. */
export interface IPayload {
  cell_type: 'python' | 'sql' | 'markdown';
  code: string;
  name: string | null;
}

export interface IRegistration {
  op: 'create' | 'register';
  args: Record<string, unknown>;
}

/** A source as the kernel reads an execute request's code: a first line
 * `%%sql [name]` makes an SQL cell (its body and result name). `null` for an
 * `%%sql` line with an invalid name (left to the kernel to report on run). */
export function payloadOf(source: string): IPayload | null {
  const match = SQL_MAGIC.exec(source);
  if (!match) {
    return { cell_type: 'python', code: source, name: null };
  }
  const name = match[1] || null;
  if (name !== null && !IDENTIFIER.test(name)) {
    return null;
  }
  return { cell_type: 'sql', code: source.slice(match[0].length), name };
}

/** What a notebook cell is for the kernel: a markdown cell's text as it is,
 * a code cell's source as {@link payloadOf} reads it. */
export function payloadOfCell(cell: INotebookCell): IPayload | null {
  return cell.type === 'markdown'
    ? { cell_type: 'markdown', code: cell.source, name: null }
    : payloadOf(cell.source);
}

/**
 * The requests that give the kernel the notebook's cells: `create` (at the
 * cell's notebook position) for a non-empty cell the kernel lacks, `register`
 * for one whose code differs. A code cell whose type differs from the
 * kernel's (edited into or out of `%%sql`) is left to its next run, which
 * changes the type; a cell that became or stopped being markdown (no run
 * follows) is registered with its new `cell_type`. `kernel` is updated with
 * what the requests will make it.
 */
export function planRegistrations(
  cells: ReadonlyArray<INotebookCell>,
  kernel: Map<string, IKernelCode>
): IRegistration[] {
  const plan: IRegistration[] = [];
  let after = '^';
  for (const cell of cells) {
    const payload = payloadOfCell(cell);
    const known = kernel.get(cell.id);
    if (payload && !known && cell.source.trim() !== '') {
      const args: Record<string, unknown> = {
        cell_id: cell.id,
        cell_type: payload.cell_type,
        code: payload.code,
        after
      };
      if (payload.name !== null) {
        args.name = payload.name;
      }
      plan.push({ op: 'create', args });
      kernel.set(cell.id, { type: payload.cell_type, code: payload.code, name: payload.name });
    } else if (payload && known && known.type === payload.cell_type) {
      const renamed = payload.cell_type === 'sql' && payload.name !== known.name;
      if (payload.code !== known.code || renamed) {
        const args: Record<string, unknown> = { cell_id: cell.id, code: payload.code };
        if (renamed && payload.name !== null) {
          args.name = payload.name;
        }
        plan.push({ op: 'register', args });
        kernel.set(cell.id, { ...known, code: payload.code, name: payload.name ?? known.name });
      }
    } else if (payload && known && (known.type === 'markdown' || payload.cell_type === 'markdown')) {
      const args: Record<string, unknown> = {
        cell_id: cell.id,
        cell_type: payload.cell_type,
        code: payload.code
      };
      if (payload.name !== null) {
        args.name = payload.name;
      }
      plan.push({ op: 'register', args });
      kernel.set(cell.id, { type: payload.cell_type, code: payload.code, name: payload.name });
    }
    if (kernel.has(cell.id)) {
      after = cell.id;
    }
  }
  return plan;
}

function codeOf(cell: IKernelCell): IKernelCode {
  const name = (cell as unknown as { name?: unknown }).name;
  return { type: cell.type, code: cell.code, name: typeof name === 'string' ? name : null };
}

/** Keeps the kernel's copy of the notebook's code up to date. */
export class Registrar {
  /**
   * @param cells the notebook's code and markdown cells, in order
   * @param send posts one request to the kernel's `reactive` comm
   */
  constructor(
    private readonly _cells: () => INotebookCell[],
    private readonly _send: (op: string, args: Record<string, unknown>) => void
  ) {}

  /** Start over from a kernel snapshot and register the whole notebook. */
  load(cells: ReadonlyArray<IKernelCell>): void {
    this._kernel = new Map(cells.map(c => [c.id, codeOf(c)]));
    this._active = true;
    this.flush();
  }

  /** The kernel went away or restarted: send nothing until the next load. */
  stop(): void {
    this._active = false;
    this._cancel();
  }

  /** Follow the kernel's cell events (runs from any client change the code). */
  observe(data: IEvent): void {
    const cell = data.cell as IKernelCell | undefined;
    if ((data.event === 'cell_created' || data.event === 'cell_updated') && cell?.id) {
      this._kernel.set(cell.id, codeOf(cell));
    } else if (data.event === 'cell_deleted' && typeof data.cell_id === 'string') {
      this._kernel.delete(data.cell_id);
    }
  }

  /** The code (or markdown text) the kernel has for a cell, as far as known. */
  codeOf(cellId: string): string | null {
    return this._kernel.get(cellId)?.code ?? null;
  }

  /** The notebook changed: register it once the user pauses. */
  schedule(): void {
    if (!this._active) {
      return;
    }
    this._cancel();
    this._timer = setTimeout(() => {
      this._timer = null;
      this.flush();
    }, REGISTER_DELAY_MS);
  }

  /** Register now what differs; returns the ids of the cells sent. */
  flush(): Set<string> {
    this._cancel();
    const sent = new Set<string>();
    if (!this._active) {
      return sent;
    }
    for (const request of planRegistrations(this._cells(), this._kernel)) {
      this._send(request.op, request.args);
      sent.add(String(request.args.cell_id));
    }
    return sent;
  }

  dispose(): void {
    this.stop();
  }

  private _cancel(): void {
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
  }

  private _kernel = new Map<string, IKernelCode>();
  private _active = false;
  private _timer: ReturnType<typeof setTimeout> | null = null;
}
