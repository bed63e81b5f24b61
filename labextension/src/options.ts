/**
 * Expensive notebooks in JupyterLab (PROTOCOL.md section 8): cell context-menu
 * commands to disable a cell and to cache its results, a notebook command and
 * toolbar toggle for lazy mode, and a "Run Stale" toolbar button (the kernel's
 * `run_all`). Stale, disabled and cached cells are marked by the status badge
 * (view.ts draws the label from {@link statusLabel}). The kernel owns every
 * rule; this sends `configure_cell`, `configure` and `run_all`.
 */

import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette, ToolbarButton } from '@jupyterlab/apputils';
import { DocumentRegistry } from '@jupyterlab/docregistry';
import { INotebookModel, INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { DisposableDelegate, IDisposable } from '@lumino/disposable';
import type { ReactiveNotebook } from './notebook';
import type { IKernelCell, ISnapshot, IStatusEntry } from './protocol';

export namespace OptionCommandIDs {
  export const toggleDisabled = 'reactive:toggle-disabled';
  export const toggleCache = 'reactive:toggle-cache';
  export const toggleLazy = 'reactive:toggle-lazy';
  export const runStale = 'reactive:run-stale';
}

/** The status badge's text: `disabled`, and `success · cached` for a result
 * restored from the cache. */
export function statusLabel(entry: IStatusEntry): string {
  if (entry.status === 'success' && entry.cached) {
    return 'success · cached';
  }
  return entry.status;
}

/** The badge's tooltip addition for a cell disabled by an ancestor. */
export function disabledNote(entry: IStatusEntry): string {
  return entry.status === 'disabled' && entry.disabled_by
    ? ` (its ancestor ${entry.disabled_by} is disabled)`
    : '';
}

type Lookup = (panel: NotebookPanel) => ReactiveNotebook | undefined;

interface ICurrent {
  panel: NotebookPanel;
  notebook: ReactiveNotebook;
  cellId: string | null;
}

/** What each notebook's kernel said its mode is (from snapshots and replies). */
const modes = new WeakMap<ReactiveNotebook, string>();

async function kernelCell(notebook: ReactiveNotebook, cellId: string): Promise<IKernelCell | undefined> {
  const reply = await notebook.request('snapshot', {});
  const snapshot = reply.snapshot as ISnapshot & { mode?: string };
  modes.set(notebook, snapshot.mode ?? 'auto');
  return snapshot.cells.find(c => c.id === cellId);
}

/** Register the commands, context-menu items and toolbar items. */
export function activateOptions(
  app: JupyterFrontEnd,
  tracker: INotebookTracker,
  palette: ICommandPalette | null,
  lookup: Lookup
): void {
  const current = (): ICurrent | null => {
    const panel = tracker.currentWidget;
    const notebook = panel ? lookup(panel) : undefined;
    if (!panel || !notebook?.isReactive) {
      return null;
    }
    const cell = panel.content.activeCell;
    return { panel, notebook, cellId: cell?.model.type === 'code' ? cell.model.id : null };
  };
  const withCell = () => {
    const found = current();
    return found && found.cellId ? found : null;
  };
  const toggle = (option: 'disabled' | 'cache') => async () => {
    const found = withCell();
    if (!found || !found.cellId) {
      return;
    }
    try {
      const cell = await kernelCell(found.notebook, found.cellId);
      if (cell) {
        const on = !(cell as unknown as Record<string, boolean>)[option];
        await found.notebook.request('configure_cell', { cell_id: cell.id, [option]: on });
      }
    } catch (error) {
      console.warn(`reactive: ${option} failed`, error);
    }
  };
  const { commands } = app;
  commands.addCommand(OptionCommandIDs.toggleDisabled, {
    label: 'Disable / Enable Cell (Reactive)',
    caption: 'A disabled cell and the cells that depend on it do not run',
    isEnabled: () => withCell() !== null,
    execute: toggle('disabled')
  });
  commands.addCommand(OptionCommandIDs.toggleCache, {
    label: 'Cache Cell Results On / Off (Reactive)',
    caption: "Keep the cell's results across kernel restarts and restore them instead of running it",
    isEnabled: () => withCell() !== null,
    execute: toggle('cache')
  });
  commands.addCommand(OptionCommandIDs.toggleLazy, {
    label: 'Lazy Mode (Reactive)',
    caption: 'Edits and runs mark dependent cells stale instead of running them',
    isEnabled: () => current() !== null,
    isToggled: () => {
      const found = current();
      return !!found && modes.get(found.notebook) === 'lazy';
    },
    execute: async () => {
      const found = current();
      if (!found) {
        return;
      }
      const lazy = modes.get(found.notebook) !== 'lazy';
      const reply = await found.notebook.request('configure', { mode: lazy ? 'lazy' : 'auto' });
      modes.set(found.notebook, String(reply.mode ?? (lazy ? 'lazy' : 'auto')));
      commands.notifyCommandChanged(OptionCommandIDs.toggleLazy);
    }
  });
  commands.addCommand(OptionCommandIDs.runStale, {
    label: 'Run Stale Cells (Reactive)',
    caption: 'Bring every stale or never-run cell up to date',
    isEnabled: () => current() !== null,
    execute: async () => {
      const found = current();
      if (found) {
        await found.notebook.request('run_all', {});
      }
    }
  });
  for (const command of [OptionCommandIDs.toggleDisabled, OptionCommandIDs.toggleCache]) {
    app.contextMenu.addItem({ command, selector: '.jp-reactive-notebook .jp-CodeCell', rank: 30 });
  }
  for (const command of Object.values(OptionCommandIDs)) {
    palette?.addItem({ command, category: 'Reactive Kernel' });
  }
  tracker.currentChanged.connect(() => commands.notifyCommandChanged(OptionCommandIDs.toggleLazy));
  app.docRegistry.addWidgetExtension('Notebook', new OptionToolbar(app, lookup));
}

/** "Lazy" and "Run Stale" buttons in each reactive notebook's toolbar. */
class OptionToolbar implements DocumentRegistry.IWidgetExtension<NotebookPanel, INotebookModel> {
  constructor(
    private readonly app: JupyterFrontEnd,
    private readonly lookup: Lookup
  ) {}

  createNew(panel: NotebookPanel): IDisposable {
    const lazy = new ToolbarButton({
      className: 'jp-reactive-lazy-button',
      label: 'Lazy',
      pressed: false,
      tooltip: 'Lazy mode: edits and runs mark dependent cells stale instead of running them',
      onClick: () => {
        void this.app.commands.execute(OptionCommandIDs.toggleLazy).then(() => this.show(panel, lazy));
      }
    });
    const stale = new ToolbarButton({
      className: 'jp-reactive-run-stale',
      label: '▶ Run Stale',
      tooltip: 'Bring every stale or never-run cell up to date (run all)',
      onClick: () => {
        const notebook = this.lookup(panel);
        if (notebook?.isReactive) {
          void notebook.request('run_all', {});
        }
      }
    });
    panel.toolbar.addItem('reactive-lazy', lazy);
    panel.toolbar.addItem('reactive-run-stale', stale);
    this.sync(panel, lazy);
    return new DisposableDelegate(() => {
      lazy.dispose();
      stale.dispose();
    });
  }

  /** Ask the kernel for its mode whenever the notebook's kernel changes, and show it. */
  private sync(panel: NotebookPanel, button: ToolbarButton): void {
    const notebook = this.lookup(panel);
    const refresh = () => {
      if (!notebook?.isReactive) {
        return this.show(panel, button);
      }
      notebook
        .request('snapshot', {})
        .then(reply => {
          modes.set(notebook, String((reply.snapshot as { mode?: string }).mode ?? 'auto'));
          this.show(panel, button);
        })
        .catch(() => undefined);
    };
    notebook?.stateChanged.connect(refresh);
    refresh();
  }

  private show(panel: NotebookPanel, button: ToolbarButton): void {
    const notebook = this.lookup(panel);
    const lazy = !!notebook && modes.get(notebook) === 'lazy';
    button.pressed = lazy; // aria-pressed on the button
    button.node.classList.toggle('jp-reactive-lazy-on', lazy);
    button.node.dataset.mode = lazy ? 'lazy' : 'auto';
  }
}
