/**
 * {@link ReactiveNotebook}: one notebook document (all its views) talking to
 * a `reactive` kernel. It listens to the kernel connection's IOPub messages
 * and the `reactive` comm events, writes cascaded cells' outputs into their
 * cells (for markdown cells with fields: their interpolated text), keeps each
 * cell's status, and tells the kernel when cells are deleted or moved in the
 * notebook. In a notebook whose kernel is not
 * `reactive` it does nothing at all.
 */

import { ICodeCellModel } from '@jupyterlab/cells';
import { DocumentRegistry } from '@jupyterlab/docregistry';
import { INotebookModel, NotebookPanel } from '@jupyterlab/notebook';
import { Kernel, KernelMessage } from '@jupyterlab/services';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import { CommClient } from './comm';
import { interpolated, markdownText, renderedOf } from './markdown';
import { isOutputMessage, OutputWriter } from './outputs';
import {
  COMM_ID,
  dependencies,
  IEvent,
  IReply,
  isSummary,
  ISnapshot,
  KERNEL_NAME,
  planMoves
} from './protocol';
import { INotebookCell, Registrar } from './registrar';
import { IChange, KernelState } from './state';
import { DependencyRole, NotebookViews } from './view';
const MAX_TRACKED_REQUESTS = 1000;

interface IFocus {
  cellId: string;
  ancestors: Set<string>;
  descendants: Set<string>;
}

type Context = DocumentRegistry.IContext<INotebookModel>;

export class ReactiveNotebook implements IDisposable {
  constructor(context: Context) {
    this._context = context;
    this._writer = new OutputWriter(id => this._codeModel(id));
    this._views = new NotebookViews({
      reactive: () => this._kernel !== null,
      cascade: () => this._state.cascade,
      status: id => this._state.status(id),
      planned: id => this._state.planned(id),
      role: id => this._role(id),
      indexOf: id => this._indexOf(id),
      markdown: id => this._interpolated(id),
      markdownRendered: id => this._onMarkdownRendered(id)
    });
    context.sessionContext.kernelChanged.connect(this._onKernelChanged, this);
    context.model.cells.changed.connect(this._onCellsChanged, this);
    context.model.contentChanged.connect(this._onContentChanged, this);
    this._seen = new Set(this._reactiveCellIds());
    this._onKernelChanged();
  }

  /** Emitted when the kernel becomes or stops being reactive, or the
   * dependency view changes (commands refresh their labels). */
  get stateChanged(): ISignal<this, void> {
    return this._stateChanged;
  }

