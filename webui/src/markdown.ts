// Markdown as JupyterLab shows it: CommonMark plus tables and strikethrough
// (markdown-it), math with KaTeX ($…$, $$…$$, \begin{…} blocks), all bundled
// offline. Raw HTML in markdown is allowed, as in Jupyter, and everything is
// sanitized with DOMPurify (sanitize.ts) before it becomes DOM.

import katexPlugin from "@vscode/markdown-it-katex";
import katex from "katex";
import MarkdownIt from "markdown-it";
import { sanitizedFragment } from "./sanitize";

let parser: MarkdownIt | null = null;

function md(): MarkdownIt {
  if (!parser) {
    parser = new MarkdownIt({ html: true, linkify: true });
    katexPlugin(parser, { enableBareBlocks: true, enableFencedBlocks: true, throwOnError: false });
  }
  return parser;
}

/** Markdown text as HTML (unsanitized: only for sanitizedFragment). */
export function markdownHtml(text: string): string {
  return md().render(text);
}

/** Markdown text as a sanitized fragment ready to insert. */
export function renderMarkdown(text: string): DocumentFragment {
  return sanitizedFragment(markdownHtml(text));
}

/**
 * A `text/latex` output as JupyterLab shows it: text with `$…$`/`$$…$$`
 * delimiters is typeset where they stand; bare LaTeX is one display formula.
 */
export function renderLatex(tex: string): DocumentFragment {
  const trimmed = tex.trim();
  if (/\$|\\begin\{/.test(trimmed)) return renderMarkdown(trimmed);
  const html = katex.renderToString(trimmed, { displayMode: true, throwOnError: false });
  return sanitizedFragment(html);
}
