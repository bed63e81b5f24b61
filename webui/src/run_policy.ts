// When the page runs a notebook by itself: "run on open".

import type { Cell } from "./protocol";

/**
 * Whether opening the notebook should run it: on the page's first sync only,
 * when the notebook has code cells and none has ever run in this kernel (all
 * `idle`, no execution count). A kernel that already ran something (another
 * window, or results restored from a cache, which are not `idle`) is left as
 * it is, and so is a kernel the user restarted: the policy is asked once.
 * Markdown cells render without running and do not count. A kernel that has
 * died before (`deaths` > 0) is not run: a cell that kills the kernel
 * (`os._exit`) must not kill it again on every open.
 */
export function shouldRunOnOpen(cells: readonly Cell[], firstSync: boolean, deaths = 0): boolean {
  if (!firstSync || deaths > 0) return false;
  const code = cells.filter((c) => c.type !== ("markdown" as string));
  return code.length > 0 && code.every((c) => c.status === "idle" && c.execution_count === null);
}