  get isReactive(): boolean {
    return this._kernel !== null;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** The cell whose dependencies are highlighted, if any. */
  get focusedCell(): string | null {
    return this._focus?.cellId ?? null;
  }

  /** Show this notebook's state in one more view of it. */
  addPanel(panel: NotebookPanel): IDisposable {
    return this._views.add(panel);
  }

  /** Highlight the ancestors and descendants of `cellId`, or stop (a second
   * call for the same cell). The graph comes from a fresh `snapshot`. */
  async toggleDependencies(cellId: string): Promise<void> {
    if (this._focus?.cellId === cellId) {
      this._setFocus(null);
      return;
    }
    const reply = await this._request('snapshot', {});
    const snapshot = reply.snapshot as ISnapshot;
    const found = dependencies(snapshot.cells, cellId);
    this._setFocus({ cellId, ...found });
  }

  /** Send a `reactive` comm request (options.ts: configure_cell, configure, run_all). */
  request(op: string, args: Record<string, unknown>): Promise<IReply> {
    return this._request(op, args);
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._detach();
    this._context.sessionContext.kernelChanged.disconnect(this._onKernelChanged, this);
    this._context.model.cells.changed.disconnect(this._onCellsChanged, this);
    this._context.model.contentChanged.disconnect(this._onContentChanged, this);
    this._registrar.dispose();
    this._views.dispose();
    Signal.clearData(this);
  }

  // -- the kernel connection ------------------------------------------------

  private _onKernelChanged(): void {
    const kernel = this._context.sessionContext.session?.kernel ?? null;
    const reactive = kernel && kernel.name === KERNEL_NAME ? kernel : null;
    if (reactive === this._kernel) {
      return;
    }
    this._detach();
    if (reactive) {
      this._kernel = reactive;
      this._comm = new CommClient(reactive);
      reactive.iopubMessage.connect(this._onIOPub, this);
      reactive.anyMessage.connect(this._onAnyMessage, this);
      reactive.statusChanged.connect(this._onStatus, this);
      reactive.connectionStatusChanged.connect(this._onConnection, this);
      this._renderAll();
      void this._initialize();
    }
    this._stateChanged.emit();
  }

  private _detach(): void {
    const kernel = this._kernel;
    if (!kernel) {
      return;
    }
    kernel.iopubMessage.disconnect(this._onIOPub, this);
    kernel.anyMessage.disconnect(this._onAnyMessage, this);
    kernel.statusChanged.disconnect(this._onStatus, this);
    kernel.connectionStatusChanged.disconnect(this._onConnection, this);
    this._kernel = null;
    this._reset();
    this._comm = null;
    this._views.renderAll();
  }

  /** Forget the kernel's state (detached, or the kernel restarted). */
  private _reset(): void {
    this._state.reset();
    this._rendered.clear();
    this._native.clear();
    this._focus = null;
    this._writer.reset();
    this._registrar.stop();
    this._comm?.cancelAll();
  }

  /** Say that this extension shows cascades (the kernel then leaves out its
   * text summary), and load the kernel's cells and statuses. */
  private async _initialize(): Promise<void> {
    if (this._initializing || !this._kernel) {
      return;
    }
    this._initializing = true;
    this._needsInit = false;
    try {
      const configured = this._request('configure', { summary: false });
      const snapshot = this._request('snapshot', {});
      configured.catch(error => console.debug('reactive: configure', error));
      const loaded = (await snapshot).snapshot as ISnapshot;
      this._state.load(loaded);
      this._rendered.clear();
      for (const cell of loaded.cells) {
        const text = cell.type === 'markdown' ? renderedOf(cell.outputs) : null;
        if (text !== null) {
          this._rendered.set(cell.id, text);
        }
      }
      this._registrar.load(loaded.cells); // the kernel gets the whole notebook
      this._renderAll();
      this._scheduleSync();
    } catch (error) {
      this._needsInit = true; // try again when the kernel is next idle
      console.warn('reactive: could not load the kernel state', error);
    } finally {
      this._initializing = false;
    }
  }

  private _onStatus(_: Kernel.IKernelConnection, status: Kernel.Status): void {
    if (status === 'restarting' || status === 'autorestarting' || status === 'dead') {
      this._reset();
      this._needsInit = true;
      this._renderAll();
    } else if (status === 'idle' && this._needsInit) {
      void this._initialize();
    }
  }

  private _onConnection(_: Kernel.IKernelConnection, status: Kernel.ConnectionStatus): void {
    if (status === 'connecting') {
      this._needsInit = true; // IOPub messages may be missed until reconnected
    } else if (status === 'connected' && this._needsInit) {
      void this._initialize();
    }
  }

  /** Remember which execute_request JupyterLab sent for which cell: that
   * cell's own outputs are JupyterLab's to show. */
  private _onAnyMessage(_: Kernel.IKernelConnection, args: Kernel.IAnyMessageArgs): void {
    const msg = args.msg;
    if (args.direction !== 'send' || msg.header.msg_type !== 'execute_request') {
      return;
    }
    const cellId = (msg.metadata as Record<string, unknown>)?.cellId;
    if (typeof cellId === 'string') {
      this._native.set(msg.header.msg_id, cellId);
      if (this._native.size > MAX_TRACKED_REQUESTS) {
        this._native.delete(this._native.keys().next().value as string);
      }
    }
  }

  private _onIOPub(_: Kernel.IKernelConnection, msg: KernelMessage.IIOPubMessage): void {
    const msgType = msg.header.msg_type;
    const content = msg.content as Record<string, any>;
    const parent = msg.parent_header as Partial<KernelMessage.IHeader> & { cellId?: unknown };
    if (msgType === 'comm_msg') {
      if (content.comm_id === COMM_ID && content.data && typeof content.data === 'object') {
        this._onEvent(content.data as IEvent);
      }
      return;
    }
    if (msgType === 'status') {
      if (content.execution_state === 'idle' && parent?.msg_id) {
        this._native.delete(parent.msg_id);
      }
      return;
    }
    if (!isOutputMessage(msgType)) {
      return;
    }
    const cellId = typeof parent?.cellId === 'string' ? parent.cellId : undefined;
    const nativeCell = parent?.msg_id ? this._native.get(parent.msg_id) : undefined;
    if (nativeCell !== undefined && (cellId === undefined || cellId === nativeCell)) {
      // JupyterLab has put this in the cell that was run (its future comes
      // first); a cascade summary is for clients without this extension.
      if (isSummary(content.metadata)) {
        this._dropSummaries(nativeCell);
      }
      return;
    }
    if (cellId !== undefined && this._isMarkdown(cellId)) {
      this._onMarkdownOutput(cellId, msgType, content);
      return;
    }
    if (cellId !== undefined && this._codeModel(cellId) && !this._runPending(cellId)) {
      this._writer.write(cellId, msg);
      if (msgType === 'execute_input') {
        this._render(cellId); // keep the running cell's prompt at [*]
      }
    }
  }

  /** The kernel rendered a markdown cell (a text/markdown display), or its
   * run failed or began anew (its previous rendering no longer stands). */
  private _onMarkdownOutput(cellId: string, msgType: string, content: Record<string, any>): void {
    const text = markdownText(msgType, content);
    if (text !== null) {
      this._rendered.set(cellId, text);
    } else if (msgType === 'error' || msgType === 'clear_output') {
      this._rendered.delete(cellId);
    } else {
      return;
    }
    this._render(cellId);
  }

  /** Whether JupyterLab has sent a run of this cell that has not finished: a
   * cascade that reaches it meanwhile must not write into it, since JupyterLab
   * cleared it for that run, which brings its own outputs. */
  private _runPending(cellId: string): boolean {
    for (const id of this._native.values()) {
      if (id === cellId) {
        return true;
      }
    }
    return false;
  }

  private _dropSummaries(cellId: string): void {
    const drop = () => {
      const outputs = this._codeModel(cellId)?.outputs;
      for (let i = (outputs?.length ?? 0) - 1; outputs && i >= 0; i--) {
        if (isSummary(outputs.get(i).metadata)) {
          outputs.remove(i);
        }
      }
    };
    drop();
    setTimeout(drop, 0); // in case an output area adds it after this signal
  }

  // -- the reactive comm ----------------------------------------------------

  private _request(op: string, args: Record<string, unknown>): Promise<IReply> {
    return this._comm
      ? this._comm.request(op, args)
      : Promise.reject(new Error('reactive: no reactive kernel'));
  }

  private _post(op: string, args: Record<string, unknown>): void {
    this._comm?.post(op, args);
  }

  private _onEvent(data: IEvent): void {
    if (data.event === 'reply') {
      this._comm?.onReply(data as IReply);
      return;
    }
    this._registrar.observe(data);
    this._apply(this._state.apply(data));
  }

  /** Show what an event changed. */
  private _apply(change: IChange): void {
    for (const [id, count] of change.counts) {
      const model = this._codeModel(id);
      if (model && model.executionCount !== count) {
        model.executionCount = count;
      }
    }
    for (const id of change.deleted) {
      this._writer.forget(id);
      this._rendered.delete(id);
    }
    for (const id of change.cells) {
      this._render(id);
    }
    if (change.progress) {
      this._renderProgress();
    }
    if (change.graph && this._focus) {
      this._setFocus(null); // the highlighted graph is out of date
    }
    if (change.created) {
      this._scheduleSync();
    }
  }

  // -- notebook changes -----------------------------------------------------

  private _onCellsChanged(): void {
    this._index = null;
    this._scheduleSync();
    this._registrar.schedule();
  }

  /** A cell's source (or anything else) changed: register edits, debounced. */
  private _onContentChanged(): void {
    this._registrar.schedule();
  }

  private _scheduleSync(): void {
    if (this._syncTimer === null) {
      // After the change settles: a move is a removal and an insertion.
      this._syncTimer = setTimeout(() => {
        this._syncTimer = null;
        this._sync();
      }, 0);
    }
  }

  /** Delete in the kernel the cells deleted here, and keep the kernel's
   * cell order the notebook's. */
  private _sync(): void {
    if (this._disposed) {
      return;
    }
    const ids = this._reactiveCellIds();
    const present = new Set(ids);
    if (this._kernel) {
      for (const id of this._seen) {
        if (!present.has(id) && this._state.has(id)) {
          this._state.forget(id);
          this._post('delete', { cell_id: id });
        }
      }
      for (const move of planMoves([...this._state.order], ids)) {
        this._post('move', { ...move });
        this._state.move(move);
      }
    }
    this._seen = present;
    this._renderAll();
  }

  // -- cells ----------------------------------------------------------------

  /** The ids of the cells the kernel is given: code and markdown (not raw). */
  private _reactiveCellIds(): string[] {
    return this._reactiveCells().map(cell => cell.id);
  }

  private _reactiveCells(): INotebookCell[] {
    const found: INotebookCell[] = [];
    const cells = this._context.model.cells;
    for (let i = 0; i < cells.length; i++) {
      const cell = cells.get(i);
      if (cell.type === 'code' || cell.type === 'markdown') {
        found.push({ id: cell.id, source: cell.sharedModel.getSource(), type: cell.type });
      }
    }
    return found;
  }

  private _isMarkdown(id: string): boolean {
    const i = this._indexOf(id);
    const cells = this._context.model.cells;
    const model = i >= 0 && i < cells.length ? cells.get(i) : null;
    return !!model && model.id === id && model.type === 'markdown';
  }

  /** The user rendered a markdown cell (Shift-Enter): the kernel gets its
   * text now and, when that is new or out of date, renders it (a `run`, as
   * for a code cell: its stale ancestors run first), so a cell with fields
   * shows its values again. */
  private _onMarkdownRendered(id: string): void {
    if (!this._kernel) {
      return;
    }
    const sent = this._registrar.flush();
    const status = this._state.status(id)?.status;
    const outdated = status === 'stale' || status === 'idle';
    if (this._registrar.codeOf(id) !== null && (sent.has(id) || outdated)) {
      this._post('run', { cell_id: id });
    }
  }

  /** The kernel's interpolated text for a markdown cell, when it stands. */
  private _interpolated(id: string): string | null {
    const i = this._indexOf(id);
    const cells = this._context.model.cells;
    const model = i >= 0 && i < cells.length ? cells.get(i) : null;
    if (!model || model.id !== id || model.type !== 'markdown') {
      return null;
    }
    return interpolated(model.sharedModel.getSource(), {
      code: this._registrar.codeOf(id),
      status: this._state.status(id)?.status,
      text: this._rendered.get(id) ?? null
    });
  }

  private _indexOf(id: string): number {
    if (!this._index) {
      this._index = new Map();
      const cells = this._context.model.cells;
      for (let i = 0; i < cells.length; i++) {
        this._index.set(cells.get(i).id, i);
      }
    }
    return this._index.get(id) ?? -1;
  }

  private _codeModel(id: string): ICodeCellModel | null {
    const i = this._indexOf(id);
    const cells = this._context.model.cells;
    const model = i >= 0 && i < cells.length ? cells.get(i) : null;
    return model && model.id === id && model.type === 'code' ? (model as ICodeCellModel) : null;
  }

  // -- drawing --------------------------------------------------------------

  private _role(id: string): DependencyRole | null {
    const focus = this._focus;
    if (!focus) {
      return null;
    }
    if (focus.cellId === id) {
      return 'focus';
    }
    return focus.ancestors.has(id)
      ? 'ancestor'
      : focus.descendants.has(id)
        ? 'descendant'
        : null;
  }

  private _setFocus(focus: IFocus | null): void {
    const previous = this._focus;
    this._focus = focus;
    for (const id of [
      ...(previous ? [previous.cellId, ...previous.ancestors, ...previous.descendants] : []),
      ...(focus ? [focus.cellId, ...focus.ancestors, ...focus.descendants] : [])
    ]) {
      this._render(id);
    }
    this._views.showDependencies(
      focus ? focus.ancestors.size : null,
      focus ? focus.descendants.size : 0
    );
    this._stateChanged.emit();
  }

  private _render(id: string): void {
    this._views.render(id);
  }

  private _renderAll(): void {
    this._views.renderAll();
  }

  private _renderProgress(): void {
    this._views.renderProgress();
  }

  private _context: Context;
  private _kernel: Kernel.IKernelConnection | null = null;
  private _comm: CommClient | null = null;
  private _writer: OutputWriter;
  private _views: NotebookViews;
  private _stateChanged = new Signal<this, void>(this);
  private _disposed = false;
  private _initializing = false;
  private _needsInit = false;
  /** execute_request msg_id → the cell JupyterLab sent it for. */
  private _native = new Map<string, string>();
  private _state = new KernelState();
  private _focus: IFocus | null = null;
  /** The kernel's last rendering of each markdown cell (PROTOCOL §2b). */
  private _rendered = new Map<string, string>();
  /** Code and markdown cells in the notebook at the last sync (to see deletions). */
  private _seen: Set<string>;
  private _index: Map<string, number> | null = null;
  private _syncTimer: ReturnType<typeof setTimeout> | null = null;
  private _registrar = new Registrar(
    () => this._reactiveCells(),
    (op, args) => this._post(op, args)
  );
}
