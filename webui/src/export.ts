// Download the open notebook as one self-contained HTML page. The kernel
// renders the page (its `export` op, the same code as
// `python -m reactive_kernel export`); the page only saves what it returns.
// The toolbar's download button calls `downloadHtml(page.client)`.

import { toast } from "./dom";
import type { ReactiveClient } from "./kernel";

/** Ask the kernel for the page and save it as `<notebook>.html`. */
export async function downloadHtml(client: ReactiveClient): Promise<string> {
  const reply = await client.send({ op: "export", format: "html" });
  if (!reply.ok) throw new Error(reply.error?.message ?? "the kernel could not export the notebook");
  const filename = typeof reply.filename === "string" ? reply.filename : "notebook.html";
  const blob = new Blob([String(reply.html ?? "")], { type: "text/html;charset=utf-8" });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return filename;
}

/** The toolbar's Export HTML button: download, or say why not. */
export async function exportHtml(client: ReactiveClient): Promise<void> {
  try {
    await downloadHtml(client);
  } catch (e) {
    toast(`Export failed: ${e instanceof Error ? e.message : String(e)}`, "error");
  }
}
