// Export of the open notebook as one offline HTML page (filled in by the export work).

import { toast } from "./dom";

/** Download the open notebook as HTML. */
export async function exportHtml(): Promise<void> {
  toast("Export to HTML is not available yet.", "error");
}
