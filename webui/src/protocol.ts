// The shapes of the kernel's `reactive` comm (docs/protocol.md) and of the
// Jupyter messages the page exchanges with the gateway.

export type Status = "idle" | "stale" | "queued" | "running" | "success" | "error" | "blocked" | "disabled";
export type CellType = "python" | "sql" | "markdown";

export interface CellError {
  ename: string;
  evalue: string;
  traceback: string[];
}

/** An nbformat output dict, as snapshots carry them and as IOPub messages become. */
export type Output =
  | { output_type: "stream"; name: string; text: string }
  | { output_type: "display_data"; data: MimeBundle; metadata?: Record<string, unknown> }
  | {
      output_type: "execute_result";
      data: MimeBundle;
      metadata?: Record<string, unknown>;
      execution_count?: number | null;
    }
  | { output_type: "error"; ename: string; evalue: string; traceback: string[] };

export type MimeBundle = Record<string, string | string[] | unknown>;

/** A static warning about a cell (PROTOCOL.md section 9), e.g. `mutates-foreign`. */
export interface Diagnostic {
  code: string;
  message: string;
  names: string[];
}

export interface Cell {
  id: string;
  type: CellType;
  code: string;
  name: string | null;
  reads: string[];
  writes: string[];
  status: Status;
  execution_count: number | null;
  error: CellError | null;
  outputs: Output[];
  diagnostics?: Diagnostic[];
  /** Expensive notebooks (PROTOCOL.md section 8); absent from older kernels. */
  disabled?: boolean;
  cache?: boolean;
  cached?: boolean;
  disabled_by?: string | null;
  /** The cells this one reads from, as the kernel's graph has them (the only source of edges). */
  parents?: string[];
}

export interface StatusEntry {
  cell_id: string;
  status: Status;
  execution_count: number | null;
  error: CellError | null;
  /** Present in the `statuses` of cell events: an operation on another cell may change them. */
  diagnostics?: Diagnostic[];
  /** A status event of a cell restored from the result cache. */
  cached?: boolean;
  /** In the `statuses` of cell events: the disabled ancestor that stops the cell. */
  disabled_by?: string | null;
}

/** Other cells whose edges an operation changed, with their new `parents`. */
export type ParentsMap = Record<string, string[]>;

export interface Snapshot {
  cells: Cell[];
  database: string | null;
  dialect?: string | null;
  notebook_path: string | null;
  notebook_error: string | null;
  protocol: number;
  mode?: string;
}

export type KernelEvent =
  | { event: "cell_created"; cell: Cell; index: number; statuses?: StatusEntry[]; parents?: ParentsMap }
  | { event: "cell_updated"; cell: Cell; statuses?: StatusEntry[]; parents?: ParentsMap }
  | { event: "cell_deleted"; cell_id: string; statuses?: StatusEntry[]; parents?: ParentsMap }
  | { event: "cell_moved"; cell_id: string; index: number }
  | {
      event: "cascade_started";
      cascade_id: string;
      trigger: { op: string; cell_id: string | null };
      plan: string[];
    }
  | ({ event: "cell_status"; cascade_id: string; index: number; total: number } & StatusEntry)
  | { event: "cell_statuses"; cascade_id: string | null; total: number; statuses: (StatusEntry & { index: number })[] }
  | {
      event: "cascade_finished";
      cascade_id: string;
      ran: number;
      succeeded: number;
      failed: number;
      skipped: number;
      duration_ms: number;
    }
  | { event: "database_changed"; url: string | null; dialect: string | null }
  | { event: "variables"; variables: Variable[] }
  | Reply;

export interface Reply {
  event: "reply";
  req: string | number | null;
  ok: boolean;
  error?: { code: string; message: string };
  [field: string]: unknown;
}

/** Operations the page sends; every one is queued, sent, and settled by its reply. */
export type Op =
  | { op: "create"; cell_id: string; cell_type: CellType; after: string | null; code: string; name: string | null }
  | { op: "register"; cell_id: string; code: string; name?: string | null; run: boolean; cell_type?: CellType }
  | { op: "run"; cell_id: string }
  | { op: "delete"; cell_id: string }
  | { op: "move"; cell_id: string; after: string | null }
  | { op: "set_database"; url: string }
  | { op: "export"; format: "html" }
  | { op: "run_all" }
  | { op: "configure"; mode?: "auto" | "lazy"; cache_limit_mb?: number }
  | { op: "configure_cell"; cell_id: string; disabled?: boolean; cache?: boolean }
  | { op: "clear_cache"; cell_id?: string }
  | { op: "variables"; subscribe?: boolean }
  | { op: "table_page"; name: string; offset: number; limit: number; sort?: { column: string; descending: boolean } | null };

/** An entry of the variables panel (`variables` op and event). */
export interface Variable {
  name: string;
  type: string;
  summary: string;
  cell_id: string | null;
}

export interface Header {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
  cellId?: string;
}

export interface JupyterMessage {
  channel: string;
  header: Header;
  parent_header: Partial<Header>;
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
  buffers?: unknown[];
}

export const FINAL: ReadonlySet<Status> = new Set<Status>(["success", "error", "stale", "blocked"]);
