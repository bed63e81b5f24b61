/**
 * JupyterLab extension for the reactive kernel.
 *
 * In notebooks whose kernel is `reactive` it writes the outputs of cells
 * re-run by a cascade into those cells, shows each cell's status and the
 * cascade's progress, offers "Show Dependencies", and deletes cells in the
 * kernel as soon as they are deleted in the notebook. Elsewhere it does
 * nothing. Only public JupyterLab APIs are used.
 */

import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { DocumentRegistry } from '@jupyterlab/docregistry';
import {
  INotebookModel,
  INotebookTracker,
  NotebookPanel
} from '@jupyterlab/notebook';
import { IDisposable } from '@lumino/disposable';
import { executorPlugin } from './executor';
import { ReactiveNotebook } from './notebook';
import { activateOptions } from './options';

const PLUGIN_ID = 'reactive-kernel-labextension:plugin';

export namespace CommandIDs {
  export const showDependencies = 'reactive:show-dependencies';
}

/** One {@link ReactiveNotebook} per notebook document, shared by its views. */
class ReactiveExtension
  implements DocumentRegistry.IWidgetExtension<NotebookPanel, INotebookModel>
{
  createNew(
    panel: NotebookPanel,
    context: DocumentRegistry.IContext<INotebookModel>
  ): IDisposable {
    let notebook = this.notebooks.get(context);
    if (!notebook) {
      const created = new ReactiveNotebook(context);
      notebook = created;
      this.notebooks.set(context, created);
      created.stateChanged.connect(() => this.stateChanged());
      context.disposed.connect(() => {
        this.notebooks.delete(context);
        created.dispose();
      });
    }
    return notebook.addPanel(panel);
  }

  readonly notebooks = new Map<
    DocumentRegistry.IContext<INotebookModel>,
    ReactiveNotebook
  >();
  stateChanged: () => void = () => undefined;
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'Reactive kernel: dependents re-run in place, cell statuses, cascade progress, dependencies.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    palette: ICommandPalette | null
  ) => {
    const extension = new ReactiveExtension();
    app.docRegistry.addWidgetExtension('Notebook', extension);

    const current = () => {
      const panel = tracker.currentWidget;
      const notebook = panel ? extension.notebooks.get(panel.context) : undefined;
      const cell = panel?.content.activeCell ?? null;
      return panel && notebook?.isReactive && cell?.model.type === 'code'
        ? { notebook, cellId: cell.model.id }
        : null;
    };

    app.commands.addCommand(CommandIDs.showDependencies, {
      label: () => {
        const found = current();
        return found && found.notebook.focusedCell === found.cellId
          ? 'Hide Dependencies'
          : 'Show Dependencies';
      },
      caption:
        'Highlight the cells the active cell depends on (↑) ' +
        'and the cells that depend on it (↓)',
      isEnabled: () => current() !== null,
      execute: async () => {
        const found = current();
        if (found) {
          try {
            await found.notebook.toggleDependencies(found.cellId);
          } catch (error) {
            console.warn('reactive: Show Dependencies failed', error);
          }
        }
      }
    });
    const refresh = () => app.commands.notifyCommandChanged(CommandIDs.showDependencies);
    extension.stateChanged = refresh;
    tracker.currentChanged.connect(refresh);
    tracker.activeCellChanged.connect(refresh);
    palette?.addItem({ command: CommandIDs.showDependencies, category: 'Reactive Kernel' });
    activateOptions(app, tracker, palette, panel => extension.notebooks.get(panel.context));
  }
};

export default [plugin, executorPlugin];
