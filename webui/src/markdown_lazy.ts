// The markdown renderer (markdown-it + KaTeX, most of the bundle's weight) is
// loaded on first use, in a chunk of its own, so notebooks without markdown
// open as fast as before. Until it arrives an element shows the plain source.

import type * as Markdown from "./markdown";

type Renderer = typeof Markdown;

let loaded: Renderer | null = null;
let loading: Promise<Renderer> | null = null;
const generation = new WeakMap<HTMLElement, number>();

export function loadMarkdown(): Promise<Renderer> {
  loading ??= import("./markdown").then((m) => (loaded = m));
  return loading;
}

/**
 * Fill `el` with `render(renderer)`: at once when the renderer is loaded, else
 * the `source` as text now and the rendering when it arrives (a later call on
 * the same element wins over an earlier one still waiting).
 */
export function fillMarkdown(el: HTMLElement, source: string, render: (m: Renderer) => DocumentFragment): HTMLElement {
  const mine = (generation.get(el) ?? 0) + 1;
  generation.set(el, mine);
  if (loaded) {
    el.replaceChildren(render(loaded));
    return el;
  }
  el.textContent = source;
  void loadMarkdown().then((m) => {
    if (generation.get(el) === mine) el.replaceChildren(render(m));
  });
  return el;
}
