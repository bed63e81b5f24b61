/**
 * A cell executor that runs a cell only once its notebook's session has
 * settled.
 *
 * In a notebook that was just created, JupyterLab's session context is
 * still looking for or starting its kernel for a moment; a cell run in that
 * moment saw "no kernel", started a second session that pre-empted the first
 * (the server log shows a kernel start, shutdown and start), and the run was
 * lost: the cell stayed `[ ]` and the next one failed with NameError. This
 * executor first waits for the session context's initialization (bounded),
 * then runs the cell with JupyterLab's own `runCell`. It provides the
 * executor for every notebook (the race is not particular to the reactive
 * kernel): extensions are registered after JupyterLab's own plugins, and a
 * later provider of a token overrides an earlier one (Lumino's
 * `PluginRegistry.registerPlugin`). The core plugin is not disabled, so if
 * this extension fails to load JupyterLab's own executor still runs cells.
 */

import { JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ISessionContext } from '@jupyterlab/apputils';
import { INotebookCellExecutor, runCell } from '@jupyterlab/notebook';

/** Longest wait for a session to settle before running anyway. */
const SETTLE_TIMEOUT_MS = 60000;

/** Resolves once the session context has found or started its kernel (or
 * decided it has none), or after {@link SETTLE_TIMEOUT_MS}. */
export async function settled(sessionContext: ISessionContext): Promise<void> {
  if (sessionContext.isReady || sessionContext.isDisposed) {
    return;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>(resolve => {
    timer = setTimeout(resolve, SETTLE_TIMEOUT_MS);
  });
  try {
    // initialize() returns the running initialization when one has started.
    await Promise.race([sessionContext.initialize(), sessionContext.ready, timeout]);
  } catch {
    // Its failure is reported by the session context; run as JupyterLab would.
  } finally {
    clearTimeout(timer);
  }
}

export const executorPlugin: JupyterFrontEndPlugin<INotebookCellExecutor> = {
  id: 'reactive-kernel-labextension:cell-executor',
  description: 'Runs a cell once its notebook session has settled, so no run of a new notebook is lost.',
  autoStart: true,
  provides: INotebookCellExecutor,
  activate: (): INotebookCellExecutor =>
    Object.freeze({
      runCell: async (options: INotebookCellExecutor.IRunCellOptions) => {
        if (options.sessionContext) {
          await settled(options.sessionContext);
        }
        return runCell(options);
      }
    })
};
