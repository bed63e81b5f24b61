/**
 * Writing a cascaded cell's outputs into its notebook cell.
 *
 * JupyterLab shows the outputs of a request only in the cell that sent it;
 * the kernel publishes every other cell of a cascade under a header of its
 * own (`parent_header.cellId`, `msg_id` `<request>:<cellId>`), which no cell
 * listens to. This writes those messages into the cell they name, the way an
 * output area would: the first message of a run clears the cell, then outputs
 * are appended (consecutive streams merge in the output model).
 */

import { ICodeCellModel } from '@jupyterlab/cells';
import * as nbformat from '@jupyterlab/nbformat';
import { KernelMessage } from '@jupyterlab/services';
import { isSummary } from './protocol';

const OUTPUT_TYPES = new Set([
  'stream',
  'display_data',
  'execute_result',
  'error',
  'update_display_data',
  'clear_output'
]);

/** Whether a message is one that becomes (or changes) a cell's outputs. */
export function isOutputMessage(msgType: string): boolean {
  return OUTPUT_TYPES.has(msgType) || msgType === 'execute_input';
}

/** The nbformat output an IOPub message stands for, or null. */
export function toOutput(
  msgType: string,
  content: Record<string, any>
): nbformat.IOutput | null {
  switch (msgType) {
    case 'stream':
      return { output_type: 'stream', name: content.name, text: content.text };
    case 'display_data':
      return {
        output_type: 'display_data',
        data: content.data ?? {},
        metadata: content.metadata ?? {}
      };
    case 'execute_result':
      return {
        output_type: 'execute_result',
        execution_count: content.execution_count ?? null,
        data: content.data ?? {},
        metadata: content.metadata ?? {}
      };
    case 'error':
      return {
        output_type: 'error',
        ename: content.ename,
        evalue: content.evalue,
        traceback: content.traceback ?? []
      };
    default:
      return null;
  }
}

interface IDisplayRef {
  cellId: string;
  index: number;
}

/** Keeps, per cell, which run's outputs it shows, and where displays with an
 * id went (for `update_display_data`). */
export class OutputWriter {
  constructor(find: (cellId: string) => ICodeCellModel | null) {
    this._find = find;
  }

  /** Apply one IOPub message addressed to `cellId` (not the cell's own request). */
  write(cellId: string, msg: KernelMessage.IIOPubMessage): void {
    const model = this._find(cellId);
    if (!model) {
      return;
    }
    const msgType = msg.header.msg_type;
    const content = msg.content as Record<string, any>;
    const runId = (msg.parent_header as KernelMessage.IHeader).msg_id;
    if (msgType === 'execute_input') {
      this._begin(model, cellId, runId);
      model.executionCount = content.execution_count ?? null;
      return;
    }
    if (!OUTPUT_TYPES.has(msgType) || isSummary(content.metadata)) {
      return;
    }
    if (this._runs.get(cellId) !== runId) {
      // A cell that fails without running (UpstreamError) gets no execute_input.
      this._begin(model, cellId, runId);
    }
    if (msgType === 'clear_output') {
      model.outputs.clear(!!content.wait);
      this._forgetDisplays(cellId);
      return;
    }
    const displayId: string | undefined = content.transient?.display_id;
    if (msgType === 'update_display_data') {
      this._update(displayId, content);
      return;
    }
    const output = toOutput(msgType, content);
    if (!output) {
      return;
    }
    const length = model.outputs.add(output);
    if (displayId) {
      const refs = this._displays.get(displayId) ?? [];
      refs.push({ cellId, index: length - 1 });
      this._displays.set(displayId, refs);
    }
  }

  /** Forget a cell (deleted from the notebook). */
  forget(cellId: string): void {
    this._runs.delete(cellId);
    this._forgetDisplays(cellId);
  }

  /** Forget everything (the kernel restarted). */
  reset(): void {
    this._runs.clear();
    this._displays.clear();
  }

  private _begin(model: ICodeCellModel, cellId: string, runId: string): void {
    if (this._runs.get(cellId) === runId) {
      return;
    }
    this._runs.set(cellId, runId);
    this._forgetDisplays(cellId);
    model.outputs.clear();
    // Like a cell run from this notebook: the user's own code produced it.
    model.trusted = true;
  }

  private _update(displayId: string | undefined, content: Record<string, any>): void {
    for (const ref of (displayId && this._displays.get(displayId)) || []) {
      const model = this._find(ref.cellId);
      if (model && ref.index < model.outputs.length) {
        model.outputs.set(ref.index, {
          output_type: 'display_data',
          data: content.data ?? {},
          metadata: content.metadata ?? {}
        });
      }
    }
  }

  private _forgetDisplays(cellId: string): void {
    for (const [id, refs] of this._displays) {
      const kept = refs.filter(ref => ref.cellId !== cellId);
      if (kept.length) {
        this._displays.set(id, kept);
      } else {
        this._displays.delete(id);
      }
    }
  }

  private _find: (cellId: string) => ICodeCellModel | null;
  private _runs = new Map<string, string>();
  private _displays = new Map<string, IDisplayRef[]>();
}
