// CodeMirror 6 cell editors, and the same highlighting as static HTML for cells
// whose editor is not mounted yet (a 500-cell notebook renders without 500 editors).

import { closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { python, pythonLanguage } from "@codemirror/lang-python";
import { MySQL, PostgreSQL, SQLite, StandardSQL, sql } from "@codemirror/lang-sql";
import type { LanguageSupport } from "@codemirror/language";
import type { Extension } from "@codemirror/state";
import { bracketMatching, indentOnInput, indentUnit, syntaxHighlighting } from "@codemirror/language";
import { Annotation, Compartment, EditorState, Prec } from "@codemirror/state";
import { drawSelection, highlightSpecialChars, keymap, placeholder } from "@codemirror/view";
import { classHighlighter, highlightCode } from "@lezer/highlight";
import { EditorView } from "codemirror";
import { h } from "./dom";
import type { CellType } from "./protocol";

export type RunMode = "stay" | "advance" | "insert";

export interface EditorCallbacks {
  change(code: string): void;
  run(mode: RunMode): void;
  escape(): void;
  focus(): void;
  /** The cursor tried to leave the first (-1) or last (+1) line: go to the neighbour cell. */
  leave(direction: -1 | 1): boolean;
}

const External = Annotation.define<boolean>();
const languages = new Map<string, LanguageSupport>();

function languageFor(type: CellType, dialect: string | null): LanguageSupport | Extension {
  if (type === "markdown") return [];
  const key = type === "sql" ? `sql:${dialect ?? ""}` : "python";
  let support = languages.get(key);
  if (!support) {
    if (type === "python") support = python();
    else {
      const d = dialect === "sqlite" ? SQLite : dialect === "postgresql" ? PostgreSQL : dialect === "mysql" ? MySQL : StandardSQL;
      support = sql({ dialect: d, upperCaseKeywords: true });
    }
    languages.set(key, support);
  }
  return support;
}

/**
 * The code as a static block laid out like the editor. Without `highlight` it
 * is one text node (building 500 of them costs almost nothing); with it, the
 * same text with the token classes the editor uses (tok-*), for cells in view.
 */
export function staticCode(code: string, type: CellType, dialect: string | null, highlight: boolean): HTMLElement {
  const pre = h("pre", { class: "code-static" });
  if (!code) {
    pre.append(h("span", { class: "code-placeholder" }, placeholderText(type)));
    return pre;
  }
  if (!highlight || type === "markdown") {
    pre.textContent = code;
    return pre;
  }
  const parser = type === "sql" ? (languageFor(type, dialect) as LanguageSupport).language.parser : pythonLanguage.parser;
  highlightCode(
    code,
    parser.parse(code),
    classHighlighter,
    (text, classes) => pre.append(classes ? h("span", { class: classes }, text) : text),
    () => pre.append("\n"),
  );
  return pre;
}

function placeholderText(type: CellType): string {
  return type === "sql" ? "SELECT …" : type === "markdown" ? "Markdown text: {name} shows a value" : "# code";
}

export class CellEditor {
  readonly view: EditorView;
  private readonly language = new Compartment();

  constructor(parent: HTMLElement, code: string, type: CellType, dialect: string | null, cb: EditorCallbacks) {
    const atEdge = (direction: -1 | 1) => (view: EditorView) => {
      const { main } = view.state.selection;
      if (!main.empty) return false;
      const line = view.state.doc.lineAt(main.head);
      const edge = direction < 0 ? line.number === 1 : line.number === view.state.doc.lines;
      return edge ? cb.leave(direction) : false;
    };
    const keys = Prec.highest(
      keymap.of([
        { key: "Shift-Enter", run: () => (cb.run("advance"), true) },
        { key: "Mod-Enter", run: () => (cb.run("stay"), true) },
        { key: "Alt-Enter", run: () => (cb.run("insert"), true) },
        { key: "Escape", run: () => (cb.escape(), true) },
        { key: "ArrowUp", run: atEdge(-1) },
        { key: "ArrowDown", run: atEdge(1) },
      ]),
    );
    this.view = new EditorView({
      parent,
      state: EditorState.create({
        doc: code,
        extensions: [
          keys,
          highlightSpecialChars(),
          history(),
          drawSelection(),
          indentOnInput(),
          bracketMatching(),
          closeBrackets(),
          indentUnit.of("    "),
          EditorState.tabSize.of(4),
          syntaxHighlighting(classHighlighter),
          keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, indentWithTab]),
          placeholder(placeholderText(type)),
          this.language.of(languageFor(type, dialect)),
          EditorView.lineWrapping,
          EditorView.updateListener.of((update) => {
            if (update.docChanged && !update.transactions.some((t) => t.annotation(External))) {
              cb.change(update.state.doc.toString());
            }
            if (update.focusChanged && update.view.hasFocus) cb.focus();
          }),
        ],
      }),
    });
  }

  get code(): string {
    return this.view.state.doc.toString();
  }

  /** Replace the text (an edit from another page); does not report a change. */
  setCode(code: string): void {
    if (code === this.code) return;
    const head = Math.min(this.view.state.selection.main.head, code.length);
    this.view.dispatch({
      changes: { from: 0, to: this.view.state.doc.length, insert: code },
      selection: { anchor: head },
      annotations: External.of(true),
    });
  }

  setLanguage(type: CellType, dialect: string | null): void {
    this.view.dispatch({ effects: this.language.reconfigure(languageFor(type, dialect)) });
  }

  focus(at: "start" | "end" | null = null): void {
    if (at) {
      const pos = at === "start" ? 0 : this.view.state.doc.length;
      this.view.dispatch({ selection: { anchor: pos } });
    }
    this.view.focus();
  }

  destroy(): void {
    this.view.destroy();
  }
}
