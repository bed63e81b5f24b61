/**
 * Markdown cells that interpolate values (PROTOCOL §2b): which text the
 * notebook shows for them. Pure: no JupyterLab objects, no I/O.
 *
 * The kernel "runs" a markdown cell by rendering its `{expr}` fields and
 * publishing one `display_data` with `text/markdown`. A cell shows that text
 * while it is `success` and the kernel rendered the text the cell has now;
 * otherwise (stale, failed, edited since, never rendered) JupyterLab's own
 * rendering of the cell's text stands, as for a cell without fields.
 */

/** The `text/markdown` of a display_data (or execute_result), or null. */
export function markdownText(msgType: string, content: Record<string, unknown>): string | null {
  if (msgType !== 'display_data' && msgType !== 'execute_result') {
    return null;
  }
  const data = content.data as Record<string, unknown> | undefined;
  const text = data?.['text/markdown'];
  if (typeof text === 'string') {
    return text;
  }
  return Array.isArray(text) && text.every(t => typeof t === 'string') ? text.join('') : null;
}

/** The kernel's rendering among a cell's outputs (as a snapshot carries
 * them), or null. */
export function renderedOf(outputs: unknown): string | null {
  if (!Array.isArray(outputs)) {
    return null;
  }
  for (const output of outputs) {
    if (output && typeof output === 'object') {
      const o = output as Record<string, unknown>;
      const text = markdownText(String(o.output_type), o);
      if (text !== null) {
        return text;
      }
    }
  }
  return null;
}

/** What the kernel has for one markdown cell. */
export interface IRendered {
  /** The text the kernel holds for the cell. */
  code: string | null;
  status: string | undefined;
  /** The kernel's last rendering of it, if any. */
  text: string | null;
}

/**
 * The interpolated text a markdown cell whose text is `source` shows, or
 * null to leave it to JupyterLab: only for a cell with fields (its rendering
 * differs from its text) that the kernel rendered, from this very text, in
 * its last run, which succeeded.
 */
export function interpolated(source: string, kernel: IRendered): string | null {
  if (kernel.status !== 'success' || kernel.text === null || kernel.code !== source) {
    return null;
  }
  return kernel.text === source ? null : kernel.text;
}
