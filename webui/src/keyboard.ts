// JupyterLab's command mode: keys act on the selected cell when no editor or field has focus.

export interface CommandTarget {
  /** Move the selection by one cell. */
  step(delta: -1 | 1): void;
  edit(): void;
  insert(where: "above" | "below"): void;
  remove(): void;
  run(mode: "stay" | "advance" | "insert"): void;
  move(delta: -1 | 1): void;
  toType(type: "python" | "sql" | "markdown"): void;
  command(): void;
  /** The notebook-wide commands of JupyterLab's command mode. */
  runAll(): void;
  restart(): void;
  interrupt(): void;
}

const DOUBLE_PRESS_MS = 600;

function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
}

/** Install the command-mode keys on `root`; returns a function that removes them. */
export function commandKeys(root: HTMLElement, target: CommandTarget): () => void {
  let lastD = 0;
  let last0 = 0;
  let lastI = 0;
  /** JupyterLab's double presses (`D D`, `0 0`, `I I`): true on the second one. */
  const twice = (previous: number, set: (t: number) => void): boolean => {
    const now = performance.now();
    if (now - previous < DOUBLE_PRESS_MS) {
      set(0);
      return true;
    }
    set(now);
    return false;
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.defaultPrevented || typing(e.target)) return;
    const onControl = e.target instanceof HTMLElement && /^(BUTTON|A)$/.test(e.target.tagName);
    if (onControl && (e.key === "Enter" || e.key === " ")) return; // the button's own click
    if (e.altKey || ((e.ctrlKey || e.metaKey) && e.key !== "Enter" && !e.shiftKey)) return;
    const key = e.key;
    let handled = true;
    if (key === "Enter" && e.shiftKey && (e.ctrlKey || e.metaKey)) target.runAll();
    else if (key === "Enter" && e.shiftKey) target.run("advance");
    else if (key === "Enter" && (e.ctrlKey || e.metaKey)) target.run("stay");
    else if (key === "Enter") target.edit();
    else if (key === "ArrowUp" && (e.ctrlKey || e.metaKey) && e.shiftKey) target.move(-1);
    else if (key === "ArrowDown" && (e.ctrlKey || e.metaKey) && e.shiftKey) target.move(1);
    else if (key === "ArrowUp" || key === "k") target.step(-1);
    else if (key === "ArrowDown" || key === "j") target.step(1);
    else if (key === "a") target.insert("above");
    else if (key === "b") target.insert("below");
    else if (key === "y") target.toType("python");
    else if (key === "s") target.toType("sql");
    else if (key === "m") target.toType("markdown");
    else if (key === "Escape") target.command();
    else if (key === "d") {
      if (twice(lastD, (t) => (lastD = t))) target.remove();
    } else if (key === "0") {
      if (twice(last0, (t) => (last0 = t))) target.restart();
    } else if (key === "i") {
      if (twice(lastI, (t) => (lastI = t))) target.interrupt();
    } else handled = false;
    if (handled) e.preventDefault();
  };
  root.addEventListener("keydown", onKey);
  return () => root.removeEventListener("keydown", onKey);
}
