import { forwardRef, useEffect, useImperativeHandle, useRef } from 'react';
import { basicSetup } from 'codemirror';
import type { Completion, CompletionContext, CompletionResult } from '@codemirror/autocomplete';
import { Compartment, EditorSelection, EditorState, StateEffect, StateField, type Extension } from '@codemirror/state';
import { Decoration, EditorView, placeholder, type DecorationSet } from '@codemirror/view';
import type { ColumnInfo } from '../../../workers/api';
import { RULE_KEYWORDS, ruleIdentifier } from './tag-data';

export interface RuleEditorHandle {
  setText(text: string): void;
  getText(): string;
  focus(): void;
  /** Underlines [from, to) without moving the cursor (the user is still typing). */
  markError(from: number, to: number): void;
  clearError(): void;
}

interface RuleEditorProps {
  /** Columns of the chosen table, offered as completions. */
  columns: readonly ColumnInfo[];
  initialText: string;
  onTextChange(text: string): void;
}

const setErrorMark = StateEffect.define<{ from: number; to: number } | null>();
const errorMark = Decoration.mark({ class: 'rule-error-mark' });

/** The error underline; an edit maps it along until the next check replaces it. */
const errorField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(marks, tr) {
    for (const effect of tr.effects) {
      if (effect.is(setErrorMark)) {
        return effect.value && effect.value.to > effect.value.from ? Decoration.set([errorMark.range(effect.value.from, effect.value.to)]) : Decoration.none;
      }
    }
    return marks.map(tr.changes);
  },
  provide: (field) => EditorView.decorations.from(field),
});

const editorTheme = EditorView.theme({
  '&': { fontSize: '13px', minHeight: '64px', maxHeight: '220px' },
  '.cm-scroller': { fontFamily: 'var(--font-mono, ui-monospace, SFMono-Regular, Menlo, Consolas, monospace)', lineHeight: '1.5', overflow: 'auto' },
  '.cm-content': { padding: '6px 0' },
  '.rule-error-mark': { textDecoration: 'underline wavy #d92d20', backgroundColor: 'rgba(217, 45, 32, 0.12)' },
});

/** Column names (quoted where the rule language needs it) and the rule keywords. */
function completionSource(columns: readonly ColumnInfo[]): (context: CompletionContext) => CompletionResult | null {
  const options: Completion[] = [
    ...columns.map((c): Completion => ({ label: c.name, type: 'property', detail: c.type, apply: ruleIdentifier(c.name), boost: 1 })),
    ...RULE_KEYWORDS.map((k): Completion => ({ label: k, type: 'keyword' })),
  ];
  return (context) => {
    const word = context.matchBefore(/"[^"]*|[A-Za-z_][A-Za-z0-9_]*/);
    if (!word && !context.explicit) return null;
    // No completions inside a string literal.
    const before = context.state.sliceDoc(0, context.pos);
    if (((before.match(/'/g) ?? []).length & 1) === 1) return null;
    return { from: word ? word.from : context.pos, options, validFor: /^"?[A-Za-z0-9_ ]*$/ };
  };
}

function completionFor(columns: readonly ColumnInfo[]): Extension {
  return EditorState.languageData.of(() => [{ autocomplete: completionSource(columns) }]);
}

/** A CodeMirror 6 editor for one rule: column completion and an error underline. */
export const RuleEditor = forwardRef<RuleEditorHandle, RuleEditorProps>(function RuleEditor(props, ref) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const completion = useRef(new Compartment());
  const callbacks = useRef(props);
  callbacks.current = props;

  useEffect(() => {
    if (!host.current) return;
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: props.initialText,
        extensions: [
          basicSetup,
          completion.current.of(completionFor(props.columns)),
          errorField,
          editorTheme,
          EditorView.lineWrapping,
          placeholder("e.g. PageValues > 0 and Month in ('Nov', 'Dec')"),
          EditorView.contentAttributes.of({ 'aria-label': 'Rule editor' }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) callbacks.current.onTextChange(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
    // Built once; columns change through the compartment, text through the handle.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    view.current?.dispatch({ effects: completion.current.reconfigure(completionFor(props.columns)) });
  }, [props.columns]);

  useImperativeHandle(ref, (): RuleEditorHandle => ({
    setText(text) {
      const editor = view.current;
      if (!editor) return;
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: text }, selection: EditorSelection.cursor(text.length), effects: setErrorMark.of(null) });
    },
    getText: () => view.current?.state.doc.toString() ?? '',
    focus: () => view.current?.focus(),
    markError(from, to) {
      const editor = view.current;
      if (!editor) return;
      const length = editor.state.doc.length;
      const start = Math.max(0, Math.min(from, length));
      const end = Math.max(start, Math.min(to, length));
      editor.dispatch({ effects: setErrorMark.of({ from: start, to: end }) });
    },
    clearError() {
      view.current?.dispatch({ effects: setErrorMark.of(null) });
    },
  }));

  return <div ref={host} className="rule-editor" data-testid="rule-editor" />;
});
