import { forwardRef, useEffect, useImperativeHandle, useRef } from 'react';
import { basicSetup } from 'codemirror';
import { PostgreSQL, sql } from '@codemirror/lang-sql';
import { Compartment, EditorSelection, EditorState, Prec, StateEffect, StateField, type Extension } from '@codemirror/state';
import { Decoration, EditorView, keymap, placeholder, type DecorationSet } from '@codemirror/view';
import type { TableInfo } from '../../../workers/api';
import { completionSchema } from './schema-completion';

/** The text to run and where it starts in the document (so error positions map back). */
export interface RunText {
  sql: string;
  /** Document offset of the text's first character. */
  from: number;
}

export interface SqlEditorHandle {
  /** The selection if there is one, else the whole text. */
  runText(): RunText;
  setText(text: string): void;
  getText(): string;
  focus(): void;
  /** Marks [from, to) as the error and moves the cursor there. */
  markError(from: number, to: number): void;
  clearError(): void;
}

interface SqlEditorProps {
  tables: readonly TableInfo[];
  initialText: string;
  /** Ctrl/Cmd+Enter. */
  onRun(): void;
  /** Escape while a query runs. */
  onEscape(): boolean;
  onTextChange(text: string): void;
  /** Whether a non-empty selection exists (the Run button then says "Run selection"). */
  onSelectionChange?(hasSelection: boolean): void;
}

const setErrorMark = StateEffect.define<{ from: number; to: number } | null>();
const errorMark = Decoration.mark({ class: 'sql-error-mark' });

/** The error underline; any edit clears it because the position no longer applies. */
const errorField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(marks, tr) {
    for (const effect of tr.effects) {
      if (effect.is(setErrorMark)) {
        return effect.value && effect.value.to > effect.value.from ? Decoration.set([errorMark.range(effect.value.from, effect.value.to)]) : Decoration.none;
      }
    }
    return tr.docChanged ? Decoration.none : marks;
  },
  provide: (field) => EditorView.decorations.from(field),
});

const editorTheme = EditorView.theme({
  '&': { height: '100%', fontSize: '13px' },
  '.cm-scroller': { fontFamily: 'var(--font-mono, ui-monospace, SFMono-Regular, Menlo, Consolas, monospace)', lineHeight: '1.5' },
  '.cm-content': { padding: '6px 0' },
  '.sql-error-mark': { textDecoration: 'underline wavy #d92d20', backgroundColor: 'rgba(217, 45, 32, 0.12)' },
});

function languageFor(tables: readonly TableInfo[]): Extension {
  // PostgreSQL is the closest dialect lang-sql offers to DuckDB: double-quoted identifiers, $$ strings.
  return sql({ dialect: PostgreSQL, schema: completionSchema(tables), upperCaseKeywords: true });
}

/** A CodeMirror 6 SQL editor with catalog completion, Ctrl/Cmd+Enter to run and error marks. */
export const SqlEditor = forwardRef<SqlEditorHandle, SqlEditorProps>(function SqlEditor(props, ref) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const language = useRef(new Compartment());
  // Callbacks change every render; the editor is built once and reads them through this ref.
  const callbacks = useRef(props);
  callbacks.current = props;

  useEffect(() => {
    if (!host.current) return;
    const runKeys = Prec.highest(
      keymap.of([
        { key: 'Mod-Enter', preventDefault: true, run: () => (callbacks.current.onRun(), true) },
        { key: 'Escape', run: () => callbacks.current.onEscape() },
      ]),
    );
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: props.initialText,
        extensions: [
          runKeys,
          basicSetup,
          language.current.of(languageFor(props.tables)),
          errorField,
          editorTheme,
          placeholder('Write SQL here. Ctrl+Enter (⌘+Enter) runs the selection, or everything when nothing is selected.'),
          EditorView.contentAttributes.of({ 'aria-label': 'SQL editor' }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) callbacks.current.onTextChange(update.state.doc.toString());
            if (update.selectionSet || update.docChanged) {
              const { from, to } = update.state.selection.main;
              callbacks.current.onSelectionChange?.(to > from && update.state.sliceDoc(from, to).trim().length > 0);
            }
          }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
    // The editor is created once; later prop changes go through compartments and the handle.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    view.current?.dispatch({ effects: language.current.reconfigure(languageFor(props.tables)) });
  }, [props.tables]);

  useImperativeHandle(ref, (): SqlEditorHandle => ({
    runText() {
      const editor = view.current;
      if (!editor) return { sql: '', from: 0 };
      const { from, to } = editor.state.selection.main;
      if (to > from) {
        const selected = editor.state.sliceDoc(from, to);
        if (selected.trim().length > 0) return { sql: selected, from };
      }
      return { sql: editor.state.doc.toString(), from: 0 };
    },
    setText(text) {
      const editor = view.current;
      if (!editor) return;
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: text }, selection: EditorSelection.cursor(text.length) });
    },
    getText: () => view.current?.state.doc.toString() ?? '',
    focus: () => view.current?.focus(),
    markError(from, to) {
      const editor = view.current;
      if (!editor) return;
      const length = editor.state.doc.length;
      const start = Math.max(0, Math.min(from, length));
      const end = Math.max(start, Math.min(to, length));
      editor.dispatch({
        effects: [setErrorMark.of({ from: start, to: end }), EditorView.scrollIntoView(start, { y: 'center' })],
        selection: EditorSelection.cursor(start),
      });
      editor.focus();
    },
    clearError() {
      view.current?.dispatch({ effects: setErrorMark.of(null) });
    },
  }));

  return <div ref={host} className="sql-editor" data-testid="sql-editor" />;
});
